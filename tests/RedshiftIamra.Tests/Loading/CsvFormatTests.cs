using System.Text;
using Npgsql;
using RedshiftIamra.Loading;

namespace RedshiftIamra.Tests.Loading;

public class CsvFormatTests : IClassFixture<LoadingFixture>
{
    private readonly LoadingFixture _db;

    public CsvFormatTests(LoadingFixture db) => _db = db;

    public static readonly string?[] Texts =
    {
        null, string.Empty, " ", "plain", "comma,inside", "quote\"inside", "\"quoted\"", "line\nbreak", "cr\r\nlf", "\\N", "N", "NULL",
        " leading", "trailing ", "tab\tinside", "ünïcödé ✓", "back\\slash",
    };

    [Fact]
    public void Text_round_trips_through_a_real_csv_reader_keeping_null_and_empty_apart()
    {
        // PostgreSQL's COPY FROM STDIN reads the same RFC 4180 CSV as Redshift's COPY FORMAT AS CSV;
        // the NULL marker is \N unquoted, as in the staged COPY (NULL AS '\N').
        var table = LoadingFixture.Unique("csvtext");
        _db.Execute($"create table {table} (id integer, t varchar(100))");
        var csv = new StringBuilder();
        for (var i = 0; i < Texts.Length; i++)
        {
            CsvFormat.AppendRow(csv, new object[] { i, (object?)Texts[i] ?? DBNull.Value });
        }

        using (var connection = _db.Open())
        using (var import = connection.BeginTextImport($"copy {table} (id, t) from stdin with (format csv, null '\\N')"))
        {
            import.Write(csv.ToString());
        }

        for (var i = 0; i < Texts.Length; i++)
        {
            Assert.Equal(Texts[i], _db.Scalar($"select t from {table} where id = {i}"));
        }
    }

    [Fact]
    public void Typed_values_round_trip_through_csv()
    {
        var table = LoadingFixture.Unique("csvtyped");
        _db.Execute($"create table {table} (a smallint, b bigint, c numeric(20,6), d double precision, e real, f boolean, g date, h timestamp, i timestamptz, j time)");
        var row = new object[]
        {
            (short)-7, long.MinValue, 12345678901234.123456m, 0.1 + 0.2, 1.5f, true, new DateOnly(1999, 12, 31),
            new DateTime(2024, 2, 29, 23, 59, 59).AddTicks(1234560), new DateTime(2024, 2, 29, 22, 0, 0, DateTimeKind.Utc).AddTicks(10), new TimeOnly(13, 14, 15, 16),
        };
        var csv = new StringBuilder();
        CsvFormat.AppendRow(csv, row);
        using (var connection = _db.Open())
        using (var import = connection.BeginTextImport($"copy {table} from stdin with (format csv, null '\\N')"))
        {
            import.Write(csv.ToString());
        }

        using var check = _db.Open();
        using var command = new NpgsqlCommand($"select * from {table}", check);
        using var reader = command.ExecuteReader();
        Assert.True(reader.Read());
        Assert.Equal((short)-7, reader.GetInt16(0));
        Assert.Equal(long.MinValue, reader.GetInt64(1));
        Assert.Equal(12345678901234.123456m, reader.GetDecimal(2));
        Assert.Equal(0.1 + 0.2, reader.GetDouble(3));
        Assert.Equal(1.5f, reader.GetFloat(4));
        Assert.True(reader.GetBoolean(5));
        Assert.Equal(new DateOnly(1999, 12, 31), reader.GetFieldValue<DateOnly>(6));
        Assert.Equal(new DateTime(2024, 2, 29, 23, 59, 59).AddTicks(1234560), reader.GetDateTime(7));
        Assert.Equal(new DateTime(2024, 2, 29, 22, 0, 0, DateTimeKind.Utc).AddTicks(10), reader.GetFieldValue<DateTime>(8));
        Assert.Equal(new TimeOnly(13, 14, 15, 16), reader.GetFieldValue<TimeOnly>(9));
    }

    [Fact]
    public void Only_fields_that_need_quotes_are_quoted()
    {
        var line = new StringBuilder();
        CsvFormat.AppendRow(line, new object[] { "a", string.Empty, DBNull.Value, "\\N", "x,y", "say \"hi\"", 1.5m, false });
        Assert.Equal("a,\"\",\\N,\"\\N\",\"x,y\",\"say \"\"hi\"\"\",1.5,false\n", line.ToString());
    }

    [Fact]
    public void Sql_text_quotes_identifiers_and_literals_and_parses_table_names()
    {
        Assert.Equal("\"a\"\"b\"", SqlText.QuoteIdentifier("a\"b"));
        Assert.Equal("'it''s \\\\ here'", SqlText.QuoteLiteral("it's \\ here"));
        Assert.Equal(new TableName("sales", "orders"), TableName.Parse("Sales.Orders"));
        Assert.Equal(new TableName("My Schema", "t.x"), TableName.Parse("\"My Schema\".\"t.x\""));
        Assert.Equal("\"My Schema\".\"t.x\"", TableName.Parse("\"My Schema\".\"t.x\"").Quoted);
        foreach (var bad in new[] { "", "a.b.c", "a b", "1abc", "a.", "\"open", "x;drop table y" })
        {
            Assert.Equal(ErrorIds.Loading.InvalidTableName, Assert.Throws<IamraException>(() => TableName.Parse(bad)).ErrorId);
        }
    }

    [Fact]
    public void The_copy_statement_names_the_manifest_role_and_the_csv_options()
    {
        var sql = TableWriter.CopySql("\"public\".\"t\"", new[] { "a", "B" }, "s3://bucket/p/run/manifest", "arn:aws:iam::123456789012:role/copy", null);
        Assert.Equal(
            "copy \"public\".\"t\" (\"a\", \"B\") from 's3://bucket/p/run/manifest' iam_role 'arn:aws:iam::123456789012:role/copy' manifest " +
            "format as csv delimiter ',' quote as '\"' null as '\\\\N' dateformat 'YYYY-MM-DD' timeformat 'auto' gzip compupdate off statupdate off", sql);
        Assert.Contains("iam_role default", TableWriter.CopySql("t", new[] { "a" }, "s3://b/m", "default", "eu-west-1"), StringComparison.Ordinal);
        Assert.EndsWith("region 'eu-west-1'", TableWriter.CopySql("t", new[] { "a" }, "s3://b/m", "default", "eu-west-1"), StringComparison.Ordinal);
    }

    [Fact]
    public void The_manifest_lists_every_part_as_mandatory()
    {
        var manifest = S3Stager.Manifest(new[] { "s3://b/p/part-00001.csv.gz", "s3://b/p/part \"2\".csv.gz" });
        using var json = System.Text.Json.JsonDocument.Parse(manifest);
        var entries = json.RootElement.GetProperty("entries").EnumerateArray().ToList();
        Assert.Equal(2, entries.Count);
        Assert.Equal("s3://b/p/part \"2\".csv.gz", entries[1].GetProperty("url").GetString());
        Assert.True(entries.All(e => e.GetProperty("mandatory").GetBoolean()));
    }

    [Theory]
    [InlineData("Bad_Bucket")]
    [InlineData("ab")]
    [InlineData("a..b")]
    public void Bad_staging_settings_are_refused(string bucket)
    {
        Assert.Equal(ErrorIds.Staging.Invalid, Assert.Throws<IamraException>(() => new RedshiftStagingSettings { Bucket = bucket }.Validate()).ErrorId);
    }

    [Fact]
    public void Staging_settings_check_the_role_and_normalise_the_prefix()
    {
        Assert.Equal("etl/", new RedshiftStagingSettings { Bucket = "my-bucket", Prefix = "etl" }.Validate().Prefix);
        Assert.Equal(ErrorIds.Staging.Invalid, Assert.Throws<IamraException>(() => new RedshiftStagingSettings { Bucket = "my-bucket", CopyRoleArn = "copy-role" }.Validate()).ErrorId);
        Assert.Equal(ErrorIds.Staging.Invalid, Assert.Throws<IamraException>(() => new RedshiftStagingSettings { Bucket = "my-bucket", Prefix = "/abs" }.Validate()).ErrorId);
        Assert.NotNull(new RedshiftStagingSettings { Bucket = "my-bucket", CopyRoleArn = "default" }.Validate());
    }

    [Fact]
    public void Typed_staging_values_go_over_the_connections_one_by_one()
    {
        var saved = new RedshiftStagingSettings { Bucket = "saved-bucket", Prefix = "saved/", CopyRoleArn = "default", KmsKeyId = "alias/saved" };
        Assert.Null(RedshiftStagingSettings.Merge(null, null, null, null, null, null));
        Assert.Equal(saved, RedshiftStagingSettings.Merge(saved, null, null, null, null, null));
        var merged = RedshiftStagingSettings.Merge(saved, "typed-bucket", "etl", null, null, "https://s3.example.test")!;
        Assert.Equal(("typed-bucket", "etl/", "default", "alias/saved", "https://s3.example.test"), (merged.Bucket, merged.Prefix, merged.CopyRoleArn, merged.KmsKeyId, merged.EndpointUrl));
        Assert.Equal(RedshiftStagingSettings.DefaultPrefix, RedshiftStagingSettings.Merge(null, "b-1", null, null, null, null)!.Prefix);
        Assert.Equal(ErrorIds.Staging.NotConfigured, Assert.Throws<IamraException>(() => RedshiftStagingSettings.Merge(null, null, "etl/", null, null, null)).ErrorId);
        Assert.Equal(ErrorIds.Staging.Invalid, Assert.Throws<IamraException>(() => RedshiftStagingSettings.Merge(saved, "Bad_Bucket", null, null, null, null)).ErrorId);
    }

    [Fact]
    public void A_schema_given_apart_qualifies_a_bare_table_name_only()
    {
        Assert.Equal(new TableName("sales", "orders"), TableName.Parse("Orders", "Sales"));
        Assert.Equal(new TableName("My Schema", "orders"), TableName.Parse("orders", "\"My Schema\""));
        Assert.Equal(new TableName(null, "orders"), TableName.Parse("orders", null));
        Assert.Equal(ErrorIds.Loading.InvalidTableName, Assert.Throws<IamraException>(() => TableName.Parse("a.orders", "b")).ErrorId);
        Assert.Equal(ErrorIds.Loading.InvalidTableName, Assert.Throws<IamraException>(() => TableName.Parse("orders", "a.b")).ErrorId);
    }
}
