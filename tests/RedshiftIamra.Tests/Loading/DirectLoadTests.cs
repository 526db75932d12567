using System.Globalization;
using System.IO.Compression;
using System.Text;
using RedshiftIamra.Loading;

namespace RedshiftIamra.Tests.Loading;

public class DirectLoadTests : IClassFixture<LoadingFixture>
{
    private readonly LoadingFixture _db;

    public DirectLoadTests(LoadingFixture db) => _db = db;

    private string MixedTable()
    {
        var table = LoadingFixture.Unique("mixed");
        _db.Execute($"""
            create table {table} (id integer not null, big bigint, amount numeric(10,2), ratio double precision, flag boolean,
              name varchar(20), day date, at timestamp, at_tz timestamptz, note varchar(200))
            """);
        return table;
    }

    private static readonly string[] MixedColumns = { "id", "big", "amount", "ratio", "flag", "name", "day", "at", "at_tz", "note" };

    private static object?[] MixedRow(int i) => new object?[]
    {
        i, (long)i * 1_000_000_007L, i % 1000 + 0.25m, i / 3.0, i % 2 == 0, "name " + i, new DateOnly(2024, 1, 1).AddDays(i % 365),
        new DateTime(2024, 5, 6, 7, 8, 9).AddSeconds(i).AddTicks(1230), new DateTimeOffset(2024, 5, 6, 7, 8, 9, TimeSpan.FromHours(2)).AddMinutes(i),
        i % 10 == 0 ? null : i % 10 == 1 ? string.Empty : $"quote \" comma , newline \n {i}",
    };

    [Fact]
    public void Typed_rows_arrive_exactly_in_several_batches_in_one_transaction()
    {
        var table = MixedTable();
        var result = _db.Load(new TableLoadOptions { Table = TableName.Parse(table), BatchRows = 700 }, MixedColumns, Enumerable.Range(1, 5000).Select(MixedRow));

        Assert.Equal(5000, result.Rows);
        Assert.Equal(LoadMethod.Direct, result.Method);
        Assert.Equal(8, result.Parts); // 7 full batches of 700 and one of 100
        Assert.Equal(5000, _db.Count(table));
        Assert.Equal(500L, _db.Count($"{table} where note is null"));
        Assert.Equal(500L, _db.Count($"{table} where note = ''"));
        Assert.Equal("quote \" comma , newline \n 4242", _db.Scalar($"select note from {table} where id = 4242"));
        Assert.Equal(243.25m, _db.Scalar($"select amount from {table} where id = 4243"));
        Assert.Equal(4242L * 1_000_000_007L, _db.Scalar($"select big from {table} where id = 4242"));
        Assert.Equal("2024-05-06 08:18:51.000123", _db.Scalar($"select to_char(at, 'YYYY-MM-DD HH24:MI:SS.US') from {table} where id = 4242"));
        Assert.Equal("2024-05-09 03:50:09", _db.Scalar($"select to_char(at_tz at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS') from {table} where id = 4242"));
        Assert.Equal(true, _db.Scalar($"select flag from {table} where id = 4242"));
    }

    [Fact]
    public void Text_values_are_parsed_invariantly_and_empty_text_is_null_in_non_text_columns()
    {
        var table = MixedTable();
        _db.Load(new TableLoadOptions { Table = TableName.Parse(table) }, MixedColumns, new[]
        {
            new object?[] { "1", "-9000000000", "12.5", "1e3", "t", "x", "2024-02-29", "2024-02-29 23:59:59.5", "2024-02-29T23:59:59+01:00", "" },
            new object?[] { "2", "", "", "", "", "", "", "", "", null },
        });

        Assert.Equal(-9000000000L, _db.Scalar($"select big from {table} where id = 1"));
        Assert.Equal(12.5m, _db.Scalar($"select amount from {table} where id = 1"));
        Assert.Equal(1000d, _db.Scalar($"select ratio from {table} where id = 1"));
        Assert.Equal("2024-02-29 22:59:59", _db.Scalar($"select to_char(at_tz at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS') from {table} where id = 1"));
        Assert.Null(_db.Scalar($"select big from {table} where id = 2"));
        Assert.Null(_db.Scalar($"select day from {table} where id = 2"));
        Assert.Equal(string.Empty, _db.Scalar($"select name from {table} where id = 2"));
    }

    [Fact]
    public void A_wide_table_stays_under_the_protocol_parameter_limit()
    {
        // 40 columns x 2000 rows would be 80,000 parameters in one statement: the protocol allows 32,767.
        var table = LoadingFixture.Unique("wide");
        var names = Enumerable.Range(1, 40).Select(i => "c" + i).ToArray();
        _db.Execute($"create table {table} ({string.Join(", ", names.Select(n => n + " integer"))})");
        var result = _db.Load(new TableLoadOptions { Table = TableName.Parse(table), BatchRows = 2000 }, names,
            Enumerable.Range(0, 2000).Select(r => names.Select((_, c) => (object?)(r * 40 + c)).ToArray()));

        Assert.Equal(2000, _db.Count(table));
        Assert.Equal(BatchLimits.MaxParameters / 40, BatchLimits.RowsPerBatch(40, 2000));
        Assert.Equal(3, result.Parts); // 819 + 819 + 362
        Assert.Equal(79999L, Convert.ToInt64(_db.Scalar($"select max(c40) from {table}"), CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Batch_limits_follow_the_parameter_count()
    {
        Assert.Equal(2000, BatchLimits.RowsPerBatch(10, 0));
        Assert.Equal(3276, BatchLimits.RowsPerBatch(10, 5000));
        Assert.Equal(1, BatchLimits.RowsPerBatch(40000, 10));
        Assert.Equal(32767, BatchLimits.RowsPerBatch(1, 100_000));
        Assert.Equal("insert into \"t\" (\"a\", \"b\") values ($1,$2),($3,$4)", DirectInserter.InsertSql("\"t\"", new[] { "a", "b" }, 2));
    }

    [Fact]
    public void A_bad_value_after_batches_were_sent_rolls_everything_back_and_names_row_column_and_value()
    {
        var table = MixedTable();
        _db.Execute($"insert into {table} (id, name) values (-1, 'before')");
        var rows = Enumerable.Range(1, 5000).Select(i => i == 3000 ? MixedRow(i).Select((v, c) => c == 2 ? "twelve" : v).ToArray() : MixedRow(i));

        var e = Assert.Throws<IamraException>(() => _db.Load(new TableLoadOptions { Table = TableName.Parse(table), BatchRows = 500 }, MixedColumns, rows));

        Assert.Equal(ErrorIds.Loading.ValueNotConvertible, e.ErrorId);
        Assert.Contains("Row 3000", e.Message, StringComparison.Ordinal);
        Assert.Contains("'amount'", e.Message, StringComparison.Ordinal);
        Assert.Contains("'twelve'", e.Message, StringComparison.Ordinal);
        var target = Assert.IsType<LoadErrorTarget>(e.Target);
        Assert.Equal(3000, target.Row);
        Assert.Equal(1, _db.Count(table));
    }

    [Theory]
    [InlineData("name", "a name far longer than twenty bytes", ErrorIds.Loading.ValueTooWide)]
    [InlineData("name", "ääääääääääää", ErrorIds.Loading.ValueTooWide)] // 12 characters, 24 bytes
    [InlineData("id", null, ErrorIds.Loading.NullNotAllowed)]
    [InlineData("id", "99999999999", ErrorIds.Loading.ValueTooWide)]
    [InlineData("flag", "maybe", ErrorIds.Loading.ValueNotConvertible)]
    [InlineData("day", "31/12/2024", ErrorIds.Loading.ValueNotConvertible)]
    [InlineData("amount", "123456789.5", ErrorIds.Loading.ValueTooWide)]
    public void Values_that_do_not_fit_are_refused_before_anything_is_written(string column, string? value, string errorId)
    {
        var table = MixedTable();
        var columns = column == "id" ? new[] { "id", "name" } : new[] { "id", column };
        var rows = new[] { new object?[] { 1, null }, column == "id" ? new object?[] { value, "y" } : new object?[] { 2, value } };
        var e = Assert.Throws<IamraException>(() => _db.Load(new TableLoadOptions { Table = TableName.Parse(table) }, columns, rows));

        Assert.Equal(errorId, e.ErrorId);
        Assert.Contains("Row 2", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, _db.Count(table));
    }

    [Fact]
    public void A_missing_table_is_an_error_unless_asked_to_create_it()
    {
        var table = LoadingFixture.Unique("missing");
        var e = Assert.Throws<IamraException>(() => _db.Load(new TableLoadOptions { Table = TableName.Parse(table) }, new[] { "a" }, new[] { new object?[] { 1 } }));
        Assert.Equal(ErrorIds.Loading.TableNotFound, e.ErrorId);
        Assert.Contains("-CreateTable", e.Message, StringComparison.Ordinal);
        Assert.Equal(0L, _db.Scalar($"select count(*) from information_schema.tables where table_name = '{table}'"));
    }

    [Fact]
    public void Columns_not_in_the_table_and_missing_required_columns_are_named()
    {
        var table = MixedTable();
        var extra = Assert.Throws<IamraException>(() => _db.Load(new TableLoadOptions { Table = TableName.Parse(table) }, new[] { "id", "nickname" }, new[] { new object?[] { 1, "x" } }));
        Assert.Equal(ErrorIds.Loading.ColumnNotInTable, extra.ErrorId);
        Assert.Contains("'nickname'", extra.Message, StringComparison.Ordinal);
        Assert.Contains("at_tz", extra.Message, StringComparison.Ordinal);

        var missing = Assert.Throws<IamraException>(() => _db.Load(new TableLoadOptions { Table = TableName.Parse(table) }, new[] { "name" }, new[] { new object?[] { "x" } }));
        Assert.Equal(ErrorIds.Loading.ColumnMissing, missing.ErrorId);
        Assert.Contains("'id'", missing.Message, StringComparison.Ordinal);

        var map = Assert.Throws<IamraException>(() => _db.Load(new TableLoadOptions { Table = TableName.Parse(table), ColumnMap = new Dictionary<string, string> { ["nope"] = "id" } }, new[] { "id" }, new[] { new object?[] { 1 } }));
        Assert.Equal(ErrorIds.Loading.InvalidColumnMap, map.ErrorId);
        Assert.Equal(0, _db.Count(table));
    }

    [Fact]
    public void Column_names_match_without_case_and_a_column_map_renames()
    {
        var table = MixedTable();
        _db.Load(new TableLoadOptions { Table = TableName.Parse(table), ColumnMap = new Dictionary<string, string> { ["CustomerName"] = "name" } },
            new[] { "ID", "CustomerName" }, new[] { new object?[] { 7, "Ada" } });
        Assert.Equal("Ada", _db.Scalar($"select name from {table} where id = 7"));
    }

    [Fact]
    public void CreateTable_infers_types_and_sizes_varchar_with_headroom()
    {
        var table = LoadingFixture.Unique("created");
        var result = _db.Load(new TableLoadOptions { Table = TableName.Parse(table), CreateTable = true }, new[] { "Id", "Name", "Price", "When", "Flag", "Ratio", "Count" },
            Enumerable.Range(1, 50).Select(i => new object?[] { i, new string('x', i), i + 0.125m, new DateTime(2024, 1, 1).AddHours(i), i % 2 == 0, i * 0.5, i % 5 == 0 ? null : (object)(long)i }));

        Assert.True(result.Created);
        string Type(string c) => (string)_db.Scalar($"select data_type || coalesce('(' || character_maximum_length || ')', '') || coalesce('(' || numeric_precision || ',' || numeric_scale || ')', '') from information_schema.columns where table_name = '{table}' and column_name = '{c}'")!;
        Assert.Equal("integer(32,0)", Type("id"));
        Assert.Equal("character varying(128)", Type("name"));
        Assert.Equal("numeric(18,3)", Type("price"));
        Assert.Equal("timestamp without time zone", Type("when"));
        Assert.Equal("boolean", Type("flag"));
        Assert.Equal("double precision", Type("ratio"));
        Assert.Equal("bigint(64,0)", Type("count"));
        Assert.Equal(50, _db.Count(table));
    }

    [Theory]
    [InlineData(new[] { "1", "2", "-3" }, "INTEGER")]
    [InlineData(new[] { "1", "9000000000" }, "BIGINT")]
    [InlineData(new[] { "1.5", "22.25" }, "NUMERIC(18,2)")]
    [InlineData(new[] { "true", "False" }, "BOOLEAN")]
    [InlineData(new[] { "2024-01-02", "1999-12-31" }, "DATE")]
    [InlineData(new[] { "2024-01-02 03:04:05", "2024-01-02T03:04:05.123" }, "TIMESTAMP")]
    [InlineData(new[] { "2024-01-02 03:04:05+02:00" }, "TIMESTAMPTZ")]
    [InlineData(new[] { "abc", "1" }, "VARCHAR(64)")]
    public void Text_columns_get_the_type_their_values_share(string[] values, string expected) =>
        Assert.Equal(expected, TypeInference.Infer(null, values));

    [Fact]
    public void Varchar_length_has_headroom_and_a_cap()
    {
        Assert.Equal(64, TypeInference.VarcharLength(0));
        Assert.Equal(256, TypeInference.VarcharLength(100));
        Assert.Equal(65535, TypeInference.VarcharLength(40000));
        Assert.Equal("VARCHAR(256)", TypeInference.Infer(typeof(string), new object?[] { null, null }));
        Assert.Equal("create table \"s\".\"t\" (\"a\" INTEGER) diststyle auto", TypeInference.CreateTableSql(new TableName("s", "t"), new[] { ("a", "INTEGER") }, redshift: true));
    }

    [Fact]
    public void Truncate_replaces_the_rows_and_a_failed_truncating_load_keeps_the_old_ones()
    {
        var table = MixedTable();
        _db.Execute($"insert into {table} (id) select generate_series(1, 10)");
        var failing = Assert.Throws<IamraException>(() => _db.Load(new TableLoadOptions { Table = TableName.Parse(table), Truncate = true, BatchRows = 10 }, new[] { "id" },
            Enumerable.Range(100, 50).Select(i => new object?[] { i == 140 ? "x" : i })));
        Assert.Equal(ErrorIds.Loading.ValueNotConvertible, failing.ErrorId);
        Assert.Equal(10, _db.Count(table));

        var result = _db.Load(new TableLoadOptions { Table = TableName.Parse(table), Truncate = true }, new[] { "id" }, Enumerable.Range(100, 5).Select(i => new object?[] { i }));
        Assert.True(result.Truncated);
        Assert.Equal(5, _db.Count(table));
        Assert.Equal(100, _db.Scalar($"select min(id) from {table}"));
    }

    [Fact]
    public void Upsert_replaces_rows_with_existing_keys_and_inserts_the_others()
    {
        var table = LoadingFixture.Unique("upsert");
        _db.Execute($"create table {table} (k1 integer not null, k2 varchar(10) not null, v varchar(10))");
        _db.Execute($"insert into {table} values (1, 'a', 'old'), (1, 'b', 'keep'), (2, 'a', 'old')");
        var result = _db.Load(new TableLoadOptions { Table = TableName.Parse(table), UpsertKeys = new[] { "K1", "k2" } }, new[] { "k1", "k2", "v" },
            new[] { new object?[] { 1, "a", "new" }, new object?[] { 2, "a", "new" }, new object?[] { 3, "c", "added" } });

        Assert.True(result.Upserted);
        Assert.Equal(4, _db.Count(table));
        Assert.Equal("new", _db.Scalar($"select v from {table} where k1 = 1 and k2 = 'a'"));
        Assert.Equal("keep", _db.Scalar($"select v from {table} where k1 = 1 and k2 = 'b'"));
        Assert.Equal("added", _db.Scalar($"select v from {table} where k1 = 3"));

        var badKey = Assert.Throws<IamraException>(() => _db.Load(new TableLoadOptions { Table = TableName.Parse(table), UpsertKeys = new[] { "nope" } }, new[] { "k1", "k2" }, new[] { new object?[] { 1, "a" } }));
        Assert.Equal(ErrorIds.Loading.InvalidKey, badKey.ErrorId);
    }

    [Fact]
    public void A_cancelled_load_leaves_the_table_as_it_was()
    {
        var table = MixedTable();
        using var cancel = new CancellationTokenSource();
        var writer = _db.Writer(new TableLoadOptions { Table = TableName.Parse(table), BatchRows = 100 }, cancellationToken: cancel.Token);
        writer.SetSource(MixedColumns);
        for (var i = 1; i <= 1500; i++)
        {
            writer.AddRow(MixedRow(i));
        }

        cancel.Cancel();
        Assert.Throws<OperationCanceledException>(() => writer.AddRow(MixedRow(1501)));
        writer.Dispose();
        Assert.Equal(0, _db.Count(table));
    }

    [Fact]
    public void Csv_files_load_gzip_and_quoted_line_breaks_and_non_csv_is_refused()
    {
        var table = MixedTable();
        var dir = Directory.CreateTempSubdirectory("load-csv-").FullName;
        try
        {
            var text = "id,name,note\n1,Ada,\"line one\nline \"\"two\"\"\"\n2,,\n";
            var gz = Path.Combine(dir, "rows.csv.gz");
            using (var file = File.Create(gz))
            using (var zip = new GZipStream(file, CompressionLevel.Fastest))
            {
                zip.Write(Encoding.UTF8.GetBytes(text));
            }

            using (var source = CsvFileSource.Open(gz))
            {
                Assert.True(source.Compressed);
                _db.Load(new TableLoadOptions { Table = TableName.Parse(table) }, source.Columns.ToArray(), source.Rows());
            }

            Assert.Equal("line one\nline \"two\"", _db.Scalar($"select note from {table} where id = 1"));
            Assert.Equal(string.Empty, _db.Scalar($"select name from {table} where id = 2"));

            var binary = Path.Combine(dir, "image.csv");
            File.WriteAllBytes(binary, new byte[] { 0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 13 });
            Assert.Equal(ErrorIds.Loading.NotCsv, Assert.Throws<IamraException>(() => CsvFileSource.Open(binary)).ErrorId);
            var empty = Path.Combine(dir, "empty.csv");
            File.WriteAllText(empty, string.Empty);
            Assert.Equal(ErrorIds.Loading.NotCsv, Assert.Throws<IamraException>(() => CsvFileSource.Open(empty)).ErrorId);
            Assert.Equal(ErrorIds.Loading.InputFileNotFound, Assert.Throws<IamraException>(() => CsvFileSource.Open(Path.Combine(dir, "none.csv"))).ErrorId);
            var ragged = Path.Combine(dir, "ragged.csv");
            File.WriteAllText(ragged, "a,b\n1,2\n3\n");
            using var raggedSource = CsvFileSource.Open(ragged);
            Assert.Equal(ErrorIds.Loading.NotCsv, Assert.Throws<IamraException>(() => raggedSource.Rows().ToList()).ErrorId);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Later_records_with_unknown_properties_are_refused()
    {
        var shaper = new RecordShaper(new[] { "a", "B" });
        Assert.Equal(new object?[] { 1, null }, shaper.Shape(new[] { KeyValuePair.Create<string, object?>("A", 1) }, 1));
        var e = Assert.Throws<IamraException>(() => shaper.Shape(new[] { KeyValuePair.Create<string, object?>("c", 1) }, 2));
        Assert.Equal(ErrorIds.Loading.InconsistentRow, e.ErrorId);
    }
}
