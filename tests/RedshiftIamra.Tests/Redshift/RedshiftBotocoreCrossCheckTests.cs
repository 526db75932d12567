using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using RedshiftIamra.Aws;
using RedshiftIamra.Redshift;
using RedshiftIamra.Tests.Signing;

namespace RedshiftIamra.Tests.Redshift;

/// <summary>
/// For each of the five operations: the request our client really sends (captured by a loopback
/// server) is compared with botocore, from the service models installed on this machine —
/// the body botocore's serializer makes of the same parameters, the Content-Type and
/// X-Amz-Target it sets, its signing name — and botocore's SigV4Auth signs our body and headers
/// at our X-Amz-Date with the same credentials (with a session token): the Authorization header
/// must be identical.
/// </summary>
public sealed class RedshiftBotocoreCrossCheckTests
{
    private const string CredentialsXml = """
        <GetClusterCredentialsResponse xmlns="http://redshift.amazonaws.com/doc/2012-12-01/"><GetClusterCredentialsResult>
        <DbUser>IAM:alice</DbUser><DbPassword>pw</DbPassword><Expiration>2026-11-26T20:30:00Z</Expiration>
        </GetClusterCredentialsResult></GetClusterCredentialsResponse>
        """;

    private const string CredentialsWithIamXml = """
        <GetClusterCredentialsWithIAMResponse xmlns="http://redshift.amazonaws.com/doc/2012-12-01/"><GetClusterCredentialsWithIAMResult>
        <DbUser>IAMR:etl</DbUser><DbPassword>pw</DbPassword><Expiration>2026-11-26T20:30:00Z</Expiration><NextRefreshTime>2026-11-26T20:20:00Z</NextRefreshTime>
        </GetClusterCredentialsWithIAMResult></GetClusterCredentialsWithIAMResponse>
        """;

    private const string DescribeXml = """
        <DescribeClustersResponse xmlns="http://redshift.amazonaws.com/doc/2012-12-01/"><DescribeClustersResult><Clusters/></DescribeClustersResult></DescribeClustersResponse>
        """;

    private sealed record Case(
        string Service,
        string Operation,
        string BotocoreParams,
        ScriptedResponse Answer,
        Func<RedshiftClientConfig, Task> Call);

    private static readonly Dictionary<string, Case> Cases = new[]
    {
        new Case("redshift", "GetClusterCredentials",
            """{"DbUser":"etl_user+1@corp","DbName":"dev","ClusterIdentifier":"examplecluster","DurationSeconds":1800,"AutoCreate":false,"DbGroups":["analysts","etl.writers"],"CustomDomainName":"db.example.com"}""",
            ScriptedResponse.Xml(200, CredentialsXml),
            config => new RedshiftClient(config).GetClusterCredentialsAsync(new GetClusterCredentialsRequest
            {
                DbUser = "etl_user+1@corp",
                DbName = "dev",
                ClusterIdentifier = "examplecluster",
                DurationSeconds = 1800,
                AutoCreate = false,
                DbGroups = ["analysts", "etl.writers"],
                CustomDomainName = "db.example.com",
            }, NullOperationLog.Instance, default)),
        new Case("redshift", "GetClusterCredentialsWithIAM",
            """{"DbName":"sales","ClusterIdentifier":"examplecluster","DurationSeconds":3600}""",
            ScriptedResponse.Xml(200, CredentialsWithIamXml),
            config => new RedshiftClient(config).GetClusterCredentialsWithIAMAsync(new GetClusterCredentialsWithIAMRequest
            {
                DbName = "sales",
                ClusterIdentifier = "examplecluster",
                DurationSeconds = 3600,
            }, NullOperationLog.Instance, default)),
        new Case("redshift", "DescribeClusters",
            """{"ClusterIdentifier":"examplecluster"}""",
            ScriptedResponse.Xml(200, DescribeXml),
            config => new RedshiftClient(config).DescribeClustersAsync(new DescribeClustersRequest { ClusterIdentifier = "examplecluster" }, NullOperationLog.Instance, default)),
        new Case("redshift-serverless", "GetCredentials",
            """{"customDomainName":"wg.example.com","dbName":"dev","durationSeconds":900,"workgroupName":"analytics"}""",
            ScriptedResponse.Json(200, """{"dbUser":"IAMR:etl","dbPassword":"pw","expiration":1795725000,"nextRefreshTime":1795723200}"""),
            config => new RedshiftServerlessClient(config).GetCredentialsAsync(new GetCredentialsRequest
            {
                WorkgroupName = "analytics",
                DbName = "dev",
                DurationSeconds = 900,
                CustomDomainName = "wg.example.com",
            }, NullOperationLog.Instance, default)),
        new Case("redshift-serverless", "GetWorkgroup",
            """{"workgroupName":"analytics"}""",
            ScriptedResponse.Json(200, """{"workgroup":{"workgroupName":"analytics","status":"AVAILABLE"}}"""),
            config => new RedshiftServerlessClient(config).GetWorkgroupAsync(new GetWorkgroupRequest { WorkgroupName = "analytics" }, NullOperationLog.Instance, default)),
    }.ToDictionary(c => c.Operation);

    public static TheoryData<string> Operations => new(Cases.Keys);

    [Theory]
    [MemberData(nameof(Operations))]
    public async Task Request_matches_botocore_serializer_and_signature(string operation)
    {
        var c = Cases[operation];
        using var server = new LoopbackServer(c.Answer);
        await c.Call(TestClients.Config(server.Uri, region: "us-west-2"));
        var sent = server.Single();

        var signedHeaders = new JsonArray { new JsonArray("Content-Type", sent.Header("Content-Type")) };
        if (sent.Headers.TryGetValue("X-Amz-Target", out var target))
        {
            signedHeaders.Add(new JsonArray("X-Amz-Target", target));
        }

        var spec = new JsonObject
        {
            ["service"] = c.Service,
            ["operation"] = c.Operation,
            ["params"] = JsonNode.Parse(c.BotocoreParams),
            ["url"] = server.Uri.ToString(),
            ["body_b64"] = Convert.ToBase64String(sent.Body),
            ["headers"] = signedHeaders,
            ["access_key"] = TestClients.AccessKeyId,
            ["secret_key"] = TestClients.SecretAccessKey,
            ["token"] = TestClients.SessionToken,
            ["region"] = "us-west-2",
            ["timestamp"] = sent.Header("X-Amz-Date"),
        };
        var result = Python.Run("redshift_sigv4.py", spec.ToJsonString());
        Assert.True(result.ExitCode == 0, $"redshift_sigv4.py failed ({result.ExitCode}): {result.Stderr}");
        using var boto = JsonDocument.Parse(result.Stdout);
        var root = boto.RootElement;

        // Marshalling: botocore's serializer, from the installed service model, is the reference.
        var referenceBody = Convert.FromBase64String(root.GetProperty("body_b64").GetString()!);
        if (c.Service == "redshift")
        {
            Assert.Equal(Encoding.UTF8.GetString(referenceBody), sent.BodyText);
        }
        else
        {
            Assert.True(JsonNode.DeepEquals(JsonNode.Parse(referenceBody), JsonNode.Parse(sent.Body)),
                $"JSON bodies differ: ours {sent.BodyText}, botocore {Encoding.UTF8.GetString(referenceBody)}");
        }

        var referenceHeaders = root.GetProperty("headers");
        Assert.Equal(referenceHeaders.GetProperty("Content-Type").GetString(), sent.Header("Content-Type"));
        if (referenceHeaders.TryGetProperty("X-Amz-Target", out var referenceTarget))
        {
            Assert.Equal(referenceTarget.GetString(), target);
        }
        else
        {
            Assert.Null(target);
        }

        Assert.Equal(root.GetProperty("signing_name").GetString(), c.Service == "redshift" ? RedshiftClient.SigningName : RedshiftServerlessClient.SigningName);

        // Signature: botocore signs what we sent, at our time, and must arrive at our header.
        Assert.True(
            root.GetProperty("authorization").GetString() == sent.Header("Authorization"),
            $"Authorization differs (botocore {root.GetProperty("botocore_version").GetString()}).{Environment.NewLine}"
            + $"ours:     {sent.Header("Authorization")}{Environment.NewLine}botocore: {root.GetProperty("authorization").GetString()}{Environment.NewLine}"
            + $"botocore canonical request:{Environment.NewLine}{root.GetProperty("canonical_request").GetString()}");
        Assert.Contains("x-amz-security-token", sent.Header("Authorization"), StringComparison.Ordinal);
    }
}
