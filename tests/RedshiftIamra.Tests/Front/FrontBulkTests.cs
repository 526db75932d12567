using System.IO.Compression;
using System.Text;
using Npgsql;
using RedshiftIamra.Tests.S3;
using RedshiftIamra.Tests.Sandbox;

namespace RedshiftIamra.Tests.Front;

/// <summary>
/// COPY from the sandbox's S3 and UNLOAD to it through the Redshift front: Npgsql over TLS with an
/// IAM login, files staged and fetched with the AWS CLI (a session of the sandbox's role).
/// </summary>
public sealed class FrontBulkTests(SandboxFrontFixture fixture) : IClassFixture<SandboxFrontFixture>, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("front-bulk-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private Task<AwsCli> CliAsync() => fixture.S3CliAsync();

    [Fact]
    public async Task CopyOfAGzipCsvLoadsAndABadRowRollsBackIntoStlLoadErrorsAndUnloadWritesParts()
    {
        var cli = await CliAsync();
        var bucket = fixture.Sandbox.StagingBucket;
        var gz = Path.Combine(_directory, "sales.csv.gz");
        await using (var file = File.Create(gz))
        await using (var zip = new GZipStream(file, CompressionLevel.Fastest))
        {
            await zip.WriteAsync(Encoding.UTF8.GetBytes("id,name\n1,Ann\n2,\"Smith, J\"\n"));
        }

        await cli.OkAsync("s3", "cp", gz, $"s3://{bucket}/front/good/sales.csv.gz");
        var bad = Path.Combine(_directory, "bad.csv");
        await File.WriteAllTextAsync(bad, "3,Bo\nx4,Cy\n");
        await cli.OkAsync("s3", "cp", bad, $"s3://{bucket}/front/bad/sales.csv");

        var credential = await fixture.NewUserCredentialAsync("bulk");
        await using var connection = fixture.Connection(credential);
        await connection.OpenAsync();
        await new NpgsqlCommand("create table front_sales (id int, name varchar(20))", connection).ExecuteNonQueryAsync();

        await using (var copy = new NpgsqlCommand($"COPY front_sales FROM 's3://{bucket}/front/good/' IAM_ROLE default FORMAT AS CSV GZIP IGNOREHEADER 1", connection))
        {
            Assert.Equal(2, await copy.ExecuteNonQueryAsync());
        }

        var e = await Assert.ThrowsAsync<PostgresException>(async () =>
        {
            await using var failing = new NpgsqlCommand($"COPY front_sales FROM 's3://{bucket}/front/bad/' IAM_ROLE '{fixture.Sandbox.CopyRoleArn}' CSV", connection);
            await failing.ExecuteNonQueryAsync();
        });
        Assert.Equal("Load into table 'front_sales' failed.  Check 'stl_load_errors' system table for details.", e.MessageText);

        await using var check = fixture.Connection(credential);
        await check.OpenAsync();
        await using (var count = new NpgsqlCommand("select count(*) from front_sales", check))
        {
            Assert.Equal(2L, await count.ExecuteScalarAsync()); // the failed COPY left nothing behind
        }

        await using (var errors = new NpgsqlCommand("select trim(filename) || '|' || line_number || '|' || trim(colname) || '|' || trim(raw_field_value) from stl_load_errors where tbl = 'front_sales'::regclass::oid::int", check))
        {
            Assert.Equal($"s3://{bucket}/front/bad/sales.csv|2|id|x4", await errors.ExecuteScalarAsync());
        }

        await using (var unload = new NpgsqlCommand($"UNLOAD ('select id, name from front_sales order by id') TO 's3://{bucket}/front/out/sales_' IAM_ROLE default CSV GZIP", check))
        {
            await unload.ExecuteNonQueryAsync();
        }

        Assert.Contains("sales_0000_part_00.gz", await cli.OkAsync("s3", "ls", $"s3://{bucket}/front/out/"), StringComparison.Ordinal);
        var back = Path.Combine(_directory, "back.gz");
        await cli.OkAsync("s3", "cp", $"s3://{bucket}/front/out/sales_0000_part_00.gz", back);
        await using var read = new GZipStream(File.OpenRead(back), CompressionMode.Decompress);
        using var text = new StreamReader(read);
        Assert.Equal("1,Ann\n2,\"Smith, J\"\n", await text.ReadToEndAsync());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AValuePostgresRefusesFailsTheCopyInsideTheClientsTransactionLeavesTheTableUnchangedAndIsRecordedAtItsLineColumnAndValue(bool statementFirst)
    {
        var cli = await CliAsync();
        var bucket = fixture.Sandbox.StagingBucket;
        var bad = Path.Combine(_directory, "tz.csv");
        await File.WriteAllTextAsync(bad, "1,10:00+01\n2,11:00+01\n3,half past ten\n4,12:00+01\n");
        var prefix = $"front/tz-{statementFirst}/";
        await cli.OkAsync("s3", "cp", bad, $"s3://{bucket}/{prefix}tz.csv");

        var credential = await fixture.NewUserCredentialAsync("bulktz" + (statementFirst ? "1" : "0"));
        await using var connection = fixture.Connection(credential);
        await connection.OpenAsync();
        var table = "front_tz_" + (statementFirst ? "1" : "0");
        await new NpgsqlCommand($"create table {table} (id int, at timetz); insert into {table} values (0, '09:00+00')", connection).ExecuteNonQueryAsync();

        // Npgsql sends BEGIN with the transaction's first statement: here the COPY itself, or a DELETE before it.
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            if (statementFirst)
            {
                await new NpgsqlCommand($"delete from {table}", connection, transaction).ExecuteNonQueryAsync();
            }

            var e = await Assert.ThrowsAsync<PostgresException>(async () =>
            {
                await using var failing = new NpgsqlCommand($"COPY {table} FROM 's3://{bucket}/{prefix}' IAM_ROLE default CSV", connection, transaction);
                await failing.ExecuteNonQueryAsync();
            });
            Assert.Equal($"Load into table '{table}' failed.  Check 'stl_load_errors' system table for details.", e.MessageText);
            Assert.Equal("XX000", e.SqlState);

            // Npgsql counts XX000 as a critical failure and breaks the connection (so the module's
            // loader reads the load errors on another one); the server ends the transaction with it.
            Assert.Equal(System.Data.ConnectionState.Broken, connection.FullState);
        }

        await using var check = fixture.Connection(credential);
        await check.OpenAsync();
        await using (var count = new NpgsqlCommand($"select count(*) from {table}", check))
        {
            Assert.Equal(1L, await count.ExecuteScalarAsync());
        }

        await using (var errors = new NpgsqlCommand($"select trim(filename) || '|' || line_number || '|' || trim(colname) || '|' || trim(raw_field_value) from stl_load_errors where tbl = '{table}'::regclass::oid::int", check))
        {
            Assert.Equal($"s3://{bucket}/{prefix}tz.csv|3|at|half past ten", await errors.ExecuteScalarAsync());
        }
    }
}
