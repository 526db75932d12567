using System.Diagnostics;
using RedshiftIamra.Aws;
using RedshiftIamra.Connections;
using RedshiftIamra.Sandbox;
using RedshiftIamra.Tests.Sandbox;
using Xunit.Abstractions;

namespace RedshiftIamra.Tests.Queries;

/// <summary>A real PostgreSQL over verified TLS (the sandbox's), reached through RedshiftConnection as the cmdlets reach it.</summary>
public sealed class QueryDatabaseFixture : SandboxDatabaseFixture
{
    public async Task<RedshiftConnection> ConnectAsync(int commandTimeoutSeconds = 0)
    {
        var name = Unique("query");
        await Sandbox.AddDatabaseUserAsync(name);
        var credential = await GetAsync(Source(RedshiftTargetKind.Provisioned, name), force: true);
        return await RedshiftConnection.OpenAsync(credential, new RedshiftConnectionOptions
        {
            RootCertificatePath = Sandbox.TlsCaBundlePath,
            ConnectTimeoutSeconds = 10,
            CommandTimeoutSeconds = commandTimeoutSeconds,
            MaxPoolSize = 4,
        }, NullOperationLog.Instance, CancellationToken.None);
    }

    /// <summary>
    /// A counter the test reads to learn how many rows the server produced: a PostgreSQL sequence
    /// made through the sandbox's own administrative connection (Redshift has no sequences, so the
    /// front refuses CREATE SEQUENCE from a client, as Redshift does).
    /// </summary>
    public async Task<string> CounterAsync(string prefix)
    {
        var sequence = Unique(prefix);
        await Sandbox.ExecuteSqlAsync($"create sequence public.{sequence}; grant usage, select on sequence public.{sequence} to public");
        return sequence;
    }
}

internal static class Q
{
    public static object? Scalar(RedshiftConnection connection, string sql, IEnumerable<KeyValuePair<string, object?>>? parameters = null, int? timeout = null, CancellationToken token = default)
    {
        using var query = RedshiftQuery.Start(connection, sql, parameters, timeout, token);
        var row = query.Read();
        return row?[0];
    }

    public static List<object?[]> Rows(RedshiftConnection connection, string sql, IEnumerable<KeyValuePair<string, object?>>? parameters = null)
    {
        using var query = RedshiftQuery.Start(connection, sql, parameters, null, CancellationToken.None);
        var rows = new List<object?[]>();
        while (query.Read() is { } row)
        {
            rows.Add(row);
        }

        return rows;
    }

    public static int BackendPid(RedshiftConnection connection) => (int)Scalar(connection, "select pg_backend_pid()")!;

    public static void Signal(string signal, int pid)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", $"-{signal} {pid}") { UseShellExecute = false })!;
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }
}

/// <summary>
/// Cancellation, timeouts and early stops bound the wait on the client side, say what really
/// happened, and leave the connection usable; a backend frozen with SIGSTOP stands in for a
/// server (or network) that stops answering.
/// </summary>
public sealed class QueryStopTests(QueryDatabaseFixture fixture, ITestOutputHelper output) : IClassFixture<QueryDatabaseFixture>
{
    /// <summary>A guard against a hang (the test fails instead of blocking the run), far above the few seconds expected.</summary>
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(45);

    [Fact]
    public async Task Cancel_on_a_frozen_backend_returns_gives_the_session_up_and_says_so()
    {
        await using var connection = await fixture.ConnectAsync();
        var pid = Q.BackendPid(connection);
        using var cancel = new CancellationTokenSource();
        var clock = Stopwatch.StartNew();
        var running = Task.Run(() => Q.Scalar(connection, "select pg_sleep(120)", token: cancel.Token));
        await Task.Delay(500);
        Q.Signal("STOP", pid);
        try
        {
            cancel.Cancel();
            var done = await Task.WhenAny(running, Task.Delay(HangGuard));
            Assert.Same(running, done);
            var e = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
            output.WriteLine($"cancel on a frozen backend returned after {clock.Elapsed.TotalSeconds:0.0} s: {e.Message}");
            Assert.Contains("did not acknowledge", e.Message);
            Assert.DoesNotContain("was canceled on the server", e.Message);
        }
        finally
        {
            Q.Signal("CONT", pid);
        }

        // The next query gets a new session (the frozen one was given up), not the old backend.
        Assert.NotEqual(pid, Q.BackendPid(connection));
        Assert.Equal(2, Q.Scalar(connection, "select 1 + 1"));
    }

    [Fact]
    public async Task A_command_timeout_on_a_frozen_backend_returns_and_does_not_claim_a_server_cancel()
    {
        await using var connection = await fixture.ConnectAsync();
        var pid = Q.BackendPid(connection);
        var clock = Stopwatch.StartNew();
        var running = Task.Run(() => Q.Scalar(connection, "select pg_sleep(120)", timeout: 2));
        await Task.Delay(500);
        Q.Signal("STOP", pid);
        try
        {
            var done = await Task.WhenAny(running, Task.Delay(HangGuard));
            Assert.Same(running, done);
            var e = await Assert.ThrowsAsync<IamraException>(() => running);
            output.WriteLine($"timeout 2 s on a frozen backend returned after {clock.Elapsed.TotalSeconds:0.0} s: {e.Message}");
            Assert.Equal(ErrorIds.Query.Timeout, e.ErrorId);
            Assert.Contains("did not acknowledge", e.Message);
            Assert.DoesNotContain("was canceled on the server", e.Message);
        }
        finally
        {
            Q.Signal("CONT", pid);
        }

        Assert.NotEqual(pid, Q.BackendPid(connection));
    }

    [Fact]
    public async Task A_command_timeout_on_a_live_backend_cancels_on_the_server_and_keeps_the_session()
    {
        await using var connection = await fixture.ConnectAsync(commandTimeoutSeconds: 1);
        var pid = Q.BackendPid(connection);
        var e = Assert.ThrowsAny<IamraException>(() => Q.Scalar(connection, "select pg_sleep(30)"));
        Assert.Equal(ErrorIds.Query.Timeout, e.ErrorId);
        Assert.Contains("was canceled on the server", e.Message);
        Assert.Equal(pid, Q.BackendPid(connection));
    }

    [Fact]
    public async Task A_cancel_on_a_live_backend_is_acknowledged_and_keeps_the_session()
    {
        await using var connection = await fixture.ConnectAsync();
        var pid = Q.BackendPid(connection);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
        var e = Assert.ThrowsAny<OperationCanceledException>(() => Q.Scalar(connection, "select pg_sleep(30)", token: cancel.Token));
        Assert.Contains("canceled on the server", e.Message);
        Assert.Equal(pid, Q.BackendPid(connection));
    }

    [Theory]
    [InlineData("select nextval('{0}'), pg_sleep(0.01) from generate_series(1, 1000) g", 1000)]
    [InlineData("select nextval('{0}'), g from generate_series(1, 1000000) g", 1000000)]
    public async Task Stopping_after_the_first_row_cancels_the_rest_on_the_server_and_leaves_the_session_clean(string sql, int total)
    {
        await using var connection = await fixture.ConnectAsync();
        var sequence = await fixture.CounterAsync("rows");
        var pid = Q.BackendPid(connection);
        var clock = Stopwatch.StartNew();
        using (var query = RedshiftQuery.Start(connection, string.Format(System.Globalization.CultureInfo.InvariantCulture, sql, sequence), null, null, CancellationToken.None))
        {
            Assert.NotNull(query.Read());
            query.Stop();
            Assert.True(query.Stopped);
            Assert.Equal(1, query.RowsRead);
        }

        output.WriteLine($"{total:N0} rows: first row and stop in {clock.Elapsed.TotalMilliseconds:0} ms");

        // Same backend (not a reconnect), usable, and the server produced far fewer rows than the whole.
        Assert.Equal(pid, Q.BackendPid(connection));
        var produced = (long)Q.Scalar(connection, $"select last_value from {sequence}")!;
        output.WriteLine($"the server produced {produced:N0} of {total:N0} rows");
        Assert.True(produced < total, $"the server produced all {produced} rows");
        Assert.Equal(2, Q.Scalar(connection, "select 1 + 1"));
        Assert.Equal(0, connection.Reconnects);
    }

    [Fact]
    public async Task A_scalar_reads_one_row_and_stops_the_rest()
    {
        await using var connection = await fixture.ConnectAsync();
        var sequence = await fixture.CounterAsync("scalar");
        Assert.Equal(1L, Q.Scalar(connection, $"select nextval('{sequence}'), pg_sleep(0.01) from generate_series(1, 1000)"));
        Assert.True((long)Q.Scalar(connection, $"select last_value from {sequence}")! < 1000);
    }
}
