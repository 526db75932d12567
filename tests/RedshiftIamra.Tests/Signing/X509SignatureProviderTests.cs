using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using RedshiftIamra.Signing;

namespace RedshiftIamra.Tests.Signing;

public sealed class X509SignatureProviderTests
{
    private static readonly DateTimeOffset SigningTime = new(2026, 11, 26, 20, 0, 0, TimeSpan.Zero);

    // A self-signed Ed25519 certificate (made with Python cryptography; public data, no key).
    private const string Ed25519CertificateB64 =
        "MIHrMIGeoAMCAQICAhI0MAUGAytlcDAfMR0wGwYDVQQDDBRlZDI1NTE5LnRlc3QuaW52YWxpZDAeFw0yNDAxMDEwMDAwMDBaFw00OTAxMDEwMDAwMDBaMB8xHTAbBgNVBAMMFGVkMjU1MTkudGVzdC5pbnZhbGlkMCowBQYDK2VwAyEAfr3TxSnx1M7cgdqsVCg824zRHeRqVhjuS6nUrrjaEp0wBQYDK2VwA0EAoq+cn+3065Jy2lb8fAuhWm9Vci0D2JsCyvo4MfHiAGkCl80HDvRHwYCEXdjZ1Dlu6NGZiY2qp0KBIrwhJn0UDA==";

    [Theory]
    [InlineData("rsa2048", "AWS4-X509-RSA-SHA256", "rsa", 2048, null)]
    [InlineData("rsa4096", "AWS4-X509-RSA-SHA256", "rsa", 4096, null)]
    [InlineData("p256", "AWS4-X509-ECDSA-SHA256", "ec", 256, "secp256r1")]
    [InlineData("p384", "AWS4-X509-ECDSA-SHA256", "ec", 384, "secp384r1")]
    [InlineData("p521", "AWS4-X509-ECDSA-SHA256", "ec", 521, "secp521r1")]
    public void Python_cryptography_verifies_the_signature_of_a_signed_request(string kind, string algorithm, string keyType, int keySize, string? curve)
    {
        using var cert = TestCertificates.Create(kind);
        using var provider = new X509SignatureProvider(cert);
        using var request = CreateSessionRequest(out var body);
        var result = new SigV4Signer().Sign(request, body, provider, "eu-west-1", "rolesanywhere", SigningTime);

        Assert.Equal(algorithm, provider.Algorithm);
        Assert.StartsWith($"{algorithm} Credential={provider.CredentialId}/20261126/eu-west-1/rolesanywhere/aws4_request, ", result.Authorization);

        var verdict = Verify(cert, result.StringToSign, result.Signature);
        Assert.Equal(0, verdict.ExitCode);
        using var json = JsonDocument.Parse(verdict.Stdout);
        Assert.True(json.RootElement.GetProperty("verified").GetBoolean());
        Assert.Equal(keyType, json.RootElement.GetProperty("key_type").GetString());
        Assert.Equal(keySize, json.RootElement.GetProperty("key_size").GetInt32());
        if (curve is not null)
        {
            Assert.Equal(curve, json.RootElement.GetProperty("curve").GetString());
        }

        Assert.Equal(json.RootElement.GetProperty("serial").GetString(), provider.CredentialId);
    }

    [Theory]
    [InlineData("rsa2048")]
    [InlineData("p256")]
    public void Python_cryptography_rejects_the_signature_of_another_string(string kind)
    {
        // Shows that the verification above can fail.
        using var cert = TestCertificates.Create(kind);
        using var provider = new X509SignatureProvider(cert);
        var signature = provider.Sign("AWS4-X509\nstring one", "20261126", "eu-west-1", "rolesanywhere");

        var verdict = Verify(cert, "AWS4-X509\nstring two", signature);
        Assert.Equal(1, verdict.ExitCode);
    }

    [Theory]
    [InlineData("p256", 256)]
    [InlineData("p384", 384)]
    [InlineData("p521", 521)]
    public void Ecdsa_signature_is_a_DER_sequence_not_r_concatenated_with_s(string kind, int keyBits)
    {
        using var cert = TestCertificates.Create(kind);
        using var provider = new X509SignatureProvider(cert);
        var data = "string to sign";
        var signature = Convert.FromHexString(provider.Sign(data, "20261126", "us-east-1", "rolesanywhere"));

        Assert.Equal(0x30, signature[0]);
        Assert.NotEqual(2 * ((keyBits + 7) / 8), signature.Length);
        using var publicKey = cert.GetECDsaPublicKey()!;
        Assert.True(publicKey.VerifyData(Encoding.UTF8.GetBytes(data), signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
    }

    [Fact]
    public void Rsa_signature_is_deterministic_pkcs1_v15()
    {
        using var cert = TestCertificates.Create("rsa2048");
        using var provider = new X509SignatureProvider(cert);
        var first = provider.Sign("same", "20261126", "us-east-1", "rolesanywhere");
        var second = provider.Sign("same", "20261126", "us-east-1", "rolesanywhere");
        Assert.Equal(first, second);
        Assert.Equal(512, first.Length);
        Assert.Equal(first.ToLowerInvariant(), first);

        using var publicKey = cert.GetRSAPublicKey()!;
        Assert.True(publicKey.VerifyData("same"u8.ToArray(), Convert.FromHexString(first), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }

    [Theory]
    [InlineData(new byte[] { 0x80, 0x01, 0x02 }, "8388866")]
    [InlineData(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF }, "1461501637330902918203684832716283019655932542975")]
    [InlineData(new byte[] { 0x00, 0x00, 0x01 }, "1")]
    [InlineData(new byte[] { 0x00, 0x80 }, "128")]
    public void Certificate_serial_is_unsigned_decimal_and_python_agrees(byte[] serialBigEndian, string expected)
    {
        using var cert = TestCertificates.CreateRsa(2048, serialBigEndian);
        using var provider = new X509SignatureProvider(cert);
        Assert.Equal(expected, provider.CredentialId);

        var signature = provider.Sign("serial check", "20261126", "us-east-1", "rolesanywhere");
        var verdict = Verify(cert, "serial check", signature);
        Assert.Equal(0, verdict.ExitCode);
        using var json = JsonDocument.Parse(verdict.Stdout);
        Assert.Equal(expected, json.RootElement.GetProperty("serial").GetString());
    }

    [Theory]
    [InlineData(new byte[] { 0x02, 0x01, 0x80 }, "8388866")] // high bit set, no 0x00 pad: still positive
    [InlineData(new byte[] { 0x02, 0x01, 0x80, 0x00 }, "8388866")] // with the DER pad byte
    [InlineData(new byte[] { 0x01, 0x00, 0x00 }, "1")] // leading zero bytes (big-endian 00 00 01)
    [InlineData(new byte[] { 0x00, 0x00 }, "0")]
    [InlineData(new byte[] { 0xFF }, "255")]
    public void Raw_little_endian_serial_converts_to_unsigned_decimal(byte[] littleEndian, string expected)
    {
        Assert.Equal(expected, X509SignatureProvider.SerialNumberToDecimal(littleEndian));
    }

    [Fact]
    public void Headers_carry_the_leaf_and_the_intermediates_joined_with_commas()
    {
        using var leaf = TestCertificates.Create("p256");
        using var ca1 = TestCertificates.Create("rsa2048");
        using var ca2 = TestCertificates.Create("p384");

        using var alone = new X509SignatureProvider(leaf);
        var single = Assert.Single(alone.Headers);
        Assert.Equal("X-Amz-X509", single.Key);
        Assert.Equal(Convert.ToBase64String(leaf.RawData), single.Value);

        using var chained = new X509SignatureProvider(leaf, [ca1, ca2]);
        Assert.Equal(2, chained.Headers.Count);
        Assert.Equal("X-Amz-X509-Chain", chained.Headers[1].Key);
        Assert.Equal($"{Convert.ToBase64String(ca1.RawData)},{Convert.ToBase64String(ca2.RawData)}", chained.Headers[1].Value);

        using var emptyChain = new X509SignatureProvider(leaf, []);
        Assert.Single(emptyChain.Headers);
    }

    [Fact]
    public void Certificate_without_private_key_is_rejected_clearly()
    {
        using var withKey = TestCertificates.Create("rsa2048");
        using var publicOnly = X509CertificateLoader.LoadCertificate(withKey.RawData);
        var e = Assert.Throws<ArgumentException>(() => new X509SignatureProvider(publicOnly));
        Assert.Contains("no private key", e.Message);
    }

    [Fact]
    public void Dsa_key_is_not_supported()
    {
        using var dsa = DSA.Create(2048);
        using var issuerKey = RSA.Create(2048);
        var request = new CertificateRequest(new X500DistinguishedName("CN=dsa.test.invalid"), new PublicKey(dsa), HashAlgorithmName.SHA256);
        using var cert = request.Create(
            new X500DistinguishedName("CN=issuer.test.invalid"),
            X509SignatureGenerator.CreateForRSA(issuerKey, RSASignaturePadding.Pkcs1),
            DateTimeOffset.UtcNow.AddMinutes(-5),
            DateTimeOffset.UtcNow.AddDays(1),
            [0x01]);
        using var withKey = cert.CopyWithPrivateKey(dsa);
        Assert.True(withKey.HasPrivateKey);

        var e = Assert.Throws<NotSupportedException>(() => new X509SignatureProvider(withKey));
        Assert.Contains("DSA", e.Message);
        Assert.Contains("RSA or ECDSA", e.Message);
    }

    [Fact]
    public void Ed25519_key_is_not_supported()
    {
        using var cert = X509CertificateLoader.LoadCertificate(Convert.FromBase64String(Ed25519CertificateB64));
        var e = Assert.Throws<NotSupportedException>(() => new X509SignatureProvider(cert));
        Assert.Contains("Ed25519", e.Message);
    }

    [Fact]
    public void Signing_after_dispose_throws()
    {
        using var cert = TestCertificates.Create("p256");
        var provider = new X509SignatureProvider(cert);
        provider.Dispose();
        Assert.Throws<ObjectDisposedException>(() => provider.Sign("x", "20261126", "us-east-1", "rolesanywhere"));
    }

    private static Python.Result Verify(X509Certificate2 cert, string stringToSign, string signatureHex) =>
        Python.Run("verify_x509_signature.py", JsonSerializer.Serialize(new
        {
            certificate_pem = cert.ExportCertificatePem(),
            string_to_sign = stringToSign,
            signature_hex = signatureHex,
        }));

    private static HttpRequestMessage CreateSessionRequest(out byte[] body)
    {
        body = "{\"durationSeconds\":3600}"u8.ToArray();
        var request = new HttpRequestMessage(
            HttpMethod.Post,
            "https://rolesanywhere.eu-west-1.amazonaws.com/sessions?profileArn=arn%3Aaws%3Arolesanywhere%3Aeu-west-1%3A111122223333%3Aprofile%2Fp&roleArn=arn%3Aaws%3Aiam%3A%3A111122223333%3Arole%2Fr&trustAnchorArn=arn%3Aaws%3Arolesanywhere%3Aeu-west-1%3A111122223333%3Atrust-anchor%2Ft")
        {
            Content = new ByteArrayContent(body),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return request;
    }
}
