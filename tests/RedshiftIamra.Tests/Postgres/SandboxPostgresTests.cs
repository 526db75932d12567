using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Npgsql;
using RedshiftIamra.Sandbox.Postgres;

namespace RedshiftIamra.Tests.Postgres;

/// <summary>A real PostgreSQL with TLS from a throw-away CA, shared by the tests of this class.</summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("iamra-pg-").FullName;

    public string CaPath => Path.Combine(Directory, "ca.pem");

    public SandboxPostgres Server { get; private set; } = null!;

    public TimeSpan StartTime { get; private set; }

    public async Task InitializeAsync()
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=Postgres Test CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        using var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(2));
        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", serverKey, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using var server = request.Create(ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1), new byte[] { 1, 2, 3, 4 });
        File.WriteAllText(CaPath, ca.ExportCertificatePem());
        File.WriteAllText(Path.Combine(Directory, "server.pem"), server.ExportCertificatePem());
        File.WriteAllText(Path.Combine(Directory, "server.key"), serverKey.ExportPkcs8PrivateKeyPem());

        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        Server = await SandboxPostgres.StartAsync(new SandboxPostgresOptions
        {
            Directory = Path.Combine(Directory, "pg"),
            ServerCertificatePath = Path.Combine(Directory, "server.pem"),
            ServerKeyPath = Path.Combine(Directory, "server.key"),
            CaCertificatePath = CaPath,
        });
        StartTime = stopwatch.Elapsed;
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    public string ConnectionString(string user, string password, SslMode mode = SslMode.VerifyFull, string? root = null) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Server.Port,
        Database = Server.Database,
        Username = user,
        Password = password,
        SslMode = mode,
        RootCertificate = root ?? CaPath,
        Pooling = false,
        Timeout = 10,
    }.ConnectionString;
}

public class SandboxPostgresTests : IClassFixture<PostgresFixture>
{
    private readonly PostgresFixture _fixture;

    public SandboxPostgresTests(PostgresFixture fixture) => _fixture = fixture;

    [Fact]
    public async Task ARedshiftStyleUserLogsInOverVerifiedTlsWithItsPassword()
    {
        var user = "IAM:analytics_" + Guid.NewGuid().ToString("N")[..8];
        var password = SandboxPostgres.RandomPassword(40);
        await _fixture.Server.SetLoginAsync(user, password, DateTimeOffset.UtcNow.AddMinutes(15), new[] { "analysts" });

        await using var connection = new NpgsqlConnection(_fixture.ConnectionString(user, password));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select current_user, ssl from pg_stat_ssl where pid = pg_backend_pid()", connection);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(user, reader.GetString(0));
        Assert.True(reader.GetBoolean(1));
        await reader.DisposeAsync();
        await using var member = new NpgsqlCommand("select pg_has_role(current_user, 'analysts', 'member')", connection);
        Assert.True((bool)(await member.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task AWrongPasswordIsRejected()
    {
        var user = "IAM:wrong_" + Guid.NewGuid().ToString("N")[..8];
        await _fixture.Server.SetLoginAsync(user, SandboxPostgres.RandomPassword(40), DateTimeOffset.UtcNow.AddMinutes(15), Array.Empty<string>());
        await using var connection = new NpgsqlConnection(_fixture.ConnectionString(user, "not-the-password"));
        var e = await Assert.ThrowsAsync<PostgresException>(() => connection.OpenAsync());
        Assert.Equal("28P01", e.SqlState);
    }

    [Fact]
    public async Task AnExpiredPasswordIsRejectedAndARenewedOneWorks()
    {
        var user = "IAM:expiring_" + Guid.NewGuid().ToString("N")[..8];
        var first = SandboxPostgres.RandomPassword(40);
        await _fixture.Server.SetLoginAsync(user, first, DateTimeOffset.UtcNow.AddSeconds(-5), Array.Empty<string>());
        await using (var connection = new NpgsqlConnection(_fixture.ConnectionString(user, first)))
        {
            var e = await Assert.ThrowsAsync<PostgresException>(() => connection.OpenAsync());
            Assert.Equal("28P01", e.SqlState);
        }

        var second = SandboxPostgres.RandomPassword(40);
        await _fixture.Server.SetLoginAsync(user, second, DateTimeOffset.UtcNow.AddMinutes(5), Array.Empty<string>());
        await using var renewed = new NpgsqlConnection(_fixture.ConnectionString(user, second));
        await renewed.OpenAsync();
    }

    [Fact]
    public async Task PlaintextLoginsAreRefused()
    {
        var user = "IAM:plain_" + Guid.NewGuid().ToString("N")[..8];
        var password = SandboxPostgres.RandomPassword(40);
        await _fixture.Server.SetLoginAsync(user, password, DateTimeOffset.UtcNow.AddMinutes(5), Array.Empty<string>());
        await using var connection = new NpgsqlConnection(_fixture.ConnectionString(user, password, SslMode.Disable));
        var e = await Assert.ThrowsAsync<PostgresException>(() => connection.OpenAsync());
        Assert.Equal("28000", e.SqlState);
    }

    [Fact]
    public async Task AnotherRootFailsVerification()
    {
        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var other = new CertificateRequest("CN=Other CA", otherKey, HashAlgorithmName.SHA256).CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var otherPath = Path.Combine(_fixture.Directory, "other-ca.pem");
        File.WriteAllText(otherPath, other.ExportCertificatePem());
        await using var connection = new NpgsqlConnection(_fixture.ConnectionString("x", "y", SslMode.VerifyFull, otherPath));
        await Assert.ThrowsAnyAsync<Exception>(() => connection.OpenAsync());
    }

    [Fact]
    public async Task NoPlaintextPasswordReachesTheServerLog()
    {
        var user = "IAM:logcheck_" + Guid.NewGuid().ToString("N")[..8];
        var password = SandboxPostgres.RandomPassword(40);
        await _fixture.Server.SetLoginAsync(user, password, DateTimeOffset.UtcNow.AddMinutes(5), Array.Empty<string>());
        await using (var connection = new NpgsqlConnection(_fixture.ConnectionString(user, password)))
        {
            await connection.OpenAsync();
        }

        Assert.DoesNotContain(password, File.ReadAllText(_fixture.Server.LogPath));
    }

    [Fact]
    public void ScramVerifierHasPostgresShape()
    {
        var verifier = SandboxPostgres.ScramVerifier("secret");
        Assert.Matches(@"^SCRAM-SHA-256\$4096:[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}:[A-Za-z0-9+/=]{44}$", verifier);
        Assert.DoesNotContain("secret", verifier);
    }

    [Fact]
    public void StartsInSeconds() => Assert.True(_fixture.StartTime < TimeSpan.FromSeconds(60), $"PostgreSQL took {_fixture.StartTime.TotalSeconds:0.0} s to start.");
}
