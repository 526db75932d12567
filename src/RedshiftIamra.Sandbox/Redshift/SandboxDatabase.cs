using Npgsql;
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

    public SandboxDatabase(SandboxPostgres postgres, string databaseName, string clusterIdentifier, string workgroupName, int? durationCapSeconds)
    {
        _postgres = postgres;
        DatabaseName = databaseName;
        ClusterIdentifier = clusterIdentifier;
        WorkgroupName = workgroupName;
        DurationCapSeconds = durationCapSeconds;
    }

    public SandboxPostgres Postgres => _postgres;

    public string Host => _postgres.Host;

    public int Port => _postgres.Port;

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
    public Task SetLoginAsync(string role, string password, DateTimeOffset validUntil, IReadOnlyList<string> groups, CancellationToken cancellationToken) =>
        RunAsync(ct => _postgres.SetLoginAsync(role, password, validUntil, groups, ct), cancellationToken);

    /// <summary>Makes the role's password stop working now.</summary>
    public Task ExpirePasswordAsync(string role, CancellationToken cancellationToken) =>
        RunAsync(async ct =>
        {
            if (!await _postgres.RoleExistsAsync(role, ct).ConfigureAwait(false))
            {
                throw new InvalidOperationException($"The database has no user '{role}' (give the user exactly as the credential call returned it, e.g. IAM:analytics_user).");
            }

            await _postgres.SetValidUntilAsync(role, DateTimeOffset.UtcNow.AddSeconds(-1), ct).ConfigureAwait(false);
        }, cancellationToken);

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
            await _postgres.StopAsync().ConfigureAwait(false);
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
        }
        finally
        {
            _lock.Release();
        }
    }

    public ValueTask DisposeAsync() => _postgres.DisposeAsync();

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
