using System.Net.Http.Headers;
using RedshiftIamra.Aws;
using RedshiftIamra.Signing;

namespace RedshiftIamra.Tests.Signing;

/// <summary>No secret access key or session token in ToString(), debug text or exception messages.</summary>
public sealed class SecretRedactionTests
{
    private const string AccessKeyId = "ASIAEXAMPLEKEYID";
    private const string Secret = "SECRETsecretSECRET/with+chars";
    private const string Token = "TOKENtokenTOKEN//with+chars==";
    private static readonly DateTimeOffset Expiration = new(2026, 11, 26, 20, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Credentials_ToString_shows_key_id_and_expiration_only()
    {
        var text = new AwsCredentials(AccessKeyId, Secret, Token, Expiration).ToString();

        Assert.Contains(AccessKeyId, text);
        Assert.Contains("2026-11-26T20:00:00Z", text);
        Assert.DoesNotContain(Secret, text);
        Assert.DoesNotContain(Token, text);
    }

    [Fact]
    public void Credentials_validation_messages_do_not_echo_the_secret()
    {
        var noKeyId = Assert.Throws<ArgumentException>(() => new AwsCredentials(" ", Secret, Token));
        Assert.DoesNotContain(Secret, noKeyId.ToString());
        Assert.DoesNotContain(Token, noKeyId.ToString());

        var noSecret = Assert.Throws<ArgumentException>(() => new AwsCredentials(AccessKeyId, "", Token));
        Assert.DoesNotContain(Token, noSecret.ToString());
    }

    [Fact]
    public void Provider_ToString_shows_no_secret()
    {
        var text = new HmacSignatureProvider(new AwsCredentials(AccessKeyId, Secret, Token)).ToString();
        Assert.Contains(AccessKeyId, text);
        Assert.DoesNotContain(Secret, text);
        Assert.DoesNotContain(Token, text);
    }

    [Fact]
    public void Debug_text_redacts_the_session_token_that_is_signed()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "https://redshift.us-east-1.amazonaws.com/")
        {
            Content = new ByteArrayContent("Action=DescribeClusters&Version=2012-12-01"u8.ToArray()),
        };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/x-www-form-urlencoded; charset=utf-8");
        var provider = new HmacSignatureProvider(new AwsCredentials(AccessKeyId, Secret, Token, Expiration));

        var result = new SigV4Signer().Sign(request, "Action=DescribeClusters&Version=2012-12-01"u8, provider, "us-east-1", "redshift");

        // The token is really signed (so redaction is needed at all) ...
        Assert.Contains($"\nx-amz-security-token:{Token}\n", result.CanonicalRequest.Text);
        Assert.Contains("x-amz-security-token", result.SignedHeaders);

        // ... and no text meant for display holds it or the secret.
        foreach (var text in new[] { result.ToDebugString(), result.ToString(), result.CanonicalRequest.ToDebugString(), result.CanonicalRequest.ToString(), result.StringToSign, result.Authorization })
        {
            Assert.DoesNotContain(Token, text);
            Assert.DoesNotContain(Secret, text);
        }

        Assert.Contains("\nx-amz-security-token:<redacted>\n", result.ToDebugString());
        Assert.Contains(result.StringToSign, result.ToDebugString());
        Assert.Contains(AccessKeyId, result.ToDebugString());
    }

    [Fact]
    public void Debug_text_without_a_token_is_the_canonical_request_itself()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "https://redshift.us-east-1.amazonaws.com/?Action=DescribeClusters");
        var provider = new HmacSignatureProvider(new AwsCredentials("AKIAEXAMPLE", Secret));
        var result = new SigV4Signer().Sign(request, [], provider, "us-east-1", "redshift");

        Assert.Equal(result.CanonicalRequest.Text, result.CanonicalRequest.ToDebugString());
        Assert.DoesNotContain(Secret, result.ToDebugString());
        Assert.DoesNotContain("<redacted>", result.ToDebugString());
    }
}
