using RedshiftIamra.Aws;
using RedshiftIamra.Certificates;
using RedshiftIamra.RolesAnywhere;
using RedshiftIamra.Sandbox;
using RedshiftIamra.Sessions;
using RedshiftIamra.Tests.Sandbox;

namespace RedshiftIamra.Tests.RolesAnywhere;

/// <summary>The real Roles Anywhere client, and the session source over it, against the sandbox: the paths that succeed.</summary>
public sealed class RolesAnywhereSandboxSuccessTests(SandboxFixture fixture) : IClassFixture<SandboxFixture>
{
    private SandboxHost Sandbox => fixture.Sandbox;

    [Theory]
    [InlineData(SandboxKeyType.Rsa2048, "AWS4-X509-RSA-SHA256")]
    [InlineData(SandboxKeyType.Rsa3072, "AWS4-X509-RSA-SHA256")]
    [InlineData(SandboxKeyType.Rsa4096, "AWS4-X509-RSA-SHA256")]
    [InlineData(SandboxKeyType.EcP256, "AWS4-X509-ECDSA-SHA256")]
    [InlineData(SandboxKeyType.EcP384, "AWS4-X509-ECDSA-SHA256")]
    [InlineData(SandboxKeyType.EcP521, "AWS4-X509-ECDSA-SHA256")]
    public async Task CreateSession_succeeds_for_each_key_type_with_the_intermediate_in_the_chain(SandboxKeyType keyType, string algorithm)
    {
        using var certificate = Sandbox.IssueClientCertificate(new SandboxCertificateRequest
        {
            KeyType = keyType,
            Key = SharedTestKeys.For(keyType),
            Subject = $"CN=success-{keyType}, O=RedshiftIamra Tests",
        });
        Assert.Single(certificate.Chain); // the intermediate travels in X-Amz-X509-Chain
        var before = DateTimeOffset.UtcNow;

        var response = await SandboxClients.CreateAsync(SandboxClients.Client(Sandbox), SandboxClients.Request(Sandbox, certificate));

        var credentials = response.CredentialSet.Credentials;
        var issued = Sandbox.Credentials.Find(credentials.AccessKeyId);
        Assert.NotNull(issued);
        Assert.Equal(issued.SecretAccessKey, credentials.SecretAccessKey);
        Assert.Equal(issued.SessionToken, credentials.SessionToken);

        var audit = Assert.Single(Sandbox.Audit.Find("CreateSession", "Success"), e => e.SerialNumber == certificate.SerialNumberDecimal);
        Assert.Equal(credentials.AccessKeyId, audit.AccessKeyId);
        Assert.Equal(certificate.Subject, audit.Subject);
        Assert.Equal(201, audit.HttpStatus);
        Assert.Equal(response.RequestId, audit.RequestId);

        Assert.Equal(Sandbox.RoleArn, response.CredentialSet.RoleArn);
        Assert.Equal($"arn:aws:sts::{Sandbox.AccountId}:assumed-role/redshift-iamra-sandbox/{certificate.SerialNumberDecimal}", response.CredentialSet.AssumedRoleArn);
        Assert.EndsWith(":" + certificate.SerialNumberDecimal, response.CredentialSet.AssumedRoleId);
        Assert.Equal($"CN=success-{keyType}", response.CredentialSet.SourceIdentity);
        Assert.Matches($"^arn:aws:rolesanywhere:{Sandbox.Region}:{Sandbox.AccountId}:subject/[0-9a-f-]{{36}}$", response.SubjectArn);
        Assert.InRange(credentials.Expiration!.Value, before.AddSeconds(3600 - 5), DateTimeOffset.UtcNow.AddSeconds(3600 + 5));
        Assert.Equal(algorithm, new RedshiftIamra.Signing.X509SignatureProvider(certificate.Certificate).Algorithm);
    }

    [Fact]
    public async Task A_certificate_issued_by_the_root_needs_no_chain()
    {
        using var certificate = Sandbox.IssueClientCertificate(new SandboxCertificateRequest { Issuer = SandboxIssuer.Root, Subject = "CN=root-issued" });
        Assert.Empty(certificate.Chain);

        var response = await SandboxClients.CreateAsync(SandboxClients.Client(Sandbox), SandboxClients.Request(Sandbox, certificate));

        Assert.Equal("CN=root-issued", response.CredentialSet.SourceIdentity);
    }

    [Fact]
    public async Task The_duration_is_capped_by_the_profile()
    {
        var profile = Sandbox.AddProfile(durationSeconds: 60);
        var request = SandboxClients.Request(Sandbox, durationSeconds: 3600) with { ProfileArn = profile };

        var response = await SandboxClients.CreateAsync(SandboxClients.Client(Sandbox), request);

        var lifetime = response.CredentialSet.Credentials.Expiration!.Value - DateTimeOffset.UtcNow;
        Assert.InRange(lifetime.TotalSeconds, 50, 61);
        var audit = Assert.Single(Sandbox.Audit.Find("CreateSession", "Success"), e => e.AccessKeyId == response.CredentialSet.Credentials.AccessKeyId);
        Assert.Equal(60, audit.DurationSeconds);
        Assert.Equal(profile, audit.ProfileArn);
    }

    [Fact]
    public async Task A_shorter_request_than_the_cap_is_granted_as_asked_and_the_role_maximum_caps_too()
    {
        var client = SandboxClients.Client(Sandbox);
        var asked = await SandboxClients.CreateAsync(client, SandboxClients.Request(Sandbox, durationSeconds: 900));
        Assert.InRange((asked.CredentialSet.Credentials.Expiration!.Value - DateTimeOffset.UtcNow).TotalSeconds, 890, 901);

        var role = Sandbox.AddRole("short-role", maxSessionDurationSeconds: 1000);
        var profile = Sandbox.AddProfile([role], durationSeconds: 43200);
        var capped = await SandboxClients.CreateAsync(client, SandboxClients.Request(Sandbox, durationSeconds: 43200) with { ProfileArn = profile, RoleArn = role });
        Assert.InRange((capped.CredentialSet.Credentials.Expiration!.Value - DateTimeOffset.UtcNow).TotalSeconds, 990, 1001);
        Assert.Equal($"arn:aws:sts::{Sandbox.AccountId}:assumed-role/short-role/{Sandbox.ClientCertificate.SerialNumberDecimal}", capped.CredentialSet.AssumedRoleArn);
    }

    [Fact]
    public async Task The_role_session_name_names_the_assumed_role_session()
    {
        var name = "tests-" + Guid.NewGuid().ToString("N")[..8];

        var response = await SandboxClients.CreateAsync(SandboxClients.Client(Sandbox), SandboxClients.Request(Sandbox, roleSessionName: name));

        Assert.EndsWith("/" + name, response.CredentialSet.AssumedRoleArn);
        Assert.EndsWith(":" + name, response.CredentialSet.AssumedRoleId);
        Assert.Equal(name, Sandbox.Credentials.Find(response.CredentialSet.Credentials.AccessKeyId)!.RoleSessionName);
    }

    [Fact]
    public async Task The_session_source_reads_the_sandbox_files_and_caches_the_session()
    {
        // The files the sandbox wrote: certificate, PKCS#8 key, chain; the TLS CA as the bundle.
        var certificate = CertificateFinder.FindSingle(new CertificateQuery
        {
            Path = Sandbox.ClientCertificatePath,
            PrivateKeyPath = Sandbox.ClientKeyPath,
            ChainPath = Sandbox.ClientChainPath,
        });
        Assert.Single(certificate.Chain);
        var source = RolesAnywhereSessionSource.Create(new RolesAnywhereSessionOptions
        {
            Certificate = certificate,
            TrustAnchorArn = Sandbox.TrustAnchorArn,
            ProfileArn = Sandbox.ProfileArn,
            RoleArn = Sandbox.RoleArn,
            EndpointUrl = Sandbox.RolesAnywhereEndpoint,
            RoleSessionName = "source-" + Guid.NewGuid().ToString("N")[..8],
            Http = SandboxClients.FastHttp(Sandbox),
        });
        var before = Sandbox.CountCalls("CreateSession");

        var first = await source.GetSessionAsync(force: true, NullOperationLog.Instance, CancellationToken.None);
        var second = await source.GetSessionAsync(force: false, NullOperationLog.Instance, CancellationToken.None);
        var forced = await source.GetSessionAsync(force: true, NullOperationLog.Instance, CancellationToken.None);

        Assert.False(first.FromCache);
        Assert.True(second.FromCache);
        Assert.Equal(first.AccessKeyId, second.AccessKeyId);
        Assert.NotEqual(first.AccessKeyId, forced.AccessKeyId);
        Assert.Equal(2, Sandbox.CountCalls("CreateSession") - before);
        Assert.Equal(Sandbox.RoleArn, first.RoleArn);
        Assert.Equal(Sandbox.Credentials.Find(first.AccessKeyId)!.AssumedRoleArn, first.AssumedRoleArn);
        Assert.Contains(Sandbox.Audit.Find("CreateSession", "Success"), e => e.AccessKeyId == forced.AccessKeyId);
    }
}
