using RedshiftIamra.Connections;
using RedshiftIamra.Tests.Sandbox;

namespace RedshiftIamra.Tests.Queries;

/// <summary>One connection under misuse: shared by many threads, closed while busy, its session killed or its server restarted.</summary>
public sealed class QueryConnectionTests(QueryDatabaseFixture fixture) : IClassFixture<QueryDatabaseFixture>
{
    [Fact]
    public async Task Eight_threads_sharing_one_connection_take_turns_and_get_their_own_rows()
    {
        await using var connection = await fixture.ConnectAsync();
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        using var start = new Barrier(8);
        var threads = Enumerable.Range(1, 8).Select(i => new Thread(() =>
        {
            start.SignalAndWait();
            for (var j = 0; j < 20; j++)
            {
                try
                {
                    var rows = Q.Rows(connection, "select @i * 1000 + g from generate_series(1, 40) g", new[] { KeyValuePair.Create<string, object?>("i", i) });
                    if (rows.Count != 40 || (int)rows[39][0]! != (i * 1000) + 40)
                    {
                        failures.Add($"thread {i}: {rows.Count} rows");
                    }
                }
                catch (Exception e)
                {
                    failures.Add($"thread {i}: {e.GetType().Name}: {e.Message}");
                }
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => Assert.True(t.Join(TimeSpan.FromSeconds(60))));
        Assert.Empty(failures);
        Assert.Equal("Open", connection.State);
    }

    [Fact]
    public async Task A_query_from_inside_another_querys_rows_on_the_same_thread_is_refused_clearly()
    {
        await using var connection = await fixture.ConnectAsync();
        using (var outer = RedshiftQuery.Start(connection, "select g from generate_series(1, 3) g", null, null, CancellationToken.None))
        {
            Assert.NotNull(outer.Read());
            var e = Assert.Throws<IamraException>(() => RedshiftQuery.Start(connection, "select 1", null, null, CancellationToken.None));
            Assert.Equal(ErrorIds.Connection.Busy, e.ErrorId);
            Assert.NotNull(outer.Read());
        }

        Assert.Equal(1, Q.Scalar(connection, "select 1"));
    }

    [Fact]
    public async Task The_first_query_after_the_backend_was_terminated_reconnects_without_an_error()
    {
        await using var connection = await fixture.ConnectAsync();
        var pid = Q.BackendPid(connection);
        await fixture.Sandbox.ExecuteSqlAsync($"select pg_terminate_backend({pid})");
        await Task.Delay(200);
        Assert.NotEqual(pid, Q.BackendPid(connection));
        Assert.Equal(1, connection.Reconnects);
    }

    [Fact]
    public async Task A_statement_that_fails_mid_run_because_its_backend_died_is_not_run_again()
    {
        await using var connection = await fixture.ConnectAsync();
        Q.Rows(connection, "create temporary table once (n int)");
        var pid = Q.BackendPid(connection);
        var running = Task.Run(() => Q.Scalar(connection, "select pg_sleep(30)"));
        await Task.Delay(1000);
        await fixture.Sandbox.ExecuteSqlAsync($"select pg_terminate_backend({pid})");
        var e = await Assert.ThrowsAsync<IamraException>(() => running);
        Assert.Equal(ErrorIds.Connection.Closed, e.ErrorId);
        Assert.Contains("may or may not have run", e.Message);
        Assert.NotEqual(pid, Q.BackendPid(connection));
    }

    [Fact]
    public async Task Close_while_another_thread_runs_a_query_stops_it_and_closes_everything()
    {
        var connection = await fixture.ConnectAsync();
        var running = Task.Run(() => Q.Scalar(connection, "select pg_sleep(60)"));
        await Task.Delay(1000);
        var failures = connection.Close();
        Assert.Empty(failures);
        var e = await Assert.ThrowsAsync<IamraException>(() => running);
        Assert.Equal(ErrorIds.Connection.Closed, e.ErrorId);
        Assert.Equal("Closed", connection.State);
        var after = Assert.Throws<IamraException>(() => Q.Scalar(connection, "select 1"));
        Assert.Equal(ErrorIds.Connection.Closed, after.ErrorId);
        Assert.Empty(connection.Close());
    }
}

/// <summary>A database restart under an open session: the first query after it reconnects (its own sandbox, since it restarts the server).</summary>
public sealed class QueryRestartTests(QueryDatabaseFixture fixture) : IClassFixture<QueryDatabaseFixture>
{
    [Fact]
    public async Task The_first_query_after_a_database_restart_reconnects_without_an_error()
    {
        await using var connection = await fixture.ConnectAsync();
        var pid = Q.BackendPid(connection);
        await fixture.Sandbox.StopDatabaseAsync();
        await fixture.Sandbox.StartDatabaseAsync();
        Assert.NotEqual(pid, Q.BackendPid(connection));
        Assert.Equal(1, connection.Reconnects);
    }
}
