using System.Diagnostics;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using RedshiftIamra.Sandbox.Bulk;
using RedshiftIamra.Sandbox.Front;
using RedshiftIamra.Sandbox.Postgres;
using RedshiftIamra.Sandbox.S3;

namespace RedshiftIamra.Sandbox;

/// <summary>
/// A local stand-in for the AWS APIs the module calls, over HTTPS on 127.0.0.1 with its own
/// CA: IAM Roles Anywhere <c>CreateSession</c>, and with <see cref="SandboxOptions.Database"/>
/// Amazon Redshift and Redshift Serverless over a real PostgreSQL. Start one with <see cref="StartAsync"/>;
/// point the client at <see cref="RolesAnywhereEndpoint"/> with <see cref="TlsCaBundlePath"/>
/// as its CA bundle, and sign with <see cref="ClientCertificatePath"/> /
/// <see cref="ClientKeyPath"/> / <see cref="ClientChainPath"/> for <see cref="TrustAnchorArn"/>,
/// <see cref="ProfileArn"/> and <see cref="RoleArn"/>.
/// </summary>
public sealed class SandboxHost : IAsyncDisposable, IDisposable
{
    public const string AuditLogFileName = "audit.jsonl";
    public const string ServerCertificateFileName = "tls-server.pem";
    public const string ServerKeyFileName = "tls-server.key";

    private readonly SandboxHttpServer _server;
    private readonly SandboxHttpServer _s3Server;
    private readonly SandboxDatabase? _database;
    private readonly bool _deleteWorkingDirectory;
    private int _stopped;

    private SandboxHost(SandboxOptions options, string workingDirectory, bool deleteWorkingDirectory, SandboxClock clock, SandboxPki pki,
        SandboxClientCertificate client, SandboxCertificateFiles clientFiles, SandboxConfiguration configuration, SandboxCredentialStore credentials,
        SandboxAuditLog audit, SandboxFaults faults, SandboxHttpServer server, string trustAnchorArn, string profileArn, string roleArn, SandboxDatabase? database,
        SandboxHttpServer s3Server, S3ObjectStore s3, string stagingBucket, SandboxClusterIamRoles clusterRoles)
    {
        _database = database;
        _s3Server = s3Server;
        S3 = s3;
        StagingBucket = stagingBucket;
        ClusterIamRoles = clusterRoles;
        CopyRoleArn = clusterRoles.DefaultRoleArn!;
        S3Port = s3Server.EndPoint.Port;
        S3Endpoint = $"https://127.0.0.1:{S3Port}/";
        Options = options;
        WorkingDirectory = workingDirectory;
        _deleteWorkingDirectory = deleteWorkingDirectory;
        Clock = clock;
        Pki = pki;
        ClientCertificate = client;
        ClientCertificatePath = clientFiles.CertificatePath;
        ClientKeyPath = clientFiles.PrivateKeyPath;
        ClientChainPath = clientFiles.ChainPath;
        Configuration = configuration;
        Credentials = credentials;
        Audit = audit;
        Faults = faults;
        _server = server;
        TrustAnchorArn = trustAnchorArn;
        ProfileArn = profileArn;
        RoleArn = roleArn;
        Port = server.EndPoint.Port;
        RolesAnywhereEndpoint = $"https://127.0.0.1:{Port}/";
    }

    // ---- S3 (always on) and the cluster's COPY role ------------------------------------------

    /// <summary>The S3 endpoint URL (path-style: <c>https://127.0.0.1:PORT/bucket/key</c>); give it as <c>--endpoint-url</c> / ServiceURL with <see cref="TlsCaBundlePath"/>.</summary>
    public string S3Endpoint { get; }

    public int S3Port { get; }

    /// <summary>The staging bucket made at start; its policy allows the sessions of <see cref="RoleArn"/> and <see cref="CopyRoleArn"/> only.</summary>
    public string StagingBucket { get; }

    /// <summary>The role the cluster may assume for COPY and UNLOAD (associated with the cluster, and its default IAM role).</summary>
    public string CopyRoleArn { get; }

    /// <summary>The roles associated with the cluster (changeable while running).</summary>
    public SandboxClusterIamRoles ClusterIamRoles { get; }

    /// <summary>The S3 buckets and objects (on disk under the working directory's <c>s3/</c>).</summary>
    public S3ObjectStore S3 { get; }

    /// <summary>Makes a bucket whose policy allows the sessions of the given roles (the default role when none given).</summary>
    public void CreateBucket(string name, params string[] allowedRoleArns)
    {
        if (!S3Service.IsBucketName(name))
        {
            throw new ArgumentException($"'{name}' is not a bucket name (3 to 63 lower-case letters, digits, dots and hyphens).", nameof(name));
        }

        if (S3.CreateBucket(name, Clock.GetUtcNow(), allowedRoleArns.Length == 0 ? [RoleArn] : allowedRoleArns) is null)
        {
            throw new InvalidOperationException($"The bucket '{name}' exists already.");
        }
    }

    /// <summary>The administrator's connection string (tests read system tables with it).</summary>
    internal string AdminConnectionString => Database.Postgres.AdminConnectionString;

    /// <summary>
    /// The COPY-from-S3 and UNLOAD statements for the Redshift front (with <see cref="SandboxOptions.Database"/>):
    /// they read and write this sandbox's S3, accept the roles of <see cref="ClusterIamRoles"/>, and record
    /// load errors through the administrator's connection.
    /// </summary>
    public SandboxBulkStatements CreateBulkStatements() => new(S3, ClusterIamRoles, Database.Postgres.AdminConnectionString, new SandboxBulkSettings
    {
        Region = Region,
        AccountId = AccountId,
        ClusterIdentifier = ClusterIdentifier,
        DatabaseName = DatabaseName,
        Clock = Clock,
    });

    // ---- Redshift and Redshift Serverless (with Database on) ---------------------------------

    /// <summary>Whether this sandbox plays Redshift over a PostgreSQL (<see cref="SandboxOptions.Database"/>).</summary>
    public bool HasDatabase => _database is not null;

    /// <summary>The Redshift (Query API) endpoint URL: the same HTTPS server, routed by the signing scope and <c>Action</c>.</summary>
    public string RedshiftEndpoint => RolesAnywhereEndpoint;

    /// <summary>The Redshift Serverless (JSON 1.1) endpoint URL: the same HTTPS server, routed by <c>X-Amz-Target</c>.</summary>
    public string RedshiftServerlessEndpoint => RolesAnywhereEndpoint;

    /// <summary>
    /// The database endpoint (<c>127.0.0.1</c>) DescribeClusters and GetWorkgroup answer: the
    /// Redshift front (Redshift's identity, logins and refusals over the sandbox's PostgreSQL).
    /// </summary>
    public string PostgresHost => Database.Host;

    /// <summary>The Redshift front's port (see <see cref="PostgresHost"/>).</summary>
    public int PostgresPort => Database.Port;

    /// <summary>
    /// PostgreSQL's own port, behind the front (for tests and benchmarks that compare; IAM
    /// passwords do not log in here: the login roles have a sandbox-internal password).
    /// </summary>
    public int BackendPostgresPort => Database.Postgres.Port;

    /// <summary>The Redshift front (connection counts, the issued logins it checks).</summary>
    public RedshiftFront Front => Database.Front ?? throw new InvalidOperationException("The Redshift front is not running.");

    /// <summary>The root PostgreSQL's certificate chains to (give it as RootCertificate with SslMode VerifyFull): <see cref="TlsCaBundlePath"/>.</summary>
    public string PostgresRootCertificatePath => TlsCaBundlePath;

    /// <summary>PostgreSQL's server log (connections are logged; statements and passwords are not).</summary>
    public string PostgresLogPath => Database.Postgres.LogPath;

    public string DatabaseName => Database.DatabaseName;

    public string ClusterIdentifier => Database.ClusterIdentifier;

    public string WorkgroupName => Database.WorkgroupName;

    /// <summary>The workgroup's ARN (ends in its id), as GetWorkgroup answers.</summary>
    public string WorkgroupArn => $"arn:aws:redshift-serverless:{Region}:{AccountId}:workgroup/{Database.WorkgroupId}";

    /// <summary>The longest database credential the endpoints grant, seconds (null: what was asked); changeable while running.</summary>
    public int? DbCredentialDurationCapSeconds
    {
        get => Database.DurationCapSeconds;
        set => Database.DurationCapSeconds = value is < 1 ? throw new ArgumentOutOfRangeException(nameof(value), value, "The cap is at least 1 second.") : value;
    }

    /// <summary>What DescribeClusters says (<c>available</c> by default; <c>paused</c>, <c>creating</c>, ... make the credential calls fail with InvalidClusterState).</summary>
    public string ClusterStatus
    {
        get => Database.ClusterStatus;
        set => Database.ClusterStatus = value;
    }

    /// <summary>Whether PostgreSQL is running (false after <see cref="StopDatabase"/>).</summary>
    public bool IsDatabaseRunning => Database.IsRunning;

    /// <summary>
    /// Makes a database user exist, as an administrator's <c>CREATE USER analytics_user</c> would:
    /// GetClusterCredentials for it then gives a login that works (<c>IAM:analytics_user</c>).
    /// A user not added (and not auto-created) gets credentials whose login fails, as on Redshift.
    /// </summary>
    public Task AddDatabaseUserAsync(string dbUser, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dbUser);
        return Database.AddUserAsync(dbUser, cancellationToken);
    }

    /// <inheritdoc cref="AddDatabaseUserAsync"/>
    public void AddDatabaseUser(string dbUser) => AddDatabaseUserAsync(dbUser).GetAwaiter().GetResult();

    /// <summary>Whether a database user (without prefix) exists.</summary>
    public bool DatabaseUserExists(string dbUser) => Database.UserExists(dbUser);

    /// <summary>Runs SQL as the database administrator (tests create tables and grants with it).</summary>
    public Task ExecuteSqlAsync(string sql, CancellationToken cancellationToken = default) => Database.ExecuteSqlAsync(sql, cancellationToken);

    /// <inheritdoc cref="ExecuteSqlAsync"/>
    public void ExecuteSql(string sql) => ExecuteSqlAsync(sql).GetAwaiter().GetResult();

    /// <summary>Makes a database user's password stop working now (give the user as returned, e.g. <c>IAM:analytics_user</c>).</summary>
    public Task ExpireDatabasePasswordAsync(string user, CancellationToken cancellationToken = default) => Database.ExpirePasswordAsync(user, cancellationToken);

    /// <inheritdoc cref="ExpireDatabasePasswordAsync"/>
    public void ExpireDatabasePassword(string user) => ExpireDatabasePasswordAsync(user).GetAwaiter().GetResult();

    /// <summary>
    /// Stops PostgreSQL at once (a fault: "the database server is down"): open sessions break and
    /// new connections are refused. The API endpoints keep answering; logins they issue meanwhile
    /// take effect when the database starts again.
    /// </summary>
    public Task StopDatabaseAsync() => Database.StopServerAsync();

    /// <inheritdoc cref="StopDatabaseAsync"/>
    public void StopDatabase() => StopDatabaseAsync().GetAwaiter().GetResult();

    /// <summary>Starts PostgreSQL again (same port and data) after <see cref="StopDatabase"/>.</summary>
    public Task StartDatabaseAsync(CancellationToken cancellationToken = default) => Database.StartServerAsync(cancellationToken);

    /// <inheritdoc cref="StartDatabaseAsync"/>
    public void StartDatabase() => StartDatabaseAsync().GetAwaiter().GetResult();

    private SandboxDatabase Database => _database ?? throw new InvalidOperationException("This sandbox has no database: start it with SandboxOptions.Database = true (PostgreSQL's server binaries must be installed).");

    public SandboxOptions Options { get; }

    /// <summary>The endpoint to give as the Roles Anywhere endpoint URL (<c>https://127.0.0.1:PORT/</c>).</summary>
    public string RolesAnywhereEndpoint { get; }

    public int Port { get; }

    public string Region => Configuration.Region;

    public string AccountId => Configuration.AccountId;

    public string WorkingDirectory { get; }

    /// <summary>The TLS root CA in PEM: give it as CaBundlePath or AWS_CA_BUNDLE.</summary>
    public string TlsCaBundlePath => Path.Combine(WorkingDirectory, SandboxPki.TlsCaFileName);

    /// <summary>The organisation root CA (the default trust anchor's certificate).</summary>
    public string OrgCaPath => Path.Combine(WorkingDirectory, SandboxPki.OrgCaFileName);

    /// <summary>The organisation intermediate CA that issued the default client certificate.</summary>
    public string OrgIntermediatePath => Path.Combine(WorkingDirectory, SandboxPki.OrgIntermediateFileName);

    /// <summary>The default client certificate (PEM).</summary>
    public string ClientCertificatePath { get; }

    /// <summary>The default client certificate's private key (PKCS#8 PEM, owner-only on Unix).</summary>
    public string ClientKeyPath { get; }

    /// <summary>The intermediate to send with the default client certificate (PEM).</summary>
    public string ClientChainPath { get; }

    public string AuditLogPath => Path.Combine(WorkingDirectory, AuditLogFileName);

    public string TrustAnchorArn { get; }

    public string ProfileArn { get; }

    public string RoleArn { get; }

    /// <summary>How long <see cref="StartAsync"/> took.</summary>
    public TimeSpan StartupTime { get; private set; }

    /// <summary>The server's clock.</summary>
    public SandboxClock Clock { get; }

    /// <summary>How far the server's clock is off (settable while running: "server clock 20 minutes ahead").</summary>
    public TimeSpan ClockOffset
    {
        get => Clock.Offset;
        set => Clock.Offset = value;
    }

    public SandboxPki Pki { get; }

    /// <summary>The default client certificate, with its key and chain.</summary>
    public SandboxClientCertificate ClientCertificate { get; }

    /// <summary>Trust anchors, profiles and roles (changeable while running).</summary>
    public SandboxConfiguration Configuration { get; }

    /// <summary>The credentials every sandbox service issued.</summary>
    public SandboxCredentialStore Credentials { get; }

    public SandboxAuditLog Audit { get; }

    public SandboxFaults Faults { get; }

    public bool IsRunning => Volatile.Read(ref _stopped) == 0;

    /// <summary>TCP connections accepted since start.</summary>
    public long AcceptedConnections => _server.AcceptedConnections;

    /// <summary>TCP connections open now.</summary>
    public int OpenConnections => _server.OpenConnections;

    /// <summary>
    /// Starts a sandbox: makes its CAs and certificates, writes its files, starts PostgreSQL when
    /// <see cref="SandboxOptions.Database"/> is on (a few seconds), listens on 127.0.0.1.
    /// </summary>
    public static async Task<SandboxHost> StartAsync(SandboxOptions? options = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        options ??= new SandboxOptions();
        ValidateDatabaseOptions(options);
        var stopwatch = Stopwatch.StartNew();
        var deleteDirectory = options.WorkingDirectory is null;
        SandboxLeftovers.Reap();
        var directory = Path.GetFullPath(options.WorkingDirectory ?? Path.Combine(Path.GetTempPath(), SandboxLeftovers.DirectoryPrefix + Guid.NewGuid().ToString("N")[..12]));
        Directory.CreateDirectory(directory);
        SandboxLeftovers.WriteOwner(directory);

        var disposables = new Stack<IDisposable>();
        var servers = new Stack<SandboxHttpServer>();
        SandboxDatabase? database = null;
        try
        {
            var clock = new SandboxClock(options.Clock) { Offset = options.ClockOffset };
            var configuration = new SandboxConfiguration(options.Region, options.AccountId);
            var pki = SandboxPki.Create(clock);
            disposables.Push(pki);
            pki.WriteCaFiles(directory);
            var client = pki.IssueClientCertificate(new SandboxCertificateRequest { KeyType = options.DefaultClientKeyType, Subject = options.DefaultClientSubject });
            disposables.Push(client);
            var clientFiles = client.WriteFiles(directory, "client");

            var role = configuration.AddRole(options.DefaultRoleName);
            var anchor = configuration.AddTrustAnchor([pki.OrgRoot.Certificate], "sandbox-org-root");
            var profile = configuration.AddProfile([role.Arn], options.DefaultProfileDurationSeconds, acceptRoleSessionName: true, name: "sandbox-profile");

            var audit = new SandboxAuditLog(Path.Combine(directory, AuditLogFileName));
            disposables.Push(audit);
            var credentials = new SandboxCredentialStore();
            var faults = new SandboxFaults();
            // S3 (served on its own listener below) and the roles the cluster may assume for COPY / UNLOAD.
            var copyRole = configuration.AddRole(options.CopyRoleName);
            var clusterRoles = new SandboxClusterIamRoles([copyRole.Arn], copyRole.Arn);
            var s3 = new S3ObjectStore(Path.Combine(directory, "s3"));
            if (s3.CreateBucket(options.StagingBucketName, clock.GetUtcNow(), [role.Arn, copyRole.Arn]) is null || !S3Service.IsBucketName(options.StagingBucketName))
            {
                throw new ArgumentException($"StagingBucketName '{options.StagingBucketName}' is not a bucket name (3 to 63 lower-case letters, digits, dots and hyphens).", nameof(options));
            }

            var services = new List<ISandboxService> { new RolesAnywhereService(configuration, credentials, options.MaxClockSkew) };
            if (options.Database)
            {
                // The front answers COPY from S3 and UNLOAD itself, against this sandbox's S3 (before any handler of the options).
                database = await StartDatabaseAsync(options, directory, pki, postgres => new SandboxBulkStatements(s3, clusterRoles, postgres.AdminConnectionString, new SandboxBulkSettings
                {
                    Region = options.Region,
                    AccountId = options.AccountId,
                    ClusterIdentifier = options.ClusterIdentifier,
                    DatabaseName = options.DatabaseName,
                    Clock = clock,
                }), cancellationToken).ConfigureAwait(false);
                services.Add(new RedshiftService(configuration, credentials, database, options.MaxClockSkew));
                services.Add(new RedshiftServerlessService(configuration, credentials, database, options.MaxClockSkew));
            }

            var dispatcher = new SandboxDispatcher(services, clock, faults, audit);
            var server = new SandboxHttpServer(new IPEndPoint(IPAddress.Loopback, options.Port), pki.ServerCertificate, dispatcher,
                new SandboxHttpServerLimits { MaxBodyBytes = options.MaxRequestBodyBytes }, clock);
            server.Start();
            servers.Push(server);

            // S3 on its own listener: bodies stream to files instead of the 1 MiB in-memory limit.
            var s3Service = new S3Service(s3, configuration, credentials, audit, clock, options.MaxClockSkew, faults);
            var s3Server = new SandboxHttpServer(new IPEndPoint(IPAddress.Loopback, options.S3Port), pki.ServerCertificate, s3Service,
                new SandboxHttpServerLimits { StreamBodies = true, MaxStreamedBodyBytes = options.MaxS3BodyBytes }, clock);
            s3Server.Start();
            servers.Push(s3Server);

            var host = new SandboxHost(options, directory, deleteDirectory, clock, pki, client, clientFiles, configuration, credentials, audit, faults, server, anchor.Arn, profile.Arn, role.Arn, database,
                s3Server, s3, options.StagingBucketName, clusterRoles);
            host.StartupTime = stopwatch.Elapsed;
            SandboxLeftovers.StopOnExit(host);
            return host;
        }
        catch
        {
            while (servers.Count > 0)
            {
                await servers.Pop().DisposeAsync().ConfigureAwait(false);
            }

            if (database is not null)
            {
                await database.DisposeAsync().ConfigureAwait(false);
            }

            while (disposables.Count > 0)
            {
                disposables.Pop().Dispose();
            }

            if (deleteDirectory)
            {
                TryDeleteDirectory(directory);
            }

            throw;
        }
    }

    /// <summary>Same as <see cref="StartAsync"/>, synchronous (for PowerShell).</summary>
    public static SandboxHost Start(SandboxOptions? options = null) => StartAsync(options).GetAwaiter().GetResult();

    /// <summary>Writes the HTTPS server certificate and key (PEM) and starts PostgreSQL with them, the TLS root as its CA.</summary>
    private static async Task<SandboxDatabase> StartDatabaseAsync(SandboxOptions options, string directory, SandboxPki pki, Func<SandboxPostgres, IRedshiftStatementHandler> bulkStatements, CancellationToken cancellationToken)
    {
        var certificatePath = Path.Combine(directory, ServerCertificateFileName);
        var keyPath = Path.Combine(directory, ServerKeyFileName);
        SandboxKeys.WriteFile(certificatePath, pki.ServerCertificate.ExportCertificatePem() + "\n", secret: false);
        using (var key = pki.ServerCertificate.GetECDsaPrivateKey() ?? throw new InvalidOperationException("The sandbox server certificate has no ECDSA key."))
        {
            SandboxKeys.WriteFile(keyPath, key.ExportPkcs8PrivateKeyPem() + "\n", secret: true);
        }

        var postgres = await SandboxPostgres.StartAsync(new SandboxPostgresOptions
        {
            Directory = Path.Combine(directory, "postgres"),
            ServerCertificatePath = certificatePath,
            ServerKeyPath = keyPath,
            CaCertificatePath = Path.Combine(directory, SandboxPki.TlsCaFileName),
            Port = options.DatabasePort,
            Database = options.DatabaseName,
            MaxConnections = options.DatabaseMaxConnections,
        }, cancellationToken).ConfigureAwait(false);
        var database = new SandboxDatabase(postgres, options.DatabaseName, options.ClusterIdentifier, options.WorkgroupName, options.DbCredentialDurationCapSeconds);
        try
        {
            await postgres.ExecuteAdminAsync(RedshiftDialect.SetupSql(options.DatabaseName), cancellationToken).ConfigureAwait(false);
            database.Front = RedshiftFront.Start(new RedshiftFrontOptions
            {
                ServerCertificate = pki.ServerCertificate,
                BackendRootCertificate = pki.TlsRoot.Certificate,
                BackendHost = postgres.Host,
                BackendPort = postgres.Port,
                BackendSecret = database.BackendSecret,
                Logins = database.Logins,
                Handlers = [bulkStatements(postgres), .. options.StatementHandlers],
                Port = options.FrontPort,
            });
        }
        catch
        {
            await database.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return database;
    }

    private static void ValidateDatabaseOptions(SandboxOptions options)
    {
        if (!options.Database)
        {
            return;
        }

        if (!System.Text.RegularExpressions.Regex.IsMatch(options.ClusterIdentifier ?? string.Empty, "^[a-z](?!.*--)[a-z0-9-]{0,62}(?<!-)$"))
        {
            throw new ArgumentException($"ClusterIdentifier '{options.ClusterIdentifier}' is not a Redshift cluster identifier (1 to 63 lower-case letters, digits and hyphens, starting with a letter).", nameof(options));
        }

        if (!System.Text.RegularExpressions.Regex.IsMatch(options.WorkgroupName ?? string.Empty, "^[a-z0-9-]{3,64}$"))
        {
            throw new ArgumentException($"WorkgroupName '{options.WorkgroupName}' is not a workgroup name (3 to 64 lower-case letters, digits and hyphens).", nameof(options));
        }

        if (!System.Text.RegularExpressions.Regex.IsMatch(options.DatabaseName ?? string.Empty, "^[a-z][a-z0-9_]{0,62}$"))
        {
            throw new ArgumentException($"DatabaseName '{options.DatabaseName}' is not valid here (1 to 63 lower-case letters, digits and _, starting with a letter).", nameof(options));
        }

        if (options.DbCredentialDurationCapSeconds is < 1)
        {
            throw new ArgumentException($"DbCredentialDurationCapSeconds {options.DbCredentialDurationCapSeconds} is not valid: at least 1 second, or null for no cap.", nameof(options));
        }
    }

    /// <summary>Issues a client certificate (by the intermediate unless the request says root).</summary>
    public SandboxClientCertificate IssueClientCertificate(SandboxCertificateRequest? request = null) => Pki.IssueClientCertificate(request);

    /// <summary>Issues a client certificate of a key type and subject, by the intermediate.</summary>
    public SandboxClientCertificate IssueClientCertificate(SandboxKeyType keyType, string? subject = null) =>
        Pki.IssueClientCertificate(new SandboxCertificateRequest { KeyType = keyType, Subject = subject ?? $"CN=sandbox-client-{keyType.ToString().ToLowerInvariant()}, O=RedshiftIamra Sandbox" });

    /// <summary>Adds a trust anchor for CA certificates; returns its ARN.</summary>
    public string AddTrustAnchor(IEnumerable<X509Certificate2> caCertificates, bool enabled = true) => Configuration.AddTrustAnchor(caCertificates, enabled: enabled).Arn;

    /// <summary>Adds a role; returns its ARN.</summary>
    public string AddRole(string name, int maxSessionDurationSeconds = SandboxConfiguration.DefaultRoleMaxSessionDurationSeconds) => Configuration.AddRole(name, maxSessionDurationSeconds).Arn;

    /// <summary>Adds a profile for roles (the default role when none given); returns its ARN.</summary>
    public string AddProfile(IEnumerable<string>? roleArns = null, int durationSeconds = SandboxConfiguration.DefaultProfileDurationSeconds, bool acceptRoleSessionName = true, bool enabled = true) =>
        Configuration.AddProfile(roleArns ?? [RoleArn], durationSeconds, acceptRoleSessionName, enabled).Arn;

    public void SetProfileEnabled(string profileArn, bool enabled) => Configuration.SetProfileEnabled(profileArn, enabled);

    public void SetTrustAnchorEnabled(string trustAnchorArn, bool enabled) => Configuration.SetTrustAnchorEnabled(trustAnchorArn, enabled);

    public void SetProfileDurationSeconds(string profileArn, int durationSeconds) => Configuration.SetProfileDurationSeconds(profileArn, durationSeconds);

    /// <summary>Plays <paramref name="fault"/> on the next <paramref name="count"/> calls of <paramref name="operation"/> (e.g. <c>CreateSession</c>).</summary>
    public SandboxFaultRule InjectFault(string operation, SandboxFault fault, int count = 1) => Faults.ForNextCalls(operation, count, fault);

    /// <summary>Every audit event so far.</summary>
    public IReadOnlyList<SandboxAuditEvent> GetAuditEvents() => Audit.Events;

    /// <summary>How many calls of an operation (any when null) had an outcome (any when null).</summary>
    public int CountCalls(string? eventName = null, string? outcome = null) => Audit.Count(eventName, outcome);

    /// <summary>Stops listening, closes every connection, and deletes the working directory if it was the default temporary one.</summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        SandboxLeftovers.Forget(this);

        await _server.DisposeAsync().ConfigureAwait(false);
        await _s3Server.DisposeAsync().ConfigureAwait(false);
        if (_database is not null)
        {
            await _database.DisposeAsync().ConfigureAwait(false);
        }

        Audit.Dispose();
        ClientCertificate.Dispose();
        Pki.Dispose();
        if (_deleteWorkingDirectory)
        {
            TryDeleteDirectory(WorkingDirectory);
        }
    }

    /// <summary>Same as <see cref="StopAsync"/>, synchronous (for PowerShell).</summary>
    public void Stop() => StopAsync().GetAwaiter().GetResult();

    public ValueTask DisposeAsync() => new(StopAsync());

    public void Dispose() => Stop();

    public override string ToString() => $"RedshiftIamra sandbox at {RolesAnywhereEndpoint} ({Region}, account {AccountId}{(_database is null ? string.Empty : $", cluster {_database.ClusterIdentifier} and workgroup {_database.WorkgroupName} behind the Redshift front 127.0.0.1:{_database.Port}")}, {WorkingDirectory})";

    private static void TryDeleteDirectory(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
