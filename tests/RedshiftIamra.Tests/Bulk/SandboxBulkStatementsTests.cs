using System.IO.Compression;
using System.Text;
using Npgsql;
using RedshiftIamra.Aws;
using RedshiftIamra.Sandbox;
using RedshiftIamra.Sandbox.Bulk;
using RedshiftIamra.Sandbox.Front;
using RedshiftIamra.Tests.S3;
using RedshiftIamra.Tests.Sandbox;

namespace RedshiftIamra.Tests.Bulk;

/// <summary>A sandbox with its database and S3, a session of its default role (for the AWS CLI) and the bulk statement handler.</summary>
public sealed class BulkFixture : IAsyncLifetime
{
    private SandboxHost? _sandbox;

    public SandboxHost Sandbox => _sandbox ?? throw new InvalidOperationException("The sandbox has not started.");

    public AwsCredentials Credentials { get; private set; } = null!;

    public SandboxBulkStatements Bulk { get; private set; } = null!;

    public AwsCli Cli => new(Sandbox.S3Endpoint, Credentials, Sandbox.TlsCaBundlePath);

    public async Task InitializeAsync()
    {
        _sandbox = await SandboxHost.StartAsync(new SandboxOptions { Database = true });
        var response = await SandboxClients.CreateAsync(SandboxClients.Client(Sandbox), SandboxClients.Request(Sandbox));
        Credentials = response.CredentialSet.Credentials;
        Bulk = Sandbox.CreateBulkStatements();
    }

    public async Task DisposeAsync()
    {
        if (_sandbox is not null)
        {
            await _sandbox.DisposeAsync();
        }
    }

    public async Task<NpgsqlConnection> ConnectAsync()
    {
        var connection = new NpgsqlConnection(Sandbox.AdminConnectionString);
        await connection.OpenAsync();
        return connection;
    }
}

/// <summary>
/// COPY from the sandbox's S3 and UNLOAD to it, run by the handler the Redshift front calls,
/// over a backend session on a real PostgreSQL connection; files put and fetched with the AWS CLI,
/// rows and load errors read back with Npgsql.
/// </summary>
public sealed class SandboxBulkStatementsTests : IClassFixture<BulkFixture>, IDisposable
{
    private static readonly FrontSessionInfo s_session = new("IAM:etl_user", "dev", InTransaction: true);
    private readonly BulkFixture _fixture;
    private readonly string _directory = Directory.CreateTempSubdirectory("bulk-").FullName;

    public SandboxBulkStatementsTests(BulkFixture fixture) => _fixture = fixture;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Bucket => _fixture.Sandbox.StagingBucket;

    private string Role => _fixture.Sandbox.CopyRoleArn;

    private async Task UploadAsync(string key, string content, bool gzip = false)
    {
        var path = Path.Combine(_directory, Guid.NewGuid().ToString("N"));
        if (gzip)
        {
            await using var file = File.Create(path);
            await using var zip = new GZipStream(file, CompressionLevel.Fastest);
            await zip.WriteAsync(Encoding.UTF8.GetBytes(content));
        }
        else
        {
            await File.WriteAllTextAsync(path, content);
        }

        await _fixture.Cli.OkAsync("s3", "cp", path, $"s3://{Bucket}/{key}");
    }

    private async Task<StatementOutcome> RunAsync(NpgsqlConnection connection, string sql) =>
        await _fixture.Bulk.TryHandleAsync(sql, new NpgsqlBackendSession(connection), s_session, CancellationToken.None)
        ?? throw new InvalidOperationException("The handler did not take: " + sql);

    private static async Task<List<string>> RowsAsync(NpgsqlConnection connection, string sql)
    {
        var rows = new List<string>();
        await using var command = new NpgsqlCommand(sql, connection) { AllResultTypesAreUnknown = true };
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add(string.Join("|", Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? "<null>" : reader.GetString(i))));
        }

        return rows;
    }

    [Fact]
    public async Task CopyCsvLoadsEveryObjectOfThePrefixInTheClientsTransaction()
    {
        await using var connection = await _fixture.ConnectAsync();
        await new NpgsqlCommand("create table sales (id int not null, name varchar(10), amount numeric(8,2), sold date, note varchar(20))", connection).ExecuteNonQueryAsync();
        await UploadAsync("csv/sales_1.csv", "id,name,amount,sold,note\n1,\"Smith, J\",12.50,2024-01-31,\n2,Ann,,2024/02/01,\"say \"\"hi\"\"\"\n");
        await UploadAsync("csv/sales_2.csv", "id,name,amount,sold,note\n3,NULLX,7,20240301,  \n");
        await UploadAsync("csvother/sales_9.csv", "id,name,amount,sold,note\n9,never,1,2024-01-01,x\n");

        await using (var transaction = await connection.BeginTransactionAsync())
        {
            var outcome = await RunAsync(connection, $"COPY sales FROM 's3://{Bucket}/csv/sales_' IAM_ROLE '{Role}' FORMAT AS CSV IGNOREHEADER 1 NULL AS 'NULLX' EMPTYASNULL BLANKSASNULL DATEFORMAT 'auto' REGION 'us-east-1' COMPUPDATE OFF STATUPDATE OFF;");
            Assert.Equal("COPY 3", outcome.CommandTag);
            Assert.Equal(["Load into table 'sales' completed, 3 record(s) loaded successfully."], outcome.Notices);
            await transaction.RollbackAsync();
        }

        Assert.Empty(await RowsAsync(connection, "select * from sales")); // the load was part of the rolled-back transaction

        await RunAsync(connection, $"copy sales from 's3://{Bucket}/csv/sales_' iam_role default csv ignoreheader as 1 null as 'NULLX' emptyasnull blanksasnull dateformat as 'auto'");
        Assert.Equal(
            ["1|Smith, J|12.50|2024-01-31|<null>", "2|Ann|<null>|2024-02-01|say \"hi\"", "3|<null>|7.00|2024-03-01|<null>"],
            await RowsAsync(connection, "select id, name, amount, sold, note from sales order by id"));
    }

    [Fact]
    public async Task ABadRowFailsTheCopyAndIsRecordedInTheLoadErrorTablesDespiteTheRollback()
    {
        await using var connection = await _fixture.ConnectAsync();
        await new NpgsqlCommand("create table orders (id int, qty int, city varchar(5))", connection).ExecuteNonQueryAsync();
        await UploadAsync("bad/orders.csv", "1,10,Oslo\n2,1x,Rome\n3,30,Lisbon\n");
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            var e = await Assert.ThrowsAsync<RedshiftSqlException>(() => RunAsync(connection, $"COPY orders FROM 's3://{Bucket}/bad/orders.csv' IAM_ROLE '{Role}' CSV"));
            Assert.Equal("XX000", e.SqlState);
            Assert.Equal("Load into table 'orders' failed.  Check 'stl_load_errors' system table for details.", e.Message);
            await transaction.RollbackAsync();
        }

        var errors = await RowsAsync(connection, "select trim(filename), line_number, trim(colname), trim(type), trim(raw_field_value), trim(raw_line), err_code, trim(err_reason) from stl_load_errors where tbl = 'orders'::regclass::oid::int order by line_number");
        Assert.Equal([$"s3://{Bucket}/bad/orders.csv|2|qty|integer|1x|2,1x,Rome|1207|Invalid digit, Value 'x', Pos 1, Type: Integer"], errors);
        var detail = await RowsAsync(connection, "select trim(file_name), line_number, trim(column_name), error_code, trim(error_message) from sys_load_error_detail where table_id = 'orders'::regclass::oid::int");
        Assert.Equal([$"s3://{Bucket}/bad/orders.csv|2|qty|1207|Invalid digit, Value 'x', Pos 1, Type: Integer"], detail);
        Assert.Empty(await RowsAsync(connection, "select * from orders"));
    }

    [Fact]
    public async Task MaxErrorSkipsAndRecordsBadRowsUpToTheLimit()
    {
        await using var connection = await _fixture.ConnectAsync();
        await new NpgsqlCommand("create table cities (id int not null, city varchar(5))", connection).ExecuteNonQueryAsync();
        await UploadAsync("maxerror/cities.txt", "1|Oslo\n2|Lisbon\n|Rome\n4|Bern\n5\n");
        var tooMany = await Assert.ThrowsAsync<RedshiftSqlException>(() => RunAsync(connection, $"COPY cities FROM 's3://{Bucket}/maxerror/' IAM_ROLE '{Role}' MAXERROR 2"));
        Assert.StartsWith("Load into table 'cities' failed.", tooMany.Message, StringComparison.Ordinal);

        var outcome = await RunAsync(connection, $"COPY cities FROM 's3://{Bucket}/maxerror/' IAM_ROLE '{Role}' MAXERROR AS 3");
        Assert.Equal("Load into table 'cities' completed, 2 record(s) loaded successfully.", outcome.Notices[0]);
        Assert.Equal("Load into table 'cities' completed, 3 record(s) could not be loaded.  Check 'stl_load_errors' system table for details.", outcome.Notices[1]);
        Assert.Equal(["1|Oslo", "4|Bern"], await RowsAsync(connection, "select * from cities order by id"));
        var reasons = await RowsAsync(connection, "select line_number, trim(colname), err_code, trim(err_reason) from stl_load_errors where tbl = 'cities'::regclass::oid::int and query = (select max(query) from stl_load_errors) order by line_number");
        Assert.Equal(["2|city|1204|String length exceeds DDL length", "3|id|1213|Missing data for not-null field", "5|city|1214|Delimiter not found"], reasons);
    }

    [Fact]
    public async Task RolesTheClusterMayNotAssumeBucketsAndPrefixesThatDoNotExistAreRedshiftErrors()
    {
        await using var connection = await _fixture.ConnectAsync();
        await new NpgsqlCommand("create table t_roles (id int)", connection).ExecuteNonQueryAsync();
        var notAssociated = await Assert.ThrowsAsync<RedshiftSqlException>(() => RunAsync(connection, $"COPY t_roles FROM 's3://{Bucket}/x' IAM_ROLE '{_fixture.Sandbox.RoleArn}'"));
        Assert.Equal("XX000", notAssociated.SqlState);
        Assert.Equal($"User arn:aws:redshift:us-east-1:123456789012:dbuser:my-redshift-cluster/IAM:etl_user is not authorized to assume IAM Role {_fixture.Sandbox.RoleArn}", notAssociated.Message);

        var noPrefix = await Assert.ThrowsAsync<RedshiftSqlException>(() => RunAsync(connection, $"COPY t_roles FROM 's3://{Bucket}/nothing/here' IAM_ROLE default"));
        Assert.Equal("The specified S3 prefix 'nothing/here' does not exist", noPrefix.Message);
        var noBucket = await Assert.ThrowsAsync<RedshiftSqlException>(() => RunAsync(connection, "COPY t_roles FROM 's3://no-such-bucket/x' IAM_ROLE default"));
        Assert.StartsWith("S3ServiceException:The specified bucket does not exist,Status 404,Error NoSuchBucket,Rid ", noBucket.Message, StringComparison.Ordinal);
        var noTable = await Assert.ThrowsAsync<RedshiftSqlException>(() => RunAsync(connection, $"COPY missing_table FROM 's3://{Bucket}/x' IAM_ROLE default"));
        Assert.Equal(("42P01", "relation \"missing_table\" does not exist"), (noTable.SqlState, noTable.Message));
        Assert.Null(await _fixture.Bulk.TryHandleAsync("COPY t_roles FROM STDIN", new NpgsqlBackendSession(connection), s_session, CancellationToken.None));
        Assert.Null(await _fixture.Bulk.TryHandleAsync("select 1", new NpgsqlBackendSession(connection), s_session, CancellationToken.None));
    }

    [Fact]
    public async Task JsonAutoAndGzipAndManifestLoad()
    {
        await using var connection = await _fixture.ConnectAsync();
        await new NpgsqlCommand("create table events (id int, kind varchar(10), at timestamp, tags varchar(50))", connection).ExecuteNonQueryAsync();
        await UploadAsync("json/e1.json", "{\"id\": 1, \"kind\": \"click\", \"at\": \"2024-05-01 10:00:00\", \"tags\": [\"a\",\"b\"]}\n{\"id\":2,\n \"kind\":null}\n");
        await RunAsync(connection, $"COPY events FROM 's3://{Bucket}/json/' IAM_ROLE default FORMAT AS JSON 'auto' TIMEFORMAT 'auto'");
        Assert.Equal(["1|click|2024-05-01 10:00:00|[\"a\",\"b\"]", "2|<null>|<null>|<null>"], await RowsAsync(connection, "select * from events order by id"));

        await UploadAsync("gz/part-1.csv.gz", "3,view,2024-05-02 11:00:00,x\n", gzip: true);
        await UploadAsync("gz/part-2.csv.gz", "4,view,2024-05-02 12:00:00,y\n", gzip: true);
        await UploadAsync("gz/list.manifest", $"{{\"entries\": [{{\"url\":\"s3://{Bucket}/gz/part-1.csv.gz\", \"mandatory\":true}}, {{\"url\":\"s3://{Bucket}/gz/gone.csv.gz\", \"mandatory\":false}}]}}");
        var outcome = await RunAsync(connection, $"COPY events FROM 's3://{Bucket}/gz/list.manifest' IAM_ROLE default CSV GZIP MANIFEST");
        Assert.Equal("Load into table 'events' completed, 1 record(s) loaded successfully.", outcome.Notices[0]);
        await UploadAsync("gz/strict.manifest", $"{{\"entries\": [{{\"url\":\"s3://{Bucket}/gz/gone.csv.gz\", \"mandatory\":true}}]}}");
        var missing = await Assert.ThrowsAsync<RedshiftSqlException>(() => RunAsync(connection, $"COPY events FROM 's3://{Bucket}/gz/strict.manifest' IAM_ROLE default CSV GZIP MANIFEST"));
        Assert.Contains("NoSuchKey", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnloadWritesRedshiftNamedObjectsTheCliReadsAndCopyLoadsBack()
    {
        await using var connection = await _fixture.ConnectAsync();
        await new NpgsqlCommand("create table src (id int, name varchar(20)); insert into src values (1, 'a,b'), (2, null), (3, 'say \"x\"');", connection).ExecuteNonQueryAsync();
        var outcome = await RunAsync(connection, $"UNLOAD ('select id, name from src where name <> \\'zzz\\' or name is null order by id') TO 's3://{Bucket}/unload/src_' IAM_ROLE default FORMAT AS CSV HEADER PARALLEL OFF MANIFEST VERBOSE");
        Assert.Equal("UNLOAD", outcome.CommandTag);
        Assert.Equal(["UNLOAD completed, 3 record(s) unloaded successfully."], outcome.Notices);

        var listing = await _fixture.Cli.OkAsync("s3", "ls", $"s3://{Bucket}/unload/");
        Assert.Contains("src_000\n", listing, StringComparison.Ordinal);
        Assert.Contains("src_manifest\n", listing, StringComparison.Ordinal);
        var local = Path.Combine(_directory, "src_000.csv");
        await _fixture.Cli.OkAsync("s3", "cp", $"s3://{Bucket}/unload/src_000", local);
        Assert.Equal("id,name\n1,\"a,b\"\n2,\n3,\"say \"\"x\"\"\"\n", await File.ReadAllTextAsync(local));
        var manifest = Path.Combine(_directory, "manifest.json");
        await _fixture.Cli.OkAsync("s3", "cp", $"s3://{Bucket}/unload/src_manifest", manifest);
        Assert.Contains($"\"url\":\"s3://{Bucket}/unload/src_000\"", await File.ReadAllTextAsync(manifest), StringComparison.Ordinal);
        Assert.Contains("\"record_count\": 3", await File.ReadAllTextAsync(manifest), StringComparison.Ordinal);

        var again = await Assert.ThrowsAsync<RedshiftSqlException>(() => RunAsync(connection, $"UNLOAD ('select 1') TO 's3://{Bucket}/unload/src_' IAM_ROLE default CSV PARALLEL OFF"));
        Assert.Equal("Specified unload destination on S3 is not empty. Consider using a different bucket / prefix, manually removing the target files in S3, or using the ALLOWOVERWRITE option.", again.Message);

        await RunAsync(connection, $"UNLOAD ('select id, name from src') TO 's3://{Bucket}/unload/gz_' IAM_ROLE default GZIP ALLOWOVERWRITE");
        await RunAsync(connection, $"UNLOAD ('select id, name from src') TO 's3://{Bucket}/unload/gz_' IAM_ROLE default GZIP ALLOWOVERWRITE");
        Assert.Contains("gz_0000_part_00.gz", await _fixture.Cli.OkAsync("s3", "ls", $"s3://{Bucket}/unload/"), StringComparison.Ordinal);

        await new NpgsqlCommand("create table copy_back (id int, name varchar(20))", connection).ExecuteNonQueryAsync();
        await RunAsync(connection, $"COPY copy_back FROM 's3://{Bucket}/unload/src_manifest' IAM_ROLE default CSV IGNOREHEADER 1 MANIFEST EMPTYASNULL");
        await RunAsync(connection, $"COPY copy_back FROM 's3://{Bucket}/unload/gz_' IAM_ROLE default GZIP EMPTYASNULL");
        Assert.Equal(["1|a,b", "1|a,b", "2|<null>", "2|<null>", "3|say \"x\"", "3|say \"x\""], await RowsAsync(connection, "select * from copy_back order by id, name"));
    }
}
