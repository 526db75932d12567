using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using RedshiftIamra.Signing;

namespace RedshiftIamra.Tests.Signing;

/// <summary>
/// The shared RSA vector (vectors/sigv4-x509-rsa, copied from shared/reference): an independent
/// implementation's signature must come out byte for byte.
/// </summary>
public sealed class SigV4X509VectorTests
{
    private const string ExpectedSerial = "337562787801933536189724934726614584366112857655";
    private const string ExpectedBodyHash = "8ae301e76251dfa937e27312e3f89be4941c49e2094f3dafe614ed3c8235fbf9";
    private const string ExpectedSignature =
        "7f18cf01a29af198006ce4294771b6c8204d5a8d811f1e707131d46e3465665a1f902c2060b28d07f4f7205fd81648585dc3e48ced6b1dc920e698142129985b569fdae3a55d8394a084960bf5362867161de68d43460ac027b7f614b7373597bf93545905051aa2ad062b8fdf452c736ee289e280dd375840b865fc1fc08b0ea6893385663c6171e61252b39777d190acb805cb6c05a790c495167d4d7360245c18858e2e541b6079e7d79c18d0618d283e6a26c1b870d74f3607c85086bb9aa39cecc0b1a1ad5e1bfeeaacbf052b7af8b23ced9142cc1c743b0b7f6fcee0ebfee41bd3ddb17f2985fbc028c0b19ebca79a1fb4e033e40ba410b1115fe7ebd1";

    private static readonly DateTimeOffset SigningTime = new(2022, 8, 27, 1, 2, 3, TimeSpan.Zero);

    private readonly string _certB64 = Vector("cert.der.b64");
    private readonly string _subcaB64 = Vector("subca.der.b64");

    [Fact]
    public void Serial_is_the_unsigned_decimal_of_the_vector_certificate()
    {
        using var cert = X509CertificateLoader.LoadCertificate(Convert.FromBase64String(_certB64));
        Assert.Equal(ExpectedSerial, X509SignatureProvider.GetSerialNumberDecimal(cert));
    }

    [Fact]
    public void Body_hash_matches()
    {
        Assert.Equal(ExpectedBodyHash, CanonicalRequest.HashPayload("{\"foo\": 123}"u8));
    }

    [Fact]
    public void Signature_and_canonical_request_reproduce_byte_for_byte()
    {
        using var provider = CreateProvider();
        using var request = CreateRequest(out var body);

        // Through the injected clock, not the explicit-time overload.
        var signer = new SigV4Signer(new FixedTimeProvider(SigningTime));
        var result = signer.Sign(request, body, provider, "us-east-1", "service");

        Assert.Equal("AWS4-X509-RSA-SHA256", result.Algorithm);
        Assert.Equal("20220827T010203Z", result.AmzDate);
        Assert.Equal("20220827/us-east-1/service/aws4_request", result.CredentialScope);
        Assert.Equal("content-type;host;x-amz-date;x-amz-x509;x-amz-x509-chain", result.SignedHeaders);

        var expectedCanonical =
            "POST\n" +
            "/api\n" +
            "\n" +
            "content-type:application/json\n" +
            "host:service.test.invalid\n" +
            "x-amz-date:20220827T010203Z\n" +
            $"x-amz-x509:{_certB64}\n" +
            $"x-amz-x509-chain:{_subcaB64}\n" +
            "\n" +
            "content-type;host;x-amz-date;x-amz-x509;x-amz-x509-chain\n" +
            ExpectedBodyHash;
        Assert.Equal(expectedCanonical, result.CanonicalRequest.Text);

        var canonicalHash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(expectedCanonical)));
        Assert.Equal(
            $"AWS4-X509-RSA-SHA256\n20220827T010203Z\n20220827/us-east-1/service/aws4_request\n{canonicalHash}",
            result.StringToSign);

        Assert.Equal(ExpectedSignature, result.Signature);
        Assert.Equal(
            $"AWS4-X509-RSA-SHA256 Credential={ExpectedSerial}/20220827/us-east-1/service/aws4_request, " +
            $"SignedHeaders=content-type;host;x-amz-date;x-amz-x509;x-amz-x509-chain, Signature={ExpectedSignature}",
            request.Headers.Authorization?.ToString());
    }

    [Fact]
    public void Headers_on_the_request_are_what_was_signed()
    {
        using var provider = CreateProvider();
        using var request = CreateRequest(out var body);
        new SigV4Signer().Sign(request, body, provider, "us-east-1", "service", SigningTime);

        Assert.Equal("service.test.invalid", request.Headers.Host);
        Assert.Equal(["20220827T010203Z"], request.Headers.GetValues("X-Amz-Date"));
        Assert.Equal([_certB64], request.Headers.GetValues("X-Amz-X509"));
        Assert.Equal([_subcaB64], request.Headers.GetValues("X-Amz-X509-Chain"));
        Assert.Equal("application/json", request.Content!.Headers.ContentType!.ToString());
    }

    private static string Vector(string name) => TestFiles.ReadText("vectors", "sigv4-x509-rsa", name).Trim();

    private X509SignatureProvider CreateProvider()
    {
        using var rsa = RSA.Create();
        rsa.ImportFromPem(Vector("key.pem"));
        using var cert = X509CertificateLoader.LoadCertificate(Convert.FromBase64String(_certB64));
        var withKey = cert.CopyWithPrivateKey(rsa);
        var subca = X509CertificateLoader.LoadCertificate(Convert.FromBase64String(_subcaB64));
        return new X509SignatureProvider(withKey, [subca]);
    }

    private static HttpRequestMessage CreateRequest(out byte[] body)
    {
        body = "{\"foo\": 123}"u8.ToArray();
        var request = new HttpRequestMessage(HttpMethod.Post, "https://service.test.invalid/api")
        {
            Content = new ByteArrayContent(body),
        };

        // Not StringContent: it would add "; charset=utf-8" to the signed content type.
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return request;
    }
}
