using System.Diagnostics;
using System.Net;
using System.Security.Cryptography.X509Certificates;

namespace RedshiftIamra.Sandbox;

/// <summary>
/// A local stand-in for the AWS APIs the module calls, over HTTPS on 127.0.0.1 with its own
/// CA: today IAM Roles Anywhere <c>CreateSession</c>. Start one with <see cref="StartAsync"/>;
/// point the client at <see cref="RolesAnywhereEndpoint"/> with <see cref="TlsCaBundlePath"/>
/// as its CA bundle, and sign with <see cref="ClientCertificatePath"/> /
/// <see cref="ClientKeyPath"/> / <see cref="ClientChainPath"/> for <see cref="TrustAnchorArn"/>,
/// <see cref="ProfileArn"/> and <see cref="RoleArn"/>.
/// </summary>
public sealed class SandboxHost : IAsyncDisposable, IDisposable
{
    public const string AuditLogFileName = "audit.jsonl";

    private readonly SandboxHttpServer _server;
    private readonly bool _deleteWorkingDirectory;
    private int _stopped;

    private SandboxHost(SandboxOptions options, string workingDirectory, bool deleteWorkingDirectory, SandboxClock clock, SandboxPki pki,
        SandboxClientCertificate client, SandboxCertificateFiles clientFiles, SandboxConfiguration configuration, SandboxCredentialStore credentials,
        SandboxAuditLog audit, SandboxFaults faults, SandboxHttpServer server, string trustAnchorArn, string profileArn, string roleArn)
    {
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

    /// <summary>Starts a sandbox: makes its CAs and certificates, writes its files, listens on 127.0.0.1.</summary>
    public static Task<SandboxHost> StartAsync(SandboxOptions? options = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(Start(options));
    }

    /// <summary>Same as <see cref="StartAsync"/>, synchronous (for PowerShell).</summary>
    public static SandboxHost Start(SandboxOptions? options = null)
    {
        options ??= new SandboxOptions();
        var stopwatch = Stopwatch.StartNew();
        var deleteDirectory = options.WorkingDirectory is null;
        var directory = Path.GetFullPath(options.WorkingDirectory ?? Path.Combine(Path.GetTempPath(), "redshift-iamra-sandbox-" + Guid.NewGuid().ToString("N")[..12]));
        Directory.CreateDirectory(directory);

        var disposables = new Stack<IDisposable>();
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
            var services = new ISandboxService[] { new RolesAnywhereService(configuration, credentials, options.MaxClockSkew) };
            var dispatcher = new SandboxDispatcher(services, clock, faults, audit);
            var server = new SandboxHttpServer(new IPEndPoint(IPAddress.Loopback, options.Port), pki.ServerCertificate, dispatcher,
                new SandboxHttpServerLimits { MaxBodyBytes = options.MaxRequestBodyBytes }, clock);
            server.Start();

            var host = new SandboxHost(options, directory, deleteDirectory, clock, pki, client, clientFiles, configuration, credentials, audit, faults, server, anchor.Arn, profile.Arn, role.Arn);
            host.StartupTime = stopwatch.Elapsed;
            return host;
        }
        catch
        {
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

        await _server.DisposeAsync().ConfigureAwait(false);
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

    public override string ToString() => $"RedshiftIamra sandbox at {RolesAnywhereEndpoint} ({Region}, account {AccountId}, {WorkingDirectory})";

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
