using System.Net;
using RedshiftIamra.Aws;
using RedshiftIamra.Redshift;

namespace RedshiftIamra.Tests.Redshift;

/// <summary>The Query-protocol client against a loopback server: the exact request, and every answer shape.</summary>
public sealed class RedshiftClientTests
{
    private const string Ns = "http://redshift.amazonaws.com/doc/2012-12-01/";
    private const string Password = "AbCdEf0123456789/+=SeCrEtPaSsWoRd";

    internal static string CredentialsXml(string user = "IAM:alice", string expiration = "2026-11-26T20:30:00.123Z", string requestId = "5b1e0e3a-1111-4a4a-9c9c-000000000001") => $"""
        <GetClusterCredentialsResponse xmlns="{Ns}">
          <GetClusterCredentialsResult>
            <DbUser>{user}</DbUser>
            <Expiration>{expiration}</Expiration>
            <DbPassword>{Password}</DbPassword>
          </GetClusterCredentialsResult>
          <ResponseMetadata>
            <RequestId>{requestId}</RequestId>
          </ResponseMetadata>
        </GetClusterCredentialsResponse>
        """;

    internal static string ErrorXml(string code, string message, string type = "Sender", string requestId = "0f0e0d0c-2222-4b4b-8d8d-000000000002") => $"""
        <ErrorResponse xmlns="{Ns}">
          <Error>
            <Type>{type}</Type>
            <Code>{code}</Code>
            <Message>{message}</Message>
          </Error>
          <RequestId>{requestId}</RequestId>
        </ErrorResponse>
        """;

    private static readonly string DescribeXml = $"""
        <DescribeClustersResponse xmlns="{Ns}">
          <DescribeClustersResult>
            <Clusters>
              <Cluster>
                <ClusterIdentifier>examplecluster</ClusterIdentifier>
                <NodeType>ra3.xlplus</NodeType>
                <ClusterStatus>available</ClusterStatus>
                <ClusterAvailabilityStatus>Available</ClusterAvailabilityStatus>
                <MasterUsername>awsuser</MasterUsername>
                <DBName>dev</DBName>
                <Endpoint>
                  <Address>examplecluster.abc123xyz789.us-east-1.redshift.amazonaws.com</Address>
                  <Port>5439</Port>
                  <VpcEndpoints/>
                </Endpoint>
                <ClusterCreateTime>2025-01-02T03:04:05.678Z</ClusterCreateTime>
                <Tags><Tag><Key>Endpoint</Key><Value>not-this-one</Value></Tag></Tags>
              </Cluster>
              <Cluster>
                <ClusterIdentifier>newcluster</ClusterIdentifier>
                <ClusterStatus>creating</ClusterStatus>
                <DBName>analytics</DBName>
              </Cluster>
            </Clusters>
            <Marker>next-page-token</Marker>
          </DescribeClustersResult>
          <ResponseMetadata>
            <RequestId>aaaaaaaa-3333-4c4c-8e8e-000000000003</RequestId>
          </ResponseMetadata>
        </DescribeClustersResponse>
        """;

    [Fact]
    public async Task GetClusterCredentials_sends_every_field_in_the_exact_form_body_signed_for_redshift()
    {
        using var server = new LoopbackServer(ScriptedResponse.Xml(200, CredentialsXml()));
        var client = TestClients.Redshift(server, region: "eu-west-2");

        await client.GetClusterCredentialsAsync(new GetClusterCredentialsRequest
        {
            DbUser = "alice",
            DbName = "dev",
            ClusterIdentifier = "examplecluster",
            DurationSeconds = 1800,
            AutoCreate = true,
            DbGroups = ["analysts", "etl.writers"],
            CustomDomainName = "db.example.com",
        }, NullOperationLog.Instance, default);

        var request = server.Single();
        Assert.Equal("POST", request.Method);
        Assert.Equal("/", request.RawUrl);
        Assert.Equal(
            "Action=GetClusterCredentials&Version=2012-12-01&DbUser=alice&DbName=dev&ClusterIdentifier=examplecluster&DurationSeconds=1800&AutoCreate=true&DbGroups.DbGroup.1=analysts&DbGroups.DbGroup.2=etl.writers&CustomDomainName=db.example.com",
            request.BodyText);
        Assert.Equal("application/x-www-form-urlencoded; charset=utf-8", request.Header("Content-Type"));
        Assert.Equal(TestClients.SessionToken, request.Header("X-Amz-Security-Token"));
        Assert.Equal($"127.0.0.1:{server.Port}", request.Header("Host"));
        var authorization = request.Header("Authorization");
        Assert.StartsWith($"AWS4-HMAC-SHA256 Credential={TestClients.AccessKeyId}/", authorization, StringComparison.Ordinal);
        Assert.Contains("/eu-west-2/redshift/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, Signature=", authorization, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetClusterCredentials_leaves_out_unset_fields_and_empty_groups_and_writes_false()
    {
        using var server = new LoopbackServer(ScriptedResponse.Xml(200, CredentialsXml()));
        var client = TestClients.Redshift(server);

        await client.GetClusterCredentialsAsync(new GetClusterCredentialsRequest { DbUser = "alice", ClusterIdentifier = "c1" }, NullOperationLog.Instance, default);
        await client.GetClusterCredentialsAsync(new GetClusterCredentialsRequest { DbUser = "alice", ClusterIdentifier = "c1", AutoCreate = false, DbGroups = [] }, NullOperationLog.Instance, default);

        Assert.Equal("Action=GetClusterCredentials&Version=2012-12-01&DbUser=alice&ClusterIdentifier=c1", server.Requests[0].BodyText);
        Assert.Equal("Action=GetClusterCredentials&Version=2012-12-01&DbUser=alice&ClusterIdentifier=c1&AutoCreate=false", server.Requests[1].BodyText);
    }

    [Fact]
    public void Form_values_are_RFC_3986_encoded()
    {
        var body = RedshiftClient.BuildGetClusterCredentialsBody(new GetClusterCredentialsRequest
        {
            DbUser = "a+b@c.d-e_f",
            CustomDomainName = "db.example.com",
            DbGroups = ["g+1", "g@2"],
        });

        Assert.Equal(
            "Action=GetClusterCredentials&Version=2012-12-01&DbUser=a%2Bb%40c.d-e_f&DbGroups.DbGroup.1=g%2B1&DbGroups.DbGroup.2=g%402&CustomDomainName=db.example.com",
            System.Text.Encoding.UTF8.GetString(body));
    }

    [Fact]
    public async Task GetClusterCredentials_parses_user_password_expiration_and_request_id()
    {
        using var server = new LoopbackServer(ScriptedResponse.Xml(200, CredentialsXml(user: "IAMA:alice")));
        var response = await TestClients.Redshift(server).GetClusterCredentialsAsync(
            new GetClusterCredentialsRequest { DbUser = "alice", ClusterIdentifier = "c1", AutoCreate = true }, NullOperationLog.Instance, default);

        Assert.Equal("IAMA:alice", response.DbUser);
        Assert.Equal(Password, response.DbPassword);
        Assert.Equal(new DateTimeOffset(2026, 11, 26, 20, 30, 0, 123, TimeSpan.Zero), response.Expiration);
        Assert.Equal(TimeSpan.Zero, response.Expiration.Offset);
        Assert.Equal("5b1e0e3a-1111-4a4a-9c9c-000000000001", response.RequestId);
        Assert.DoesNotContain(Password, response.ToString(), StringComparison.Ordinal);
        Assert.Contains("IAMA:alice", response.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Response_elements_are_matched_by_local_name_whatever_the_namespace()
    {
        var xml = CredentialsXml().Replace(Ns, "http://example.invalid/other/", StringComparison.Ordinal);
        using var server = new LoopbackServer(ScriptedResponse.Xml(200, xml));
        var response = await TestClients.Redshift(server).GetClusterCredentialsAsync(
            new GetClusterCredentialsRequest { DbUser = "alice", ClusterIdentifier = "c1" }, NullOperationLog.Instance, default);
        Assert.Equal("IAM:alice", response.DbUser);
    }

    [Fact]
    public async Task GetClusterCredentialsWithIAM_sends_its_fields_and_parses_NextRefreshTime()
    {
        var xml = $"""
            <GetClusterCredentialsWithIAMResponse xmlns="{Ns}">
              <GetClusterCredentialsWithIAMResult>
                <DbUser>IAMR:redshift-etl</DbUser>
                <DbPassword>{Password}</DbPassword>
                <Expiration>2026-11-26T21:15:00Z</Expiration>
                <NextRefreshTime>2026-11-26T20:45:00Z</NextRefreshTime>
              </GetClusterCredentialsWithIAMResult>
              <ResponseMetadata><RequestId>bbbbbbbb-4444-4d4d-8f8f-000000000004</RequestId></ResponseMetadata>
            </GetClusterCredentialsWithIAMResponse>
            """;
        using var server = new LoopbackServer(ScriptedResponse.Xml(200, xml));
        var response = await TestClients.Redshift(server).GetClusterCredentialsWithIAMAsync(
            new GetClusterCredentialsWithIAMRequest { ClusterIdentifier = "examplecluster", DbName = "dev", DurationSeconds = 3600 }, NullOperationLog.Instance, default);

        Assert.Equal("Action=GetClusterCredentialsWithIAM&Version=2012-12-01&DbName=dev&ClusterIdentifier=examplecluster&DurationSeconds=3600", server.Single().BodyText);
        Assert.Equal("IAMR:redshift-etl", response.DbUser);
        Assert.Equal(new DateTimeOffset(2026, 11, 26, 21, 15, 0, TimeSpan.Zero), response.Expiration);
        Assert.Equal(new DateTimeOffset(2026, 11, 26, 20, 45, 0, TimeSpan.Zero), response.NextRefreshTime);
        Assert.Equal("bbbbbbbb-4444-4d4d-8f8f-000000000004", response.RequestId);
        Assert.DoesNotContain(Password, response.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DescribeClusters_sends_the_identifier_and_reads_clusters_with_and_without_endpoint()
    {
        using var server = new LoopbackServer(ScriptedResponse.Xml(200, DescribeXml));
        var response = await TestClients.Redshift(server).DescribeClustersAsync(new DescribeClustersRequest { ClusterIdentifier = "examplecluster" }, NullOperationLog.Instance, default);

        Assert.Equal("Action=DescribeClusters&Version=2012-12-01&ClusterIdentifier=examplecluster", server.Single().BodyText);
        Assert.Equal(2, response.Clusters.Count);
        var ready = response.Clusters[0];
        Assert.Equal(new Cluster("examplecluster", "available", "dev", new ClusterEndpoint("examplecluster.abc123xyz789.us-east-1.redshift.amazonaws.com", 5439)), ready);
        Assert.True(ready.IsAvailable);
        var creating = response.Clusters[1];
        Assert.Equal("creating", creating.ClusterStatus);
        Assert.Null(creating.Endpoint);
        Assert.False(creating.IsAvailable);
        Assert.Equal("next-page-token", response.Marker);
        Assert.Equal("aaaaaaaa-3333-4c4c-8e8e-000000000003", response.RequestId);
    }

    [Fact]
    public async Task DescribeClusters_without_identifier_sends_only_action_and_version()
    {
        using var server = new LoopbackServer(ScriptedResponse.Xml(200, $"<DescribeClustersResponse xmlns=\"{Ns}\"><DescribeClustersResult><Clusters/></DescribeClustersResult></DescribeClustersResponse>"));
        var response = await TestClients.Redshift(server).DescribeClustersAsync(new DescribeClustersRequest(), NullOperationLog.Instance, default);
        Assert.Equal("Action=DescribeClusters&Version=2012-12-01", server.Single().BodyText);
        Assert.Empty(response.Clusters);
        Assert.Null(response.Marker);
    }

    [Fact]
    public async Task ClusterNotFound_error_response_is_mapped_and_not_retried()
    {
        using var server = new LoopbackServer(ScriptedResponse.Xml(404, ErrorXml("ClusterNotFound", "Cluster nosuchcluster not found.")));
        var e = await Assert.ThrowsAsync<IamraException>(() => TestClients.Redshift(server).GetClusterCredentialsAsync(
            new GetClusterCredentialsRequest { DbUser = "alice", ClusterIdentifier = "nosuchcluster" }, NullOperationLog.Instance, default));

        Assert.Equal(ErrorIds.Redshift.ClusterNotFound, e.ErrorId);
        Assert.Equal(IamraErrorCategory.ObjectNotFound, e.Category);
        Assert.Contains("'nosuchcluster'", e.Message, StringComparison.Ordinal);
        Assert.Contains("Cluster nosuchcluster not found.", e.Message, StringComparison.Ordinal);
        Assert.Contains("0f0e0d0c-2222-4b4b-8d8d-000000000002", e.Message, StringComparison.Ordinal);
        Assert.Equal("nosuchcluster", e.Target);
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task Throttling_is_retried_then_succeeds()
    {
        using var server = new LoopbackServer(
            ScriptedResponse.Xml(400, ErrorXml("Throttling", "Rate exceeded")),
            ScriptedResponse.Xml(200, CredentialsXml()));
        var response = await TestClients.Redshift(server).GetClusterCredentialsAsync(
            new GetClusterCredentialsRequest { DbUser = "alice", ClusterIdentifier = "c1" }, NullOperationLog.Instance, default);
        Assert.Equal("IAM:alice", response.DbUser);
        Assert.Equal(2, server.Requests.Count);
        Assert.NotEqual(server.Requests[0].Header("Authorization"), string.Empty);
    }

    [Fact]
    public async Task Throttling_past_the_retry_budget_is_IamraThrottled()
    {
        using var server = new LoopbackServer(ScriptedResponse.Xml(400, ErrorXml("Throttling", "Rate exceeded")));
        var e = await Assert.ThrowsAsync<IamraException>(() => TestClients.Redshift(server).DescribeClustersAsync(new DescribeClustersRequest { ClusterIdentifier = "c1" }, NullOperationLog.Instance, default));
        Assert.Equal(ErrorIds.Aws.Throttled, e.ErrorId);
        Assert.Equal(IamraErrorCategory.LimitsExceeded, e.Category);
        Assert.Equal(TestClients.FastRetries.MaxAttempts, server.Requests.Count);
        Assert.Contains("Rate exceeded", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Access_denied_names_action_and_resource_with_the_account_from_the_config()
    {
        using var server = new LoopbackServer(ScriptedResponse.Xml(403, ErrorXml("AccessDenied", "User: arn:aws:sts::111122223333:assumed-role/etl/s is not authorized to perform: redshift:GetClusterCredentials")));
        var client = new RedshiftClient(TestClients.Config(server.Uri, region: "us-west-2", accountId: "111122223333"));
        var e = await Assert.ThrowsAsync<IamraException>(() => client.GetClusterCredentialsAsync(
            new GetClusterCredentialsRequest { DbUser = "alice", ClusterIdentifier = "examplecluster", DbName = "dev" }, NullOperationLog.Instance, default));

        Assert.Equal(ErrorIds.Redshift.AccessDenied, e.ErrorId);
        Assert.Equal(IamraErrorCategory.PermissionDenied, e.Category);
        Assert.Contains("redshift:GetClusterCredentials on arn:aws:redshift:us-west-2:111122223333:dbuser:examplecluster/alice and arn:aws:redshift:us-west-2:111122223333:dbname:examplecluster/dev", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Errors_wrapper_shape_and_header_only_errors_are_read()
    {
        // moto and some proxies wrap the error in <Errors>.
        var wrapped = "<?xml version=\"1.0\" encoding=\"utf-8\"?><ErrorResponse><Errors><Error><Code>InvalidClusterState</Code><Message>The cluster is paused.</Message><Type>Sender</Type></Error></Errors><RequestId>cccccccc-5555</RequestId></ErrorResponse>";
        using var server = new LoopbackServer(ScriptedResponse.Xml(400, wrapped));
        var e = await Assert.ThrowsAsync<IamraException>(() => TestClients.Redshift(server).GetClusterCredentialsAsync(
            new GetClusterCredentialsRequest { DbUser = "alice", ClusterIdentifier = "paused1" }, NullOperationLog.Instance, default));
        Assert.Equal(ErrorIds.Redshift.ClusterNotAvailable, e.ErrorId);
        Assert.Contains("The cluster is paused.", e.Message, StringComparison.Ordinal);
        Assert.Contains("cccccccc-5555", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(400, "ExpiredToken", "The security token included in the request is expired", ErrorIds.Redshift.ExpiredToken)]
    [InlineData(400, "InvalidParameterValue", "Token duration must be between 900 and 3600 seconds", ErrorIds.Redshift.InvalidParameter)]
    [InlineData(403, "SignatureDoesNotMatch", "The request signature we calculated does not match", ErrorIds.Aws.SignatureRejected)]
    [InlineData(403, "IncompleteSignature", "Authorization header requires 'Credential' parameter", ErrorIds.Aws.SignatureRejected)]
    [InlineData(400, "UnsupportedOperation", "GetClusterCredentialsWithIAM is not supported", ErrorIds.Redshift.UnsupportedOperation)]
    [InlineData(403, "InvalidClientTokenId", "The security token included in the request is invalid.", ErrorIds.Aws.InvalidClientToken)]
    [InlineData(400, "SomethingNew", "a code nobody has seen", ErrorIds.Redshift.ServiceError)]
    public async Task Query_error_codes_map_to_error_ids(int status, string code, string message, string expectedId)
    {
        using var server = new LoopbackServer(ScriptedResponse.Xml(status, ErrorXml(code, message)));
        var e = await Assert.ThrowsAsync<IamraException>(() => TestClients.Redshift(server).GetClusterCredentialsWithIAMAsync(
            new GetClusterCredentialsWithIAMRequest { ClusterIdentifier = "c1" }, NullOperationLog.Instance, default));
        Assert.Equal(expectedId, e.ErrorId);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        Assert.Single(server.Requests);
    }

    [Fact]
    public void ParseError_reads_type_code_message_and_request_id()
    {
        using var response = new HttpResponseMessage(HttpStatusCode.NotFound);
        var error = AwsQueryProtocol.ParseError(HttpStatusCode.NotFound, response.Headers, System.Text.Encoding.UTF8.GetBytes(ErrorXml("ClusterNotFound", "Cluster x not found.", requestId: "rid-1")));
        Assert.Equal("ClusterNotFound", error.Code);
        Assert.Equal("Cluster x not found.", error.Message);
        Assert.Equal("rid-1", error.RequestId);
        Assert.Equal(HttpStatusCode.NotFound, error.Status);
    }

    [Fact]
    public void ParseError_falls_back_to_header_then_status_for_bodies_that_are_not_xml()
    {
        using var withHeader = new HttpResponseMessage(HttpStatusCode.BadRequest);
        withHeader.Headers.TryAddWithoutValidation("x-amzn-ErrorType", "ThrottlingException:http://internal.amazon.com/");
        withHeader.Headers.TryAddWithoutValidation("x-amzn-RequestId", "hdr-rid");
        var fromHeader = AwsQueryProtocol.ParseError(HttpStatusCode.BadRequest, withHeader.Headers, "not xml at all"u8.ToArray());
        Assert.Equal("ThrottlingException", fromHeader.Code);
        Assert.Equal("not xml at all", fromHeader.Message);
        Assert.Equal("hdr-rid", fromHeader.RequestId);

        using var bare = new HttpResponseMessage(HttpStatusCode.Forbidden);
        var fromStatus = AwsQueryProtocol.ParseError(HttpStatusCode.Forbidden, bare.Headers, []);
        Assert.Equal("AccessDenied", fromStatus.Code);
    }

    [Fact]
    public async Task A_200_that_is_not_xml_or_lacks_the_result_is_an_invalid_response()
    {
        using var server = new LoopbackServer(ScriptedResponse.Xml(200, "<html>captive portal</html>"), ScriptedResponse.Xml(200, "{\"json\":true}"));
        var client = TestClients.Redshift(server);
        var request = new GetClusterCredentialsRequest { DbUser = "alice", ClusterIdentifier = "c1" };
        var missing = await Assert.ThrowsAsync<IamraException>(() => client.GetClusterCredentialsAsync(request, NullOperationLog.Instance, default));
        Assert.Equal(ErrorIds.Aws.InvalidResponse, missing.ErrorId);
        Assert.Contains("GetClusterCredentialsResult", missing.Message, StringComparison.Ordinal);
        var notXml = await Assert.ThrowsAsync<IamraException>(() => client.GetClusterCredentialsAsync(request, NullOperationLog.Instance, default));
        Assert.Equal(ErrorIds.Aws.InvalidResponse, notXml.ErrorId);
    }

    [Fact]
    public async Task A_DTD_in_the_answer_is_refused()
    {
        var xml = "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>" + CredentialsXml().Replace("IAM:alice", "&e;", StringComparison.Ordinal);
        using var server = new LoopbackServer(ScriptedResponse.Xml(200, xml));
        var e = await Assert.ThrowsAsync<IamraException>(() => TestClients.Redshift(server).GetClusterCredentialsAsync(
            new GetClusterCredentialsRequest { DbUser = "alice", ClusterIdentifier = "c1" }, NullOperationLog.Instance, default));
        Assert.Equal(ErrorIds.Aws.InvalidResponse, e.ErrorId);
    }

    [Theory]
    [InlineData("PUBLIC", "c1", null, RedshiftNames.InvalidDbUser)]
    [InlineData("alice", "Bad_Cluster", null, RedshiftNames.InvalidClusterIdentifier)]
    [InlineData("alice", "c1", 600, RedshiftNames.InvalidDuration)]
    [InlineData("alice", null, null, RedshiftNames.InvalidClusterIdentifier)]
    public async Task Invalid_input_fails_before_any_request(string user, string? cluster, int? duration, string expectedId)
    {
        using var server = new LoopbackServer(ScriptedResponse.Xml(200, CredentialsXml()));
        var e = await Assert.ThrowsAsync<IamraException>(() => TestClients.Redshift(server).GetClusterCredentialsAsync(
            new GetClusterCredentialsRequest { DbUser = user, ClusterIdentifier = cluster, DurationSeconds = duration }, NullOperationLog.Instance, default));
        Assert.Equal(expectedId, e.ErrorId);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task Bad_group_fails_before_any_request()
    {
        using var server = new LoopbackServer(ScriptedResponse.Xml(200, CredentialsXml()));
        var e = await Assert.ThrowsAsync<IamraException>(() => TestClients.Redshift(server).GetClusterCredentialsAsync(
            new GetClusterCredentialsRequest { DbUser = "alice", ClusterIdentifier = "c1", DbGroups = ["ok", "Analysts"] }, NullOperationLog.Instance, default));
        Assert.Equal(RedshiftNames.InvalidDbGroup, e.ErrorId);
        Assert.Contains("'Analysts'", e.Message, StringComparison.Ordinal);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task The_password_appears_in_no_log_line()
    {
        using var server = new LoopbackServer(ScriptedResponse.Xml(200, CredentialsXml()));
        var log = new ListLog();
        await TestClients.Redshift(server).GetClusterCredentialsAsync(new GetClusterCredentialsRequest { DbUser = "alice", ClusterIdentifier = "c1" }, log, default);
        Assert.NotEmpty(log.Lines);
        Assert.All(log.Lines, line =>
        {
            Assert.DoesNotContain(Password, line, StringComparison.Ordinal);
            Assert.DoesNotContain(TestClients.SecretAccessKey, line, StringComparison.Ordinal);
            Assert.DoesNotContain(TestClients.SessionToken, line, StringComparison.Ordinal);
        });
        Assert.Contains(log.Lines, l => l.Contains("test keys", StringComparison.Ordinal));
    }

    [Fact]
    public void Endpoint_precedence_explicit_then_service_variable_then_global_then_default()
    {
        var env = new Dictionary<string, string?>
        {
            ["AWS_ENDPOINT_URL_REDSHIFT"] = "https://redshift.proxy.example/",
            ["AWS_ENDPOINT_URL_REDSHIFT_SERVERLESS"] = "https://serverless.proxy.example/",
            ["AWS_ENDPOINT_URL"] = "https://all.proxy.example/",
        };
        string? Lookup(string name) => env.TryGetValue(name, out var v) ? v : null;

        Assert.Equal("https://explicit.example/", RedshiftClient.ResolveEndpoint("https://explicit.example", "us-east-1", environment: Lookup).Uri.ToString());
        Assert.Equal("https://redshift.proxy.example/", RedshiftClient.ResolveEndpoint(null, "us-east-1", environment: Lookup).Uri.ToString());
        Assert.Equal("https://serverless.proxy.example/", RedshiftServerlessClient.ResolveEndpoint(null, "us-east-1", environment: Lookup).Uri.ToString());
        env.Remove("AWS_ENDPOINT_URL_REDSHIFT");
        env.Remove("AWS_ENDPOINT_URL_REDSHIFT_SERVERLESS");
        Assert.Equal("https://all.proxy.example/", RedshiftClient.ResolveEndpoint(null, "us-east-1", environment: Lookup).Uri.ToString());
        Assert.Equal("https://all.proxy.example/", RedshiftServerlessClient.ResolveEndpoint(null, "us-east-1", environment: Lookup).Uri.ToString());
        env.Clear();
        Assert.Equal("https://redshift.us-east-1.amazonaws.com/", RedshiftClient.ResolveEndpoint(null, "us-east-1", environment: Lookup).Uri.ToString());
        Assert.Equal("https://redshift-serverless.cn-north-1.amazonaws.com.cn/", RedshiftServerlessClient.ResolveEndpoint(null, "cn-north-1", environment: Lookup).Uri.ToString());
        env["AWS_USE_FIPS_ENDPOINT"] = "true";
        Assert.Equal("https://redshift-fips.us-gov-west-1.amazonaws.com/", RedshiftClient.ResolveEndpoint(null, "us-gov-west-1", environment: Lookup).Uri.ToString());
    }
}
