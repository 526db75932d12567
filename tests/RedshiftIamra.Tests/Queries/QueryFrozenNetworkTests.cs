using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using RedshiftIamra.Aws;
using RedshiftIamra.Connections;
using Xunit.Abstractions;

namespace RedshiftIamra.Tests.Queries;

/// <summary>
/// A loopback TCP relay in front of the database that can freeze: while frozen it passes no
/// byte either way and connects no new connection (the cancel request included), as a network
/// that silently drops packets would.
/// </summary>
public sealed class FreezingRelay : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly string _host;
    private readonly int _port;
    private volatile bool _frozen;

    public FreezingRelay(string host, int port)
    {
        _host = host;
        _port = port;
        _listener.Start();
        _ = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public bool Frozen
    {
        get => _frozen;
        set => _frozen = value;
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            _ = RelayAsync(client);
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        using (client)
        {
            await WhileFrozenAsync();
            using var upstream = new TcpClient();
            try
            {
                await upstream.ConnectAsync(_host, _port, _stop.Token);
                await Task.WhenAny(PumpAsync(client.GetStream(), upstream.GetStream()), PumpAsync(upstream.GetStream(), client.GetStream()));
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
            }
        }
    }

    private async Task PumpAsync(Stream from, Stream to)
    {
        var buffer = new byte[16384];
        while (true)
        {
            var read = await from.ReadAsync(buffer, _stop.Token);
            if (read == 0)
            {
                return;
            }

            await WhileFrozenAsync();
            await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
        }
    }

    private async Task WhileFrozenAsync()
    {
        while (_frozen)
        {
            await Task.Delay(50, _stop.Token);
        }
    }

    public ValueTask DisposeAsync()
    {
        _frozen = false;
        _stop.Cancel();
        _listener.Stop();
        return ValueTask.CompletedTask;
    }
}

/// <summary>Ctrl+C and the command timeout return on a frozen network too, where even the cancel request cannot reach the server.</summary>
public sealed class QueryFrozenNetworkTests(QueryDatabaseFixture fixture, ITestOutputHelper output) : IClassFixture<QueryDatabaseFixture>
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(45);

    private async Task<(RedshiftConnection Connection, FreezingRelay Relay)> ConnectThroughRelayAsync()
    {
        var relay = new FreezingRelay(fixture.Sandbox.PostgresHost, fixture.Sandbox.PostgresPort);
        var name = QueryDatabaseFixture.Unique("frozen");
        await fixture.Sandbox.AddDatabaseUserAsync(name);
        var credential = await QueryDatabaseFixture.GetAsync(fixture.Source(RedshiftTargetKind.Provisioned, name, host: "127.0.0.1", port: relay.Port), force: true);
        var connection = await RedshiftConnection.OpenAsync(credential, new RedshiftConnectionOptions
        {
            RootCertificatePath = fixture.Sandbox.TlsCaBundlePath,
            ConnectTimeoutSeconds = 10,
        }, NullOperationLog.Instance, CancellationToken.None);
        return (connection, relay);
    }

    [Fact]
    public async Task Cancel_returns_on_a_frozen_network_and_the_connection_recovers_after()
    {
        var (connection, relay) = await ConnectThroughRelayAsync();
        await using var relayScope = relay;
        await using var connectionScope = connection;
        var pid = Q.BackendPid(connection);
        using var cancel = new CancellationTokenSource();
        var running = Task.Run(() => Q.Scalar(connection, "select pg_sleep(60)", token: cancel.Token));
        await Task.Delay(500);
        relay.Frozen = true;
        var clock = Stopwatch.StartNew();
        cancel.Cancel();
        Assert.Same(running, await Task.WhenAny(running, Task.Delay(HangGuard)));
        var e = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        output.WriteLine($"cancel on a frozen network returned after {clock.Elapsed.TotalSeconds:0.0} s: {e.Message}");
        Assert.Contains("did not acknowledge", e.Message);

        relay.Frozen = false;
        Assert.NotEqual(pid, Q.BackendPid(connection));
    }

    [Fact]
    public async Task A_command_timeout_returns_on_a_frozen_network_and_says_the_server_did_not_answer()
    {
        var (connection, relay) = await ConnectThroughRelayAsync();
        await using var relayScope = relay;
        await using var connectionScope = connection;
        Q.BackendPid(connection);
        relay.Frozen = true;
        var clock = Stopwatch.StartNew();
        var running = Task.Run(() => Q.Scalar(connection, "select 1", timeout: 2));
        Assert.Same(running, await Task.WhenAny(running, Task.Delay(HangGuard)));
        var e = await Assert.ThrowsAsync<IamraException>(() => running);
        output.WriteLine($"timeout 2 s on a frozen network returned after {clock.Elapsed.TotalSeconds:0.0} s: {e.Message}");
        Assert.Equal(ErrorIds.Query.Timeout, e.ErrorId);
        Assert.Contains("did not", e.Message);
        Assert.DoesNotContain("was canceled on the server", e.Message);
        relay.Frozen = false;
        Assert.Equal(3, Q.Scalar(connection, "select 1 + 2"));
    }

    [Fact]
    public async Task Stopping_early_on_a_frozen_network_returns_and_the_connection_recovers_after()
    {
        var (connection, relay) = await ConnectThroughRelayAsync();
        await using var relayScope = relay;
        await using var connectionScope = connection;
        var pid = Q.BackendPid(connection);
        var phases = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var clock = Stopwatch.StartNew();
        var stopped = Task.Run(() =>
        {
            bool result;
            {
                using var query = RedshiftQuery.Start(connection, "select g from generate_series(1, 10000000) g", null, null, CancellationToken.None);
                phases.Enqueue($"started {clock.ElapsedMilliseconds}");
                Assert.NotNull(query.Read());
                phases.Enqueue($"read {clock.ElapsedMilliseconds}");
                relay.Frozen = true;
                query.Stop();
                phases.Enqueue($"stopped {clock.ElapsedMilliseconds}");
                result = query.Stopped;
            }
            phases.Enqueue($"disposed {clock.ElapsedMilliseconds}");
            return result;
        });
        Assert.True(ReferenceEquals(stopped, await Task.WhenAny(stopped, Task.Delay(HangGuard))), string.Join("; ", phases));
        Assert.True(await stopped);
        relay.Frozen = false;
        Assert.Equal(4, Q.Scalar(connection, "select 2 + 2"));
        Assert.NotEqual(pid, Q.BackendPid(connection));
    }
}
