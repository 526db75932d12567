using System.Net;
using System.Text.Json;
using RedshiftIamra.Aws;
using RedshiftIamra.Redshift;

namespace RedshiftIamra.Tests.Redshift;

/// <summary>The JSON 1.1 client against a loopback server: the exact request, and every answer shape.</summary>
public sealed class RedshiftServerlessClientTests
{
    private const string Password = "SeRvErLeSs/Pass+word=0123456789abcdef";

    private static string CredentialsJson(string expiration = "1795725000", string nextRefresh = "1795723200") =>
        $$"""{"dbPassword":"{{Password}}","dbUser":"IAMR:redshift-etl","expiration":{{expiration}},"nextRefreshTime":{{nextRefresh}}}""";

    private const string WorkgroupJson = """
        {"workgroup":{"baseCapacity":8,"configParameters":[{"parameterKey":"datestyle","parameterValue":"ISO, MDY"}],
         "creationDate":"2025-03-04T05:06:07.891Z","customDomainName":"wg.example.com",
         "endpoint":{"address":"analytics.111122223333.eu-central-1.redshift-serverless.amazonaws.com","port":5439,
           "vpcEndpoints":[{"networkInterfaces":[{"availabilityZone":"eu-central-1a","privateIpAddress":"10.0.0.1"}],"vpcEndpointId":"vpce-0abc","vpcId":"vpc-1"}]},
         "enhancedVpcRouting":false,"namespaceName":"default","port":5439,"publiclyAccessible":false,"status":"AVAILABLE",
         "workgroupArn":"arn:aws:redshift-serverless:eu-central-1:111122223333:workgroup/8f14e45f-ceea-467f-a8f8-2b3b1d2c0a11",
         "workgroupId":"8f14e45f-ceea-467f-a8f8-2b3b1d2c0a11","workgroupName":"analytics"}}
        """;

    [Fact]
    public async Task GetCredentials_sends_the_json_body_target_and_content_type_signed_for_redshift_serverless()
    {
        using var server = new LoopbackServer(ScriptedResponse.Json(200, CredentialsJson(), ("x-amzn-RequestId", "rid-sl-1")));
        var response = await TestClients.Serverless(server, region: "eu-central-1").GetCredentialsAsync(new GetCredentialsRequest
        {
            WorkgroupName = "analytics",
            DbName = "dev",
            DurationSeconds = 900,
            CustomDomainName = "wg.example.com",
        }, NullOperationLog.Instance, default);

        var request = server.Single();
        Assert.Equal("POST", request.Method);
        Assert.Equal("/", request.RawUrl);
        Assert.Equal("""{"customDomainName":"wg.example.com","dbName":"dev","durationSeconds":900,"workgroupName":"analytics"}""", request.BodyText);
        Assert.Equal("RedshiftServerless.GetCredentials", request.Header("X-Amz-Target"));
        Assert.Equal("application/x-amz-json-1.1", request.Header("Content-Type"));
        Assert.Equal(TestClients.SessionToken, request.Header("X-Amz-Security-Token"));
        Assert.Contains("/eu-central-1/redshift-serverless/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target, Signature=", request.Header("Authorization"), StringComparison.Ordinal);

        Assert.Equal("IAMR:redshift-etl", response.DbUser);
        Assert.Equal(Password, response.DbPassword);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1795725000), response.Expiration);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1795723200), response.NextRefreshTime);
        Assert.Equal("rid-sl-1", response.RequestId);
        Assert.DoesNotContain(Password, response.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetCredentials_leaves_out_unset_fields()
    {
        using var server = new LoopbackServer(ScriptedResponse.Json(200, CredentialsJson()));
        await TestClients.Serverless(server).GetCredentialsAsync(new GetCredentialsRequest { WorkgroupName = "wg1" }, NullOperationLog.Instance, default);
        Assert.Equal("""{"workgroupName":"wg1"}""", server.Single().BodyText);
    }

    [Theory]
    [InlineData("1795725000.5", "1795723200.25", 1795725000500L, 1795723200250L)]
    [InlineData("\"2026-11-26T20:30:00.5Z\"", "\"2026-11-26T20:00:00Z\"", 1795725000500L, 1795723200000L)]
    [InlineData("\"1795725000\"", "null", 1795725000000L, null)]
    public async Task GetCredentials_accepts_fractional_epoch_iso_and_numeric_string_times(string expiration, string next, long expectedMs, long? expectedNextMs)
    {
        using var server = new LoopbackServer(ScriptedResponse.Json(200, CredentialsJson(expiration, next)));
        var response = await TestClients.Serverless(server).GetCredentialsAsync(new GetCredentialsRequest { WorkgroupName = "wg1" }, NullOperationLog.Instance, default);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(expectedMs), response.Expiration);
        Assert.Equal(expectedNextMs is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null, response.NextRefreshTime);
    }

    [Fact]
    public async Task GetCredentials_without_expiration_or_with_garbage_is_an_invalid_response()
    {
        using var server = new LoopbackServer(
            ScriptedResponse.Json(200, $$"""{"dbUser":"IAMR:x","dbPassword":"{{Password}}"}"""),
            ScriptedResponse.Json(200, CredentialsJson("\"tomorrow\"")));
        var client = TestClients.Serverless(server);
        var missing = await Assert.ThrowsAsync<IamraException>(() => client.GetCredentialsAsync(new GetCredentialsRequest { WorkgroupName = "wg1" }, NullOperationLog.Instance, default));
        Assert.Equal(ErrorIds.Aws.InvalidResponse, missing.ErrorId);
        var garbage = await Assert.ThrowsAsync<IamraException>(() => client.GetCredentialsAsync(new GetCredentialsRequest { WorkgroupName = "wg1" }, NullOperationLog.Instance, default));
        Assert.Equal(ErrorIds.Aws.InvalidResponse, garbage.ErrorId);
        Assert.Contains("tomorrow", garbage.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, missing.Message + garbage.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetWorkgroup_sends_the_name_and_reads_status_endpoint_and_arn()
    {
        using var server = new LoopbackServer(ScriptedResponse.Json(200, WorkgroupJson));
        var response = await TestClients.Serverless(server).GetWorkgroupAsync(new GetWorkgroupRequest { WorkgroupName = "analytics" }, NullOperationLog.Instance, default);

        var request = server.Single();
        Assert.Equal("""{"workgroupName":"analytics"}""", request.BodyText);
        Assert.Equal("RedshiftServerless.GetWorkgroup", request.Header("X-Amz-Target"));
        var workgroup = response.Workgroup;
        Assert.Equal("analytics", workgroup.WorkgroupName);
        Assert.Equal("AVAILABLE", workgroup.Status);
        Assert.Equal(new WorkgroupEndpoint("analytics.111122223333.eu-central-1.redshift-serverless.amazonaws.com", 5439), workgroup.Endpoint);
        Assert.Equal("arn:aws:redshift-serverless:eu-central-1:111122223333:workgroup/8f14e45f-ceea-467f-a8f8-2b3b1d2c0a11", workgroup.WorkgroupArn);
        Assert.Equal("wg.example.com", workgroup.CustomDomainName);
        Assert.True(workgroup.IsAvailable);
    }

    [Fact]
    public async Task GetWorkgroup_while_creating_has_no_endpoint()
    {
        using var server = new LoopbackServer(ScriptedResponse.Json(200, """{"workgroup":{"workgroupName":"fresh","status":"CREATING"}}"""));
        var response = await TestClients.Serverless(server).GetWorkgroupAsync(new GetWorkgroupRequest { WorkgroupName = "fresh" }, NullOperationLog.Instance, default);
        Assert.Null(response.Workgroup.Endpoint);
        Assert.False(response.Workgroup.IsAvailable);
    }

    [Fact]
    public async Task Namespaced_type_in_the_body_is_ResourceNotFound_with_request_id_from_the_header()
    {
        using var server = new LoopbackServer(ScriptedResponse.Json(400,
            """{"__type":"com.amazonaws.redshiftserverless#ResourceNotFoundException","message":"Workgroup nosuch not found.","resourceName":"nosuch"}""",
            ("x-amzn-RequestId", "rid-sl-404")));
        var e = await Assert.ThrowsAsync<IamraException>(() => TestClients.Serverless(server).GetCredentialsAsync(new GetCredentialsRequest { WorkgroupName = "nosuch" }, NullOperationLog.Instance, default));

        Assert.Equal(ErrorIds.Redshift.WorkgroupNotFound, e.ErrorId);
        Assert.Equal(IamraErrorCategory.ObjectNotFound, e.Category);
        Assert.Contains("'nosuch'", e.Message, StringComparison.Ordinal);
        Assert.Contains("Workgroup nosuch not found.", e.Message, StringComparison.Ordinal);
        Assert.Contains("rid-sl-404", e.Message, StringComparison.Ordinal);
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task The_error_type_header_wins_over_the_body()
    {
        using var server = new LoopbackServer(ScriptedResponse.Json(400,
            """{"__type":"SomethingElse","message":"1 validation error detected: Value at 'durationSeconds'"}""",
            ("x-amzn-ErrorType", "ValidationException:http://internal.amazon.com/coral/com.amazon.coral.validate/")));
        var e = await Assert.ThrowsAsync<IamraException>(() => TestClients.Serverless(server).GetCredentialsAsync(new GetCredentialsRequest { WorkgroupName = "wg1" }, NullOperationLog.Instance, default));
        Assert.Equal(ErrorIds.Redshift.InvalidParameter, e.ErrorId);
        Assert.Contains("ValidationException", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Access_denied_names_redshift_serverless_GetCredentials_on_the_workgroup()
    {
        using var server = new LoopbackServer(ScriptedResponse.Json(400, """{"__type":"AccessDeniedException","message":"User is not authorized"}"""));
        var client = new RedshiftServerlessClient(TestClients.Config(server.Uri, region: "eu-central-1", accountId: "111122223333"));
        var e = await Assert.ThrowsAsync<IamraException>(() => client.GetCredentialsAsync(new GetCredentialsRequest { WorkgroupName = "analytics" }, NullOperationLog.Instance, default));
        Assert.Equal(ErrorIds.Redshift.AccessDenied, e.ErrorId);
        Assert.Contains("redshift-serverless:GetCredentials on arn:aws:redshift-serverless:eu-central-1:111122223333:workgroup/", e.Message, StringComparison.Ordinal);
        Assert.Contains("'analytics'", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ThrottlingException", 400, ErrorIds.Aws.Throttled)]
    [InlineData("InternalServerException", 500, ErrorIds.Aws.ServiceUnavailable)]
    public async Task Retryable_errors_use_the_whole_budget(string type, int status, string expectedId)
    {
        using var server = new LoopbackServer(ScriptedResponse.Json(status, $$"""{"__type":"{{type}}","message":"try later"}"""));
        var e = await Assert.ThrowsAsync<IamraException>(() => TestClients.Serverless(server).GetWorkgroupAsync(new GetWorkgroupRequest { WorkgroupName = "wg1" }, NullOperationLog.Instance, default));
        Assert.Equal(expectedId, e.ErrorId);
        Assert.Equal(TestClients.FastRetries.MaxAttempts, server.Requests.Count);
    }

    [Theory]
    [InlineData("ExpiredTokenException", ErrorIds.Redshift.ExpiredToken)]
    [InlineData("InvalidSignatureException", ErrorIds.Aws.SignatureRejected)]
    [InlineData("UnrecognizedClientException", ErrorIds.Aws.InvalidClientToken)]
    public async Task Json_error_types_map_to_error_ids(string type, string expectedId)
    {
        using var server = new LoopbackServer(ScriptedResponse.Json(403, $$"""{"__type":"{{type}}","message":"no"}"""));
        var e = await Assert.ThrowsAsync<IamraException>(() => TestClients.Serverless(server).GetCredentialsAsync(new GetCredentialsRequest { WorkgroupName = "wg1" }, NullOperationLog.Instance, default));
        Assert.Equal(expectedId, e.ErrorId);
        Assert.True(RedshiftErrors.IsExpiredToken(e) == (expectedId == ErrorIds.Redshift.ExpiredToken));
    }

    [Fact]
    public void ParseError_handles_header_only_lowercase_Message_and_non_json_bodies()
    {
        using var headerOnly = new HttpResponseMessage(HttpStatusCode.BadRequest);
        headerOnly.Headers.TryAddWithoutValidation("x-amzn-ErrorType", "aws.protocoltests#ValidationException");
        headerOnly.Headers.TryAddWithoutValidation("x-amzn-RequestId", "r-2");
        var a = RedshiftServerlessClient.ParseError(HttpStatusCode.BadRequest, headerOnly.Headers, """{"Message":"capital M"}"""u8.ToArray());
        Assert.Equal(("ValidationException", "capital M", "r-2"), (a.Code, a.Message, a.RequestId));

        using var bare = new HttpResponseMessage(HttpStatusCode.NotFound);
        var b = RedshiftServerlessClient.ParseError(HttpStatusCode.NotFound, bare.Headers, "<html>gateway</html>"u8.ToArray());
        Assert.Equal(("ResourceNotFoundException", "<html>gateway</html>"), (b.Code, b.Message));
    }

    [Theory]
    [InlineData("ab")]
    [InlineData("Analytics")]
    [InlineData("wg_1")]
    public async Task Invalid_workgroup_names_fail_before_any_request(string name)
    {
        using var server = new LoopbackServer(ScriptedResponse.Json(200, CredentialsJson()));
        var e = await Assert.ThrowsAsync<IamraException>(() => TestClients.Serverless(server).GetCredentialsAsync(new GetCredentialsRequest { WorkgroupName = name }, NullOperationLog.Instance, default));
        Assert.Equal(RedshiftNames.InvalidWorkgroupName, e.ErrorId);
        Assert.Contains($"'{name}'", e.Message, StringComparison.Ordinal);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public void Request_bodies_are_valid_json_with_only_the_set_members()
    {
        var body = RedshiftServerlessClient.BuildGetCredentialsBody(new GetCredentialsRequest { CustomDomainName = "db.example.com", DurationSeconds = 3600 });
        using var document = JsonDocument.Parse(body);
        Assert.Equal(["customDomainName", "durationSeconds"], document.RootElement.EnumerateObject().Select(p => p.Name));
    }
}
