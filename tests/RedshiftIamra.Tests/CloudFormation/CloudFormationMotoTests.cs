using System.Text.Json;
using RedshiftIamra.Aws;
using RedshiftIamra.CloudFormation;
using RedshiftIamra.Tests.Redshift;

namespace RedshiftIamra.Tests.CloudFormation;

/// <summary>
/// Our CloudFormation client against moto_server (signature and IAM checks on): stacks made by
/// moto from small templates whose outputs carry the names of deploy/redshift-iamra.yaml.
/// </summary>
public sealed class CloudFormationMotoTests(MotoServerFixture moto) : IClassFixture<MotoServerFixture>
{
    /// <summary>
    /// A template with one resource moto can create and the given outputs (a string, or an
    /// object such as a Ref). No spaces: moto checks the signature of a form body it encodes
    /// again itself, with '+' for a space (as botocore sends it) where this module sends %20.
    /// </summary>
    private static string Template(string stackName, IReadOnlyDictionary<string, object> outputs) => JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["AWSTemplateFormatVersion"] = "2010-09-09",
        ["Resources"] = new Dictionary<string, object>
        {
            ["Marker"] = new { Type = "AWS::SSM::Parameter", Properties = new { Name = $"/redshiftiamra-tests/{stackName}", Type = "String", Value = "made-by-a-test" } },
        },
        ["Outputs"] = outputs.ToDictionary(o => o.Key, o => (object)new { Value = o.Value }),
    });

    private static Dictionary<string, object> TemplateOutputs(params string[] without)
    {
        var outputs = StackXml.OutputsWithout(without).ToDictionary(o => o.Key, o => (object)o.Value);
        if (outputs.ContainsKey("Region"))
        {
            // Evaluated by moto: proves the value comes from the deployed stack, not from the template text.
            outputs["Region"] = new Dictionary<string, string> { ["Ref"] = "AWS::Region" };
        }

        return outputs;
    }

    private async Task<string> CreateStackAsync(string stackName, IReadOnlyDictionary<string, object> outputs)
    {
        var answer = await moto.CallAsAsync(moto.Admin, "cloudformation", "CreateStack", CloudFormationClient.ApiVersion,
            ("StackName", stackName), ("TemplateBody", Template(stackName, outputs)));
        return answer.Descendants().Single(e => e.Name.LocalName == "StackId").Value;
    }

    private CloudFormationClient Client(AwsCredentials credentials, string? accountId = null) => new(new AwsClientConfig
    {
        Region = MotoServerFixture.Region,
        Endpoint = new AwsEndpoint(moto.Endpoint, "moto_server"),
        Credentials = AwsCredentialSources.FromCredentials(credentials, "moto IAM user", accountId),
        Http = TestClients.FastRetries,
    });

    [Fact]
    public async Task A_stack_made_by_moto_is_read_with_every_output_under_the_cmdlet_names()
    {
        var stackId = await CreateStackAsync("redshift-test", TemplateOutputs());

        var stack = await RedshiftIamraStackReader.ReadAsync(Client(moto.Admin), "redshift-test", MotoServerFixture.Region, new ListLog(), default);

        Assert.Equal("redshift-test", stack.StackName);
        Assert.Equal(stackId, stack.StackId);
        Assert.Equal("CREATE_COMPLETE", stack.StackStatus);
        Assert.Equal(MotoServerFixture.Region, stack.Region);
        Assert.Equal(StackXml.TrustAnchorArn, stack.TrustAnchorArn);
        Assert.Equal(StackXml.ProfileArn, stack.ProfileArn);
        Assert.Equal(StackXml.RoleArn, stack.RoleArn);
        Assert.Equal("my-redshift-cluster", stack.ClusterIdentifier);
        Assert.Equal(StackXml.ClusterEndpoint, stack.Hostname);
        Assert.Equal(5439, stack.Port);
        Assert.Equal("my-serverless-workgroup", stack.WorkgroupName);
        Assert.Equal(StackXml.WorkgroupEndpoint, stack.ServerlessWorkgroupEndpoint);
        Assert.Equal("dev", stack.DbName);
        Assert.Equal("analytics_user", stack.DbUser);
        Assert.Equal(StackXml.TemplateOutputs["CertificateAuthorityArn"], stack.CertificateAuthorityArn);
        Assert.Equal(StackXml.TemplateOutputs["ClientCertificateArn"], stack.ClientCertificateArn);
        Assert.Equal(StackXml.TemplateOutputs.Count, stack.Outputs.Count);
        Assert.NotNull(stack.CreationTime);
    }

    [Fact]
    public async Task A_stack_with_exactly_the_eight_outputs_of_the_AWS_sample_template_is_read_with_cluster_and_workgroup_from_the_endpoints()
    {
        var outputs = StackXml.SampleTemplateOutputs.ToDictionary(o => o.Key, o => (object)o.Value);
        Assert.Equal(8, outputs.Count);
        await CreateStackAsync("seed-stack", outputs);

        var stack = await RedshiftIamraStackReader.ReadAsync(Client(moto.Admin), "seed-stack", MotoServerFixture.Region, new ListLog(), default);

        Assert.Equal("my-redshift-cluster", stack.ClusterIdentifier);
        Assert.Equal(StackXml.ClusterEndpoint, stack.Hostname);
        Assert.Equal(5439, stack.Port);
        Assert.Equal("my-serverless-workgroup", stack.WorkgroupName);
        Assert.Equal(StackXml.WorkgroupEndpoint, stack.ServerlessWorkgroupEndpoint);
        Assert.Equal(StackXml.TrustAnchorArn, stack.TrustAnchorArn);
        Assert.Equal(StackXml.ProfileArn, stack.ProfileArn);
        Assert.Equal(StackXml.RoleArn, stack.RoleArn);
        Assert.Equal(8, stack.Outputs.Count);
    }

    [Fact]
    public async Task A_stack_is_also_found_by_its_id()
    {
        var stackId = await CreateStackAsync("by-id", TemplateOutputs());
        var stack = await RedshiftIamraStackReader.ReadAsync(Client(moto.Admin), stackId, MotoServerFixture.Region, new ListLog(), default);
        Assert.Equal("by-id", stack.StackName);
    }

    [Fact]
    public async Task A_missing_stack_is_RedshiftIamraStackNotFound()
    {
        var e = await Assert.ThrowsAsync<IamraException>(() => RedshiftIamraStackReader.ReadAsync(Client(moto.Admin), "no-such-stack", MotoServerFixture.Region, new ListLog(), default));
        Assert.Equal(RedshiftIamraStackReader.NotFound, e.ErrorId);
        Assert.Contains("'no-such-stack' does not exist in us-east-1", e.Message, StringComparison.Ordinal);
        Assert.Equal("ValidationError", Assert.IsType<AwsServiceException>(e.InnerException).Error.Code);
    }

    [Fact]
    public async Task A_deleted_stack_read_by_its_id_is_RedshiftIamraStackNotFound()
    {
        var stackId = await CreateStackAsync("deleted-soon", TemplateOutputs());
        await moto.CallAsAsync(moto.Admin, "cloudformation", "DeleteStack", CloudFormationClient.ApiVersion, ("StackName", "deleted-soon"));

        var byName = await Assert.ThrowsAsync<IamraException>(() => RedshiftIamraStackReader.ReadAsync(Client(moto.Admin), "deleted-soon", MotoServerFixture.Region, new ListLog(), default));
        Assert.Equal(RedshiftIamraStackReader.NotFound, byName.ErrorId);
        var byId = await Assert.ThrowsAsync<IamraException>(() => RedshiftIamraStackReader.ReadAsync(Client(moto.Admin), stackId, MotoServerFixture.Region, new ListLog(), default));
        Assert.Equal(RedshiftIamraStackReader.NotFound, byId.ErrorId);
    }

    [Fact]
    public async Task A_stack_without_the_role_output_is_RedshiftIamraStackOutputMissing()
    {
        await CreateStackAsync("no-role", TemplateOutputs("RedshiftAccessRoleArn"));
        var e = await Assert.ThrowsAsync<IamraException>(() => RedshiftIamraStackReader.ReadAsync(Client(moto.Admin), "no-role", MotoServerFixture.Region, new ListLog(), default));
        Assert.Equal(RedshiftIamraStackReader.OutputMissing, e.ErrorId);
        Assert.Contains("has no output 'RedshiftAccessRoleArn'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_updated_stack_is_read_with_its_new_outputs()
    {
        await CreateStackAsync("updated", TemplateOutputs());
        var outputs = TemplateOutputs();
        outputs["DbUser"] = "etl_user";
        await moto.CallAsAsync(moto.Admin, "cloudformation", "UpdateStack", CloudFormationClient.ApiVersion,
            ("StackName", "updated"), ("TemplateBody", Template("updated", outputs)));

        var stack = await RedshiftIamraStackReader.ReadAsync(Client(moto.Admin), "updated", MotoServerFixture.Region, new ListLog(), default);
        Assert.Equal("UPDATE_COMPLETE", stack.StackStatus);
        Assert.Equal("etl_user", stack.DbUser);
    }

    [Fact]
    public async Task A_wrong_secret_key_is_rejected_so_signatures_really_are_checked()
    {
        await CreateStackAsync("signed", TemplateOutputs());
        var forged = new AwsCredentials(moto.Admin.AccessKeyId, moto.Admin.SecretAccessKey[..^1] + (moto.Admin.SecretAccessKey[^1] == 'A' ? "B" : "A"));
        var e = await Assert.ThrowsAsync<IamraException>(() => Client(forged).DescribeStacksAsync(new DescribeStacksRequest { StackName = "signed" }, NullOperationLog.Instance, default));
        Assert.Equal(ErrorIds.Aws.SignatureRejected, e.ErrorId);
    }

    [Fact]
    public async Task A_user_without_DescribeStacks_gets_RedshiftIamraStackAccessDenied_naming_action_and_resource()
    {
        await CreateStackAsync("guarded", TemplateOutputs());
        var e = await Assert.ThrowsAsync<IamraException>(() => Client(moto.Reader, MotoServerFixture.AccountId).DescribeStacksAsync(
            new DescribeStacksRequest { StackName = "guarded" }, NullOperationLog.Instance, default));
        Assert.Equal(ErrorIds.Stack.AccessDenied, e.ErrorId);
        Assert.Contains("cloudformation:DescribeStacks on arn:aws:cloudformation:us-east-1:123456789012:stack/guarded/*", e.Message, StringComparison.Ordinal);
    }
}
