using System.Diagnostics;
using Npgsql;
using RedshiftIamra.Aws;
using RedshiftIamra.Sandbox;
using RedshiftIamra.Sandbox.Front;
using RedshiftIamra.Tests.Sandbox;

namespace RedshiftIamra.Tests.Front;

/// <summary>
/// The sandbox's Redshift front through real clients (Npgsql: extended protocol; psql: simple
/// protocol): identity, logins, refusals, statement handlers, cancel, types, clean-up.
/// </summary>
public sealed class RedshiftFrontTests(SandboxFrontFixture fixture) : IClassFixture<SandboxFrontFixture>
{
    private SandboxHost Sandbox => fixture.Sandbox;

    [Fact]
    public async Task Npgsql_sees_Redshift_8_0_2_and_logs_in_as_the_IAM_user()
    {
        var credential = await fixture.NewUserCredentialAsync("identity");
        await using var connection = fixture.Connection(credential);
        await connection.OpenAsync();
        Assert.Equal(new Version(8, 0, 2), connection.PostgreSqlVersion);
        Assert.Equal("8.0.2", connection.ServerVersion);
        await using var command = new NpgsqlCommand("select version(), current_user", connection);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(RedshiftDialect.VersionString, reader.GetString(0));
        Assert.Equal(credential.DbUser, reader.GetString(1));

        // The front gives its own cancel key, never the backend's process id.
        Assert.NotEqual(0, connection.ProcessID);
    }

    [Fact]
    public async Task Pooled_connections_are_reused_without_a_reset_statement_Redshift_would_refuse()
    {
        var credential = await fixture.NewUserCredentialAsync("pool");
        var builder = new NpgsqlConnectionStringBuilder(fixture.Connection(credential).ConnectionString) { Pooling = true, MaxPoolSize = 1 };
        await using var source = NpgsqlDataSource.Create(builder.ConnectionString);
        var pids = new HashSet<int>();
        for (var i = 0; i < 4; i++)
        {
            await using var connection = await source.OpenConnectionAsync();
            pids.Add(connection.ProcessID);
            await using var command = new NpgsqlCommand("select 41 + 1", connection);
            Assert.Equal(42, await command.ExecuteScalarAsync());
        }

        Assert.Single(pids);
    }

    [Fact]
    public async Task Every_issued_password_works_until_it_expires_and_expired_or_unknown_ones_are_refused_as_Redshift_does()
    {
        var name = SandboxDatabaseFixture.Unique("multi");
        await Sandbox.AddDatabaseUserAsync(name);
        var first = await SandboxDatabaseFixture.GetAsync(fixture.Source(RedshiftTargetKind.Provisioned, name), force: true);
        var second = await SandboxDatabaseFixture.GetAsync(fixture.Source(RedshiftTargetKind.Provisioned, name), force: true);
        Assert.NotEqual(first.Password, second.Password);
        Assert.Equal(first.DbUser, await fixture.CurrentUserAsync(first));
        Assert.Equal(second.DbUser, await fixture.CurrentUserAsync(second));

        var unknown = await Assert.ThrowsAsync<PostgresException>(() => fixture.CurrentUserAsync(first, "Wrong0Password0Of0Letters"));
        Assert.Equal(("28000", $"password authentication failed for user \"{first.DbUser}\""), (unknown.SqlState, unknown.MessageText));

        await Sandbox.ExpireDatabasePasswordAsync(first.DbUser);
        foreach (var expired in new[] { first, second })
        {
            var e = await Assert.ThrowsAsync<PostgresException>(() => fixture.CurrentUserAsync(expired));
            Assert.Equal(("28000", $"password authentication failed for user \"{first.DbUser}\""), (e.SqlState, e.MessageText));
        }

        var third = await SandboxDatabaseFixture.GetAsync(fixture.Source(RedshiftTargetKind.Provisioned, name), force: true);
        Assert.Equal(third.DbUser, await fixture.CurrentUserAsync(third));
    }

    [Fact]
    public async Task The_password_never_reaches_the_PostgreSQL_log()
    {
        var credential = await fixture.NewUserCredentialAsync("hygiene");
        Assert.Equal(credential.DbUser, await fixture.CurrentUserAsync(credential));
        await Assert.ThrowsAsync<PostgresException>(() => fixture.CurrentUserAsync(credential, credential.Password + "x"));
        var log = await File.ReadAllTextAsync(Sandbox.PostgresLogPath);
        Assert.DoesNotContain(credential.Password, log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_plaintext_login_is_refused()
    {
        var credential = await fixture.NewUserCredentialAsync("plain");
        var builder = new NpgsqlConnectionStringBuilder(fixture.Connection(credential).ConnectionString) { SslMode = SslMode.Disable };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        var e = await Assert.ThrowsAsync<PostgresException>(() => connection.OpenAsync());
        Assert.Equal("28000", e.SqlState);
        Assert.Contains("SSL off", e.MessageText, StringComparison.Ordinal);
    }

    public static TheoryData<string, string, string> Refused => new()
    {
        { "LISTEN my_channel", "0A000", "SQL command \"LISTEN my_channel\" not supported" },
        { "NOTIFY my_channel", "0A000", "SQL command \"NOTIFY my_channel\" not supported" },
        { "UNLISTEN *", "0A000", "SQL command \"UNLISTEN *\" not supported" },
        { "DISCARD ALL", "42601", "syntax error at or near \"DISCARD\"" },
        { "copy sales from stdin", "42601", "syntax error at or near \"stdin\"" },
        { "COPY sales TO STDOUT", "42601", "syntax error at or near \"STDOUT\"" },
        { "copy (select 1) to stdout", "42601", "syntax error at or near \"(\"" },
        { "create index sales_i on sales (id)", "0A000", "CREATE INDEX is not supported" },
        { "create sequence s1", "0A000", "CREATE SEQUENCE is not supported" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task Redshift_refusals_come_through_the_extended_protocol_and_the_session_stays_usable(string sql, string sqlState, string message)
    {
        var credential = await fixture.NewUserCredentialAsync("refuse");
        await using var connection = fixture.Connection(credential);
        await connection.OpenAsync();
        await using (var command = new NpgsqlCommand(sql, connection))
        {
            var e = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());
            Assert.Equal((sqlState, message), (e.SqlState, e.MessageText));
            Assert.Null(e.Where);
        }

        await using var after = new NpgsqlCommand("select 7", connection);
        Assert.Equal(7, await after.ExecuteScalarAsync());
    }

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task Redshift_refusals_come_through_the_simple_protocol(string sql, string sqlState, string message)
    {
        var credential = await fixture.NewUserCredentialAsync("refuse_simple");
        var (exitCode, _, error) = await Psql.RunAsync(Sandbox, credential, sql);
        Assert.NotEqual(0, exitCode);
        Assert.Contains($"ERROR:  {sqlState}: {message}", error, StringComparison.Ordinal);
    }

    public static TheoryData<string, string?> TableDesign => new()
    {
        { "create table t (id int encode az64 distkey, name varchar(20) encode lzo sortkey) diststyle key", "create table t (id int  , name varchar(20)  ) " },
        { "CREATE TEMP TABLE t (a int, b date) BACKUP NO DISTSTYLE EVEN COMPOUND SORTKEY (a, b) ENCODE AUTO", "CREATE TEMP TABLE t (a int, b date)    " },
        { "create table t (a int) distkey(a) interleaved sortkey(a)", "create table t (a int)  " },
        { "create table t (a int) sortkey auto diststyle auto", "create table t (a int)  " },
        { "create table t (id bigint identity(0, 1), n varchar(10) collate case_insensitive)", "create table t (id bigint generated always as identity (start with 0 increment by 1), n varchar(10) )" },
        { "create table t (id int generated by default as identity(5,2))", "create table t (id int generated by default as identity (start with 5 increment by 2))" },
        { "create table t diststyle even as select 1 as sortkey", "create table t  as select 1 as sortkey" },
        { "create table t (\"distkey\" int, note varchar(9) default 'encode x')", null },
        { "select 'create table t (a int) diststyle even'", null },
        { "create table t (a int); create table u (b int) diststyle all;", "create table t (a int); create table u (b int) ;" },
    };

    [Theory]
    [MemberData(nameof(TableDesign))]
    public void Redshift_table_design_clauses_are_taken_out_for_PostgreSQL(string sql, string? expected)
    {
        Assert.Equal(expected, RedshiftDialect.Translate(sql));
    }

    [Fact]
    public async Task Redshift_DDL_with_distribution_sort_and_encoding_runs_through_both_protocols()
    {
        var credential = await fixture.NewUserCredentialAsync("ddl");
        await using var connection = fixture.Connection(credential);
        await connection.OpenAsync();
        await using (var create = new NpgsqlCommand(
            "create temp table sales (id bigint identity(1, 1), region varchar(8) not null encode bytedict distkey, amount numeric(10,2) encode az64) diststyle key compound sortkey (region, id)", connection))
        {
            await create.ExecuteNonQueryAsync();
        }

        await using (var insert = new NpgsqlCommand("insert into sales (region, amount) values ($1, $2), ($3, $4)", connection))
        {
            insert.Parameters.Add(new() { Value = "emea" });
            insert.Parameters.Add(new() { Value = 1.5m });
            insert.Parameters.Add(new() { Value = "apac" });
            insert.Parameters.Add(new() { Value = 2.25m });
            Assert.Equal(2, await insert.ExecuteNonQueryAsync());
        }

        await using (var read = new NpgsqlCommand("select string_agg(id || ':' || region, ',' order by id) from sales", connection))
        {
            Assert.Equal("1:emea,2:apac", await read.ExecuteScalarAsync());
        }

        // An IDENTITY column takes no value from an INSERT, as on Redshift.
        await using (var explicitId = new NpgsqlCommand("insert into sales (id, region) values (9, 'x')", connection))
        {
            await Assert.ThrowsAsync<PostgresException>(() => explicitId.ExecuteNonQueryAsync());
        }

        var (exitCode, output, error) = await Psql.RunAsync(Sandbox, credential,
            "create temp table t2 (a int encode raw) backup no diststyle all sortkey (a); insert into t2 values (3); create temp table t3 diststyle even as select a * 2 as b from t2; select b from t3");
        Assert.True(exitCode == 0, error);
        Assert.Contains("6", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refusal_inside_a_pipeline_skips_the_rest_until_Sync_and_fails_the_transaction()
    {
        var credential = await fixture.NewUserCredentialAsync("pipeline");
        await using var connection = fixture.Connection(credential);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using var batch = new NpgsqlBatch(connection, transaction)
        {
            BatchCommands = { new("select 1"), new("listen x"), new("select 3") },
        };
        var e = await Assert.ThrowsAsync<PostgresException>(() => batch.ExecuteNonQueryAsync());
        Assert.Equal("0A000", e.SqlState);
        await using var next = new NpgsqlCommand("select 4", connection, transaction);
        var aborted = await Assert.ThrowsAsync<PostgresException>(() => next.ExecuteScalarAsync());
        Assert.Equal("25P02", aborted.SqlState);
        await transaction.RollbackAsync();
        await using var after = new NpgsqlCommand("select 5", connection);
        Assert.Equal(5, await after.ExecuteScalarAsync());
    }

    [Fact]
    public async Task A_handler_answers_its_statement_through_the_extended_protocol_outside_a_transaction()
    {
        var credential = await fixture.NewUserCredentialAsync("handler");
        var table = SandboxDatabaseFixture.Unique("loaded");
        await using var connection = fixture.Connection(credential);
        await connection.OpenAsync();
        await Execute(connection, $"create table {table} (id int)");
        var notices = new List<string>();
        connection.Notice += (_, args) => notices.Add(args.Notice.MessageText);
        await using (var command = new NpgsqlCommand($"FRONTLOAD {table} 25", connection))
        {
            await command.ExecuteNonQueryAsync();
        }

        Assert.Equal([$"Load into table '{table}' completed, 25 record(s) loaded successfully.", "n=25"], notices);
        Assert.Equal(25L, await Scalar(connection, $"select count(*) from {table}"));
        Assert.Contains(fixture.Handler.Sessions, s => s.UserName == credential.DbUser && s.DatabaseName == Sandbox.DatabaseName && !s.InTransaction);

        // A failing load leaves nothing behind, and the session goes on.
        var e = await Assert.ThrowsAsync<PostgresException>(() => Execute(connection, $"FRONTLOAD {table} 10 FAIL"));
        Assert.Equal(("22000", $"Load into table '{table}' failed.  Check 'stl_load_errors' system table for details."), (e.SqlState, e.MessageText));
        Assert.Equal(25L, await Scalar(connection, $"select count(*) from {table}"));
    }

    [Fact]
    public async Task A_handler_runs_inside_the_clients_transaction_and_its_failure_fails_the_transaction()
    {
        var credential = await fixture.NewUserCredentialAsync("handler_tx");
        var table = SandboxDatabaseFixture.Unique("loaded");
        await using var connection = fixture.Connection(credential);
        await connection.OpenAsync();
        await Execute(connection, $"create table {table} (id int)");

        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await Execute(connection, $"insert into {table} values (100)");
            await Execute(connection, $"FRONTLOAD {table} 5");
            Assert.Equal(6L, await Scalar(connection, $"select count(*) from {table}"));
            await transaction.RollbackAsync();
        }

        Assert.Equal(0L, await Scalar(connection, $"select count(*) from {table}"));
        Assert.Contains(fixture.Handler.Sessions, s => s.UserName == credential.DbUser && s.InTransaction);

        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await Execute(connection, $"FRONTLOAD {table} 5");
            await Execute(connection, $"FRONTLOAD {table} 5 FAIL").ContinueWith(t => Assert.IsType<PostgresException>(t.Exception?.InnerException), TaskScheduler.Default);
            var aborted = await Assert.ThrowsAsync<PostgresException>(() => Scalar(connection, "select 1"));
            Assert.Equal("25P02", aborted.SqlState);
            await transaction.RollbackAsync();
        }

        Assert.Equal(0L, await Scalar(connection, $"select count(*) from {table}"));

        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await Execute(connection, $"FRONTLOAD {table} 3");
            await transaction.CommitAsync();
        }

        Assert.Equal(3L, await Scalar(connection, $"select count(*) from {table}"));
    }

    [Fact]
    public async Task A_handler_answers_through_the_simple_protocol_in_and_out_of_a_transaction()
    {
        var credential = await fixture.NewUserCredentialAsync("handler_simple");
        var table = SandboxDatabaseFixture.Unique("loaded");
        await Sandbox.ExecuteSqlAsync($"create table {table} (id int); grant all on {table} to \"{credential.DbUser}\"");
        var (code, output, error) = await Psql.RunAsync(Sandbox, credential, $"FRONTLOAD {table} 12");
        Assert.True(code == 0, error);
        Assert.Contains($"INFO:  00000: Load into table '{table}' completed, 12 record(s) loaded successfully.", error, StringComparison.Ordinal);

        // psql sends each -c separately; a multi-statement string is one Query: keep to single statements per call.
        (code, output, error) = await Psql.RunAsync(Sandbox, credential, $"FRONTLOAD {table} 3 FAIL");
        Assert.NotEqual(0, code);
        Assert.Contains($"ERROR:  22000: Load into table '{table}' failed.", error, StringComparison.Ordinal);

        (code, output, _) = await Psql.RunAsync(Sandbox, credential, $"select count(*) from {table}");
        Assert.Equal("12", output.Trim());
        Assert.Equal(0, code);
    }

    [Fact]
    public async Task A_cancel_reaches_the_backend_through_the_front()
    {
        var credential = await fixture.NewUserCredentialAsync("cancel");
        await using var connection = fixture.Connection(credential);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select pg_sleep(30)", connection);
        var stopwatch = Stopwatch.StartNew();
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
        var e = await Assert.ThrowsAnyAsync<Exception>(() => command.ExecuteScalarAsync(cancel.Token));
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(20), $"the cancel took {stopwatch.Elapsed}");
        Assert.Equal("57014", (e as PostgresException ?? e.InnerException as PostgresException)?.SqlState);
        Assert.Equal(2, await Scalar(connection, "select 2"));
    }

    [Fact]
    public async Task Redshift_types_are_creatable_and_reach_Npgsql_with_Redshift_identity()
    {
        var credential = await fixture.NewUserCredentialAsync("types");
        var table = SandboxDatabaseFixture.Unique("typed");
        await using var connection = fixture.Connection(credential);
        await connection.OpenAsync();
        await Execute(connection, $"create table {table} (s super, v varbyte, g geometry, h hllsketch, t timetz)");
        await Execute(connection, $"insert into {table} values (json_parse('{{\"a\":[1,2]}}'), 'abc'::varbyte, '\\x0101'::geometry, '{{\"version\":1}}', '04:05:06+02')");
        var sql = $"select s, v, t, h from {table}";

        // As against Redshift, Npgsql has no converter for SUPER (4000) or VARBYTE (6551): it cannot read them as they come...
        await using (var plain = new NpgsqlCommand(sql, connection))
        await using (var reader = await plain.ExecuteReaderAsync())
        {
            Assert.True(await reader.ReadAsync());
            Assert.Equal(RedshiftDialect.SuperOid, reader.GetDataTypeOID(0));
            Assert.Equal(RedshiftDialect.VarbyteOid, reader.GetDataTypeOID(1));
            Assert.Equal(RedshiftDialect.TimeTzOid, reader.GetDataTypeOID(2));
            Assert.Throws<InvalidCastException>(() => reader.GetFieldType(0));
            Assert.Equal(new DateTimeOffset(1, 1, 2, 4, 5, 6, TimeSpan.FromHours(2)), reader.GetValue(2));
            Assert.Equal("{\"version\": 1}", reader.GetValue(3));
        }

        // ...but as text they are JSON and hex.
        await using var command = new NpgsqlCommand(sql, connection) { UnknownResultTypeList = [true, true, false, false] };
        await using var text = await command.ExecuteReaderAsync();
        Assert.True(await text.ReadAsync());
        Assert.Equal("{\"a\":[1,2]}", text.GetString(0));
        Assert.Equal("\\x616263", text.GetString(1));
    }

    [Fact]
    public async Task Closed_sessions_leave_nothing_open_in_the_front()
    {
        var credential = await fixture.NewUserCredentialAsync("cleanup");
        for (var i = 0; i < 5; i++)
        {
            await using var connection = fixture.Connection(credential);
            await connection.OpenAsync();
            Assert.Equal(1, await Scalar(connection, "select 1"));
        }

        var stopwatch = Stopwatch.StartNew();
        while (Sandbox.Front.OpenConnections > 0 && stopwatch.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(50);
        }

        Assert.Equal(0, Sandbox.Front.OpenConnections);
    }

    private static async Task Execute(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<object?> Scalar(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }
}
