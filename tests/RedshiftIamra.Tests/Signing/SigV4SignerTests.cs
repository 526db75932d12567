using System.Net.Http.Headers;
using RedshiftIamra.Aws;
using RedshiftIamra.Signing;

namespace RedshiftIamra.Tests.Signing;

public sealed class SigV4SignerTests
{
    private static readonly AwsCredentials DocsCredentials = new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");

    [Fact]
    public void Aws_documentation_example_reproduces()
    {
        // The IAM ListUsers example of the AWS SigV4 documentation.
        using var request = new HttpRequestMessage(HttpMethod.Get, "https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08")
        {
            Content = new ByteArrayContent([]),
        };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/x-www-form-urlencoded; charset=utf-8");

        var result = new SigV4Signer(new FixedTimeProvider(new DateTimeOffset(2015, 8, 30, 12, 36, 0, TimeSpan.Zero)))
            .Sign(request, [], new HmacSignatureProvider(DocsCredentials), "us-east-1", "iam");

        Assert.Equal(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7",
            result.Authorization);
    }

    [Fact]
    public void Signing_key_derivation_matches_the_documentation()
    {
        var key = HmacSignatureProvider.DeriveSigningKey("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20150830", "us-east-1", "iam");
        Assert.Equal("c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9", Convert.ToHexStringLower(key));
    }

    [Fact]
    public void Cached_signing_key_follows_date_region_and_service()
    {
        var provider = new HmacSignatureProvider(DocsCredentials);
        var first = provider.Sign("sts", "20150830", "us-east-1", "iam");
        Assert.Equal(first, provider.Sign("sts", "20150830", "us-east-1", "iam"));
        Assert.NotEqual(first, provider.Sign("sts", "20150831", "us-east-1", "iam"));
        Assert.NotEqual(first, provider.Sign("sts", "20150830", "us-west-2", "iam"));
        Assert.NotEqual(first, provider.Sign("sts", "20150830", "us-east-1", "redshift"));
        Assert.Equal(first, provider.Sign("sts", "20150830", "us-east-1", "iam"));
    }

    [Theory]
    [InlineData("https://h.test/", "h.test")]
    [InlineData("https://h.test:443/", "h.test")]
    [InlineData("https://H.Test:8443/", "h.test:8443")]
    [InlineData("http://h.test:80/", "h.test")]
    [InlineData("http://h.test:443/", "h.test:443")]
    [InlineData("https://127.0.0.1:5443/", "127.0.0.1:5443")]
    [InlineData("https://[::1]:8443/", "[::1]:8443")]
    public void Host_header_carries_the_port_only_when_not_the_default(string url, string expected)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        var result = new SigV4Signer().Sign(request, [], new HmacSignatureProvider(DocsCredentials), "us-east-1", "redshift");

        Assert.Equal(expected, request.Headers.Host);
        Assert.Contains($"\nhost:{expected}\n", result.CanonicalRequest.Text);
    }

    [Fact]
    public void Signing_time_comes_from_the_clock_in_utc()
    {
        var local = new DateTimeOffset(2026, 1, 1, 1, 30, 5, TimeSpan.FromHours(2));
        using var request = new HttpRequestMessage(HttpMethod.Get, "https://h.test/");
        var result = new SigV4Signer(new FixedTimeProvider(local)).Sign(request, [], new HmacSignatureProvider(DocsCredentials), "eu-west-1", "redshift");

        Assert.Equal("20251231T233005Z", result.AmzDate);
        Assert.Equal(["20251231T233005Z"], request.Headers.GetValues("X-Amz-Date"));
        Assert.Equal("20251231/eu-west-1/redshift/aws4_request", result.CredentialScope);
    }

    [Fact]
    public void Signs_content_type_host_date_token_and_target_but_not_other_headers()
    {
        using var request = JsonRequest();
        request.Headers.TryAddWithoutValidation("X-Amz-Target", "RedshiftServerless.GetWorkgroup");
        request.Headers.TryAddWithoutValidation("User-Agent", "test/1.0");
        request.Headers.TryAddWithoutValidation("Accept", "application/json");
        var provider = new HmacSignatureProvider(new AwsCredentials("ASIAEXAMPLE", "secret", "token-value"));

        var result = new SigV4Signer().Sign(request, "{}"u8, provider, "us-east-1", "redshift-serverless");

        Assert.Equal("content-type;host;x-amz-date;x-amz-security-token;x-amz-target", result.SignedHeaders);
        Assert.Equal(["token-value"], request.Headers.GetValues("X-Amz-Security-Token"));
    }

    [Fact]
    public void Signing_again_replaces_date_token_and_authorization()
    {
        using var request = JsonRequest();
        var provider = new HmacSignatureProvider(new AwsCredentials("ASIAEXAMPLE", "secret", "token-value"));
        var signer = new SigV4Signer();

        var first = signer.Sign(request, "{}"u8, provider, "us-east-1", "redshift", new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var second = signer.Sign(request, "{}"u8, provider, "us-east-1", "redshift", new DateTimeOffset(2026, 1, 1, 0, 5, 0, TimeSpan.Zero));

        Assert.NotEqual(first.Signature, second.Signature);
        Assert.Equal(["20260101T000500Z"], request.Headers.GetValues("X-Amz-Date"));
        Assert.Equal(["token-value"], request.Headers.GetValues("X-Amz-Security-Token"));
        Assert.Equal(second.Authorization, Assert.Single(request.Headers.GetValues("Authorization")));
        Assert.Equal(first.SignedHeaders, second.SignedHeaders);
    }

    [Fact]
    public void Body_that_does_not_match_the_content_is_rejected()
    {
        using var request = JsonRequest();
        var provider = new HmacSignatureProvider(DocsCredentials);
        var e = Assert.Throws<ArgumentException>(() => new SigV4Signer().Sign(request, "{\"a\":1}"u8, provider, "us-east-1", "redshift"));
        Assert.Contains("exact content bytes", e.Message);

        using var noContent = new HttpRequestMessage(HttpMethod.Post, "https://h.test/");
        Assert.Throws<ArgumentException>(() => new SigV4Signer().Sign(noContent, "x"u8, provider, "us-east-1", "redshift"));
    }

    [Fact]
    public void Relative_request_uri_is_rejected()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/x", UriKind.Relative));
        Assert.Throws<ArgumentException>(() => new SigV4Signer().Sign(request, [], new HmacSignatureProvider(DocsCredentials), "us-east-1", "redshift"));
    }

    [Fact]
    public void Payload_hash_is_of_the_body_given()
    {
        using var request = JsonRequest();
        var result = new SigV4Signer().Sign(request, "{}"u8, new HmacSignatureProvider(DocsCredentials), "us-east-1", "redshift");
        Assert.Equal("44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a", result.CanonicalRequest.PayloadHash);
    }

    private static HttpRequestMessage JsonRequest()
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "https://redshift-serverless.us-east-1.amazonaws.com/")
        {
            Content = new ByteArrayContent("{}"u8.ToArray()),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-amz-json-1.1");
        return request;
    }
}
