using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using RedshiftIamra.Aws;
using RedshiftIamra.RolesAnywhere;
using RedshiftIamra.Sandbox;
using RedshiftIamra.Signing;
using RedshiftIamra.Tests.Sandbox;

namespace RedshiftIamra.Tests.RolesAnywhere;

/// <summary>Each way CreateSession fails, through the real client: the sandbox's answer must become the right error id.</summary>
public sealed class RolesAnywhereSandboxErrorTests(SandboxFixture fixture) : IClassFixture<SandboxFixture>
{
    private SandboxHost Sandbox => fixture.Sandbox;

    private RolesAnywhereClient Client => SandboxClients.Client(Sandbox);

    [Fact]
    public async Task A_certificate_from_another_CA_is_untrusted()
    {
        using var otherCa = SandboxCertificateAuthority.CreateRoot("CN=Some Other Org Root CA");
        using var certificate = otherCa.Issue(new SandboxCertificateRequest { Subject = "CN=stranger" }, DateTimeOffset.UtcNow);

        var e = await SandboxClients.FailsAsync(Client, SandboxClients.Request(Sandbox, certificate));

        Assert.Equal(ErrorIds.Session.UntrustedCertificate, e.ErrorId);
        Assert.Contains("Untrusted signing certificate", e.Message);
        Assert.Contains(Sandbox.Audit.Find("CreateSession", "AccessDeniedException"), a => a.Subject == "CN=stranger");
    }

    [Fact]
    public async Task A_certificate_sent_without_its_intermediate_is_untrusted()
    {
        var request = SandboxClients.Request(Sandbox) with { Chain = [] };

        var e = await SandboxClients.FailsAsync(Client, request);

        Assert.Equal(ErrorIds.Session.UntrustedCertificate, e.ErrorId);
        Assert.Contains("no intermediate was sent", e.Message);
    }

    [Fact]
    public async Task A_CA_certificate_or_one_without_digital_signature_usage_cannot_sign()
    {
        using var ca = Sandbox.IssueClientCertificate(new SandboxCertificateRequest { Subject = "CN=is-a-ca", CertificateAuthority = true, KeyUsage = X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyCertSign });
        var e = await SandboxClients.FailsAsync(Client, SandboxClients.Request(Sandbox, ca));
        Assert.Equal(ErrorIds.Session.UntrustedCertificate, e.ErrorId);
        Assert.Contains("CA:TRUE", e.Message);

        using var encipherOnly = Sandbox.IssueClientCertificate(new SandboxCertificateRequest
        {
            Subject = "CN=no-signature-usage",
            KeyType = SandboxKeyType.Rsa2048,
            Key = SharedTestKeys.For(SandboxKeyType.Rsa2048),
            KeyUsage = X509KeyUsageFlags.KeyEncipherment,
        });
        e = await SandboxClients.FailsAsync(Client, SandboxClients.Request(Sandbox, encipherOnly));
        Assert.Equal(ErrorIds.Session.UntrustedCertificate, e.ErrorId);
        Assert.Contains("Digital Signature", e.Message);
    }

    [Theory]
    [InlineData(SandboxTamper.Body)]
    [InlineData(SandboxTamper.Query)]
    [InlineData(SandboxTamper.Signature)]
    [InlineData(SandboxTamper.ContentType)]
    public async Task A_request_changed_after_signing_is_rejected(SandboxTamper tamper)
    {
        // The sandbox changes the signed request before verifying it, as a meddling proxy would.
        await using var sandbox = await SandboxHost.StartAsync();
        sandbox.InjectFault("CreateSession", SandboxFault.TamperRequest(tamper));

        var e = await SandboxClients.FailsAsync(SandboxClients.Client(sandbox), SandboxClients.Request(sandbox));

        Assert.Equal(ErrorIds.Aws.SignatureRejected, e.ErrorId);
        var audit = Assert.Single(sandbox.GetAuditEvents());
        Assert.Equal("AccessDeniedException", audit.Outcome);
        Assert.StartsWith("Invalid signature: the signature does not verify", audit.ErrorMessage);
    }

    [Fact]
    public async Task A_corrupted_signature_is_rejected()
    {
        using var provider = new X509SignatureProvider(Sandbox.ClientCertificate.Certificate, Sandbox.ClientCertificate.Chain);
        var corrupting = new DelegatingSignatureProvider(provider, signature => signature[..^2] + (signature[^2..] == "00" ? "01" : "00"));

        var e = await SendWithProviderAsync(Sandbox, corrupting);

        Assert.Equal(ErrorIds.Aws.SignatureRejected, e.ErrorId);
    }

    [Fact]
    public async Task A_key_that_does_not_match_the_certificate_is_rejected()
    {
        // The request carries the sandbox's client certificate but is signed by another certificate's key.
        using var impostor = Sandbox.IssueClientCertificate(new SandboxCertificateRequest { Subject = Sandbox.ClientCertificate.Subject });
        using var genuine = new X509SignatureProvider(Sandbox.ClientCertificate.Certificate, Sandbox.ClientCertificate.Chain);
        using var wrongKey = new X509SignatureProvider(impostor.Certificate);
        var mismatched = new DelegatingSignatureProvider(genuine, _ => string.Empty, signWith: wrongKey);

        var e = await SendWithProviderAsync(Sandbox, mismatched);

        Assert.Equal(ErrorIds.Aws.SignatureRejected, e.ErrorId);
        Assert.Contains("does not verify with the public key", e.Message);
    }

    [Fact]
    public async Task A_role_the_profile_does_not_hand_out_is_refused()
    {
        var other = Sandbox.AddRole("not-in-the-profile");

        var e = await SandboxClients.FailsAsync(Client, SandboxClients.Request(Sandbox) with { RoleArn = other });

        Assert.Equal(ErrorIds.Session.RoleNotAllowed, e.ErrorId);
        Assert.Contains("Unable to assume role", e.Message);
    }

    [Fact]
    public async Task A_disabled_profile_is_refused_and_works_again_once_enabled()
    {
        var profile = Sandbox.AddProfile();
        Sandbox.SetProfileEnabled(profile, false);

        var e = await SandboxClients.FailsAsync(Client, SandboxClients.Request(Sandbox) with { ProfileArn = profile });
        Assert.Equal(ErrorIds.Session.ProfileDisabled, e.ErrorId);

        Sandbox.SetProfileEnabled(profile, true);
        await SandboxClients.CreateAsync(Client, SandboxClients.Request(Sandbox) with { ProfileArn = profile });
    }

    [Fact]
    public async Task A_disabled_trust_anchor_is_refused()
    {
        var anchor = Sandbox.AddTrustAnchor([Sandbox.Pki.OrgRoot.Certificate], enabled: false);

        var e = await SandboxClients.FailsAsync(Client, SandboxClients.Request(Sandbox) with { TrustAnchorArn = anchor });

        Assert.Equal(ErrorIds.Session.TrustAnchorDisabled, e.ErrorId);
    }

    [Fact]
    public async Task An_unknown_profile_or_trust_anchor_is_not_found()
    {
        var missingProfile = $"arn:aws:rolesanywhere:{Sandbox.Region}:{Sandbox.AccountId}:profile/{Guid.NewGuid()}";
        var e = await SandboxClients.FailsAsync(Client, SandboxClients.Request(Sandbox) with { ProfileArn = missingProfile });
        Assert.Equal(ErrorIds.Session.ResourceNotFound, e.ErrorId);
        Assert.Contains(missingProfile, e.Message);

        var missingAnchor = $"arn:aws:rolesanywhere:{Sandbox.Region}:{Sandbox.AccountId}:trust-anchor/{Guid.NewGuid()}";
        e = await SandboxClients.FailsAsync(Client, SandboxClients.Request(Sandbox) with { TrustAnchorArn = missingAnchor });
        Assert.Equal(ErrorIds.Session.ResourceNotFound, e.ErrorId);
        Assert.Contains(missingAnchor, e.Message);
        Assert.Contains(Sandbox.Audit.Find("CreateSession", "ResourceNotFoundException"), a => a.TrustAnchorArn == missingAnchor && a.HttpStatus == 404);
    }

    [Theory]
    [InlineData(43201)]
    [InlineData(899)]
    public async Task A_duration_outside_900_to_43200_seconds_is_invalid(int seconds)
    {
        // The session source checks this before calling; the service checks it again.
        var e = await SandboxClients.FailsAsync(Client, SandboxClients.Request(Sandbox, durationSeconds: seconds));

        Assert.Equal(ErrorIds.Session.DurationTooLong, e.ErrorId);
        Assert.Contains(Sandbox.Audit.Find("CreateSession", "ValidationException"), a => a.ErrorMessage!.Contains($"durationSeconds {seconds}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_session_name_for_a_profile_that_does_not_accept_one_is_invalid()
    {
        var profile = Sandbox.AddProfile(acceptRoleSessionName: false);

        var e = await SandboxClients.FailsAsync(Client, SandboxClients.Request(Sandbox, roleSessionName: "chosen-name") with { ProfileArn = profile });

        Assert.Equal(ErrorIds.Session.ValidationFailed, e.ErrorId);
        Assert.Contains("acceptRoleSessionName", e.Message);
    }

    [Fact]
    public async Task An_expired_or_not_yet_valid_certificate_is_refused_by_the_service()
    {
        // The session source would refuse these itself; the client alone sends them.
        var now = DateTimeOffset.UtcNow;
        using var expired = Sandbox.IssueClientCertificate(new SandboxCertificateRequest { Subject = "CN=expired", NotBefore = now.AddDays(-3), NotAfter = now.AddDays(-1) });
        var e = await SandboxClients.FailsAsync(Client, SandboxClients.Request(Sandbox, expired));
        Assert.Equal(ErrorIds.Certificate.Expired, e.ErrorId);
        Assert.Contains("Certificate expired", e.Message);

        using var future = Sandbox.IssueClientCertificate(new SandboxCertificateRequest { Subject = "CN=future", NotBefore = now.AddDays(1), NotAfter = now.AddDays(3) });
        e = await SandboxClients.FailsAsync(Client, SandboxClients.Request(Sandbox, future));
        Assert.Equal(ErrorIds.Certificate.Expired, e.ErrorId);
        Assert.Contains("not yet valid", e.Message);
    }

    [Fact]
    public async Task Without_the_sandbox_TLS_CA_the_server_is_not_trusted()
    {
        var callsBefore = Sandbox.CountCalls("CreateSession");

        // No bundle: the system trust (or whatever AWS_CA_BUNDLE names) cannot know the sandbox's CA.
        var none = SandboxClients.FastHttp(Sandbox) with { CaBundlePath = null };
        var e = await SandboxClients.FailsAsync(SandboxClients.Client(Sandbox, none), SandboxClients.Request(Sandbox));
        Assert.Equal(ErrorIds.Aws.TlsFailure, e.ErrorId);

        // A bundle with the wrong CA (the organisation's, not the TLS one).
        var wrong = SandboxClients.FastHttp(Sandbox) with { CaBundlePath = Sandbox.OrgCaPath };
        e = await SandboxClients.FailsAsync(SandboxClients.Client(Sandbox, wrong), SandboxClients.Request(Sandbox));
        Assert.Equal(ErrorIds.Aws.TlsFailure, e.ErrorId);
        Assert.Equal(callsBefore, Sandbox.CountCalls("CreateSession")); // no request got through the handshake
    }

    [Fact]
    public async Task A_closed_port_is_unreachable()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var config = SandboxClients.Config(Sandbox, SandboxClients.FastHttp(Sandbox, maxAttempts: 2)) with
        {
            Endpoint = new AwsEndpoint(new Uri($"https://127.0.0.1:{port}/"), "a closed port"),
        };

        var e = await SandboxClients.FailsAsync(new RolesAnywhereClient(config), SandboxClients.Request(Sandbox));

        Assert.Equal(ErrorIds.Aws.EndpointUnreachable, e.ErrorId);
    }

    /// <summary>Does what <see cref="RolesAnywhereClient.CreateSessionAsync"/> does, with a signature provider of the test's choosing.</summary>
    internal static async Task<IamraException> SendWithProviderAsync(SandboxHost sandbox, ISignatureProvider provider)
    {
        var config = SandboxClients.Config(sandbox);
        var request = SandboxClients.Request(sandbox);
        var awsRequest = new AwsRequest("CreateSession", HttpMethod.Post, RolesAnywhereClient.BuildUri(config.Endpoint.Uri, request), RolesAnywhereClient.BuildBody(request), "application/json");
        var e = await Assert.ThrowsAsync<AwsServiceException>(() => AwsRequestSender.Default.SendAsync(
            awsRequest, provider, config.Region, RolesAnywhereClient.SigningName, config.Http, RolesAnywhereClient.ParseError, NullOperationLog.Instance, CancellationToken.None));
        return RolesAnywhereErrors.Map(e, request, config);
    }

    /// <summary>Signs like the inner provider, then changes the signature (or signs with another key).</summary>
    private sealed class DelegatingSignatureProvider(ISignatureProvider inner, Func<string, string> change, ISignatureProvider? signWith = null) : ISignatureProvider
    {
        public string Algorithm => inner.Algorithm;

        public string CredentialId => inner.CredentialId;

        public IReadOnlyList<KeyValuePair<string, string>> Headers => inner.Headers;

        public string Sign(string stringToSign, string scopeDate, string region, string service) =>
            signWith is not null
                ? signWith.Sign(stringToSign, scopeDate, region, service)
                : change(inner.Sign(stringToSign, scopeDate, region, service));
    }
}
