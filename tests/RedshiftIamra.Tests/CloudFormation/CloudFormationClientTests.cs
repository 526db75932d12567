using RedshiftIamra.Aws;
using RedshiftIamra.CloudFormation;
using RedshiftIamra.Tests.Redshift;

namespace RedshiftIamra.Tests.CloudFormation;

/// <summary>The CloudFormation Query client against a loopback server: the exact request, and every answer shape.</summary>
public sealed class CloudFormationClientTests
{
    [Fact]
    public async Task DescribeStacks_sends_the_exact_form_body_signed_for_cloudformation()
    {
        using var server = new LoopbackServer(ScriptedResponse.Xml(200, StackXml.DescribeStacks()));
        await TestClients.CloudFormation(server, region: "eu-west-1").DescribeStacksAsync(new DescribeStacksRequest { StackName = "redshift-test" }, NullOperationLog.Instance, default);

        var request = server.Single();
        Assert.Equal("POST", request.Method);
        Assert.Equal("/", request.RawUrl);
        Assert.Equal("Action=DescribeStacks&Version=2010-05-15&StackName=redshift-test", request.BodyText);
        Assert.Equal("application/x-www-form-urlencoded; charset=utf-8", request.Header("Content-Type"));
        Assert.Equal(TestClients.SessionToken, request.Header("X-Amz-Security-Token"));
        var authorization = request.Header("Authorization");
        Assert.StartsWith($"AWS4-HMAC-SHA256 Credential={TestClients.AccessKeyId}/", authorization, StringComparison.Ordinal);
        Assert.Contains("/eu-west-1/cloudformation/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, Signature=", authorization, StringComparison.Ordinal);
    }

    [Fact]
    public void The_body_encodes_a_stack_id_and_the_next_token()
    {
        var body = CloudFormationClient.BuildDescribeStacksBody(new DescribeStacksRequest { StackName = StackXml.StackId, NextToken = "a+b/c=" });
        Assert.Equal(
            "Action=DescribeStacks&Version=2010-05-15&StackName=arn%3Aaws%3Acloudformation%3Aeu-west-1%3A111122223333%3Astack%2Fredshift-test%2F6a1c9f20-ab12-11ef-8d3c-0a1b2c3d4e5f&NextToken=a%2Bb%2Fc%3D",
            System.Text.Encoding.UTF8.GetString(body));
        Assert.Equal("Action=DescribeStacks&Version=2010-05-15", System.Text.Encoding.UTF8.GetString(CloudFormationClient.BuildDescribeStacksBody(new DescribeStacksRequest())));
    }

    [Fact]
    public async Task DescribeStacks_reads_name_id_status_times_and_every_output()
    {
        using var server = new LoopbackServer(ScriptedResponse.Xml(200, StackXml.DescribeStacks(status: "UPDATE_COMPLETE")));
        var response = await TestClients.CloudFormation(server).DescribeStacksAsync(new DescribeStacksRequest { StackName = "redshift-test" }, NullOperationLog.Instance, default);

        var stack = Assert.Single(response.Stacks);
        Assert.Equal("redshift-test", stack.StackName);
        Assert.Equal(StackXml.StackId, stack.StackId);
        Assert.Equal("UPDATE_COMPLETE", stack.StackStatus);
        Assert.Null(stack.StackStatusReason);
        Assert.Equal("RedshiftIamra: private Redshift reached through IAM Roles Anywhere", stack.Description);
        Assert.Equal(new DateTimeOffset(2026, 11, 20, 9, 14, 3, 517, TimeSpan.Zero), stack.CreationTime);
        Assert.Equal(new DateTimeOffset(2026, 11, 21, 10, 0, 0, TimeSpan.Zero), stack.LastUpdatedTime);
        Assert.Equal(StackXml.TemplateOutputs.Count, stack.Outputs.Count);
        foreach (var (key, value) in StackXml.TemplateOutputs)
        {
            var output = Assert.Single(stack.Outputs, o => o.OutputKey == key);
            Assert.Equal(value, output.OutputValue);
            Assert.Equal($"The {key} of the stack", output.Description);
        }

        // Parameters and capabilities are lists of <member> too: none of them leaks into the outputs.
        Assert.DoesNotContain(stack.Outputs, o => o.OutputKey == "OnPremisesCIDR" || o.OutputValue == "CAPABILITY_IAM");
        Assert.Null(response.NextToken);
        Assert.Equal("4af2c1d0-1111-4b4b-9c9c-0123456789ab", response.RequestId);
    }

    [Fact]
    public async Task A_stack_without_outputs_an_export_name_and_a_status_reason_are_read()
    {
        var xml = $"""
            <DescribeStacksResponse xmlns="{StackXml.Ns}"><DescribeStacksResult><Stacks>
              <member><StackName>s1</StackName><StackStatus>ROLLBACK_COMPLETE</StackStatus><StackStatusReason>The following resource(s) failed to create: [RedshiftCluster].</StackStatusReason></member>
              <member><StackName>s2</StackName><StackStatus>CREATE_COMPLETE</StackStatus><Outputs><member><OutputKey>Shared</OutputKey><OutputValue>v</OutputValue><ExportName>s2-Shared</ExportName></member></Outputs></member>
            </Stacks><NextToken>page-2</NextToken></DescribeStacksResult></DescribeStacksResponse>
            """;
        using var server = new LoopbackServer(ScriptedResponse.Xml(200, xml));
        var response = await TestClients.CloudFormation(server).DescribeStacksAsync(new DescribeStacksRequest(), NullOperationLog.Instance, default);

        Assert.Equal(2, response.Stacks.Count);
        Assert.Empty(response.Stacks[0].Outputs);
        Assert.Equal("The following resource(s) failed to create: [RedshiftCluster].", response.Stacks[0].StackStatusReason);
        Assert.Equal(new Output("Shared", "v") { ExportName = "s2-Shared" }, Assert.Single(response.Stacks[1].Outputs));
        Assert.Equal("page-2", response.NextToken);
    }

    [Fact]
    public async Task A_missing_stack_is_RedshiftIamraStackNotFound_and_not_retried()
    {
        using var server = new LoopbackServer(ScriptedResponse.Xml(400, StackXml.Error("ValidationError", "Stack with id nosuchstack does not exist")));
        var e = await Assert.ThrowsAsync<IamraException>(() => TestClients.CloudFormation(server, region: "eu-west-1")
            .DescribeStacksAsync(new DescribeStacksRequest { StackName = "nosuchstack" }, NullOperationLog.Instance, default));

        Assert.Equal(ErrorIds.Stack.NotFound, e.ErrorId);
        Assert.Equal(IamraErrorCategory.ObjectNotFound, e.Category);
        Assert.Equal("nosuchstack", e.Target);
        Assert.Contains("The stack 'nosuchstack' does not exist in eu-west-1", e.Message, StringComparison.Ordinal);
        Assert.Contains("Stack with id nosuchstack does not exist", e.Message, StringComparison.Ordinal);
        Assert.Contains("0e9d8c7b-2222-4c4c-8d8d-0123456789ab", e.Message, StringComparison.Ordinal);
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task Access_denied_names_the_action_and_the_stack_resource()
    {
        using var server = new LoopbackServer(ScriptedResponse.Xml(403, StackXml.Error("AccessDenied",
            "User: arn:aws:sts::111122223333:assumed-role/etl/s is not authorized to perform: cloudformation:DescribeStacks on resource: arn:aws:cloudformation:eu-west-1:111122223333:stack/redshift-test/*")));
        var e = await Assert.ThrowsAsync<IamraException>(() => TestClients.CloudFormation(server, region: "eu-west-1", accountId: "111122223333")
            .DescribeStacksAsync(new DescribeStacksRequest { StackName = "redshift-test" }, NullOperationLog.Instance, default));

        Assert.Equal(ErrorIds.Stack.AccessDenied, e.ErrorId);
        Assert.Equal(IamraErrorCategory.PermissionDenied, e.Category);
        Assert.Contains("needs cloudformation:DescribeStacks on arn:aws:cloudformation:eu-west-1:111122223333:stack/redshift-test/*", e.Message, StringComparison.Ordinal);
        Assert.Equal("Grant cloudformation:DescribeStacks on arn:aws:cloudformation:eu-west-1:111122223333:stack/redshift-test/*", e.RecommendedAction);
    }

    [Theory]
    [InlineData(400, "ExpiredToken", "The security token included in the request is expired", ErrorIds.Aws.ExpiredToken)]
    [InlineData(403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided.", ErrorIds.Aws.SignatureRejected)]
    [InlineData(403, "InvalidClientTokenId", "The security token included in the request is invalid.", ErrorIds.Aws.InvalidClientToken)]
    [InlineData(400, "ValidationError", "1 validation error detected: Value 'x' at 'nextToken' failed to satisfy constraint", ErrorIds.Stack.InvalidParameter)]
    [InlineData(403, "SomethingNew", "a code nobody has seen, with 403", ErrorIds.Stack.AccessDenied)]
    [InlineData(400, "SomethingNew", "a code nobody has seen", ErrorIds.Stack.ServiceError)]
    public async Task Query_error_codes_map_to_error_ids(int status, string code, string message, string expectedId)
    {
        using var server = new LoopbackServer(ScriptedResponse.Xml(status, StackXml.Error(code, message)));
        var e = await Assert.ThrowsAsync<IamraException>(() => TestClients.CloudFormation(server)
            .DescribeStacksAsync(new DescribeStacksRequest { StackName = "redshift-test" }, NullOperationLog.Instance, default));
        Assert.Equal(expectedId, e.ErrorId);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task Throttling_is_retried_then_succeeds_and_past_the_budget_is_IamraThrottled()
    {
        using (var server = new LoopbackServer(ScriptedResponse.Xml(400, StackXml.Error("Throttling", "Rate exceeded")), ScriptedResponse.Xml(200, StackXml.DescribeStacks())))
        {
            var response = await TestClients.CloudFormation(server).DescribeStacksAsync(new DescribeStacksRequest { StackName = "redshift-test" }, NullOperationLog.Instance, default);
            Assert.Single(response.Stacks);
            Assert.Equal(2, server.Requests.Count);
        }

        using (var server = new LoopbackServer(ScriptedResponse.Xml(400, StackXml.Error("Throttling", "Rate exceeded"))))
        {
            var e = await Assert.ThrowsAsync<IamraException>(() => TestClients.CloudFormation(server).DescribeStacksAsync(new DescribeStacksRequest { StackName = "redshift-test" }, NullOperationLog.Instance, default));
            Assert.Equal(ErrorIds.Aws.Throttled, e.ErrorId);
            Assert.Equal(TestClients.FastRetries.MaxAttempts, server.Requests.Count);
        }
    }

    [Fact]
    public async Task A_200_that_is_not_the_expected_xml_is_an_invalid_response_naming_CloudFormation()
    {
        using var server = new LoopbackServer(ScriptedResponse.Xml(200, "<html>captive portal</html>"), ScriptedResponse.Xml(200, "{\"json\":true}"));
        var client = TestClients.CloudFormation(server);
        var request = new DescribeStacksRequest { StackName = "redshift-test" };

        var missing = await Assert.ThrowsAsync<IamraException>(() => client.DescribeStacksAsync(request, NullOperationLog.Instance, default));
        Assert.Equal(ErrorIds.Aws.InvalidResponse, missing.ErrorId);
        Assert.Contains("CloudFormation DescribeStacks answered but the answer has no DescribeStacksResult element", missing.Message, StringComparison.Ordinal);
        Assert.Contains("it may not be a CloudFormation endpoint", missing.Message, StringComparison.Ordinal);

        var notXml = await Assert.ThrowsAsync<IamraException>(() => client.DescribeStacksAsync(request, NullOperationLog.Instance, default));
        Assert.Equal(ErrorIds.Aws.InvalidResponse, notXml.ErrorId);
        Assert.Contains("not XML", notXml.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stack_without_a_status_is_an_invalid_response()
    {
        using var server = new LoopbackServer(ScriptedResponse.Xml(200, StackXml.DescribeStacks().Replace("<StackStatus>CREATE_COMPLETE</StackStatus>", string.Empty, StringComparison.Ordinal)));
        var e = await Assert.ThrowsAsync<IamraException>(() => TestClients.CloudFormation(server).DescribeStacksAsync(new DescribeStacksRequest { StackName = "redshift-test" }, NullOperationLog.Instance, default));
        Assert.Equal(ErrorIds.Aws.InvalidResponse, e.ErrorId);
        Assert.Contains("'StackStatus' is missing", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1stack")]
    [InlineData("my_stack")]
    [InlineData("")]
    [InlineData("arn:aws:cloudformation:eu-west-1:1111:stack/x/y")]
    public async Task An_invalid_stack_name_is_refused_before_any_call(string name)
    {
        using var server = new LoopbackServer(ScriptedResponse.Xml(200, StackXml.DescribeStacks()));
        var e = await Assert.ThrowsAsync<IamraException>(() => TestClients.CloudFormation(server).DescribeStacksAsync(new DescribeStacksRequest { StackName = name }, NullOperationLog.Instance, default));
        Assert.Equal(CloudFormationNames.InvalidStackName, e.ErrorId);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public void Stack_names_and_ids_are_recognised_with_their_region()
    {
        Assert.Equal("redshift-test", CloudFormationNames.ValidateStackName("redshift-test"));
        Assert.Equal(StackXml.StackId, CloudFormationNames.ValidateStackName(StackXml.StackId));
        Assert.Equal("eu-west-1", CloudFormationNames.RegionOf(StackXml.StackId));
        Assert.Equal("redshift-test", CloudFormationNames.NameOf(StackXml.StackId));
        Assert.Null(CloudFormationNames.RegionOf("redshift-test"));
        Assert.Equal("redshift-test", CloudFormationNames.NameOf("redshift-test"));
    }

    [Fact]
    public void The_endpoint_follows_the_parameter_then_the_service_variable_then_the_global_one_then_the_region()
    {
        var environment = new Dictionary<string, string?>
        {
            ["AWS_ENDPOINT_URL_CLOUDFORMATION"] = "https://cfn.example.internal",
            ["AWS_ENDPOINT_URL"] = "https://all.example.internal",
        };
        Assert.Equal("https://explicit.example.internal/", CloudFormationClient.ResolveEndpoint("https://explicit.example.internal", "eu-west-1", environment: k => environment.GetValueOrDefault(k)).Uri.ToString());
        Assert.Equal("https://cfn.example.internal/", CloudFormationClient.ResolveEndpoint(null, "eu-west-1", environment: k => environment.GetValueOrDefault(k)).Uri.ToString());
        environment.Remove("AWS_ENDPOINT_URL_CLOUDFORMATION");
        Assert.Equal("https://all.example.internal/", CloudFormationClient.ResolveEndpoint(null, "eu-west-1", environment: k => environment.GetValueOrDefault(k)).Uri.ToString());
        environment.Clear();
        Assert.Equal("https://cloudformation.eu-west-1.amazonaws.com/", CloudFormationClient.ResolveEndpoint(null, "eu-west-1", environment: k => environment.GetValueOrDefault(k)).Uri.ToString());
        Assert.Equal("https://cloudformation.cn-north-1.amazonaws.com.cn/", CloudFormationClient.ResolveEndpoint(null, "cn-north-1", environment: k => environment.GetValueOrDefault(k)).Uri.ToString());
    }
}
