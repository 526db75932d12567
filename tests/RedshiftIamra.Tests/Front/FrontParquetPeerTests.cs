using System.Globalization;
using Npgsql;
using ParquetSharp;
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

    private async Task<AwsCli> CliAsync()
    {
        var response = await SandboxClients.CreateAsync(SandboxClients.Client(fixture.Sandbox), SandboxClients.Request(fixture.Sandbox));
        return new AwsCli(fixture.Sandbox.S3Endpoint, response.CredentialSet.Credentials, fixture.Sandbox.TlsCaBundlePath);
    }

    private async Task<NpgsqlConnection> OpenAsync(string prefix)
    {
        var credential = await fixture.NewUserCredentialAsync(prefix);
        var connection = fixture.Connection(credential);
        await connection.OpenAsync();
        return connection;
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
        var cli = await CliAsync();
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

        var local = Path.Combine(_directory, "unloaded.parquet");
        await cli.OkAsync("s3", "cp", $"s3://{bucket}/pqpeer/unload/src_000.parquet", local);
        using (var file = new ParquetFileReader(local))
        {
            using var metadata = file.FileMetaData;
            var descriptor = metadata.Schema;
            Assert.Equal(schema, Enumerable.Range(0, descriptor.NumColumns).Select(c => Describe(descriptor.Column(c))));
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
        var empty = Path.Combine(_directory, "empty.parquet");
        await cli.OkAsync("s3", "cp", $"s3://{bucket}/pqpeer/empty/src_000.parquet", empty);
        using (var file = new ParquetFileReader(empty))
        {
            using var metadata = file.FileMetaData;
            var descriptor = metadata.Schema;
            Assert.Equal(schema, Enumerable.Range(0, descriptor.NumColumns).Select(c => Describe(descriptor.Column(c))));
            Assert.Equal((0, 0), (metadata.NumRows, metadata.NumRowGroups));
        }
    }
}
