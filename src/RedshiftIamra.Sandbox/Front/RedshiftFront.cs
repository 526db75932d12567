using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace RedshiftIamra.Sandbox.Front;

/// <summary>How the Redshift front listens and reaches its PostgreSQL.</summary>
public sealed class RedshiftFrontOptions
{
    /// <summary>The TLS certificate (with key) the front serves.</summary>
    public required X509Certificate2 ServerCertificate { get; init; }

    /// <summary>The root the backend PostgreSQL's certificate chains to.</summary>
    public required X509Certificate2 BackendRootCertificate { get; init; }

    public required string BackendHost { get; init; }

    public required int BackendPort { get; init; }

    /// <summary>The sandbox-internal password every login role has on the backend (clients never see it).</summary>
    public required string BackendSecret { get; init; }

    /// <summary>The passwords the credential calls issued.</summary>
    public required FrontLogins Logins { get; init; }

    /// <summary>Statements the front answers itself, asked in order.</summary>
    public IReadOnlyList<IRedshiftStatementHandler> Handlers { get; init; } = Array.Empty<IRedshiftStatementHandler>();

    /// <summary>The port on 127.0.0.1; 0 picks a free one.</summary>
    public int Port { get; init; }

    /// <summary>Client connections served at once; more are refused with 53300.</summary>
    public int MaxConnections { get; init; } = 500;

    /// <summary>How long a client has for TLS, start-up and login.</summary>
    public TimeSpan StartupTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The largest message the front reads whole (a query text, a Parse); larger ones close the connection.</summary>
    public int MaxMessageBytes { get; init; } = 64 * 1024 * 1024;
}

/// <summary>
/// The sandbox's Redshift front: a PostgreSQL v3 wire-protocol listener on 127.0.0.1 (TLS only)
/// in front of the sandbox's PostgreSQL. It logs clients in as Redshift does (MD5 against every
/// issued, unexpired password), reports Redshift's identity, refuses what Redshift refuses,
/// answers statements its handlers claim, and relays everything else unchanged.
/// </summary>
public sealed class RedshiftFront : IAsyncDisposable
{
    private TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<int, FrontConnection> _connections = new();
    private readonly ConcurrentDictionary<FrontConnection, Task> _tasks = new();
    private readonly ConcurrentDictionary<string, byte[]> _scramKeys = new(StringComparer.Ordinal);
    private readonly object _listening = new();
    private CancellationTokenSource? _acceptStop;
    private Task? _acceptLoop;
    private int _nextId = 1000;
    private long _accepted;
    private int _disposed;

    private RedshiftFront(RedshiftFrontOptions options)
    {
        Options = options;
        _listener = new TcpListener(IPAddress.Loopback, options.Port);
    }

    internal RedshiftFrontOptions Options { get; }

    public IPEndPoint EndPoint => new(IPAddress.Loopback, _port);

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822:Mark members as static", Justification = "The host half of the instance's endpoint (Host, Port); callers read both from the instance.")]
    public string Host => "127.0.0.1";

    public int Port => _port;

    /// <summary>Client connections accepted since start.</summary>
    public long AcceptedConnections => Interlocked.Read(ref _accepted);

    /// <summary>Client sessions open now.</summary>
    public int OpenConnections => _tasks.Count;

    public static RedshiftFront Start(RedshiftFrontOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var front = new RedshiftFront(options);
        front._listener.Start(512);
        front._port = ((IPEndPoint)front._listener.LocalEndpoint).Port;
        front.Listen();
        return front;
    }

    private int _port;

    private void Listen()
    {
        _acceptStop = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        _acceptLoop = AcceptLoopAsync(_acceptStop.Token);
    }

    /// <summary>Stops accepting (connections are refused, as by an unreachable cluster) while the database is down; open sessions are left to end.</summary>
    public async Task PauseAsync()
    {
        Task? loop;
        lock (_listening)
        {
            if (_acceptStop is null)
            {
                return;
            }

            _acceptStop.Cancel();
            _listener.Stop();
            _acceptStop.Dispose();
            _acceptStop = null;
            loop = _acceptLoop;
        }

        if (loop is not null)
        {
            await loop.ConfigureAwait(false);
        }
    }

    /// <summary>Accepts again on the same port.</summary>
    public void Resume()
    {
        lock (_listening)
        {
            if (_acceptStop is not null || _stop.IsCancellationRequested)
            {
                return;
            }

            // A new listener on the port the front had (a restarted one would rebind "port 0").
            _listener = new TcpListener(IPAddress.Loopback, _port);
            _listener.Start(512);
            Listen();
        }
    }

    internal CancellationToken Stopping => _stop.Token;

    /// <summary>SCRAM salted-password cache (per salt): the PBKDF2 of the backend secret is done once per role verifier.</summary>
    internal byte[] SaltedSecret(string salt, int iterations) =>
        _scramKeys.GetOrAdd(salt + ":" + iterations, _ => Rfc2898DeriveBytes.Pbkdf2(System.Text.Encoding.UTF8.GetBytes(Options.BackendSecret), Convert.FromBase64String(salt), iterations, HashAlgorithmName.SHA256, 32));

    internal (int Id, int Key) Register(FrontConnection connection)
    {
        var id = Interlocked.Increment(ref _nextId);
        _connections[id] = connection;
        return (id, RandomNumberGenerator.GetInt32(int.MaxValue));
    }

    internal void Unregister(int id) => _connections.TryRemove(id, out _);

    /// <summary>Forwards a client's CancelRequest to the backend session it names (ignored when the key is wrong, as PostgreSQL does).</summary>
    internal Task CancelAsync(int id, int key)
    {
        if (_connections.TryGetValue(id, out var connection) && connection.CancelKey == key)
        {
            return connection.CancelBackendAsync();
        }

        return Task.CompletedTask;
    }

    private async Task AcceptLoopAsync(CancellationToken token)
    {
        while (!token.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException or InvalidOperationException)
            {
                if (token.IsCancellationRequested || e is InvalidOperationException)
                {
                    return;
                }

                continue;
            }

            Interlocked.Increment(ref _accepted);
            client.NoDelay = true;
            var connection = new FrontConnection(this, client);
            if (_tasks.Count >= Options.MaxConnections)
            {
                _ = connection.RefuseAsync(SqlStates.TooManyConnections, "too many connections");
                continue;
            }

            // Not the stopping token: a session that has been accepted always runs, so its clean-up
            // (unregister, close) happens; it watches the front's stopping token itself.
            var task = Task.Run(connection.RunAsync, CancellationToken.None);
            _tasks[connection] = task;
            _ = task.ContinueWith(_ => _tasks.TryRemove(connection, out var _), TaskScheduler.Default);
        }
    }

    /// <summary>Stops listening, closes every client and backend connection, and waits for their tasks.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        Task? loop;
        lock (_listening)
        {
            _listener.Stop();
            loop = _acceptLoop;
        }

        if (loop is not null)
        {
            await loop.ConfigureAwait(false);
        }

        foreach (var connection in _tasks.Keys)
        {
            connection.Abort();
        }

        await Task.WhenAll(_tasks.Values).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }
}
