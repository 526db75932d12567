using System.Globalization;
using Npgsql;
using ParquetSharp;
using ParquetSharp.Schema;
using RedshiftIamra.Tests.S3;
using RedshiftIamra.Tests.Sandbox;

namespace RedshiftIamra.Tests.Front;

/// <summary>
/// COPY and UNLOAD ... FORMAT AS PARQUET cross-checked against an independent Parquet
/// implementation: ParquetSharp (Apache Arrow's C++ parquet library) reads what UNLOAD wrote and
/// writes the files COPY loads, so neither side of a round trip is the sandbox's own Parquet.Net.
/// </summary>
public sealed class FrontParquetPeerTests(SandboxFrontFixture fixture) : IClassFixture<SandboxFrontFixture>, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("front-parquet-peer-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private async Task<NpgsqlConnection> OpenAsync(string prefix)
    {
        var credential = await fixture.NewUserCredentialAsync(prefix);
        var connection = fixture.Connection(credential);
        await connection.OpenAsync();
        return connection;
    }

    /// <summary>Runs a statement that must fail, on a connection of its own (an XX000 error ends an Npgsql connection).</summary>
    private async Task<PostgresException> FailAsync(RedshiftDbCredential credential, string sql)
    {
        await using var connection = fixture.Connection(credential);
        await connection.OpenAsync();
        return await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection, sql));
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>A value as the tests compare it: invariant, round-trip floats, decimals without trailing zeros (the scale is the schema's), timestamps to the microsecond.</summary>
    internal static string Show(object? value) => value switch
    {
        null or DBNull => "NULL",
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        decimal m => m.ToString("0.############################", CultureInfo.InvariantCulture),
        DateTime t => t.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture),
        Date d => d.DateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "NULL",
    };

    /// <summary>A column of a file as ParquetSharp describes it: name, repetition, physical type, logical type.</summary>
    internal static string Describe(ColumnDescriptor column)
    {
        using var logical = column.LogicalType;
        var type = logical switch
        {
            IntLogicalType i => $"INT({i.BitWidth},{(i.IsSigned ? "signed" : "unsigned")})",
            DecimalLogicalType d => $"DECIMAL({d.Precision},{d.Scale})",
            TimestampLogicalType t => $"TIMESTAMP({t.TimeUnit},{(t.IsAdjustedToUtc ? "UTC" : "local")})",
            _ => logical.Type.ToString().ToUpperInvariant(),
        };
        using var node = column.SchemaNode;
        return $"{column.Name} {node.Repetition} {column.PhysicalType} {type}";
    }

    private static string[] ReadColumn<T>(RowGroupReader group, int column, int rows)
    {
        using var reader = group.Column(column).LogicalReader<T>();
        return reader.ReadAll(rows).Select(v => Show(v)).ToArray();
    }

    [Fact]
    public async Task UnloadedParquetReadByApacheArrowsParquetHasTheReadmesTypesEveryValueAndSnappyRowGroups()
    {
        var cli = await fixture.S3CliAsync();
        var bucket = fixture.Sandbox.StagingBucket;
        await using var connection = await OpenAsync("pqpeer");
        await ExecuteAsync(connection,
            "create table pqpeer_src (i2 smallint, i4 integer, i8 bigint, d decimal(12,3), d28 decimal(28,6), wide numeric(30,2), num numeric, " +
            "r real, f double precision, b boolean, c char(4), v varchar(30), dt date, ts timestamp, tz timestamptz, tm time, d5 decimal(5,2)); " +
            "insert into pqpeer_src values " +
            "(1, 10, 10000000000, 123456789.125, 1234567890123456789012.123456, 123456789012345678901234567.89, 12345678901234567890.123456789012345, " +
            " 1.5, 2.25, true, 'ab', 'Zoë, \"quoted\"|pipe\\ tab\t', '2024-02-29', '2024-02-29 13:14:15.123456', '2024-02-29 13:14:15.654321+02', '13:14:15', 999.99), " +
            "(-32768, -2147483648, -9223372036854775808, -999999999.999, -0.000001, -0.01, -0.5, " +
            " -3.25, 1e300, false, 'wxyz', '', '1900-01-01', '1970-01-01 00:00:00', '1969-12-31 23:59:59.5+00', '00:00:00', -999.99), " +
            "(32767, 2147483647, 9223372036854775807, 0, 0, 0, 0, " +
            " 'NaN', '-Infinity', true, 'x', '日本語 🎉', '0001-01-01', '9999-12-31 23:59:59.999999', '2000-01-01 00:00:00+00', '23:59:59.999999', 0.01), " +
            "(null, 30, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null)");
        await ExecuteAsync(connection, $"UNLOAD ('select * from pqpeer_src order by i4') TO 's3://{bucket}/pqpeer/unload/src_' IAM_ROLE default FORMAT AS PARQUET PARALLEL OFF");
        await ExecuteAsync(connection, $"UNLOAD ('select * from pqpeer_src where false') TO 's3://{bucket}/pqpeer/empty/src_' IAM_ROLE default FORMAT AS PARQUET PARALLEL OFF");

        string[] schema =
        [
            "i2 Optional Int32 INT(16,signed)",
            "i4 Optional Int32 INT(32,signed)",
            "i8 Optional Int64 INT(64,signed)",
            "d Optional Int64 DECIMAL(12,3)",
            "d28 Optional FixedLenByteArray DECIMAL(28,6)",
            "wide Optional ByteArray STRING",
            "num Optional ByteArray STRING",
            "r Optional Float NONE",
            "f Optional Double NONE",
            "b Optional Boolean NONE",
            "c Optional ByteArray STRING",
            "v Optional ByteArray STRING",
            "dt Optional Int32 DATE",
            "ts Optional Int64 TIMESTAMP(Micros,local)",
            "tz Optional Int64 TIMESTAMP(Micros,UTC)",
            "tm Optional ByteArray STRING",
            "d5 Optional Int32 DECIMAL(5,2)",
        ];

        using (var file = await DownloadAsync(cli, $"s3://{bucket}/pqpeer/unload/src_000.parquet"))
        {
            using var metadata = file.FileMetaData;
            var descriptor = metadata.Schema;
            Assert.Equal(schema, Schema(metadata));
            Assert.Equal((4, 1), (metadata.NumRows, metadata.NumRowGroups));
            using var group = file.RowGroup(0);
            var groupMetadata = group.MetaData;
            Assert.Equal(4, groupMetadata.NumRows);
            Assert.All(Enumerable.Range(0, descriptor.NumColumns), c =>
            {
                using var chunk = groupMetadata.GetColumnChunkMetaData(c);
                Assert.Equal(Compression.Snappy, chunk.Compression);
            });

            string[][] columns =
            [
                ReadColumn<short?>(group, 0, 4),
                ReadColumn<int?>(group, 1, 4),
                ReadColumn<long?>(group, 2, 4),
                ReadColumn<decimal?>(group, 3, 4),
                ReadColumn<decimal?>(group, 4, 4),
                ReadColumn<string?>(group, 5, 4),
                ReadColumn<string?>(group, 6, 4),
                ReadColumn<float?>(group, 7, 4),
                ReadColumn<double?>(group, 8, 4),
                ReadColumn<bool?>(group, 9, 4),
                ReadColumn<string?>(group, 10, 4),
                ReadColumn<string?>(group, 11, 4),
                ReadColumn<Date?>(group, 12, 4),
                ReadColumn<DateTime?>(group, 13, 4),
                ReadColumn<DateTime?>(group, 14, 4),
                ReadColumn<string?>(group, 15, 4),
                ReadColumn<decimal?>(group, 16, 4),
            ];
            string[][] expected =
            [
                ["-32768", "1", "NULL", "32767"],
                ["-2147483648", "10", "30", "2147483647"],
                ["-9223372036854775808", "10000000000", "NULL", "9223372036854775807"],
                ["-999999999.999", "123456789.125", "NULL", "0"],
                ["-0.000001", "1234567890123456789012.123456", "NULL", "0"],
                ["-0.01", "123456789012345678901234567.89", "NULL", "0.00"],
                ["-0.5", "12345678901234567890.123456789012345", "NULL", "0"],
                ["-3.25", "1.5", "NULL", "NaN"],
                ["1E+300", "2.25", "NULL", "-Infinity"],
                ["false", "true", "NULL", "true"],
                ["wxyz", "ab  ", "NULL", "x   "],
                ["", "Zoë, \"quoted\"|pipe\\ tab\t", "NULL", "日本語 🎉"],
                ["1900-01-01", "2024-02-29", "NULL", "0001-01-01"],
                ["1970-01-01 00:00:00.000000", "2024-02-29 13:14:15.123456", "NULL", "9999-12-31 23:59:59.999999"],
                ["1969-12-31 23:59:59.500000", "2024-02-29 11:14:15.654321", "NULL", "2000-01-01 00:00:00.000000"],
                ["00:00:00", "13:14:15", "NULL", "23:59:59.999999"],
                ["-999.99", "999.99", "NULL", "0.01"],
            ];
            for (var c = 0; c < expected.Length; c++)
            {
                Assert.True(expected[c].SequenceEqual(columns[c]), $"{schema[c]}: expected [{string.Join(", ", expected[c])}], read [{string.Join(", ", columns[c])}]");
            }
        }

        // No rows: the same schema, no row group.
        using (var file = await DownloadAsync(cli, $"s3://{bucket}/pqpeer/empty/src_000.parquet"))
        {
            using var metadata = file.FileMetaData;
            Assert.Equal(schema, Schema(metadata));
            Assert.Equal((0, 0), (metadata.NumRows, metadata.NumRowGroups));
        }
    }

    /// <summary>An object of the sandbox's S3, downloaded and opened with ParquetSharp.</summary>
    private async Task<ParquetFileReader> DownloadAsync(AwsCli cli, string uri)
    {
        var local = Path.Combine(_directory, Guid.NewGuid().ToString("N") + ".parquet");
        await cli.OkAsync("s3", "cp", uri, local);
        return new ParquetFileReader(local);
    }

    private static string[] Schema(FileMetaData metadata)
    {
        var descriptor = metadata.Schema;
        return Enumerable.Range(0, descriptor.NumColumns).Select(c => Describe(descriptor.Column(c))).ToArray();
    }

    /// <summary>INT96 as Impala and Spark write it: nanoseconds of the day (8 bytes), then the Julian day (4 bytes).</summary>
    internal static Int96 ToInt96(DateTime value)
    {
        var nanos = (value - value.Date).Ticks * 100;
        var julianDay = (int)((value.Date - DateTime.UnixEpoch).TotalDays + 2440588);
        return new Int96(unchecked((int)nanos), (int)(nanos >> 32), julianDay);
    }

    private static readonly DateTime[] s_times =
    [
        new(2023, 12, 31, 23, 59, 58, 250),
        new DateTime(1969, 12, 31, 23, 59, 59).AddTicks(10),
        new(1960, 1, 1, 0, 0, 0, 1),
        new(2038, 1, 19, 3, 14, 8),
        new DateTime(2024, 2, 29, 12, 0, 0).AddTicks(1234560),
        new(1970, 1, 1),
    ];

    /// <summary>Every Parquet type README's "types loaded" lists, each with the Redshift column it loads into.</summary>
    private static PeerColumn[] LoadedColumns() =>
    [
        PeerColumn.Of<int>("id", "integer", null, i => i),
        PeerColumn.Of<sbyte?>("int8", "smallint", null, Pick<sbyte?>(sbyte.MinValue, sbyte.MaxValue, null, 0, -1)),
        PeerColumn.Of<short?>("int16", "smallint", null, Pick<short?>(short.MinValue, short.MaxValue, 7, null)),
        PeerColumn.Of<int?>("int32", "integer", null, Pick<int?>(int.MinValue, null, int.MaxValue, 0, 12345)),
        PeerColumn.Of<long?>("int64", "bigint", null, Pick<long?>(long.MinValue, long.MaxValue, null, -1, 10_000_000_000)),
        PeerColumn.Of<byte?>("uint8", "smallint", null, Pick<byte?>(byte.MaxValue, 0, null)),
        PeerColumn.Of<ushort?>("uint16", "integer", null, Pick<ushort?>(ushort.MaxValue, null, 1)),
        PeerColumn.Of<uint?>("uint32", "bigint", null, Pick<uint?>(uint.MaxValue, 0, null, 77)),
        PeerColumn.Of<int?>("int32_to_decimal", "decimal(12,2)", null, Pick<int?>(int.MinValue, int.MaxValue, null, -5)),
        PeerColumn.Of<long?>("int64_to_decimal", "decimal(19,0)", null, Pick<long?>(long.MinValue, null, long.MaxValue)),
        PeerColumn.Of<decimal?>("decimal9", "decimal(9,2)", LogicalType.Decimal(9, 2), Pick<decimal?>(9999999.99m, -9999999.99m, 0.01m, null, 0m)),
        PeerColumn.Of<decimal?>("decimal18", "decimal(18,4)", LogicalType.Decimal(18, 4), Pick<decimal?>(99999999999999.9999m, -0.0001m, null, 12345.6789m)),
        PeerColumn.Of<decimal?>("decimal28", "decimal(28,6)", LogicalType.Decimal(28, 6), Pick<decimal?>(9999999999999999999999.999999m, -1.000001m, null)),
        PeerColumn.Of<float?>("float", "real", null, Pick<float?>(1.5f, -0f, float.MaxValue, float.NaN, float.PositiveInfinity, null, 0.1f)),
        PeerColumn.Of<double?>("double", "double precision", null, Pick<double?>(1e300, -2.5, double.NaN, double.NegativeInfinity, null, 0.1, double.MinValue)),
        PeerColumn.Of<bool?>("bool", "boolean", null, Pick<bool?>(true, false, null)),
        new PeerColumn<string?, string?>("string_to_char", "char(5)", null, Pick("ab", "abcde", null, string.Empty), v => v, v => v?.PadRight(5)),
        PeerColumn.Of<string?>("string_to_varchar", "varchar(20)", null, Pick("Zoë", string.Empty, "O'Brien \"x\"|y", "tab\there", "back\\slash\\N", "line\nbreak\r", null, "NULL")),
        PeerColumn.Of<string?>("string_to_text", "text", null, Pick("日本語 🎉", null, new string('x', 300), ",;\"'")),
        PeerColumn.Of<Date?>("date", "date", null, Pick<Date?>(new Date(2024, 2, 29), new Date(1, 1, 1), null, new Date(9999, 12, 31), new Date(1969, 12, 31), new Date(1970, 1, 1))),
        PeerColumn.Of<DateTime?>("timestamp_millis", "timestamp", LogicalType.Timestamp(false, TimeUnit.Millis), Pick<DateTime?>(s_times[0], s_times[2], null, s_times[3], s_times[5])),
        PeerColumn.Of<DateTime?>("timestamp_micros", "timestamp", LogicalType.Timestamp(false, TimeUnit.Micros), Pick<DateTime?>(s_times[1], null, s_times[4], s_times[0])),
        PeerColumn.Of<DateTime?>("timestamp_utc_micros", "timestamptz", LogicalType.Timestamp(true, TimeUnit.Micros), Pick<DateTime?>(s_times[4], s_times[1], null, s_times[3])),
        PeerColumn.Of<DateTime?>("timestamp_utc_millis", "timestamp", LogicalType.Timestamp(true, TimeUnit.Millis), Pick<DateTime?>(null, s_times[0], s_times[2])),
        new PeerColumn<Int96?, DateTime?>("int96", "timestamp", null, Pick<DateTime?>(s_times[1], s_times[4], null, s_times[2], s_times[5]), t => t is { } v ? ToInt96(v) : null),
        new PeerColumn<Int96?, DateTime?>("int96_to_timestamptz", "timestamptz", null, Pick<DateTime?>(null, s_times[3], s_times[4], s_times[1]), t => t is { } v ? ToInt96(v) : null),
        PeerColumn.Of<int?>("all_null_int", "integer", null, _ => null),
        PeerColumn.Of<string?>("all_null_string", "varchar(10)", null, _ => null),
    ];

    /// <summary>Values cycling through a small set, so a column repeats (dictionary pages) and holds its extremes and nulls.</summary>
    private static Func<int, T> Pick<T>(params T[] values) => i => values[i % values.Length];

    public static TheoryData<Compression, bool, bool> Files() => new()
    {
        { Compression.Snappy, true, false },
        { Compression.Gzip, true, true },
        { Compression.Uncompressed, false, false },
    };

    private const int PeerRows = 2500;

    /// <summary>Writes the columns with ParquetSharp: row groups of 1,000 rows, pages of about 2 KiB, and the case's codec, dictionary and page version.</summary>
    private static void WritePeerFile(string path, PeerColumn[] columns, Compression compression, bool dictionary, bool decimalsAsIntegers, ParquetDataPageVersion pages)
    {
        using var builder = new WriterPropertiesBuilder();
        builder.Compression(compression).MaxRowGroupLength(1000).DataPagesize(2048).DataPageVersion(pages);
        (dictionary ? builder.EnableDictionary() : builder.DisableDictionary()).Compression(compression);
        using var properties = builder.Build();
        var nodes = columns.Select(c => c.Node(decimalsAsIntegers)).ToArray();
        using var schema = new GroupNode("schema", Repetition.Required, nodes);
        using var writer = new ParquetFileWriter(path, schema, properties);
        for (var start = 0; start < PeerRows; start += 1000)
        {
            using var group = writer.AppendRowGroup();
            foreach (var column in columns)
            {
                using var columnWriter = group.NextColumn();
                column.Write(columnWriter, start, Math.Min(1000, PeerRows - start));
            }
        }

        writer.Close();
    }

    /// <summary>Reads the file back with ParquetSharp: it holds what was written.</summary>
    private static void AssertPeerFileHolds(string path, PeerColumn[] columns)
    {
        using var file = new ParquetFileReader(path);
        using var metadata = file.FileMetaData;
        var start = 0;
        for (var g = 0; g < metadata.NumRowGroups; g++)
        {
            using var group = file.RowGroup(g);
            var rows = checked((int)group.MetaData.NumRows);
            for (var c = 0; c < columns.Length; c++)
            {
                using var column = group.Column(c);
                var mismatch = columns[c].FirstMismatch(column, start, rows);
                Assert.True(mismatch < 0, $"ParquetSharp reads row {start + mismatch} of {columns[c].Name} differently from what it wrote");
            }

            start += rows;
        }
    }

    /// <summary>A file of one row group written with ParquetSharp (Snappy), each column by its writer, PUT at the key of the staging bucket.</summary>
    private async Task PutSmallFileAsync(string key, Column[] columns, params Action<ColumnWriter>[] writes)
    {
        var path = Path.Combine(_directory, Guid.NewGuid().ToString("N") + ".parquet");
        using (var writer = new ParquetFileWriter(path, columns, Compression.Snappy))
        {
            using (var group = writer.AppendRowGroup())
            {
                foreach (var write in writes)
                {
                    using var column = group.NextColumn();
                    write(column);
                }
            }

            writer.Close();
        }

        var cli = await fixture.S3CliAsync();
        await cli.OkAsync("s3", "cp", path, $"s3://{fixture.Sandbox.StagingBucket}/{key}");
    }

    private static Action<ColumnWriter> Values<T>(params T[] values) => column =>
    {
        using var typed = column.LogicalWriter<T>();
        typed.WriteBatch(values);
    };

    /// <summary>PUTs the file, COPYs it into a new table of the columns' Redshift types and compares every value read back through PostgreSQL.</summary>
    private async Task CopyAndCompareAsync(string path, string name, PeerColumn[] columns)
    {
        AssertPeerFileHolds(path, columns);
        var cli = await fixture.S3CliAsync();
        var bucket = fixture.Sandbox.StagingBucket;
        await cli.OkAsync("s3", "cp", path, $"s3://{bucket}/pqpeer/copy/{name}/data.parquet");
        var table = "pqpeer_" + name.Replace('-', '_');
        await using var connection = await OpenAsync("pqpeercopy");
        await ExecuteAsync(connection, $"create table {table} ({string.Join(", ", columns.Select(c => $"{c.Name} {c.SqlType}"))})");
        await using (var copy = new NpgsqlCommand($"COPY {table} FROM 's3://{bucket}/pqpeer/copy/{name}/' IAM_ROLE default FORMAT AS PARQUET", connection))
        {
            Assert.Equal(PeerRows, await copy.ExecuteNonQueryAsync());
        }

        await using var select = new NpgsqlCommand($"select * from {table} order by id", connection);
        await using var reader = await select.ExecuteReaderAsync();
        var row = 0;
        while (await reader.ReadAsync())
        {
            for (var c = 0; c < columns.Length; c++)
            {
                var expected = columns[c].Expected(row);
                var actual = Show(reader.GetValue(c));
                Assert.True(expected == actual, $"row {row}, column {columns[c].Name} ({columns[c].SqlType}): wrote {expected}, loaded {actual}");
            }

            row++;
        }

        Assert.Equal(PeerRows, row);
    }

    [Theory]
    [MemberData(nameof(Files))]
    public async Task CopyLoadsEveryTypeFromAFileApacheArrowsParquetWroteWithSeveralRowGroupsAndPages(Compression compression, bool dictionary, bool decimalsAsIntegers)
    {
        var columns = LoadedColumns();
        var name = $"{compression}-{dictionary}-{decimalsAsIntegers}".ToLowerInvariant();
        var path = Path.Combine(_directory, name + ".parquet");
        WritePeerFile(path, columns, compression, dictionary, decimalsAsIntegers, ParquetDataPageVersion.V1);

        // The file is what the case says: three row groups, the codec, dictionary pages or none, INT96, decimals as integers or bytes.
        using (var file = new ParquetFileReader(path))
        {
            using var metadata = file.FileMetaData;
            Assert.Equal((PeerRows, 3), (metadata.NumRows, metadata.NumRowGroups));
            using var group = file.RowGroup(0);
            var groupMetadata = group.MetaData;
            using var names = groupMetadata.GetColumnChunkMetaData(Array.FindIndex(columns, c => c.Name == "string_to_varchar"));
            Assert.Equal(compression, names.Compression);
            Assert.Equal(dictionary, names.Encodings.Contains(ParquetSharp.Encoding.RleDictionary) || names.Encodings.Contains(ParquetSharp.Encoding.PlainDictionary));
            var schema = metadata.Schema;
            Assert.Equal(PhysicalType.Int96, schema.Column(Array.FindIndex(columns, c => c.Name == "int96")).PhysicalType);
            Assert.Equal(decimalsAsIntegers ? PhysicalType.Int32 : PhysicalType.FixedLenByteArray, schema.Column(Array.FindIndex(columns, c => c.Name == "decimal9")).PhysicalType);
            Assert.Equal(decimalsAsIntegers ? PhysicalType.Int64 : PhysicalType.FixedLenByteArray, schema.Column(Array.FindIndex(columns, c => c.Name == "decimal18")).PhysicalType);
            Assert.Equal(PhysicalType.FixedLenByteArray, schema.Column(Array.FindIndex(columns, c => c.Name == "decimal28")).PhysicalType);
        }

        await CopyAndCompareAsync(path, name, columns);
    }

    [Fact]
    public async Task DataPageV2LoadsEveryTypeButRleEncodedBooleansWhichTheSandboxRefusesRatherThanLoadWrongValues()
    {
        // Arrow writes BOOLEAN values RLE encoded in V2 pages; Parquet.Net 6.1 reads them as all false (or crashes).
        var columns = LoadedColumns();
        var path = Path.Combine(_directory, "v2.parquet");
        WritePeerFile(path, columns, Compression.Snappy, dictionary: true, decimalsAsIntegers: true, ParquetDataPageVersion.V2);
        var cli = await fixture.S3CliAsync();
        var bucket = fixture.Sandbox.StagingBucket;
        await cli.OkAsync("s3", "cp", path, $"s3://{bucket}/pqpeer/v2bool/data.parquet");
        await using (var connection = await OpenAsync("pqpeerv2"))
        {
            await ExecuteAsync(connection, $"create table pqpeer_v2bool ({string.Join(", ", columns.Select(c => $"{c.Name} {c.SqlType}"))})");
            var e = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection, $"COPY pqpeer_v2bool FROM 's3://{bucket}/pqpeer/v2bool/' IAM_ROLE default FORMAT AS PARQUET"));
            Assert.Equal(
                ("0A000", $"File 'https://s3.{fixture.Sandbox.Region}.amazonaws.com/{bucket}/pqpeer/v2bool/data.parquet': the BOOLEAN column 'bool' has RLE-encoded data pages (as Parquet data page V2 writes them), which the sandbox cannot read yet."),
                (e.SqlState, e.MessageText));
        }

        var withoutBoolean = columns.Where(c => c.Name != "bool").ToArray();
        var v2 = Path.Combine(_directory, "v2-without-boolean.parquet");
        WritePeerFile(v2, withoutBoolean, Compression.Snappy, dictionary: true, decimalsAsIntegers: true, ParquetDataPageVersion.V2);
        await CopyAndCompareAsync(v2, "v2", withoutBoolean);
    }

    [Fact]
    public async Task ADoubleColumnOfAFileApacheArrowsParquetWroteIsIncompatibleWithAnIntegerColumn15007WithALoadErrorRow()
    {
        var bucket = fixture.Sandbox.StagingBucket;
        await PutSmallFileAsync("pqpeer/incompatible/incompatible.parquet", [new Column<int>("id"), new Column<double?>("amount")], Values(1, 2), Values<double?>(1.5, null));
        var credential = await fixture.NewUserCredentialAsync("pqpeerbad");
        await using (var setup = fixture.Connection(credential))
        {
            await setup.OpenAsync();
            await ExecuteAsync(setup, "create table pqpeer_incompatible (id integer, amount integer)");
        }

        await using (var plain = fixture.Connection(credential))
        await using (var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(plain.ConnectionString) { IncludeErrorDetail = true, Password = credential.Password }.ConnectionString))
        {
            await connection.OpenAsync();
            var e = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection, $"COPY pqpeer_incompatible FROM 's3://{bucket}/pqpeer/incompatible/' IAM_ROLE default FORMAT AS PARQUET"));
            Assert.Equal(("XX000", "Spectrum Scan Error"), (e.SqlState, e.MessageText));
            Assert.Contains("code:      15007", e.Detail, StringComparison.Ordinal);
            Assert.Contains(
                $"File 'https://s3.{fixture.Sandbox.Region}.amazonaws.com/{bucket}/pqpeer/incompatible/incompatible.parquet' has an incompatible Parquet schema for column 's3://{bucket}/pqpeer/incompatible/incompatible.parquet.amount'. Column type: INTEGER, Parquet schema:\noptional double amount",
                e.Detail, StringComparison.Ordinal);
        }

        await using var check = fixture.Connection(credential);
        await check.OpenAsync();
        await using var errors = new NpgsqlCommand(
            "select count(*) filter (where true), max(trim(filename) || '|' || err_code || '|' || trim(colname) || '|' || line_number) from stl_load_errors where tbl = 'pqpeer_incompatible'::regclass::oid::int; " +
            "select count(*) from pqpeer_incompatible", check);
        await using var reader = await errors.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal((1L, $"s3://{bucket}/pqpeer/incompatible/incompatible.parquet|15007|amount|0"), (reader.GetInt64(0), reader.GetString(1)));
        Assert.True(await reader.NextResultAsync() && await reader.ReadAsync());
        Assert.Equal(0L, reader.GetInt64(0));
    }

    [Fact]
    public async Task FillRecordLoadsNullIntoTheTableColumnsAFileLacksAtTheEndButNotIntoNotNull()
    {
        var bucket = fixture.Sandbox.StagingBucket;
        await PutSmallFileAsync("pqpeer/fill/short.parquet", [new Column<int>("id"), new Column<string?>("name")], Values(1, 2), Values<string?>("Ann", null));
        var credential = await fixture.NewUserCredentialAsync("pqpeerfill");
        await using (var connection = fixture.Connection(credential))
        {
            await connection.OpenAsync();
            await ExecuteAsync(connection, "create table pqpeer_fill (id integer, name varchar(10), amount decimal(8,2), note varchar(5)); create table pqpeer_fill_strict (id integer, name varchar(10), note varchar(5) not null)");
            await using (var copy = new NpgsqlCommand($"COPY pqpeer_fill FROM 's3://{bucket}/pqpeer/fill/' IAM_ROLE default FORMAT AS PARQUET FILLRECORD", connection))
            {
                Assert.Equal(2, await copy.ExecuteNonQueryAsync());
            }

            await using var select = new NpgsqlCommand("select id, name, amount, note from pqpeer_fill order by id", connection);
            await using var reader = await select.ExecuteReaderAsync();
            var rows = new List<string>();
            while (await reader.ReadAsync())
            {
                rows.Add(string.Join('|', Enumerable.Range(0, reader.FieldCount).Select(i => Show(reader.GetValue(i)))));
            }

            Assert.Equal(["1|Ann|NULL|NULL", "2|NULL|NULL|NULL"], rows);
        }

        await using (var connection = fixture.Connection(credential))
        {
            await connection.OpenAsync();
            var strict = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection, $"COPY pqpeer_fill_strict FROM 's3://{bucket}/pqpeer/fill/' IAM_ROLE default FORMAT AS PARQUET FILLRECORD"));
            Assert.Equal(("XX000", "Load into table 'pqpeer_fill_strict' failed.  Check 'stl_load_errors' system table for details."), (strict.SqlState, strict.MessageText));
        }

        await using (var connection = fixture.Connection(credential))
        {
            await connection.OpenAsync();
            Assert.Equal(0L, (long)(await new NpgsqlCommand("select count(*) from pqpeer_fill_strict", connection).ExecuteScalarAsync())!);
            var csv = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection, $"COPY pqpeer_fill FROM 's3://{bucket}/pqpeer/fill/' IAM_ROLE default CSV FILLRECORD"));
            Assert.Equal(("0A000", "FILLRECORD is not supported by the sandbox yet for CSV COPY: it takes FILLRECORD with PARQUET."), (csv.SqlState, csv.MessageText));
        }
    }

    [Fact]
    public async Task ExplicitIdsLoadsTheFilesValuesIntoAnIdentityColumnWhichWithoutItIsLeftOutAndGenerated()
    {
        var bucket = fixture.Sandbox.StagingBucket;
        await PutSmallFileAsync("pqpeer/ids/names/data.parquet", [new Column<string?>("name")], Values<string?>("Ann", "Bo"));
        await PutSmallFileAsync("pqpeer/ids/both/data.parquet", [new Column<long>("id"), new Column<string?>("name")], Values(7L, 8L), Values<string?>("Ann", "Bo"));

        var credential = await fixture.NewUserCredentialAsync("pqpeerids");
        await using (var connection = fixture.Connection(credential))
        {
            await connection.OpenAsync();
            await ExecuteAsync(connection, "create table pqpeer_ids (id bigint identity(100, 1), name varchar(10))");
            await ExecuteAsync(connection, $"COPY pqpeer_ids FROM 's3://{bucket}/pqpeer/ids/names/' IAM_ROLE default FORMAT AS PARQUET");
            await ExecuteAsync(connection, $"COPY pqpeer_ids FROM 's3://{bucket}/pqpeer/ids/both/' IAM_ROLE default FORMAT AS PARQUET EXPLICIT_IDS");
            await ExecuteAsync(connection, $"COPY pqpeer_ids (id, name) FROM 's3://{bucket}/pqpeer/ids/both/' IAM_ROLE default FORMAT AS PARQUET EXPLICIT_IDS");
            await using var select = new NpgsqlCommand("select id || '|' || name from pqpeer_ids order by id, name", connection);
            await using var reader = await select.ExecuteReaderAsync();
            var rows = new List<string>();
            while (await reader.ReadAsync())
            {
                rows.Add(reader.GetString(0));
            }

            Assert.Equal(["7|Ann", "7|Ann", "8|Bo", "8|Bo", "100|Ann", "101|Bo"], rows);
        }

        var count = await FailAsync(credential, $"COPY pqpeer_ids FROM 's3://{bucket}/pqpeer/ids/both/' IAM_ROLE default FORMAT AS PARQUET");
        Assert.Equal("Spectrum Scan Error", count.MessageText);
        var listed = await FailAsync(credential, $"COPY pqpeer_ids (id, name) FROM 's3://{bucket}/pqpeer/ids/both/' IAM_ROLE default FORMAT AS PARQUET");
        Assert.Equal(("XX000", "The column list names the IDENTITY column \"id\": COPY loads it only with EXPLICIT_IDS."), (listed.SqlState, listed.MessageText));
        var omitted = await FailAsync(credential, $"COPY pqpeer_ids (name) FROM 's3://{bucket}/pqpeer/ids/names/' IAM_ROLE default FORMAT AS PARQUET EXPLICIT_IDS");
        Assert.Equal(("XX000", "EXPLICIT_IDS was given but the column list leaves out the IDENTITY column \"id\"."), (omitted.SqlState, omitted.MessageText));
        var csv = await FailAsync(credential, $"COPY pqpeer_ids FROM 's3://{bucket}/pqpeer/ids/names/' IAM_ROLE default CSV EXPLICIT_IDS");
        Assert.Equal(("0A000", "EXPLICIT_IDS is not supported by the sandbox yet for CSV COPY: it takes EXPLICIT_IDS with PARQUET."), (csv.SqlState, csv.MessageText));
    }

    [Fact]
    public async Task RowGroupSizeEndsARowGroupAtThatManyBytesOfValuesWhichApacheArrowsParquetReads()
    {
        var cli = await fixture.S3CliAsync();
        var bucket = fixture.Sandbox.StagingBucket;
        var credential = await fixture.NewUserCredentialAsync("pqpeerrg");

        // 160,000 rows of exactly 256 bytes of values (8 + 248): 40 MB, so 32 MB is 131,072 rows.
        const string Query = "select lpad(g::text, 8, ''0'') as id, repeat(''x'', 248) as pad from generate_series(1, 160000) g order by g";
        await using (var connection = fixture.Connection(credential))
        {
            await connection.OpenAsync();
            await ExecuteAsync(connection, $"UNLOAD ('{Query}') TO 's3://{bucket}/pqpeer/rowgroups/sized_' IAM_ROLE default FORMAT AS PARQUET ROWGROUPSIZE AS 32 MB PARALLEL OFF");
            await ExecuteAsync(connection, $"UNLOAD ('{Query}') TO 's3://{bucket}/pqpeer/rowgroups/default_' IAM_ROLE default FORMAT AS PARQUET PARALLEL OFF");
        }

        long[] RowGroups(ParquetFileReader file)
        {
            using var metadata = file.FileMetaData;
            return Enumerable.Range(0, metadata.NumRowGroups).Select(g =>
            {
                using var group = file.RowGroup(g);
                return group.MetaData.NumRows;
            }).ToArray();
        }

        using (var sized = await DownloadAsync(cli, $"s3://{bucket}/pqpeer/rowgroups/sized_000.parquet"))
        {
            Assert.Equal([131_072L, 28_928L], RowGroups(sized));
            using var last = sized.RowGroup(1);
            Assert.Equal("00160000", ReadColumn<string?>(last, 0, 28_928)[^1]);
        }

        using (var byDefault = await DownloadAsync(cli, $"s3://{bucket}/pqpeer/rowgroups/default_000.parquet"))
        {
            Assert.Equal([100_000L, 60_000L], RowGroups(byDefault));
        }

        foreach (var size in new[] { "16", "256 MB", "1 GB" })
        {
            var e = await FailAsync(credential, $"UNLOAD ('select 1') TO 's3://{bucket}/pqpeer/rowgroups/bad_' IAM_ROLE default PARQUET ROWGROUPSIZE {size}");
            Assert.Equal(("XX000", "ROWGROUPSIZE must be a whole number of MB between 32 MB and 128 MB"), (e.SqlState, e.MessageText));
        }

        var csv = await FailAsync(credential, $"UNLOAD ('select 1') TO 's3://{bucket}/pqpeer/rowgroups/csv_' IAM_ROLE default CSV ROWGROUPSIZE 64");
        Assert.Equal(("0A000", "ROWGROUPSIZE argument is supported only for PARQUET based UNLOAD"), (csv.SqlState, csv.MessageText));
    }
}

/// <summary>A column the tests write with ParquetSharp: its Parquet column, the Redshift column it loads into, its values.</summary>
internal abstract class PeerColumn(string name, string sqlType)
{
    public string Name { get; } = name;

    public string SqlType { get; } = sqlType;

    /// <summary>The Parquet column: ParquetSharp's type for the values (or the logical type given); a DECIMAL of precision up to 18 as INT32/INT64 if asked.</summary>
    public abstract Node Node(bool decimalsAsIntegers);

    /// <summary>A column whose values are written as they are given, with ParquetSharp's Parquet type for <typeparamref name="T"/> (or the logical type given).</summary>
    public static PeerColumn Of<T>(string name, string sqlType, LogicalType? logicalType, Func<int, T> value) => new PeerColumn<T, T>(name, sqlType, logicalType, value, v => v);

    public abstract void Write(ColumnWriter writer, int start, int count);

    /// <summary>The first row from <paramref name="start"/> whose value ParquetSharp reads back differently from what was written, or -1.</summary>
    public abstract int FirstMismatch(ColumnReader reader, int start, int count);

    /// <summary>The value of a row as it reads back from Redshift (<see cref="FrontParquetPeerTests.Show"/>).</summary>
    public abstract string Expected(int row);
}

/// <summary>A column of <typeparamref name="T"/> whose values are given as <typeparamref name="TValue"/> (what Redshift loads).</summary>
internal sealed class PeerColumn<T, TValue>(string name, string sqlType, LogicalType? logicalType, Func<int, TValue> value, Func<TValue, T> toParquet, Func<TValue, string?>? loaded = null)
    : PeerColumn(name, sqlType)
{
    public override Node Node(bool decimalsAsIntegers) => logicalType is DecimalLogicalType { Precision: <= 18 } d && decimalsAsIntegers
        ? new PrimitiveNode(Name, Repetition.Optional, logicalType, d.Precision <= 9 ? PhysicalType.Int32 : PhysicalType.Int64)
        : new Column<T>(Name, logicalType).CreateSchemaNode();

    public override void Write(ColumnWriter writer, int start, int count)
    {
        using var typed = writer.LogicalWriter<T>();
        typed.WriteBatch(Enumerable.Range(start, count).Select(i => toParquet(value(i))).ToArray());
    }

    public override int FirstMismatch(ColumnReader reader, int start, int count)
    {
        using var typed = reader.LogicalReader<T>();
        var read = typed.ReadAll(count);
        for (var i = 0; i < count; i++)
        {
            if (!EqualityComparer<T>.Default.Equals(read[i], toParquet(value(start + i))))
            {
                return i;
            }
        }

        return -1;
    }

    public override string Expected(int row) => FrontParquetPeerTests.Show(loaded is null ? value(row) : loaded(value(row)));
}
