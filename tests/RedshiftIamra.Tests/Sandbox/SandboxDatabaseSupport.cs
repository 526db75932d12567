using System.Net;
using System.Net.Sockets;
using Npgsql;
using RedshiftIamra.Aws;
using RedshiftIamra.Certificates;
using RedshiftIamra.Sandbox;
using RedshiftIamra.Sessions;

namespace RedshiftIamra.Tests.Sandbox;

/// <summary>
/// A sandbox with its Redshift endpoints and PostgreSQL, shared by the tests of a class, and a
/// Roles Anywhere session from it through the real engine (certificate files, CreateSession,
/// session cache), wrapped as the AWS credentials the Redshift clients sign with.
/// </summary>
public class SandboxDatabaseFixture : IAsyncLifetime
{
    private SandboxHost? _sandbox;

    public SandboxHost Sandbox => _sandbox ?? throw new InvalidOperationException("The sandbox has not started.");

    /// <summary>The Roles Anywhere session source (the sandbox's client certificate files).</summary>
    public RolesAnywhereSessionSource SessionSource { get; private set; } = null!;

    /// <summary>The AWS credentials of that session, renewed through the session cache.</summary>
    public AwsCredentialSource Credentials { get; private set; } = null!;

    protected virtual int? DurationCapSeconds => null;

    /// <summary>Changes the sandbox's options before it starts (e.g. statement handlers for the front).</summary>
    protected virtual void Configure(SandboxOptions options)
    {
    }

    public async Task InitializeAsync()
    {
        var options = new SandboxOptions { Database = true, DbCredentialDurationCapSeconds = DurationCapSeconds };
        Configure(options);
        _sandbox = await SandboxHost.StartAsync(options);
        SessionSource = NewSessionSource("redshift-tests");
        var session = await SessionSource.GetSessionAsync(force: true, NullOperationLog.Instance, CancellationToken.None);
        Credentials = new IamraSessionCredentialSource(session);
    }

    public async Task DisposeAsync()
    {
        if (_sandbox is not null)
        {
            await _sandbox.DisposeAsync();
        }
    }

    /// <summary>A session source of its own (a session name of its own: its own cache entry).</summary>
    public RolesAnywhereSessionSource NewSessionSource(string sessionName)
    {
        var certificate = CertificateFinder.FindSingle(new CertificateQuery
        {
            Path = Sandbox.ClientCertificatePath,
            PrivateKeyPath = Sandbox.ClientKeyPath,
            ChainPath = Sandbox.ClientChainPath,
        });
        return RolesAnywhereSessionSource.Create(new RolesAnywhereSessionOptions
        {
            Certificate = certificate,
            TrustAnchorArn = Sandbox.TrustAnchorArn,
            ProfileArn = Sandbox.ProfileArn,
            RoleArn = Sandbox.RoleArn,
            EndpointUrl = Sandbox.RolesAnywhereEndpoint,
            RoleSessionName = sessionName,
            Http = SandboxClients.FastHttp(Sandbox),
        });
    }

    /// <summary>Get-RedshiftDbCredential's engine, pointed at the sandbox.</summary>
    public DbCredentialSource Source(RedshiftTargetKind kind, string? dbUser = null, bool autoCreate = false, IReadOnlyList<string>? groups = null,
        int? durationSeconds = null, AwsCredentialSource? credentials = null, string? cluster = null, string? workgroup = null, string? host = null, int? port = null, string? dbName = null) =>
        DbCredentialSource.Create(new DbCredentialOptions
        {
            Credentials = credentials ?? Credentials,
            Kind = kind,
            ClusterIdentifier = kind == RedshiftTargetKind.Serverless ? null : cluster ?? Sandbox.ClusterIdentifier,
            WorkgroupName = kind == RedshiftTargetKind.Serverless ? workgroup ?? Sandbox.WorkgroupName : null,
            DbUser = dbUser,
            DbName = dbName,
            AutoCreate = autoCreate,
            DbGroups = groups ?? Array.Empty<string>(),
            DurationSeconds = durationSeconds,
            Host = host,
            Port = port,
            Region = Sandbox.Region,
            EndpointUrl = kind == RedshiftTargetKind.Serverless ? Sandbox.RedshiftServerlessEndpoint : Sandbox.RedshiftEndpoint,
            Http = SandboxClients.FastHttp(Sandbox),
        });

    public static Task<RedshiftDbCredential> GetAsync(DbCredentialSource source, bool force = false) =>
        source.GetCredentialAsync(force, NullOperationLog.Instance, CancellationToken.None);

    /// <summary>A plain Npgsql connection with a credential, TLS VerifyFull against <paramref name="root"/> (the sandbox's TLS root by default).</summary>
    public NpgsqlConnection Connection(RedshiftDbCredential credential, string? password = null, string? root = null) =>
        Connection(credential.DbUser, password ?? credential.Password, credential.Host, credential.Port, credential.Database, root);

    public NpgsqlConnection Connection(string user, string password, string? host = null, int? port = null, string? database = null, string? root = null) =>
        new(new NpgsqlConnectionStringBuilder
        {
            Host = host ?? Sandbox.PostgresHost,
            Port = port ?? Sandbox.PostgresPort,
            Database = database ?? Sandbox.DatabaseName,
            Username = user,
            Password = password,
            SslMode = SslMode.VerifyFull,
            RootCertificate = root ?? Sandbox.TlsCaBundlePath,
            Pooling = false,
            Timeout = 10,
        }.ConnectionString);

    /// <summary>Logs in and returns <c>current_user</c>.</summary>
    public async Task<string> CurrentUserAsync(RedshiftDbCredential credential, string? password = null)
    {
        await using var connection = Connection(credential, password);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select current_user", connection);
        return (string)(await command.ExecuteScalarAsync())!;
    }

    public static string Unique(string prefix) => prefix + "_" + Guid.NewGuid().ToString("N")[..8];
}

/// <summary>The same, with database credentials capped at 20 seconds.</summary>
public sealed class SandboxDatabaseCap20Fixture : SandboxDatabaseFixture
{
    protected override int? DurationCapSeconds => 20;
}

/// <summary>The same, with database credentials capped at 5 seconds.</summary>
public sealed class SandboxDatabaseCap5Fixture : SandboxDatabaseFixture
{
    protected override int? DurationCapSeconds => 5;
}

/// <summary>
/// A TCP forwarder listening on another loopback address (127.0.0.2 on Linux), to reach the
/// sandbox's PostgreSQL by a name its certificate does not cover.
/// </summary>
internal sealed class LoopbackForwarder : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    public LoopbackForwarder(IPAddress address, IPEndPoint target)
    {
        _target = target;
        _listener = new TcpListener(address, 0);
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndpoint;

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = ForwardAsync(client);
        }
    }

    private async Task ForwardAsync(TcpClient client)
    {
        using (client)
        using (var upstream = new TcpClient())
        {
            try
            {
                await upstream.ConnectAsync(_target, _stop.Token);
                var a = client.GetStream();
                var b = upstream.GetStream();
                await Task.WhenAny(a.CopyToAsync(b, _stop.Token), b.CopyToAsync(a, _stop.Token));
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
            {
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        await _accepting;
    }
}
