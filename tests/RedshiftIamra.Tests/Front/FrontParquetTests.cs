using System.Globalization;
using Npgsql;
using Parquet;
using Parquet.Schema;
using RedshiftIamra.Tests.S3;
using RedshiftIamra.Tests.Sandbox;

namespace RedshiftIamra.Tests.Front;

/// <summary>
/// COPY ... FORMAT AS PARQUET and UNLOAD ... FORMAT AS PARQUET through the Redshift front: files go
/// through the sandbox's S3 with the AWS CLI; files the tests write themselves use Parquet.Net's
/// column writer directly (not the sandbox's code), and unloaded files are read back the same way.
/// </summary>
public sealed class FrontParquetTests(SandboxFrontFixture fixture) : IClassFixture<SandboxFrontFixture>, IDisposable
{
    private const string Columns = "i2 smallint, i4 integer, i8 bigint, d decimal(12,3), r real, f double precision, b boolean, c char(4), v varchar(30), dt date, ts timestamp, tz timestamptz";

    private readonly string _directory = Directory.CreateTempSubdirectory("front-parquet-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private Task<AwsCli> CliAsync() => fixture.S3CliAsync();

    private static async Task<List<string>> RowsAsync(NpgsqlConnection connection, string table)
    {
        var rows = new List<string>();
        await using var command = new NpgsqlCommand($"select i2, i4, i8, d, r, f, b, c, v, dt, ts, tz at time zone 'UTC' from {table} order by i4", connection) { AllResultTypesAreUnknown = true };
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add(string.Join('|', Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? "NULL" : reader.GetString(i))));
        }

        return rows;
    }

    private static async Task<long> ScalarAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task UnloadParquetThenCopyParquetGivesTheSameRowsWithRedshiftsFileNamesAndTypedColumns()
    {
        var cli = await CliAsync();
        var bucket = fixture.Sandbox.StagingBucket;
        var credential = await fixture.NewUserCredentialAsync("pq");
        await using var connection = fixture.Connection(credential);
        await connection.OpenAsync();
        await new NpgsqlCommand(
            $"create table pq_source ({Columns}); create table pq_target ({Columns}); " +
            "insert into pq_source values " +
            "(1, 10, 10000000000, 123456789.125, 1.5, 2.25, true, 'ab', 'Ann, \"quoted\"|pipe', '2024-02-29', '2024-02-29 13:14:15.123456', '2024-02-29 13:14:15+02'), " +
            "(-2, -20, -9000000000000000000, -0.001, -3.25, 1e300, false, 'wxyz', '', '1900-01-01', '1970-01-01 00:00:00', '1999-12-31 23:59:59.5+00'), " +
            "(null, 30, null, null, null, null, null, null, null, null, null, null)",
            connection).ExecuteNonQueryAsync();

        await using (var unload = new NpgsqlCommand($"UNLOAD ('select * from pq_source') TO 's3://{bucket}/pq/rt/src_' IAM_ROLE default FORMAT AS PARQUET MANIFEST", connection))
        {
            await unload.ExecuteNonQueryAsync();
        }

        var listing = await cli.OkAsync("s3", "ls", $"s3://{bucket}/pq/rt/");
        Assert.Contains("src_0000_part_00.parquet", listing, StringComparison.Ordinal);
        Assert.Contains("src_manifest", listing, StringComparison.Ordinal);

        await using (var serial = new NpgsqlCommand($"UNLOAD ('select * from pq_source') TO 's3://{bucket}/pq/serial/src_' IAM_ROLE default PARQUET PARALLEL OFF", connection))
        {
            await serial.ExecuteNonQueryAsync();
        }

        Assert.Contains("src_000.parquet", await cli.OkAsync("s3", "ls", $"s3://{bucket}/pq/serial/"), StringComparison.Ordinal);

        // Again without ALLOWOVERWRITE: refused; with it: written.
        var again = await Assert.ThrowsAsync<PostgresException>(async () =>
        {
            await using var unload = new NpgsqlCommand($"UNLOAD ('select * from pq_source') TO 's3://{bucket}/pq/serial/src_' IAM_ROLE default PARQUET PARALLEL OFF", connection);
            await unload.ExecuteNonQueryAsync();
        });
        Assert.StartsWith("Specified unload destination on S3 is not empty.", again.MessageText, StringComparison.Ordinal);
        await using var check = fixture.Connection(credential);
        await check.OpenAsync();
        await new NpgsqlCommand($"UNLOAD ('select * from pq_source') TO 's3://{bucket}/pq/serial/src_' IAM_ROLE default PARQUET PARALLEL OFF ALLOWOVERWRITE", check).ExecuteNonQueryAsync();

        // The unloaded file read with Parquet.Net: Redshift's types as Parquet types, the values as stored.
        var local = Path.Combine(_directory, "src.parquet");
        await cli.OkAsync("s3", "cp", $"s3://{bucket}/pq/rt/src_0000_part_00.parquet", local);
        await using (var stream = File.OpenRead(local))
        await using (var reader = await ParquetReader.CreateAsync(stream))
        {
            var fields = reader.Schema.GetDataFields();
            Assert.Equal(["i2", "i4", "i8", "d", "r", "f", "b", "c", "v", "dt", "ts", "tz"], fields.Select(f => f.Name));
            Assert.Equal([typeof(short), typeof(int), typeof(long), typeof(decimal), typeof(float), typeof(double), typeof(bool), typeof(string), typeof(string), typeof(DateTime), typeof(DateTime), typeof(DateTime)],
                fields.Select(f => f.ClrType == typeof(ReadOnlyMemory<char>) ? typeof(string) : f.ClrType));
            Assert.All(fields, f => Assert.True(f.IsNullable));
            Assert.Equal([false, true], fields[10..].Select(f => Assert.IsType<DateTimeDataField>(f).IsAdjustedToUTC));
            var decimalField = Assert.IsType<DecimalDataField>(fields[3]);
            Assert.Equal((12, 3), (decimalField.Precision, decimalField.Scale));
            Assert.Equal(DateTimeFormat.Date, Assert.IsType<DateTimeDataField>(fields[9]).DateTimeFormat);
            using var group = reader.OpenRowGroupReader(0);
            Assert.Equal(3, group.RowCount);
            var d = new decimal?[3];
            await group.ReadAsync(fields[3], d.AsMemory());
            Assert.Equal([123456789.125m, -0.001m, null], d);
            var tz = new DateTime?[3];
            await group.ReadAsync(fields[11], tz.AsMemory());
            Assert.Equal(new DateTime(2024, 2, 29, 11, 14, 15, DateTimeKind.Utc), tz[0]);
        }

        await using (var copy = new NpgsqlCommand($"COPY pq_target FROM 's3://{bucket}/pq/rt/src_manifest' IAM_ROLE default FORMAT AS PARQUET MANIFEST", check))
        {
            Assert.Equal(3, await copy.ExecuteNonQueryAsync());
        }

        await new NpgsqlCommand($"COPY pq_target FROM 's3://{bucket}/pq/serial/src_' IAM_ROLE default PARQUET", check).ExecuteNonQueryAsync();
        var source = await RowsAsync(check, "pq_source");
        var target = await RowsAsync(check, "pq_target");
        Assert.Equal(3, source.Count);
        Assert.Equal(source.SelectMany(r => new[] { r, r }).Order(StringComparer.Ordinal), target.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task MaxFileSizeStartsANewParquetPartAndCopyOfTheManifestLoadsEveryRow()
    {
        var cli = await CliAsync();
        var bucket = fixture.Sandbox.StagingBucket;
        var credential = await fixture.NewUserCredentialAsync("pqbig");
        await using var connection = fixture.Connection(credential);
        await connection.OpenAsync();
        await new NpgsqlCommand(
            "create table pq_big (id integer, hex varchar(100)); create table pq_big_back (id integer, hex varchar(100)); " +
            "insert into pq_big select g, md5(g::text) || md5((g * 7)::text) || md5((g * 13)::text) from generate_series(1, 300000) g", connection).ExecuteNonQueryAsync();
        await using (var unload = new NpgsqlCommand($"UNLOAD ('select id, hex from pq_big') TO 's3://{bucket}/pq/big/b_' IAM_ROLE default FORMAT AS PARQUET MAXFILESIZE 5 MB MANIFEST VERBOSE", connection))
        {
            await unload.ExecuteNonQueryAsync();
        }

        var listing = await cli.OkAsync("s3", "ls", $"s3://{bucket}/pq/big/");
        Assert.Contains("b_0000_part_00.parquet", listing, StringComparison.Ordinal);
        Assert.Contains("b_0000_part_01.parquet", listing, StringComparison.Ordinal);
        var manifestPath = Path.Combine(_directory, "manifest.json");
        await cli.OkAsync("s3", "cp", $"s3://{bucket}/pq/big/b_manifest", manifestPath);
        using (var manifest = System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(manifestPath)))
        {
            Assert.True(manifest.RootElement.GetProperty("entries").GetArrayLength() >= 2);
            Assert.Equal(300000, manifest.RootElement.GetProperty("meta").GetProperty("record_count").GetInt64());
        }

        await using (var copy = new NpgsqlCommand($"COPY pq_big_back FROM 's3://{bucket}/pq/big/b_manifest' IAM_ROLE default FORMAT AS PARQUET MANIFEST", connection))
        {
            Assert.Equal(300000, await copy.ExecuteNonQueryAsync());
        }

        Assert.Equal(0, await ScalarAsync(connection, "select count(*) from (select * from pq_big except select * from pq_big_back) d"));
    }

    [Fact]
    public async Task CopyLoadsAFileWrittenByParquetNetsColumnWriterByPosition()
    {
        var cli = await CliAsync();
        var bucket = fixture.Sandbox.StagingBucket;
        var path = Path.Combine(_directory, "independent.parquet");
        var id = new DataField<int?>("a_number");
        var name = new DataField<string>("a_name");
        var amount = new DecimalDataField("an_amount", 10, 2, isNullable: true);
        var day = new DateTimeDataField("a_day", DateTimeFormat.Date, isNullable: true);
        var at = new DateTimeDataField("a_time", DateTimeFormat.Timestamp, isAdjustedToUTC: false, DateTimeTimeUnit.Millis, isNullable: true);
        var flag = new DataField<bool?>("a_flag");
        await using (var file = File.Create(path))
        await using (var writer = await ParquetWriter.CreateAsync(new ParquetSchema(id, name, amount, day, at, flag), file))
        {
            using var group = writer.CreateRowGroup();
            await group.WriteAsync<int>(id, new int?[] { 7, 8 }.AsMemory());
            await group.WriteAsync(name, new[] { "seven", null! });
            await group.WriteAsync<decimal>(amount, new decimal?[] { 12.5m, null }.AsMemory());
            await group.WriteAsync<DateTime>(day, new DateTime?[] { new DateTime(2023, 12, 31), null }.AsMemory());
            await group.WriteAsync<DateTime>(at, new DateTime?[] { new DateTime(2023, 12, 31, 23, 59, 58, 250), null }.AsMemory());
            await group.WriteAsync<bool>(flag, new bool?[] { true, null }.AsMemory());
        }

        await cli.OkAsync("s3", "cp", path, $"s3://{bucket}/pq/independent/data.parquet");
        var credential = await fixture.NewUserCredentialAsync("pqin");
        await using var connection = fixture.Connection(credential);
        await connection.OpenAsync();
        await new NpgsqlCommand("create table pq_independent (id bigint, label varchar(10), amount numeric(10,2), day date, at timestamp, flag boolean)", connection).ExecuteNonQueryAsync();
        await using (var copy = new NpgsqlCommand($"COPY pq_independent FROM 's3://{bucket}/pq/independent/' IAM_ROLE default FORMAT AS PARQUET", connection))
        {
            Assert.Equal(2, await copy.ExecuteNonQueryAsync());
        }

        await using var select = new NpgsqlCommand("select id || '|' || coalesce(label, 'NULL') || '|' || coalesce(amount::text, 'NULL') || '|' || coalesce(day::text, 'NULL') || '|' || coalesce(at::text, 'NULL') || '|' || coalesce(flag::text, 'NULL') from pq_independent order by id", connection);
        await using var reader = await select.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetString(0));
        }

        Assert.Equal(["7|seven|12.50|2023-12-31|2023-12-31 23:59:58.25|true", "8|NULL|NULL|NULL|NULL|NULL"], rows);
    }

    [Fact]
    public async Task AStringColumnForAnIntegerAndAWrongColumnCountFailWithSpectrumsErrorAndALoadErrorRow()
    {
        var cli = await CliAsync();
        var bucket = fixture.Sandbox.StagingBucket;
        var path = Path.Combine(_directory, "strings.parquet");
        var first = new DataField<string>("id");
        var second = new DataField<string>("name");
        await using (var file = File.Create(path))
        await using (var writer = await ParquetWriter.CreateAsync(new ParquetSchema(first, second), file))
        {
            using var group = writer.CreateRowGroup();
            await group.WriteAsync(first, new[] { "1" });
            await group.WriteAsync(second, new[] { "Ann" });
        }

        await cli.OkAsync("s3", "cp", path, $"s3://{bucket}/pq/bad/strings.parquet");
        var credential = await fixture.NewUserCredentialAsync("pqbad");
        await using (var setup = fixture.Connection(credential))
        {
            await setup.OpenAsync();
            await new NpgsqlCommand("create table pq_bad_type (id integer, name varchar(10)); create table pq_bad_count (id varchar(10), name varchar(10), extra int)", setup).ExecuteNonQueryAsync();
        }

        async Task<PostgresException> FailAsync(string table)
        {
            await using var plain = fixture.Connection(credential);
            await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(plain.ConnectionString) { IncludeErrorDetail = true, Password = credential.Password }.ConnectionString);
            await connection.OpenAsync();
            return await Assert.ThrowsAsync<PostgresException>(async () =>
            {
                await using var copy = new NpgsqlCommand($"COPY {table} FROM 's3://{bucket}/pq/bad/' IAM_ROLE default FORMAT AS PARQUET", connection);
                await copy.ExecuteNonQueryAsync();
            });
        }

        var type = await FailAsync("pq_bad_type");
        Assert.Equal(("XX000", "Spectrum Scan Error"), (type.SqlState, type.MessageText));
        Assert.Contains("code:      15007", type.Detail, StringComparison.Ordinal);
        Assert.Contains($"has an incompatible Parquet schema for column 's3://{bucket}/pq/bad/strings.parquet.id'. Column type: INTEGER", type.Detail, StringComparison.Ordinal);

        var count = await FailAsync("pq_bad_count");
        Assert.Contains("Unmatched number of columns between table and file. Table columns: 3, Data columns: 2", count.Detail, StringComparison.Ordinal);

        await using var check = fixture.Connection(credential);
        await check.OpenAsync();
        Assert.Equal(0, await ScalarAsync(check, "select count(*) from pq_bad_type"));
        await using var errors = new NpgsqlCommand(
            "select trim(filename) || '|' || err_code || '|' || trim(colname) from stl_load_errors where tbl in ('pq_bad_type'::regclass::oid::int, 'pq_bad_count'::regclass::oid::int) order by starttime", check);
        await using var reader = await errors.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetString(0));
        }

        Assert.Equal([$"s3://{bucket}/pq/bad/strings.parquet|15007|id", $"s3://{bucket}/pq/bad/strings.parquet|15007|"], rows);
    }

    [Fact]
    public async Task AnOutOfRangeValueOrANullForNotNullFailsTheLoadAndATooLongStringIsSpectrums15001EachWithALoadErrorRow()
    {
        var cli = await CliAsync();
        var bucket = fixture.Sandbox.StagingBucket;
        var path = Path.Combine(_directory, "values.parquet");
        var number = new DataField<long?>("n");
        var text = new DataField<string>("t");
        await using (var file = File.Create(path))
        await using (var writer = await ParquetWriter.CreateAsync(new ParquetSchema(number, text), file))
        {
            using var group = writer.CreateRowGroup();
            await group.WriteAsync<long>(number, new long?[] { 1, 5_000_000_000, 3 }.AsMemory());
            await group.WriteAsync(text, new[] { "a", "b", "longer than five" });
        }

        await cli.OkAsync("s3", "cp", path, $"s3://{bucket}/pq/values/values.parquet");
        var credential = await fixture.NewUserCredentialAsync("pqval");
        await using (var setup = fixture.Connection(credential))
        {
            await setup.OpenAsync();
            await new NpgsqlCommand("create table pq_overflow (n integer, t varchar(100)); create table pq_long (n bigint, t varchar(5))", setup).ExecuteNonQueryAsync();
        }

        async Task<PostgresException> FailAsync(string table)
        {
            await using var plain = fixture.Connection(credential);
            await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(plain.ConnectionString) { IncludeErrorDetail = true, Password = credential.Password }.ConnectionString);
            await connection.OpenAsync();
            return await Assert.ThrowsAsync<PostgresException>(async () =>
            {
                await using var copy = new NpgsqlCommand($"COPY {table} FROM 's3://{bucket}/pq/values/' IAM_ROLE default FORMAT AS PARQUET", connection);
                await copy.ExecuteNonQueryAsync();
            });
        }

        var overflow = await FailAsync("pq_overflow");
        Assert.Equal(("XX000", "Load into table 'pq_overflow' failed.  Check 'stl_load_errors' system table for details."), (overflow.SqlState, overflow.MessageText));
        var tooLong = await FailAsync("pq_long");
        Assert.Equal("Spectrum Scan Error", tooLong.MessageText);
        Assert.Contains("code:      15001", tooLong.Detail, StringComparison.Ordinal);
        Assert.Contains("The length of the data column t is longer than the length defined in the table. Table: 5, Data: 16", tooLong.Detail, StringComparison.Ordinal);

        await using var check = fixture.Connection(credential);
        await check.OpenAsync();
        Assert.Equal(0, await ScalarAsync(check, "select count(*) from pq_overflow") + await ScalarAsync(check, "select count(*) from pq_long"));
        await using var errors = new NpgsqlCommand(
            "select line_number || '|' || err_code || '|' || trim(colname) || '|' || trim(raw_field_value) from stl_load_errors where tbl in ('pq_overflow'::regclass::oid::int, 'pq_long'::regclass::oid::int) order by starttime", check);
        await using var reader = await errors.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetString(0));
        }

        Assert.Equal(["2|1204|n|5000000000", "3|15001|t|longer than five"], rows);
    }

    [Theory]
    [InlineData("COPY pq_refused FROM 's3://{0}/pq/refused/' IAM_ROLE default FORMAT AS PARQUET DELIMITER ','", "DELIMITER argument is not supported for PARQUET based COPY")]
    [InlineData("COPY pq_refused FROM 's3://{0}/pq/refused/' IAM_ROLE default FORMAT AS PARQUET IGNOREHEADER 1", "IGNOREHEADER argument is not supported for PARQUET based COPY")]
    [InlineData("COPY pq_refused FROM 's3://{0}/pq/refused/' IAM_ROLE default FORMAT AS PARQUET MAXERROR 10", "MAXERROR argument is not supported for PARQUET based COPY")]
    [InlineData("COPY pq_refused FROM 's3://{0}/pq/refused/' IAM_ROLE default FORMAT AS PARQUET REGION 'us-east-1'", "REGION argument is not supported for PARQUET based COPY")]
    [InlineData("COPY pq_refused FROM 's3://{0}/pq/refused/' IAM_ROLE default PARQUET GZIP", "GZIP argument is not supported for PARQUET based COPY")]
    [InlineData("UNLOAD ('select 1') TO 's3://{0}/pq/refused/x_' IAM_ROLE default FORMAT AS PARQUET HEADER", "HEADER argument is not supported for PARQUET based UNLOAD")]
    [InlineData("UNLOAD ('select 1') TO 's3://{0}/pq/refused/x_' IAM_ROLE default FORMAT AS PARQUET DELIMITER '|'", "DELIMITER argument is not supported for PARQUET based UNLOAD")]
    [InlineData("UNLOAD ('select 1') TO 's3://{0}/pq/refused/x_' IAM_ROLE default PARQUET GZIP", "GZIP argument is not supported for PARQUET based UNLOAD")]
    [InlineData("UNLOAD ('select 1') TO 's3://{0}/pq/refused/x_' IAM_ROLE default PARQUET NULL AS 'x'", "NULL AS argument is not supported for PARQUET based UNLOAD")]
    public async Task OptionsRedshiftRefusesWithParquetAreRefusedBeforeAnythingIsReadOrWritten(string statement, string message)
    {
        var bucket = fixture.Sandbox.StagingBucket;
        var credential = await fixture.NewUserCredentialAsync("pqopt");
        await using var connection = fixture.Connection(credential);
        await connection.OpenAsync();
        await new NpgsqlCommand("create table if not exists pq_refused (id int)", connection).ExecuteNonQueryAsync();
        var e = await Assert.ThrowsAsync<PostgresException>(async () =>
        {
            await using var command = new NpgsqlCommand(string.Format(CultureInfo.InvariantCulture, statement, bucket), connection);
            await command.ExecuteNonQueryAsync();
        });
        Assert.Equal(("0A000", message), (e.SqlState, e.MessageText));
    }
}
