using System.Data;
using System.Data.Common;
using System.Net.Sockets;
using System.Security.Authentication;
using Npgsql;
using RedshiftIamra.Aws;
using RedshiftIamra.Sessions;

namespace RedshiftIamra;

/// <summary>How strictly the database server's TLS certificate is checked.</summary>
public enum RedshiftTlsMode
{
    /// <summary>The certificate chains to a trusted root and is for the host name (the default).</summary>
    VerifyFull,

    /// <summary>The certificate chains to a trusted root; the name is not checked.</summary>
    VerifyCA,

    /// <summary>TLS without any certificate check: only with an explicit switch, and a warning.</summary>
    Require,
}

/// <summary>How to connect: TLS, pooling and timeouts.</summary>
public sealed record RedshiftConnectionOptions
{
    public RedshiftTlsMode TlsMode { get; init; } = RedshiftTlsMode.VerifyFull;

    /// <summary>A PEM file of trusted roots (the Amazon Trust Services bundle the module ships by default).</summary>
    public required string RootCertificatePath { get; init; }

    public bool Pooling { get; init; } = true;

    public int MaxPoolSize { get; init; } = 20;

    public int ConnectTimeoutSeconds { get; init; } = 15;

    /// <summary>0 waits forever.</summary>
    public int CommandTimeoutSeconds { get; init; }

    public string ApplicationName { get; init; } = "RedshiftIamra";
}

/// <summary>
/// A live connection to Redshift: a session connection for queries and a pool (an Npgsql data
/// source) whose password provider asks the credential cache for every new physical
/// connection, so the database credential (and the Roles Anywhere session behind it) is renewed
/// before it expires and a job can keep connecting for hours.
/// </summary>
public sealed class RedshiftConnection : IDisposable, IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly DbCredentialSource _credentials;
    private readonly object _gate = new();
    private readonly SemaphoreSlim _lease = new(1, 1);
    private readonly CancellationTokenSource _closing = new();
    private int _leaseThread;
    private int _reconnects;
    private NpgsqlConnection? _session;
    private RedshiftDbCredential _current;
    private int _renewals;
    private volatile bool _disposed;

    private RedshiftConnection(RedshiftDbCredential credential, RedshiftConnectionOptions options, NpgsqlDataSource dataSource)
    {
        _credentials = credential.Source;
        _current = credential;
        _dataSource = dataSource;
        Options = options;
        Host = credential.Host;
        Port = credential.Port;
        Database = credential.Database;
        User = credential.DbUser;
        Kind = credential.Kind;
        ClusterIdentifier = credential.ClusterIdentifier;
        WorkgroupName = credential.WorkgroupName;
        Region = credential.Region;
        Id = Guid.NewGuid().ToString("N")[..8];
    }

    /// <summary>A short id that names this connection in messages.</summary>
    public string Id { get; }

    public string Host { get; }

    public int Port { get; }

    public string Database { get; }

    public string User { get; }

    public RedshiftTargetKind Kind { get; }

    public string? ClusterIdentifier { get; }

    public string? WorkgroupName { get; }

    public string Region { get; }

    public RedshiftConnectionOptions Options { get; }

    /// <summary>Where staged loads and exports put their files (Write-RedshiftTable, Export-RedshiftQuery), or null.</summary>
    public Loading.RedshiftStagingSettings? Staging { get; set; }

    /// <summary>The AWS credentials of this connection's session (S3 requests of staged loads sign with them).</summary>
    internal AwsCredentialSource AwsCredentials => _credentials.AwsCredentials;

    internal AwsHttpSettings AwsHttp => _credentials.Http;

    public RedshiftTlsMode TlsMode => Options.TlsMode;

    public DateTime OpenedAt { get; } = DateTime.Now;

    /// <summary>When the current database credential stops working for new logins (open sessions stay open), local time.</summary>
    public DateTime CredentialExpiration => _current.Expiration;

    /// <summary>How many times a new physical connection got a renewed credential.</summary>
    public int CredentialRenewals => Volatile.Read(ref _renewals);

    /// <summary>How many times the session connection was found dead while idle and reopened before a query.</summary>
    public int Reconnects => Volatile.Read(ref _reconnects);

    /// <summary>Open, Closed or Broken (the state of the session connection).</summary>
    public string State => _disposed ? "Closed" : _session?.FullState.ToString() ?? "Closed";

    /// <summary>The session connection as an ADO.NET DbConnection, for Dapper or your own code.</summary>
    public DbConnection DbConnection => Session;

    /// <summary>The pool, as an ADO.NET data source.</summary>
    public DbDataSource DataSource => _dataSource;

    /// <summary>A new open connection from the pool (dispose it to return it).</summary>
    public DbConnection OpenConnection()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return Translate(() => _dataSource.OpenConnection());
    }

    public override string ToString() => $"{User}@{Host}:{Port}/{Database} ({State})";

    /// <summary>Opens the data source and the session connection; explains a failure (TLS, login, network).</summary>
    public static async Task<RedshiftConnection> OpenAsync(RedshiftDbCredential credential, RedshiftConnectionOptions options, IOperationLog log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(credential);
        ArgumentNullException.ThrowIfNull(options);
        if (options.TlsMode != RedshiftTlsMode.Require)
        {
            Connections.TlsProbe.LoadRoots(options.RootCertificatePath);
        }

        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = credential.Host,
            Port = credential.Port,
            Database = credential.Database,
            Username = credential.DbUser,
            SslMode = options.TlsMode switch
            {
                RedshiftTlsMode.VerifyFull => SslMode.VerifyFull,
                RedshiftTlsMode.VerifyCA => SslMode.VerifyCA,
                _ => SslMode.Require,
            },
            Pooling = options.Pooling,
            MaxPoolSize = options.MaxPoolSize,
            Timeout = options.ConnectTimeoutSeconds,
            CommandTimeout = options.CommandTimeoutSeconds,
            ApplicationName = options.ApplicationName,
            KeepAlive = 60,

            // After a cancel (Ctrl+C, timeout), wait this long for the server's answer, then break the connection.
            CancellationTimeout = 2000,
        };
        if (options.TlsMode != RedshiftTlsMode.Require)
        {
            builder.RootCertificate = options.RootCertificatePath;
        }

        RedshiftConnection? connection = null;
        var dataSourceBuilder = new NpgsqlDataSourceBuilder(builder.ConnectionString);
        dataSourceBuilder.UsePasswordProvider(
            _ => connection!.CurrentPasswordAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult(),
            (_, token) => connection!.CurrentPasswordAsync(token));
        connection = new RedshiftConnection(credential, options, dataSourceBuilder.Build());
        log.Verbose($"Connecting to {credential.Host}:{credential.Port}/{credential.Database} as {credential.DbUser}, TLS {options.TlsMode} against {options.RootCertificatePath}, pooling {(options.Pooling ? "on" : "off")}.");
        try
        {
            await connection.OpenSessionAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return connection;
    }

    /// <summary>The session connection, reopened (with a fresh password) when it was closed or broken.</summary>
    internal NpgsqlConnection Session
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            lock (_gate)
            {
                if (_session is { FullState: ConnectionState.Open } open)
                {
                    return open;
                }

                _session?.Dispose();
                _session = Translate(() => _dataSource.OpenConnection());
                return _session;
            }
        }
    }

    private async Task OpenSessionAsync(CancellationToken cancellationToken)
    {
        var session = await TranslateAsync(() => _dataSource.OpenConnectionAsync(cancellationToken).AsTask()).ConfigureAwait(false);
        lock (_gate)
        {
            _session = session;
        }
    }

    private async ValueTask<string> CurrentPasswordAsync(CancellationToken cancellationToken)
    {
        var credential = await _credentials.GetCredentialAsync(false, NullOperationLog.Instance, cancellationToken).ConfigureAwait(false);
        if (!ReferenceEquals(credential, _current) && credential.Password != _current.Password)
        {
            Interlocked.Increment(ref _renewals);
        }

        _current = credential;
        return credential.Password;
    }

    private T Translate<T>(Func<T> open)
    {
        try
        {
            return open();
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or SocketException)
        {
            throw Explain(e);
        }
    }

    private async Task<T> TranslateAsync<T>(Func<Task<T>> open)
    {
        try
        {
            return await open().ConfigureAwait(false);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or SocketException)
        {
            throw Explain(e);
        }
    }

    /// <summary>Turns a failed open into a message that says which hop failed and what to do.</summary>
    private IamraException Explain(Exception e)
    {
        var where = $"{Host}:{Port}";
        if (FindInner<AuthenticationException>(e) is { } tls)
        {
            var detail = tls.Message;
            try
            {
                var probe = Connections.TlsProbe.ProbeAsync(Host, Port, Connections.TlsProbe.LoadRoots(Options.RootCertificatePath), TimeSpan.FromSeconds(10), CancellationToken.None).GetAwaiter().GetResult();
                detail = probe.Detail;
            }
            catch (Exception probeFailure) when (probeFailure is not OutOfMemoryException)
            {
                detail += $" (the TLS check could not say more: {probeFailure.Message})";
            }

            return new IamraException(ErrorIds.Connection.TlsVerificationFailed, IamraErrorCategory.SecurityError,
                $"TLS verification of {where} failed: {detail}", where, e);
        }

        if (e is PostgresException postgres)
        {
            var used = _current;
            var clockNote = used.ClockOffset == TimeSpan.Zero ? string.Empty : $" This machine's clock differs from the server's by {Aws.ServerClock.Describe(used.ClockOffset)}; fix it (NTP).";
            var hint = postgres.SqlState switch
            {
                SqlStates.InvalidPassword or SqlStates.InvalidAuthorization when used.SecondsLeft <= 0 =>
                    $" The database password expired at {used.ExpiresAt:yyyy-MM-dd HH:mm:ss}Z by the server's clock; get a new one (Get-RedshiftDbCredential -Force) and connect again.{clockNote}",
                SqlStates.InvalidPassword or SqlStates.InvalidAuthorization => Kind == RedshiftTargetKind.Provisioned
                    ? $" GetClusterCredentials issues credentials even for a user that does not exist: check that '{User}' exists in the database, or ask with -AutoCreate."
                    : " Check that the database user exists and may connect to this database.",
                SqlStates.InvalidCatalogName => $" The database '{Database}' does not exist: check -DbName.",
                SqlStates.TooManyConnections => " The server has no connection slot left: close idle connections or lower -MaxPoolSize.",
                _ => string.Empty,
            };
            return new IamraException(ErrorIds.Connection.LoginFailed, postgres.SqlState.StartsWith(SqlStates.ClassInvalidAuthorization, StringComparison.Ordinal) ? IamraErrorCategory.AuthenticationError : IamraErrorCategory.ResourceUnavailable,
                $"Logging in to {where}/{Database} as {User} failed: {postgres.SqlState} {postgres.MessageText}.{hint}", where, e);
        }

        if (FindInner<SocketException>(e) is { } socket)
        {
            var what = socket.SocketErrorCode switch
            {
                SocketError.HostNotFound or SocketError.NoData => $"the host name {Host} cannot be resolved (DNS)",
                SocketError.ConnectionRefused => $"nothing listens on {where} (connection refused)",
                SocketError.TimedOut => $"{where} did not answer (a firewall may drop port {Port})",
                _ => socket.Message,
            };
            return new IamraException(ErrorIds.Connection.ConnectFailed, IamraErrorCategory.ConnectionError,
                $"Cannot connect to {where}: {what}. Check the host, the port ({Port}), the security group and any firewall on the way.", where, e);
        }

        return new IamraException(ErrorIds.Connection.ConnectFailed, IamraErrorCategory.ConnectionError,
            $"Cannot connect to {where}/{Database} as {User}: {e.Message}", where, e);
    }

    private static T? FindInner<T>(Exception e) where T : Exception
    {
        for (Exception? current = e; current is not null; current = current.InnerException)
        {
            if (current is T match)
            {
                return match;
            }
        }

        return null;
    }

    /// <summary>Cancelled when the connection is being closed: a running query stops.</summary>
    internal CancellationToken Closing => _closing.Token;

    /// <summary>
    /// The session for one query at a time: another thread (another runspace) waits its turn;
    /// the same thread asking while it holds it (a query started from inside another query's
    /// rows) is refused, since it would wait for itself.
    /// </summary>
    internal Lease Acquire(CancellationToken cancellationToken)
    {
        if (_disposed)
        {
            throw Closed();
        }

        if (Volatile.Read(ref _leaseThread) == Environment.CurrentManagedThreadId)
        {
            throw new IamraException(ErrorIds.Connection.Busy, IamraErrorCategory.ResourceUnavailable,
                $"The connection {Id} is still reading the rows of another query in this pipeline. Collect those rows first (e.g. assign them to a variable), or run this query on another connection (Connect-RedshiftIamra -NoDefault, then -Connection).",
                Id);
        }

        using (var both = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _closing.Token))
        {
            try
            {
                _lease.Wait(both.Token);
            }
            catch (OperationCanceledException) when (_closing.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw Closed();
            }
        }

        if (_disposed)
        {
            _lease.Release();
            throw Closed();
        }

        Volatile.Write(ref _leaseThread, Environment.CurrentManagedThreadId);
        return new Lease(this);
    }

    private IamraException Closed() => new(ErrorIds.Connection.Closed, IamraErrorCategory.ConnectionError,
        $"The connection {Id} was closed (Disconnect-RedshiftIamra). Connect again.", Id);

    /// <summary>
    /// The session connection for the next statement: when it died while idle (a terminated
    /// backend, a restarted server), it is reopened first; nothing was sent on the dead one, so
    /// nothing runs twice.
    /// </summary>
    internal NpgsqlConnection SessionForQuery(CancellationToken cancellationToken)
    {
        NpgsqlConnection? dead = null;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_session is { FullState: ConnectionState.Open } open)
            {
                try
                {
                    // Reads whatever the server sent while the session was idle: a FATAL from
                    // pg_terminate_backend or a shutdown, or the end of the stream, breaks it here.
                    // A notice comes first on an immediate shutdown ("unexpected SIGQUIT"): read on
                    // until nothing more is waiting.
                    for (var pending = 0; pending < 16 && open.Wait(1); pending++)
                    {
                    }
                }
                catch (Exception e) when (e is NpgsqlException or IOException or InvalidOperationException or TimeoutException)
                {
                }

                if (open.FullState == ConnectionState.Open)
                {
                    return open;
                }
            }

            if (_session is not null)
            {
                dead = _session;
                _session = null;
                Interlocked.Increment(ref _reconnects);
            }
        }

        try
        {
            dead?.Dispose();
        }
        catch (Exception e) when (e is NpgsqlException or IOException or InvalidOperationException)
        {
        }

        var session = TranslateAsync(() => _dataSource.OpenConnectionAsync(cancellationToken).AsTask()).GetAwaiter().GetResult();
        lock (_gate)
        {
            if (_disposed)
            {
                session.Dispose();
                throw Closed();
            }

            _session = session;
            return session;
        }
    }

    /// <summary>Gives the session up (the server stopped answering): the next query opens a new one; the old one is disposed when its last read ends.</summary>
    internal void GiveUp(NpgsqlConnection session, Task running, Action cleanup)
    {
        lock (_gate)
        {
            if (ReferenceEquals(_session, session))
            {
                _session = null;
            }
        }

        // Never on the caller's thread: when the task has already ended, a synchronous continuation
        // would run the clean-up inline, and a reader's clean-up on a silent network blocks, so a
        // Stop() that promises to return within the grace would not.
        running.ContinueWith(_ =>
        {
            try
            {
                cleanup();
                session.Dispose();
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Already broken; nothing is left to release.
            }
        }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
    }

    /// <summary>
    /// Closes the session and the pool, stopping a query that is running on it, and returns what
    /// failed (every step is tried). <see cref="Dispose"/> does the same and ignores failures.
    /// </summary>
    public IReadOnlyList<Exception> Close()
    {
        var failures = new List<Exception>();
        lock (_gate)
        {
            if (_disposed)
            {
                return failures;
            }

            _disposed = true;
        }

        _closing.Cancel();

        // A running query stops on the cancel; wait for it to hand the session back.
        var idle = _lease.Wait(Connections.RedshiftQuery.CancelGrace + Connections.RedshiftQuery.CancelGrace);
        NpgsqlConnection? session;
        lock (_gate)
        {
            session = _session;
            _session = null;
        }

        if (idle)
        {
            try
            {
                session?.Dispose();
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                failures.Add(e);
            }
        }
        else if (session is not null)
        {
            failures.Add(new IamraException(ErrorIds.Connection.Busy, IamraErrorCategory.ResourceUnavailable,
                $"A query on {Id} did not stop within {(Connections.RedshiftQuery.CancelGrace + Connections.RedshiftQuery.CancelGrace).TotalSeconds:0} s; its session is closed when it ends.", Id));
        }

        try
        {
            _dataSource.Dispose();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            failures.Add(e);
        }

        return failures;
    }

    public void Dispose() => Close();

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>The right to use the session for one query; disposing it hands the session back.</summary>
    internal sealed class Lease : IDisposable
    {
        private RedshiftConnection? _owner;

        internal Lease(RedshiftConnection owner) => _owner = owner;

        public void Dispose()
        {
            var owner = Interlocked.Exchange(ref _owner, null);
            if (owner is null)
            {
                return;
            }

            Volatile.Write(ref owner._leaseThread, 0);
            owner._lease.Release();
            if (owner._disposed)
            {
                // Closed while the query ran: the session is ours to close.
                NpgsqlConnection? session;
                lock (owner._gate)
                {
                    session = owner._session;
                    owner._session = null;
                }

                try
                {
                    session?.Dispose();
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    // Closing a broken session: nothing left to release.
                }
            }
        }
    }
}
