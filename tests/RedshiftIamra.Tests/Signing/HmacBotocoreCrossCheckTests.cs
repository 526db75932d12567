using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using RedshiftIamra.Aws;
using RedshiftIamra.Signing;

namespace RedshiftIamra.Tests.Signing;

/// <summary>
/// Signs the same requests with our signer and with botocore's SigV4Auth (frozen clock) and
/// compares the Authorization header, the canonical request and the string to sign exactly.
/// </summary>
/// <remarks>
/// botocore signs every header on the request except a blacklist (user-agent, expect,
/// connection, transfer-encoding, x-amzn-trace-id, ...); we sign host, content-type and the
/// x-amz-* headers only. The requests below carry only headers both sets agree on (and a
/// User-Agent, which both leave unsigned).
/// </remarks>
public sealed class HmacBotocoreCrossCheckTests
{
    private const string AccessKeyId = "AKIDEXAMPLE";
    private const string SecretAccessKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    private const string SessionToken = "IQoJb3JpZ2luX2VjEXAMPLE//////////wEaCXVzLWVhc3QtMSJHMEUCIQD+token/with+base64==";
    private static readonly DateTimeOffset SigningTime = new(2026, 11, 26, 20, 15, 0, TimeSpan.Zero);

    private static readonly Dictionary<string, Case> Cases = new[]
    {
        new Case(
            Name: "redshift query-protocol form body with session token",
            Method: "POST",
            OurUrl: "https://redshift.us-east-1.amazonaws.com/",
            BotoUrl: "https://redshift.us-east-1.amazonaws.com/",
            BotoParams: null,
            Headers: [("User-Agent", "RedshiftIamra/0.1 test")],
            ContentType: "application/x-www-form-urlencoded; charset=utf-8",
            Body: "Action=GetClusterCredentials&Version=2012-12-01&ClusterIdentifier=examplecluster&DbUser=alice&DbGroups.DbGroup.1=analysts&DurationSeconds=900",
            Token: SessionToken,
            Region: "us-east-1",
            Service: "redshift",
            ExpectedSignedHeaders: "content-type;host;x-amz-date;x-amz-security-token"),
        new Case(
            Name: "redshift-serverless JSON with X-Amz-Target",
            Method: "POST",
            OurUrl: "https://redshift-serverless.eu-central-1.amazonaws.com/",
            BotoUrl: "https://redshift-serverless.eu-central-1.amazonaws.com/",
            BotoParams: null,
            Headers: [("X-AMZ-Target", "RedshiftServerless.GetCredentials")],
            ContentType: "application/x-amz-json-1.1",
            Body: "{\"workgroupName\":\"wg-1\",\"durationSeconds\":900}",
            Token: SessionToken,
            Region: "eu-central-1",
            Service: "redshift-serverless",
            ExpectedSignedHeaders: "content-type;host;x-amz-date;x-amz-security-token;x-amz-target"),
        new Case(
            Name: "query with reserved characters, repeated keys, empty values; odd path",
            Method: "GET",
            // Deliberately not in canonical form: raw ':' '/' '*' '(' ')' '!' '\'', a key without '='.
            OurUrl: "https://example.us-west-2.amazonaws.com/some%20path//%C3%BC/a:b/?b=x:y/z&a=1%202&a=0&empty&tilde~=a%2Bb%3Dc&%C3%BC=%C3%A9&star*=(')!&eq=a=b&lower=%3a%2f",
            BotoUrl: "https://example.us-west-2.amazonaws.com/some%20path//%C3%BC/a:b/",
            BotoParams: [("b", "x:y/z"), ("a", "1 2"), ("a", "0"), ("empty", ""), ("tilde~", "a+b=c"), ("ü", "é"), ("star*", "(')!"), ("eq", "a=b"), ("lower", ":/")],
            Headers: [],
            ContentType: null,
            Body: "",
            Token: null,
            Region: "us-west-2",
            Service: "example",
            ExpectedSignedHeaders: "host;x-amz-date"),
        new Case(
            Name: "rolesanywhere-style JSON on a non-default https port",
            Method: "POST",
            OurUrl: "https://localhost:8443/sessions?profileArn=arn%3Aaws%3Arolesanywhere%3Aus-east-1%3A111122223333%3Aprofile%2Fp1&durationSeconds=3600",
            BotoUrl: "https://localhost:8443/sessions",
            BotoParams: [("profileArn", "arn:aws:rolesanywhere:us-east-1:111122223333:profile/p1"), ("durationSeconds", "3600")],
            Headers: [],
            ContentType: "application/json",
            Body: "{\"durationSeconds\":3600}",
            Token: null,
            Region: "us-east-1",
            Service: "rolesanywhere",
            ExpectedSignedHeaders: "content-type;host;x-amz-date"),
        new Case(
            Name: "plain http on a non-default port, repeated x-amz header with messy whitespace",
            Method: "POST",
            OurUrl: "http://127.0.0.1:8080/",
            BotoUrl: "http://127.0.0.1:8080/",
            BotoParams: null,
            Headers: [("X-Amz-Meta-Note", "  a   b  "), ("X-Amz-Meta-Note", "c"), ("x-amz-meta-tab", "x \t y")],
            ContentType: null,
            Body: "",
            Token: SessionToken,
            Region: "us-east-1",
            Service: "redshift",
            ExpectedSignedHeaders: "host;x-amz-date;x-amz-meta-note;x-amz-meta-tab;x-amz-security-token"),
        new Case(
            Name: "explicit default port 443 is left out of Host",
            Method: "GET",
            OurUrl: "https://redshift.us-east-1.amazonaws.com:443/?Action=DescribeClusters&Version=2012-12-01",
            BotoUrl: "https://redshift.us-east-1.amazonaws.com:443/?Action=DescribeClusters&Version=2012-12-01",
            BotoParams: null,
            Headers: [],
            ContentType: null,
            Body: "",
            Token: SessionToken,
            Region: "us-east-1",
            Service: "redshift",
            ExpectedSignedHeaders: "host;x-amz-date;x-amz-security-token"),
    }.ToDictionary(c => c.Name);

    public static TheoryData<string> CaseNames => new(Cases.Keys);

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Authorization_matches_botocore_exactly(string name)
    {
        var c = Cases[name];
        var boto = RunBotocore(c);

        using var request = new HttpRequestMessage(new HttpMethod(c.Method), c.OurUrl);
        var body = Encoding.UTF8.GetBytes(c.Body);
        if (c.ContentType is not null || body.Length > 0)
        {
            request.Content = new ByteArrayContent(body);
            if (c.ContentType is not null)
            {
                request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(c.ContentType);
            }
        }

        foreach (var (header, value) in c.Headers)
        {
            Assert.True(request.Headers.TryAddWithoutValidation(header, value));
        }

        var credentials = new AwsCredentials(AccessKeyId, SecretAccessKey, c.Token);
        var result = new SigV4Signer().Sign(request, body, new HmacSignatureProvider(credentials), c.Region, c.Service, SigningTime);

        Assert.Equal(boto.GetProperty("x_amz_date").GetString(), result.AmzDate);
        Assert.Equal(boto.GetProperty("canonical_request").GetString(), result.CanonicalRequest.Text);
        Assert.Equal(boto.GetProperty("string_to_sign").GetString(), result.StringToSign);
        Assert.Equal(boto.GetProperty("authorization").GetString(), result.Authorization);
        Assert.Equal(boto.GetProperty("authorization").GetString(), request.Headers.Authorization?.ToString());
        Assert.Equal(c.ExpectedSignedHeaders, result.SignedHeaders);
    }

    private static JsonElement RunBotocore(Case c)
    {
        var input = JsonSerializer.Serialize(new
        {
            method = c.Method,
            url = c.BotoUrl,
            headers = c.Headers.Select(h => new[] { h.Name, h.Value })
                .Concat(c.ContentType is null ? [] : [new[] { "Content-Type", c.ContentType }]),
            @params = c.BotoParams?.Select(p => new[] { p.Key, p.Value }),
            body_b64 = Convert.ToBase64String(Encoding.UTF8.GetBytes(c.Body)),
            access_key = AccessKeyId,
            secret_key = SecretAccessKey,
            token = c.Token,
            region = c.Region,
            service = c.Service,
            timestamp = SigV4Signer.FormatAmzDate(SigningTime),
        });
        var run = Python.Run("botocore_sigv4.py", input);
        Assert.True(run.ExitCode == 0, $"botocore_sigv4.py failed ({run.ExitCode}): {run.Stderr}");
        return JsonDocument.Parse(run.Stdout).RootElement.Clone();
    }

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1716:Identifiers should not match keywords", Justification = "A test case record of this test class only; no other language consumes it.")]
    public sealed record Case(
        string Name,
        string Method,
        string OurUrl,
        string BotoUrl,
        (string Key, string Value)[]? BotoParams,
        (string Name, string Value)[] Headers,
        string? ContentType,
        string Body,
        string? Token,
        string Region,
        string Service,
        string ExpectedSignedHeaders);
}
