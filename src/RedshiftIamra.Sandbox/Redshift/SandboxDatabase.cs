using Npgsql;
using RedshiftIamra.Sandbox.Front;
using RedshiftIamra.Sandbox.Postgres;

namespace RedshiftIamra.Sandbox;

/// <summary>
/// The sandbox's one Redshift cluster and one serverless workgroup, both served by one real
/// PostgreSQL: the database users that exist, the logins the credential endpoints set, and
/// the server's state. While the server is stopped (a fault), logins and users are kept and
/// applied when it starts again, as Redshift's control plane keeps answering while a
/// database is unreachable.
/// </summary>
internal sealed class SandboxDatabase : IAsyncDisposable
{
    private readonly SandboxPostgres _postgres;
    private readonly SemaphoreSlim _lock = new(1, 1);
    private readonly HashSet<string> _users = new(StringComparer.Ordinal);
    private readonly List<Func<CancellationToken, Task>> _pending = new();
    private volatile string _clusterStatus = "available";
    private readonly string _backendVerifier;

    public SandboxDatabase(SandboxPostgres postgres, string databaseName, string clusterIdentifier, string workgroupName, int? durationCapSeconds)
    {
        _postgres = postgres;
        DatabaseName = databaseName;
        ClusterIdentifier = clusterIdentifier;
        WorkgroupName = workgroupName;
        DurationCapSeconds = durationCapSeconds;
        BackendSecret = SandboxPostgres.RandomPassword(48);
        _backendVerifier = SandboxPostgres.ScramVerifier(BackendSecret);
    }

    public SandboxPostgres Postgres => _postgres;

    /// <summary>Every password the credential calls issued, each valid until its own expiry (the Redshift front checks logins against it).</summary>
    public FrontLogins Logins { get; } = new();

    /// <summary>The sandbox-internal password of every login role on PostgreSQL (the front logs in with it; clients never see it).</summary>
    internal string BackendSecret { get; }

    /// <summary>The Redshift front clients connect to (set once the front listens).</summary>
    public RedshiftFront? Front { get; set; }

    /// <summary>The database endpoint clients are given: the Redshift front.</summary>
    public string Host => Front?.Host ?? _postgres.Host;

    public int Port => Front?.Port ?? _postgres.Port;

    public string DatabaseName { get; }

    public string ClusterIdentifier { get; }

    public string WorkgroupName { get; }

    public string ClusterNamespaceId { get; } = Guid.NewGuid().ToString();

    public string WorkgroupId { get; } = Guid.NewGuid().ToString();

    public DateTimeOffset CreatedAt { get; } = DateTimeOffset.UtcNow.AddDays(-30);

    /// <summary>What DescribeClusters says (<c>available</c>, <c>paused</c>, <c>creating</c>, ...). Credentials are issued only while <c>available</c>.</summary>
    public string ClusterStatus
    {
        get => _clusterStatus;
        set => _clusterStatus = string.IsNullOrWhiteSpace(value) ? throw new ArgumentException("A cluster status is required.", nameof(value)) : value;
    }

    /// <summary>The longest database credential lifetime the endpoints grant, seconds (null: what was asked).</summary>
    public int? DurationCapSeconds { get; set; }

    public bool IsRunning => _postgres.IsRunning;

    /// <summary>Whether the database user (without prefix) exists.</summary>
    public bool UserExists(string dbUser)
    {
        lock (_users)
        {
            return _users.Contains(dbUser);
        }
    }

    /// <summary>Makes a database user exist: GetClusterCredentials for it (without AutoCreate) then gives a working login <c>IAM:user</c>.</summary>
    public async Task AddUserAsync(string dbUser, CancellationToken cancellationToken)
    {
        lock (_users)
        {
            _users.Add(dbUser);
        }

        var role = "IAM:" + dbUser;
        await RunAsync(async ct =>
        {
            if (!await _postgres.RoleExistsAsync(role, ct).ConfigureAwait(false))
            {
                await _postgres.ExecuteAdminAsync($"create role {SandboxPostgres.QuoteIdentifier(role)} nologin", ct).ConfigureAwait(false);
            }
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Creates or updates the login role <paramref name="role"/> with a password valid until <paramref name="validUntil"/> (real time), in <paramref name="groups"/>.</summary>
    /// <remarks>
    /// The password is recorded for the front (as Redshift keeps each issued password until its
    /// own expiry, several at once); on PostgreSQL the role's password is the sandbox-internal
    /// secret, with no expiry, so the front can log in as that role.
    /// </remarks>
    public Task SetLoginAsync(string role, string password, DateTimeOffset validUntil, IReadOnlyList<string> groups, CancellationToken cancellationToken)
    {
        Logins.Add(role, password, validUntil);
        return RunAsync(ct => _postgres.SetLoginVerifierAsync(role, _backendVerifier, null, groups, ct), cancellationToken);
    }

    /// <summary>Makes every password issued for the role stop working now (open sessions stay).</summary>
    public async Task ExpirePasswordAsync(string role, CancellationToken cancellationToken)
    {
        if (Logins.ExpireAll(role))
        {
            return;
        }

        await RunAsync(async ct =>
        {
            if (!await _postgres.RoleExistsAsync(role, ct).ConfigureAwait(false))
            {
                throw new InvalidOperationException($"The database has no user '{role}' (give the user exactly as the credential call returned it, e.g. IAM:analytics_user).");
            }
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs SQL as the administrator.</summary>
    public async Task ExecuteSqlAsync(string sql, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            EnsureRunning();
            await _postgres.ExecuteAdminAsync(sql, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>Stops the server at once (open sessions break, new connections are refused).</summary>
    public async Task StopServerAsync()
    {
        await _lock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (Front is not null)
            {
                await Front.PauseAsync().ConfigureAwait(false);
            }

            await _postgres.StopKeepingCommittedAsync().ConfigureAwait(false);
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>Starts the server again and applies what changed while it was down.</summary>
    public async Task StartServerAsync(CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _postgres.ResumeAsync(cancellationToken).ConfigureAwait(false);
            foreach (var action in _pending)
            {
                await action(cancellationToken).ConfigureAwait(false);
            }

            _pending.Clear();
            Front?.Resume();
        }
        finally
        {
            _lock.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Front is not null)
        {
            await Front.DisposeAsync().ConfigureAwait(false);
        }

        await _postgres.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Runs a change now, or keeps it for when the server runs again.</summary>
    private async Task RunAsync(Func<CancellationToken, Task> action, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_postgres.IsRunning)
            {
                await action(cancellationToken).ConfigureAwait(false);
            }
            else
            {
                _pending.Add(action);
            }
        }
        finally
        {
            _lock.Release();
        }
    }

    private void EnsureRunning()
    {
        if (!_postgres.IsRunning)
        {
            throw new InvalidOperationException("The sandbox database is stopped (StopDatabase); start it with StartDatabase first.");
        }
    }
}

/// <summary>Database failures inside a credential call become a Redshift-style server error.</summary>
internal static class SandboxDatabaseErrors
{
    public static bool IsDatabaseFailure(Exception e) => e is NpgsqlException or InvalidOperationException or TimeoutException;
}
