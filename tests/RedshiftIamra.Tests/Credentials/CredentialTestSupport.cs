using RedshiftIamra.Aws;
using RedshiftIamra.Certificates;
using RedshiftIamra.Sandbox;
using RedshiftIamra.Sessions;
using RedshiftIamra.Tests.Sandbox;

namespace RedshiftIamra.Tests.Credentials;

/// <summary>Session sources over the test sandbox, and how many CreateSession calls it answered for one session name.</summary>
internal static class CredentialTestSupport
{
    public static RolesAnywhereSessionSource Source(SandboxHost sandbox, string sessionName, int? durationSeconds = null, string? profileArn = null, string? endpoint = null)
    {
        var certificate = CertificateFinder.FindSingle(new CertificateQuery
        {
            Path = sandbox.ClientCertificatePath,
            PrivateKeyPath = sandbox.ClientKeyPath,
            ChainPath = sandbox.ClientChainPath,
        });
        return RolesAnywhereSessionSource.Create(new RolesAnywhereSessionOptions
        {
            Certificate = certificate,
            TrustAnchorArn = sandbox.TrustAnchorArn,
            ProfileArn = profileArn ?? sandbox.ProfileArn,
            RoleArn = sandbox.RoleArn,
            EndpointUrl = endpoint ?? sandbox.RolesAnywhereEndpoint,
            RoleSessionName = sessionName,
            DurationSeconds = durationSeconds,
            Http = SandboxClients.FastHttp(sandbox),
        });
    }

    public static int CreateSessions(SandboxHost sandbox, string sessionName) =>
        sandbox.Audit.Find("CreateSession", "Success").Count(e => e.RoleSessionName == sessionName);

    public static string NewSessionName() => "t" + Guid.NewGuid().ToString("N")[..20];
}

/// <summary>A log that keeps every message, to assert on what was said (and that no secret was).</summary>
internal sealed class RecordingLog : IOperationLog
{
    private readonly List<string> _messages = new();

    public IReadOnlyList<string> Messages
    {
        get
        {
            lock (_messages)
            {
                return _messages.ToList();
            }
        }
    }

    public string All => string.Join(Environment.NewLine, Messages);

    public void Verbose(string message) => Add("V: " + message);

    public void Debug(string message) => Add("D: " + message);

    public void Warning(string message) => Add("W: " + message);

    private void Add(string message)
    {
        lock (_messages)
        {
            _messages.Add(message);
        }
    }
}
