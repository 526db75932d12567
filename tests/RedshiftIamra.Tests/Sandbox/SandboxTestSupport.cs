using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using RedshiftIamra.Aws;
using RedshiftIamra.RolesAnywhere;
using RedshiftIamra.Sandbox;

namespace RedshiftIamra.Tests.Sandbox;

/// <summary>RSA keys are slow to make (4096 bits takes seconds): make each size once per test run and share it.</summary>
internal static class SharedTestKeys
{
    private static readonly Lazy<RSA> s_rsa2048 = new(() => RSA.Create(2048));
    private static readonly Lazy<RSA> s_rsa3072 = new(() => RSA.Create(3072));
    private static readonly Lazy<RSA> s_rsa4096 = new(() => RSA.Create(4096));

    /// <summary>A shared RSA key for RSA types; null for EC types (fast: let the sandbox make one).</summary>
    public static AsymmetricAlgorithm? For(SandboxKeyType type) => type switch
    {
        SandboxKeyType.Rsa2048 => s_rsa2048.Value,
        SandboxKeyType.Rsa3072 => s_rsa3072.Value,
        SandboxKeyType.Rsa4096 => s_rsa4096.Value,
        _ => null,
    };
}

/// <summary>Ways to call a sandbox with the real engine client.</summary>
internal static class SandboxClients
{
    /// <summary>Fast retries, so that retry tests take milliseconds.</summary>
    public static AwsHttpSettings FastHttp(SandboxHost sandbox, int maxAttempts = 4, TimeSpan? attemptTimeout = null) => new()
    {
        CaBundlePath = sandbox.TlsCaBundlePath,
        MaxAttempts = maxAttempts,
        AttemptTimeout = attemptTimeout ?? TimeSpan.FromSeconds(15),
        RetryBaseDelay = TimeSpan.FromMilliseconds(10),
        RetryMaxDelay = TimeSpan.FromMilliseconds(50),
    };

    public static RolesAnywhereClientConfig Config(SandboxHost sandbox, AwsHttpSettings? http = null) => new()
    {
        Region = sandbox.Region,
        Endpoint = new AwsEndpoint(new Uri(sandbox.RolesAnywhereEndpoint), "the test sandbox"),
        Http = http ?? FastHttp(sandbox),
    };

    public static RolesAnywhereClient Client(SandboxHost sandbox, AwsHttpSettings? http = null) => new(Config(sandbox, http));

    /// <summary>A CreateSession request for the sandbox's default anchor, profile and role.</summary>
    public static CreateSessionRequest Request(SandboxHost sandbox, SandboxClientCertificate? certificate = null, int? durationSeconds = null, string? roleSessionName = null) => new()
    {
        TrustAnchorArn = sandbox.TrustAnchorArn,
        ProfileArn = sandbox.ProfileArn,
        RoleArn = sandbox.RoleArn,
        DurationSeconds = durationSeconds,
        RoleSessionName = roleSessionName,
        Certificate = (certificate ?? sandbox.ClientCertificate).Certificate,
        Chain = (certificate ?? sandbox.ClientCertificate).Chain,
    };

    /// <summary>Calls CreateSession and returns the IamraException it fails with.</summary>
    public static async Task<IamraException> FailsAsync(RolesAnywhereClient client, CreateSessionRequest request)
    {
        var e = await Assert.ThrowsAsync<IamraException>(() => client.CreateSessionAsync(request, NullOperationLog.Instance, CancellationToken.None));
        return e;
    }

    public static Task<CreateSessionResponse> CreateAsync(RolesAnywhereClient client, CreateSessionRequest request) =>
        client.CreateSessionAsync(request, NullOperationLog.Instance, CancellationToken.None);
}

/// <summary>A raw HTTPS exchange with the sandbox, for requests no HTTP client would send.</summary>
internal static class RawHttps
{
    public sealed record Response(int Status, IReadOnlyDictionary<string, string> Headers, string Body, bool ConnectionClosed);

    /// <summary>Opens a TLS connection that trusts the sandbox's TLS CA.</summary>
    public static async Task<(TcpClient Tcp, SslStream Ssl)> ConnectAsync(SandboxHost sandbox)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", sandbox.Port);
        var ssl = new SslStream(tcp.GetStream(), false);
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "127.0.0.1",
            RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                errors == SslPolicyErrors.None || (certificate is not null && ChainsTo(certificate, sandbox.Pki.TlsRoot.Certificate)),
        });
        return (tcp, ssl);
    }

    /// <summary>Sends <paramref name="raw"/> on a new connection and reads one response.</summary>
    public static async Task<Response> SendAsync(SandboxHost sandbox, string raw)
    {
        var (tcp, ssl) = await ConnectAsync(sandbox);
        using (tcp)
        await using (ssl)
        {
            await ssl.WriteAsync(Encoding.Latin1.GetBytes(raw));
            await ssl.FlushAsync();
            return await ReadResponseAsync(ssl);
        }
    }

    /// <summary>Reads one response (Content-Length framed), then tells whether the server closed the connection.</summary>
    public static async Task<Response> ReadResponseAsync(Stream stream, bool checkClosed = true)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var buffer = new List<byte>();
        var one = new byte[1];
        while (!EndsWithBlankLine(buffer))
        {
            var n = await stream.ReadAsync(one, timeout.Token);
            if (n == 0)
            {
                throw new IOException($"The server closed the connection after {buffer.Count} bytes of the response head.");
            }

            buffer.Add(one[0]);
        }

        var head = Encoding.Latin1.GetString(buffer.ToArray()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var status = int.Parse(head[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in head.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            headers[line[..colon]] = line[(colon + 1)..].Trim();
        }

        var length = headers.TryGetValue("Content-Length", out var l) ? int.Parse(l, System.Globalization.CultureInfo.InvariantCulture) : 0;
        var body = new byte[length];
        var read = 0;
        while (read < length)
        {
            var n = await stream.ReadAsync(body.AsMemory(read), timeout.Token);
            if (n == 0)
            {
                break;
            }

            read += n;
        }

        var closed = false;
        if (checkClosed && headers.TryGetValue("Connection", out var connection) && connection == "close")
        {
            try
            {
                closed = await stream.ReadAsync(one, timeout.Token) == 0;
            }
            catch (IOException)
            {
                closed = true;
            }
        }

        return new Response(status, headers, Encoding.UTF8.GetString(body, 0, read), closed);
    }

    private static bool EndsWithBlankLine(List<byte> b) =>
        b.Count >= 4 && b[^4] == '\r' && b[^3] == '\n' && b[^2] == '\r' && b[^1] == '\n';

    private static bool ChainsTo(X509Certificate certificate, X509Certificate2 root)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(root);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = new X509Certificate2(certificate);
        return chain.Build(leaf);
    }
}

/// <summary>One sandbox shared by the tests of a class (tests of one class run one at a time).</summary>
public sealed class SandboxFixture : IAsyncLifetime
{
    private SandboxHost? _sandbox;

    public SandboxHost Sandbox => _sandbox ?? throw new InvalidOperationException("The sandbox has not started.");

    public async Task InitializeAsync() => _sandbox = await SandboxHost.StartAsync();

    public async Task DisposeAsync()
    {
        if (_sandbox is not null)
        {
            await _sandbox.DisposeAsync();
        }
    }
}
