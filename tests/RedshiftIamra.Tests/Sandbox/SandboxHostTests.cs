using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using RedshiftIamra.Certificates;
using RedshiftIamra.Sandbox;
using Xunit.Abstractions;

namespace RedshiftIamra.Tests.Sandbox;

/// <summary>The sandbox facade: start time, files, working directory, shutdown, options.</summary>
public sealed class SandboxHostTests(ITestOutputHelper output)
{
    [Fact]
    public async Task It_starts_quickly()
    {
        var times = new List<TimeSpan>();
        for (var i = 0; i < 3; i++)
        {
            var stopwatch = Stopwatch.StartNew();
            await using var sandbox = await SandboxHost.StartAsync();
            times.Add(stopwatch.Elapsed);
            output.WriteLine($"start {i + 1}: {stopwatch.Elapsed.TotalMilliseconds:0} ms (StartupTime {sandbox.StartupTime.TotalMilliseconds:0} ms)");
        }

        // A generous bound that catches a hang, not a slow machine.
        Assert.All(times, t => Assert.True(t < TimeSpan.FromSeconds(10), $"start took {t.TotalSeconds:0.0} s"));
    }

    [Fact]
    public async Task It_writes_the_CA_files_and_a_usable_client_certificate_key_and_chain()
    {
        await using var sandbox = await SandboxHost.StartAsync();

        var tlsCa = X509Certificate2.CreateFromPem(File.ReadAllText(sandbox.TlsCaBundlePath));
        var orgCa = X509Certificate2.CreateFromPem(File.ReadAllText(sandbox.OrgCaPath));
        var intermediate = X509Certificate2.CreateFromPem(File.ReadAllText(sandbox.OrgIntermediatePath));
        Assert.Equal(sandbox.Pki.TlsRoot.Certificate.Thumbprint, tlsCa.Thumbprint);
        Assert.Equal(sandbox.Pki.OrgRoot.Certificate.Thumbprint, orgCa.Thumbprint);
        Assert.Equal(sandbox.Pki.OrgIntermediate.Certificate.Thumbprint, intermediate.Thumbprint);
        Assert.Equal(sandbox.TlsCaBundlePath, Path.Combine(sandbox.WorkingDirectory, "tls-ca.pem"));

        Assert.Contains("-----BEGIN PRIVATE KEY-----", File.ReadAllText(sandbox.ClientKeyPath)); // PKCS#8
        using var client = X509Certificate2.CreateFromPemFile(sandbox.ClientCertificatePath, sandbox.ClientKeyPath);
        Assert.True(client.HasPrivateKey);
        var chain = new X509Certificate2Collection();
        chain.ImportFromPemFile(sandbox.ClientChainPath);
        Assert.Equal(intermediate.Thumbprint, Assert.Single(chain).Thumbprint);

        using var x509Chain = new X509Chain();
        x509Chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        x509Chain.ChainPolicy.CustomTrustStore.Add(orgCa);
        x509Chain.ChainPolicy.ExtraStore.AddRange(chain);
        x509Chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        Assert.True(x509Chain.Build(client), string.Join(", ", x509Chain.ChainStatus.Select(s => s.Status)));

        // The engine's own checks find it usable.
        var found = CertificateFinder.FindSingle(new CertificateQuery { Path = sandbox.ClientCertificatePath, PrivateKeyPath = sandbox.ClientKeyPath });
        Assert.True(found.Usable, found.Reason);
        Assert.Equal(sandbox.ClientCertificate.SerialNumberDecimal, found.SerialNumberDecimal);

        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(sandbox.ClientKeyPath));
        }
    }

    [Fact]
    public async Task The_default_temporary_folder_is_deleted_on_stop_and_a_given_one_is_kept()
    {
        var sandbox = await SandboxHost.StartAsync();
        var temporary = sandbox.WorkingDirectory;
        Assert.True(File.Exists(sandbox.AuditLogPath));
        await sandbox.StopAsync();
        Assert.False(Directory.Exists(temporary));

        var chosen = Path.Combine(Path.GetTempPath(), "sandbox-kept-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var kept = await SandboxHost.StartAsync(new SandboxOptions { WorkingDirectory = chosen });
            Assert.Equal(Path.GetFullPath(chosen), kept.WorkingDirectory);
            await SandboxClients.CreateAsync(SandboxClients.Client(kept), SandboxClients.Request(kept));
            await kept.StopAsync();
            await kept.StopAsync(); // twice is harmless

            Assert.True(File.Exists(Path.Combine(chosen, "client.pem")));
            Assert.Single(File.ReadAllLines(Path.Combine(chosen, "audit.jsonl")));
        }
        finally
        {
            Directory.Delete(chosen, recursive: true);
        }
    }

    [Fact]
    public async Task Stop_closes_open_connections_and_the_listener()
    {
        var sandbox = await SandboxHost.StartAsync();
        var (tcp, ssl) = await RawHttps.ConnectAsync(sandbox);
        using (tcp)
        await using (ssl)
        {
            await ssl.WriteAsync("GET /nothing HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray());
            var first = await RawHttps.ReadResponseAsync(ssl);
            Assert.Equal("keep-alive", first.Headers["Connection"]);
            Assert.Equal(1, sandbox.OpenConnections);

            var stopwatch = Stopwatch.StartNew();
            await sandbox.StopAsync();
            output.WriteLine($"stop took {stopwatch.ElapsedMilliseconds} ms");
            Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(3));

            var buffer = new byte[1];
            var closed = false;
            try
            {
                closed = await ssl.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(5)) == 0;
            }
            catch (IOException)
            {
                closed = true;
            }

            Assert.True(closed, "the connection is still open after StopAsync");
        }

        using var again = new TcpClient();
        await Assert.ThrowsAnyAsync<SocketException>(() => again.ConnectAsync("127.0.0.1", sandbox.Port));
    }

    [Fact]
    public async Task Every_answer_has_a_Date_and_a_request_id()
    {
        await using var sandbox = await SandboxHost.StartAsync(new SandboxOptions { ClockOffset = TimeSpan.FromHours(2) });

        foreach (var raw in new[] { "POST /nowhere HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", "BROKEN\r\n\r\n" })
        {
            var response = await RawHttps.SendAsync(sandbox, raw);
            Assert.True(Guid.TryParse(response.Headers["x-amzn-RequestId"], out _));
            var date = DateTimeOffset.ParseExact(response.Headers["Date"], "r", CultureInfo.InvariantCulture);
            Assert.InRange(date, DateTimeOffset.UtcNow.AddHours(2).AddMinutes(-1), DateTimeOffset.UtcNow.AddHours(2).AddMinutes(1)); // the server's clock
        }
    }

    [Fact]
    public async Task Region_and_account_options_shape_every_ARN_and_the_signing_scope()
    {
        await using var sandbox = await SandboxHost.StartAsync(new SandboxOptions { Region = "eu-west-2", AccountId = "210987654321", DefaultRoleName = "etl" });

        Assert.StartsWith("arn:aws:rolesanywhere:eu-west-2:210987654321:trust-anchor/", sandbox.TrustAnchorArn);
        Assert.StartsWith("arn:aws:rolesanywhere:eu-west-2:210987654321:profile/", sandbox.ProfileArn);
        Assert.Equal("arn:aws:iam::210987654321:role/etl", sandbox.RoleArn);
        var response = await SandboxClients.CreateAsync(SandboxClients.Client(sandbox), SandboxClients.Request(sandbox));
        Assert.StartsWith("arn:aws:sts::210987654321:assumed-role/etl/", response.CredentialSet.AssumedRoleArn);

        // Signed for another region: refused.
        var wrongRegion = SandboxClients.Config(sandbox) with { Region = "us-east-1" };
        var e = await SandboxClients.FailsAsync(new RedshiftIamra.RolesAnywhere.RolesAnywhereClient(wrongRegion), SandboxClients.Request(sandbox));
        Assert.Contains("credential scope region 'us-east-1'", e.Message);
    }
}
