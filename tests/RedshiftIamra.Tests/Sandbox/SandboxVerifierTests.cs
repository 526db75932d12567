using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using RedshiftIamra.Aws;
using RedshiftIamra.RolesAnywhere;
using RedshiftIamra.Sandbox;
using RedshiftIamra.Signing;

namespace RedshiftIamra.Tests.Sandbox;

/// <summary>
/// The sandbox's SigV4-X509 checks, one defect at a time, on requests signed by the engine's
/// signer and then changed. A baseline request made the same way succeeds, so each failure
/// comes from its defect.
/// </summary>
public sealed class SandboxVerifierTests(SandboxFixture fixture) : IClassFixture<SandboxFixture>
{
    private SandboxHost Sandbox => fixture.Sandbox;

    private sealed record Answer(int Status, string? Code, string Message);

    [Fact]
    public async Task Baseline_a_request_signed_by_the_engine_signer_is_accepted()
    {
        using var provider = Provider();
        var answer = await SendAsync(provider);
        Assert.Equal(201, answer.Status);
    }

    [Fact]
    public async Task The_ARNs_may_travel_in_the_JSON_body_instead_of_the_query()
    {
        using var provider = Provider();
        var body = JsonSerializer.SerializeToUtf8Bytes(new { durationSeconds = 900, trustAnchorArn = Sandbox.TrustAnchorArn, profileArn = Sandbox.ProfileArn, roleArn = Sandbox.RoleArn });

        var answer = await SendAsync(provider, query: string.Empty, body: body);

        Assert.Equal(201, answer.Status);
        using var json = JsonDocument.Parse(answer.Message);
        Assert.Equal(Sandbox.RoleArn, json.RootElement.GetProperty("credentialSet")[0].GetProperty("roleArn").GetString());
    }

    [Theory]
    [InlineData("", "{}", "Missing required parameter(s): trustAnchorArn, profileArn, roleArn")]
    [InlineData(null, "{not json", "not valid JSON")]
    [InlineData(null, "[1,2]", "must be a JSON object")]
    [InlineData(null, "{\"durationSeconds\":\"3600\"}", "durationSeconds must be a whole number")]
    [InlineData(null, "{\"durationSeconds\":3600.5}", "durationSeconds must be a whole number")]
    [InlineData(null, "{\"roleSessionName\":\"x y\"}", "The session name 'x y' is not valid")]
    public async Task A_signed_but_invalid_body_is_a_ValidationException(string? query, string body, string message)
    {
        using var provider = Provider();
        var answer = await SendAsync(provider, query: query, body: Encoding.UTF8.GetBytes(body));
        Assert.Equal((400, "ValidationException"), (answer.Status, answer.Code));
        Assert.Contains(message, answer.Message);
    }

    [Fact]
    public async Task No_Authorization_header()
    {
        using var provider = Provider();
        var answer = await SendAsync(provider, afterSigning: m => m.Headers.Authorization = null);
        AssertDenied(answer, "Invalid signature: the request has no Authorization header.");
    }

    [Fact]
    public async Task An_algorithm_that_does_not_match_the_key_type_or_is_unknown()
    {
        using var ecdsa = Provider();
        var answer = await SendAsync(new Reshaped(ecdsa) { AlgorithmOverride = X509SignatureProvider.RsaAlgorithm });
        AssertDenied(answer, "does not match the certificate's ECDSA key");

        answer = await SendAsync(new Reshaped(ecdsa) { AlgorithmOverride = "AWS4-HMAC-SHA256" });
        AssertDenied(answer, "the algorithm 'AWS4-HMAC-SHA256' is not supported");
    }

    [Fact]
    public async Task A_serial_number_in_hex_instead_of_decimal()
    {
        using var provider = Provider();
        var answer = await SendAsync(new Reshaped(provider) { CredentialIdOverride = Sandbox.ClientCertificate.Certificate.SerialNumber });
        AssertDenied(answer, "the credential serial number");
        Assert.Contains("decimal", answer.Message);
    }

    [Fact]
    public async Task A_credential_scope_for_another_service_region_or_date()
    {
        using var provider = Provider();
        AssertDenied(await SendAsync(provider, service: "sts"), "the credential scope service 'sts' is wrong; expected 'rolesanywhere'");
        AssertDenied(await SendAsync(provider, region: "eu-west-1"), "the credential scope region 'eu-west-1' is wrong; this endpoint is in 'us-east-1'");

        var answer = await SendAsync(provider, afterSigning: m => RewriteAuthorization(m, a => a.Replace("/" + DateTimeOffset.UtcNow.ToString("yyyyMMdd", CultureInfo.InvariantCulture) + "/", "/20200101/", StringComparison.Ordinal)));
        AssertDenied(answer, "the credential scope date 20200101 does not match the date of X-Amz-Date");
    }

    [Fact]
    public async Task SignedHeaders_must_cover_the_required_headers_sorted()
    {
        using var provider = Provider();
        var answer = await SendAsync(provider, afterSigning: m => RewriteAuthorization(m, a => a.Replace(";x-amz-x509;", ";", StringComparison.Ordinal)));
        AssertDenied(answer, "SignedHeaders must include content-type;host;x-amz-date;x-amz-x509;x-amz-x509-chain; missing x-amz-x509.");

        answer = await SendAsync(provider, afterSigning: m => RewriteAuthorization(m, a => a.Replace("content-type;host", "host;content-type", StringComparison.Ordinal)));
        AssertDenied(answer, "sorted");

        // A chain sent but not signed.
        using var withoutChain = new X509SignatureProvider(Sandbox.ClientCertificate.Certificate);
        answer = await SendAsync(withoutChain, afterSigning: m => m.Headers.TryAddWithoutValidation("X-Amz-X509-Chain", Convert.ToBase64String(Sandbox.Pki.OrgIntermediate.Certificate.RawData)));
        AssertDenied(answer, "missing x-amz-x509-chain");
    }

    [Fact]
    public async Task An_ECDSA_signature_in_r_s_form_instead_of_DER_is_invalid()
    {
        using var provider = Provider();
        using var key = Sandbox.ClientCertificate.Certificate.GetECDsaPrivateKey()!;
        var answer = await SendAsync(new Reshaped(provider)
        {
            SignOverride = s => Convert.ToHexString(key.SignData(Encoding.UTF8.GetBytes(s), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation)).ToLowerInvariant(),
        });
        AssertDenied(answer, "Invalid signature: the signature does not verify");
    }

    [Fact]
    public async Task An_RSA_PSS_signature_instead_of_PKCS1_v1_5_is_invalid()
    {
        using var certificate = Sandbox.IssueClientCertificate(new SandboxCertificateRequest { KeyType = SandboxKeyType.Rsa2048, Key = SharedTestKeys.For(SandboxKeyType.Rsa2048) });
        using var provider = new X509SignatureProvider(certificate.Certificate, certificate.Chain);
        Assert.Equal(201, (await SendAsync(provider)).Status);

        using var key = certificate.Certificate.GetRSAPrivateKey()!;
        var answer = await SendAsync(new Reshaped(provider)
        {
            SignOverride = s => Convert.ToHexString(key.SignData(Encoding.UTF8.GetBytes(s), HashAlgorithmName.SHA256, RSASignaturePadding.Pss)).ToLowerInvariant(),
        });
        AssertDenied(answer, "Invalid signature: the signature does not verify");
    }

    [Fact]
    public async Task A_signature_in_upper_case_hex_or_over_another_string_is_invalid()
    {
        using var provider = Provider();
        AssertDenied(await SendAsync(new Reshaped(provider) { SignOverride = s => provider.Sign(s, "", "", "").ToUpperInvariant() }), "Signature must be lower-case hex");
        AssertDenied(await SendAsync(new Reshaped(provider) { SignOverride = s => provider.Sign(s + "\n", "", "", "") }), "does not verify");
    }

    [Fact]
    public async Task A_Host_signed_and_sent_without_the_port_is_refused()
    {
        // Signed for https://127.0.0.1:443 (so Host is "127.0.0.1"), sent to the sandbox's real port with that Host.
        using var provider = Provider();
        var answer = await SendAsync(provider, signUri: new Uri("https://127.0.0.1/sessions" + DefaultQuery()));
        AssertDenied(answer, "does not name this endpoint");
    }

    [Fact]
    public async Task The_signing_time_may_be_up_to_five_minutes_off_either_way()
    {
        using var provider = Provider();
        Assert.Equal(201, (await SendAsync(provider, signingTime: DateTimeOffset.UtcNow.AddMinutes(-4))).Status);
        Assert.Equal(201, (await SendAsync(provider, signingTime: DateTimeOffset.UtcNow.AddMinutes(4))).Status);

        var late = await SendAsync(provider, signingTime: DateTimeOffset.UtcNow.AddMinutes(-6));
        Assert.Equal(403, late.Status);
        Assert.Matches(@"^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 5 min\.\)$", late.Message);

        var early = await SendAsync(provider, signingTime: DateTimeOffset.UtcNow.AddMinutes(6));
        Assert.Matches(@"^Signature expired: \d{8}T\d{6}Z is now later than \d{8}T\d{6}Z \(\d{8}T\d{6}Z \+ 5 min\.\)$", early.Message);
    }

    [Fact]
    public async Task An_unsigned_header_may_change_but_a_signed_one_may_not()
    {
        using var provider = Provider();
        Assert.Equal(201, (await SendAsync(provider, afterSigning: m => m.Headers.UserAgent.ParseAdd("changed-by-a-proxy/1.0"))).Status);

        var answer = await SendAsync(provider, afterSigning: m => { m.Headers.Remove("X-Amz-Date"); m.Headers.TryAddWithoutValidation("X-Amz-Date", SigV4Signer.FormatAmzDate(DateTimeOffset.UtcNow.AddSeconds(-1))); });
        AssertDenied(answer, "does not verify");
    }

    [Fact]
    public async Task A_certificate_header_that_is_not_a_certificate()
    {
        using var provider = Provider();
        var answer = await SendAsync(provider, afterSigning: m => { m.Headers.Remove("X-Amz-X509"); m.Headers.TryAddWithoutValidation("X-Amz-X509", "bm90IGEgY2VydGlmaWNhdGU="); });
        AssertDenied(answer, "the X-Amz-X509 header is not a base64 DER certificate");
    }

    private X509SignatureProvider Provider() => new(Sandbox.ClientCertificate.Certificate, Sandbox.ClientCertificate.Chain);

    private string DefaultQuery() => RolesAnywhereClient.BuildUri(new Uri("https://x/"), SandboxClients.Request(Sandbox)).Query;

    private async Task<Answer> SendAsync(ISignatureProvider provider, string? query = null, byte[]? body = null, string? region = null, string service = "rolesanywhere",
        DateTimeOffset? signingTime = null, Uri? signUri = null, Action<HttpRequestMessage>? afterSigning = null)
    {
        body ??= """{"durationSeconds":900}"""u8.ToArray();
        var uri = new Uri($"{Sandbox.RolesAnywhereEndpoint}sessions{query ?? DefaultQuery()}");
        using var message = new HttpRequestMessage(HttpMethod.Post, signUri ?? uri) { Content = new ByteArrayContent(body) };
        message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        new SigV4Signer().Sign(message, body, provider, region ?? Sandbox.Region, service, signingTime ?? DateTimeOffset.UtcNow);
        message.RequestUri = uri;
        afterSigning?.Invoke(message);

        var client = AwsHttpClients.For(uri, SandboxClients.FastHttp(Sandbox));
        using var response = await client.SendAsync(message);
        var text = await response.Content.ReadAsStringAsync();
        var code = response.Headers.TryGetValues("x-amzn-ErrorType", out var codes) ? codes.First() : null;
        var errorMessage = code is null ? text : JsonDocument.Parse(text).RootElement.GetProperty("message").GetString()!;
        return new Answer((int)response.StatusCode, code, errorMessage);
    }

    private static void AssertDenied(Answer answer, string expected)
    {
        Assert.Equal((403, "AccessDeniedException"), (answer.Status, answer.Code));
        Assert.Contains(expected, answer.Message);
    }

    private static void RewriteAuthorization(HttpRequestMessage message, Func<string, string> change)
    {
        var value = message.Headers.Authorization!.ToString();
        message.Headers.Remove("Authorization");
        message.Headers.TryAddWithoutValidation("Authorization", change(value));
    }

    /// <summary>A provider with one part replaced.</summary>
    private sealed class Reshaped(ISignatureProvider inner) : ISignatureProvider
    {
        public string? AlgorithmOverride { get; init; }

        public string? CredentialIdOverride { get; init; }

        public Func<string, string>? SignOverride { get; init; }

        public string Algorithm => AlgorithmOverride ?? inner.Algorithm;

        public string CredentialId => CredentialIdOverride ?? inner.CredentialId;

        public IReadOnlyList<KeyValuePair<string, string>> Headers => inner.Headers;

        public string Sign(string stringToSign, string scopeDate, string region, string service) =>
            SignOverride is not null ? SignOverride(stringToSign) : inner.Sign(stringToSign, scopeDate, region, service);
    }
}
