using System.IO.Compression;
using System.Text;
using RedshiftIamra.Aws;
using RedshiftIamra.Loading;

namespace RedshiftIamra.Tests.Loading;

/// <summary>Exports streamed through the connection, checked against PostgreSQL's own CSV (COPY TO and COPY FROM as the oracle).</summary>
public sealed class ExportTests : IClassFixture<LoadingFixture>, IDisposable
{
    private readonly LoadingFixture _db;
    private readonly string _folder = Directory.CreateTempSubdirectory("iamra-export-").FullName;

    public ExportTests(LoadingFixture db) => _db = db;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Theory]
    [InlineData(null, "")]
    [InlineData("", "\"\"")]
    [InlineData("plain", "plain")]
    [InlineData(" spaced ", " spaced ")]
    [InlineData("a,b", "\"a,b\"")]
    [InlineData("say \"hi\"", "\"say \"\"hi\"\"\"")]
    [InlineData("line\nbreak", "\"line\nbreak\"")]
    [InlineData("cr\rhere", "\"cr\rhere\"")]
    [InlineData("\\N", "\\N")]
    public void A_field_is_quoted_only_when_it_must_be(string? value, string expected)
    {
        Assert.Equal(expected, Rfc4180.Field(value));
        using var writer = new StringWriter();
        Rfc4180.WriteField(writer, value);
        Assert.Equal(expected, writer.ToString());
    }

    [Fact]
    public void Records_round_trip_through_postgresql_copy_csv_keeping_null_and_empty_apart()
    {
        string?[] texts = { null, string.Empty, " ", "plain", "comma,inside", "quote\"inside", "\"quoted\"", "line\nbreak", "cr\r\nlf", "\\N", "NULL", " leading", "ünïcödé ✓", "back\\slash" };
        var table = LoadingFixture.Unique("rfc");
        _db.Execute($"create table {table} (id integer, t varchar(100))");
        using var csv = new StringWriter();
        for (var i = 0; i < texts.Length; i++)
        {
            Rfc4180.WriteRecord(csv, new[] { i.ToString(System.Globalization.CultureInfo.InvariantCulture), texts[i] });
        }

        Assert.Equal(texts, Rfc4180.Parse(csv.ToString()).Select(r => r[1]).ToArray());
        using (var connection = _db.Open())
        using (var import = connection.BeginTextImport($"copy {table} (id, t) from stdin with (format csv)"))
        {
            import.Write(csv.ToString());
        }

        for (var i = 0; i < texts.Length; i++)
        {
            Assert.Equal(texts[i], _db.Scalar($"select t from {table} where id = {i}"));
        }
    }

    [Fact]
    public void A_streamed_export_is_byte_for_byte_what_postgresql_copy_to_csv_writes()
    {
        var table = LoadingFixture.Unique("exp");
        _db.Execute($"create table {table} (id integer, name varchar(50), amount numeric(12,3), at timestamp, ok boolean, note text)");
        _db.Execute($"insert into {table} select g, 'name ' || g, g * 1.125, timestamp '2026-01-01 00:00:00' + g * interval '61 seconds', g % 3 = 0, " +
                    $"case g % 5 when 0 then null when 1 then '' when 2 then 'a,b' when 3 then 'say \"hi\"' else E'two\\nlines' end from generate_series(1, 5000) g");
        var query = $"select id, name, amount, at, ok, note as \"Note, with comma\" from {table} order by id";
        var path = Path.Combine(_folder, "out.csv");
        var result = Exporter(query, path).Export();

        Assert.Equal(5000, result.Rows);
        Assert.Equal(ExportMethod.Stream, result.Method);
        Assert.Equal(new[] { path }, result.Files);
        Assert.Equal(CopyTo(query), File.ReadAllText(path));
        Assert.Empty(Directory.GetFiles(_folder, "*.partial"));
    }

    [Fact]
    public void A_gzip_export_decompresses_to_the_same_csv()
    {
        var query = "select g as n, repeat('x', g % 7) as s from generate_series(1, 2000) g";
        var path = Path.Combine(_folder, "out.csv.gz");
        Exporter(query, path, gzip: true).Export();
        using var gzip = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var reader = new StreamReader(gzip, Encoding.UTF8);
        Assert.Equal(CopyTo(query), reader.ReadToEnd());
    }

    [Fact]
    public void A_failed_query_leaves_no_file_and_an_existing_file_is_kept_without_force()
    {
        var path = Path.Combine(_folder, "fail.csv");
        var e = Assert.Throws<IamraException>(() => Exporter("select 1 / (g - 1500) from generate_series(1, 3000) g", path).Export());
        Assert.Equal(ErrorIds.Loading.ExportFailed, e.ErrorId);
        Assert.Contains("22012", e.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_folder));

        File.WriteAllText(path, "keep me");
        Assert.Equal(ErrorIds.Loading.ExportFileExists, Assert.Throws<IamraException>(() => Exporter("select 1", path)).ErrorId);
        Assert.Equal(ErrorIds.Loading.ExportFailed, Assert.Throws<IamraException>(() => Exporter("select nope", path, force: true).Export()).ErrorId);
        Assert.Equal("keep me", File.ReadAllText(path));
        Exporter("select 1 as one", path, force: true).Export();
        Assert.Equal("one\n1\n", File.ReadAllText(path));
    }

    [Fact]
    public void A_cancelled_export_leaves_no_file()
    {
        var path = Path.Combine(_folder, "cancelled.csv");
        using var cancel = new CancellationTokenSource();
        var exporter = QueryExporter.Create(_db.Open, new QueryExportOptions { Query = "select g, pg_sleep(0.001) from generate_series(1, 100000) g", Path = path }, null, "us-east-1", NullOperationLog.Instance, cancel.Token);
        var seen = 0;
        Assert.ThrowsAny<OperationCanceledException>(() => exporter.Export(_ =>
        {
            if (++seen == 1)
            {
                cancel.Cancel();
            }
        }));
        Assert.Empty(Directory.GetFiles(_folder));
    }

    [Fact]
    public void Bad_export_options_are_refused_before_anything_runs()
    {
        Assert.Equal(ErrorIds.Loading.InvalidExport, Assert.Throws<IamraException>(() => Exporter("select 1", Path.Combine(_folder, "p"), format: ExportFormat.Parquet, method: ExportMethod.Stream)).ErrorId);
        Assert.Equal(ErrorIds.Loading.InvalidExport, Assert.Throws<IamraException>(() => Exporter("select 1", _folder)).ErrorId);
        Assert.Equal(ErrorIds.Loading.InvalidExport, Assert.Throws<IamraException>(() => Exporter("select 1", Path.Combine(_folder, "no", "such", "x.csv"))).ErrorId);
        Assert.Equal(ErrorIds.Loading.InvalidExport, Assert.Throws<IamraException>(() => Exporter("  ", Path.Combine(_folder, "x.csv"))).ErrorId);
    }

    [Fact]
    public void The_unload_statement_quotes_the_query_and_names_format_role_and_key()
    {
        Assert.Equal(
            "unload ('select * from t where s = ''it''''s''') to 's3://b/p/run/part_' iam_role 'arn:aws:iam::123456789012:role/copy' format as csv header gzip kms_key_id 'alias/k' encrypted",
            QueryExporter.UnloadSql("select * from t where s = 'it''s';", "s3://b/p/run/part_", "arn:aws:iam::123456789012:role/copy", ExportFormat.Csv, header: true, gzip: true, "alias/k", null));
        Assert.Equal(
            "unload ('select 1') to 's3://b/x_' iam_role default format as parquet region 'eu-west-1'",
            QueryExporter.UnloadSql("select 1", "s3://b/x_", "default", ExportFormat.Parquet, header: true, gzip: false, null, "eu-west-1"));
    }

    [Theory]
    [InlineData("UNLOAD completed, 20000 record(s) unloaded successfully.", 20000L)]
    [InlineData("UNLOAD completed, 0 record(s) unloaded successfully.", 0L)]
    [InlineData("Load into table 't' completed, 3 record(s) loaded successfully.", null)]
    [InlineData("UNLOAD completed, many record(s) unloaded successfully.", null)]
    [InlineData(null, null)]
    public void The_unloaded_row_count_comes_from_UNLOADs_INFO_message(string? message, long? expected) =>
        Assert.Equal(expected, QueryExporter.UnloadCount(message));

    private QueryExporter Exporter(string query, string path, bool gzip = false, bool force = false, ExportFormat format = ExportFormat.Csv, ExportMethod method = ExportMethod.Auto) =>
        QueryExporter.Create(_db.Open, new QueryExportOptions { Query = query, Path = path, Gzip = gzip, Force = force, Format = format, Method = method }, null, "us-east-1", NullOperationLog.Instance, CancellationToken.None);

    /// <summary>PostgreSQL's own CSV of the query, with a header.</summary>
    private string CopyTo(string query)
    {
        using var connection = _db.Open();
        using var reader = connection.BeginTextExport($"copy ({query}) to stdout with (format csv, header)");
        return reader.ReadToEnd();
    }
}
