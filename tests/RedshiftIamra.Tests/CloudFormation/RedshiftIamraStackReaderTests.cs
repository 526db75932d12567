using RedshiftIamra.CloudFormation;
using RedshiftIamra.Tests.Redshift;

namespace RedshiftIamra.Tests.CloudFormation;

/// <summary>Reading a stack of deploy/redshift-iamra.yaml from scripted answers: ready, not ready, missing, incomplete.</summary>
public sealed class RedshiftIamraStackReaderTests
{
    private static async Task<RedshiftIamraStack> ReadAsync(string answer, ListLog? log = null, string stackName = "redshift-test", int status = 200)
    {
        using var server = new LoopbackServer(ScriptedResponse.Xml(status, answer));
        return await RedshiftIamraStackReader.ReadAsync(TestClients.CloudFormation(server, region: "eu-west-1"), stackName, "eu-west-1", log ?? new ListLog(), default);
    }

    [Fact]
    public async Task A_complete_stack_gives_every_output_under_the_names_the_cmdlets_bind()
    {
        var stack = await ReadAsync(StackXml.DescribeStacks());

        Assert.Equal("redshift-test", stack.StackName);
        Assert.Equal(StackXml.StackId, stack.StackId);
        Assert.Equal("CREATE_COMPLETE", stack.StackStatus);
        Assert.Equal("eu-west-1", stack.Region);
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
        Assert.Equal(new DateTimeOffset(2026, 11, 20, 9, 14, 3, 517, TimeSpan.Zero).LocalDateTime, stack.CreationTime);
        Assert.Equal(StackXml.TemplateOutputs, stack.Outputs);
        Assert.Equal("redshift-test (CREATE_COMPLETE, eu-west-1)", stack.ToString());
    }

    [Fact]
    public async Task Staging_outputs_give_the_stacks_staging_settings_and_a_stack_without_them_has_none()
    {
        Assert.Null((await ReadAsync(StackXml.DescribeStacks(outputs: StackXml.OutputsWithout(
            RedshiftIamraStagingOutputs.StagingBucket, RedshiftIamraStagingOutputs.StagingPrefix, RedshiftIamraStagingOutputs.CopyRoleArn)))).Staging);

        // A stack of deploy/redshift-iamra.yaml: its bucket, prefix and COPY role, SSE-S3 (no KMS key).
        var shipped = (await ReadAsync(StackXml.DescribeStacks())).Staging;
        Assert.NotNull(shipped);
        Assert.Equal(StackXml.TemplateOutputs[RedshiftIamraStagingOutputs.StagingBucket], shipped.Bucket);
        Assert.Equal("redshift-iamra/", shipped.Prefix);
        Assert.Equal(StackXml.TemplateOutputs[RedshiftIamraStagingOutputs.CopyRoleArn], shipped.CopyRoleArn);
        Assert.Null(shipped.KmsKeyId);

        var outputs = new Dictionary<string, string>(StackXml.TemplateOutputs)
        {
            [RedshiftIamraStagingOutputs.StagingBucket] = "etl-staging-123456789012",
            [RedshiftIamraStagingOutputs.StagingPrefix] = "loads",
            [RedshiftIamraStagingOutputs.CopyRoleArn] = "arn:aws:iam::123456789012:role/redshift-copy",
            [RedshiftIamraStagingOutputs.StagingKmsKeyArn] = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        };
        var staging = (await ReadAsync(StackXml.DescribeStacks(outputs: outputs))).Staging;
        Assert.NotNull(staging);
        Assert.Equal("etl-staging-123456789012", staging.Bucket);
        Assert.Equal("loads/", staging.Prefix);
        Assert.Equal("arn:aws:iam::123456789012:role/redshift-copy", staging.CopyRoleArn);
        Assert.Equal(outputs[RedshiftIamraStagingOutputs.StagingKmsKeyArn], staging.KmsKeyId);

        outputs[RedshiftIamraStagingOutputs.CopyRoleArn] = "not-a-role";
        var e = await Assert.ThrowsAsync<IamraException>(() => ReadAsync(StackXml.DescribeStacks(outputs: outputs)));
        Assert.Equal(RedshiftIamraStackReader.OutputInvalid, e.ErrorId);
        Assert.Contains("'not-a-role'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_output_of_the_template_is_known_to_the_reader()
    {
        // The template's Outputs section, read from the file, must be the set the reader and the tests know.
        var template = File.ReadAllLines(Path.Combine(RepoRoot(), "deploy", "redshift-iamra.yaml"));
        var start = Array.IndexOf(template, "Outputs:");
        Assert.True(start > 0, "deploy/redshift-iamra.yaml has no Outputs section");
        var keys = template.Skip(start + 1)
            .TakeWhile(line => line.Length == 0 || line.StartsWith(' '))
            .Where(line => line.Length > 2 && line[2] != ' ' && line.TrimEnd().EndsWith(':'))
            .Select(line => line.Trim().TrimEnd(':'))
            .OrderBy(k => k, StringComparer.Ordinal)
            .ToList();
        Assert.Equal(StackXml.TemplateOutputs.Keys.OrderBy(k => k, StringComparer.Ordinal), keys);
        // The staging outputs are read too; the shipped template has all of them but the KMS key (SSE-S3 there).
        var constants = typeof(RedshiftIamraStackOutputs).GetFields()
            .Concat(typeof(RedshiftIamraStagingOutputs).GetFields().Where(f => f.Name != nameof(RedshiftIamraStagingOutputs.StagingKmsKeyArn)))
            .Select(f => (string)f.GetValue(null)!).OrderBy(k => k, StringComparer.Ordinal);
        Assert.Equal(keys, constants);
    }

    [Fact]
    public async Task A_missing_stack_is_RedshiftIamraStackNotFound()
    {
        var e = await Assert.ThrowsAsync<IamraException>(() => ReadAsync(StackXml.Error("ValidationError", "Stack with id nosuchstack does not exist"), stackName: "nosuchstack", status: 400));
        Assert.Equal(RedshiftIamraStackReader.NotFound, e.ErrorId);
        Assert.Contains("'nosuchstack'", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("CREATE_IN_PROGRESS", null, "wait stack-create-complete")]
    [InlineData("ROLLBACK_IN_PROGRESS", "The following resource(s) failed to create: [RedshiftCluster].", "describe-stack-events")]
    [InlineData("ROLLBACK_COMPLETE", "The following resource(s) failed to create: [Workgroup].", "delete the stack and deploy it again")]
    [InlineData("CREATE_FAILED", null, "describe-stack-events")]
    [InlineData("DELETE_IN_PROGRESS", null, "being deleted")]
    [InlineData("UPDATE_ROLLBACK_FAILED", "Resource handler returned message: x", "fix the stack")]
    [InlineData("REVIEW_IN_PROGRESS", null, "CREATE_COMPLETE")]
    public async Task A_stack_that_is_not_ready_is_RedshiftIamraStackNotReady_with_its_status(string status, string? reason, string advice)
    {
        var e = await Assert.ThrowsAsync<IamraException>(() => ReadAsync(StackXml.DescribeStacks(status, statusReason: reason)));
        Assert.Equal(RedshiftIamraStackReader.NotReady, e.ErrorId);
        Assert.Equal(IamraErrorCategory.ResourceUnavailable, e.Category);
        Assert.Contains($"its status is {status}", e.Message, StringComparison.Ordinal);
        Assert.Contains(advice, e.Message, StringComparison.Ordinal);
        if (reason is not null)
        {
            Assert.Contains(reason, e.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("UPDATE_COMPLETE")]
    [InlineData("UPDATE_ROLLBACK_COMPLETE")]
    [InlineData("IMPORT_COMPLETE")]
    public async Task Complete_stacks_are_read_without_a_warning(string status)
    {
        var log = new ListLog();
        var stack = await ReadAsync(StackXml.DescribeStacks(status), log);
        Assert.Equal(status, stack.StackStatus);
        Assert.DoesNotContain(log.Lines, l => l.StartsWith("WARNING:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_stack_being_updated_is_read_with_a_warning()
    {
        var log = new ListLog();
        var stack = await ReadAsync(StackXml.DescribeStacks("UPDATE_IN_PROGRESS"), log);
        Assert.Equal("UPDATE_IN_PROGRESS", stack.StackStatus);
        Assert.Contains(log.Lines, l => l.StartsWith("WARNING:", StringComparison.Ordinal) && l.Contains("UPDATE_IN_PROGRESS", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_deleted_stack_found_by_its_id_is_RedshiftIamraStackNotFound()
    {
        var e = await Assert.ThrowsAsync<IamraException>(() => ReadAsync(StackXml.DescribeStacks("DELETE_COMPLETE"), stackName: StackXml.StackId));
        Assert.Equal(RedshiftIamraStackReader.NotFound, e.ErrorId);
        Assert.Contains("was deleted", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("TrustAnchorArn")]
    [InlineData("ProfileArn")]
    [InlineData("RedshiftAccessRoleArn")]
    public async Task A_stack_without_a_required_output_is_RedshiftIamraStackOutputMissing_naming_it(string key)
    {
        var e = await Assert.ThrowsAsync<IamraException>(() => ReadAsync(StackXml.DescribeStacks(outputs: StackXml.OutputsWithout(key))));
        Assert.Equal(RedshiftIamraStackReader.OutputMissing, e.ErrorId);
        Assert.Equal(IamraErrorCategory.InvalidData, e.Category);
        Assert.Contains($"has no output '{key}'", e.Message, StringComparison.Ordinal);
        Assert.Contains("Its outputs: CertificateAuthorityArn, ClientCertificateArn, CopyRoleArn, DbUser,", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stack_with_an_empty_output_value_counts_as_missing_it()
    {
        var outputs = StackXml.OutputsWithout();
        outputs["ProfileArn"] = " ";
        var e = await Assert.ThrowsAsync<IamraException>(() => ReadAsync(StackXml.DescribeStacks(outputs: outputs)));
        Assert.Equal(RedshiftIamraStackReader.OutputMissing, e.ErrorId);
        Assert.Contains("'ProfileArn'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stack_with_neither_cluster_nor_workgroup_is_RedshiftIamraStackOutputMissing()
    {
        var e = await Assert.ThrowsAsync<IamraException>(() => ReadAsync(StackXml.DescribeStacks(outputs: StackXml.OutputsWithout(
            "RedshiftClusterIdentifier", "ServerlessWorkgroupName", "RedshiftClusterEndpoint", "ServerlessWorkgroupEndpoint"))));
        Assert.Equal(RedshiftIamraStackReader.OutputMissing, e.ErrorId);
        Assert.Contains("neither output 'RedshiftClusterIdentifier' nor 'ServerlessWorkgroupName'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stack_of_the_AWS_sample_template_has_its_cluster_and_workgroup_read_from_the_endpoint_host_names()
    {
        var stack = await ReadAsync(StackXml.DescribeStacks(outputs: StackXml.SampleTemplateOutputs));

        Assert.Equal("my-redshift-cluster", stack.ClusterIdentifier);
        Assert.Equal(StackXml.ClusterEndpoint, stack.Hostname);
        Assert.Equal(5439, stack.Port);
        Assert.Equal("my-serverless-workgroup", stack.WorkgroupName);
        Assert.Equal(StackXml.WorkgroupEndpoint, stack.ServerlessWorkgroupEndpoint);
        Assert.Equal(StackXml.RoleArn, stack.RoleArn);
        Assert.Null(stack.DbUser);
        Assert.Null(stack.DbName);
    }

    [Fact]
    public async Task An_identifier_output_wins_over_the_endpoint_host_name()
    {
        var outputs = new Dictionary<string, string>(StackXml.TemplateOutputs) { ["RedshiftClusterIdentifier"] = "other-cluster" };
        var stack = await ReadAsync(StackXml.DescribeStacks(outputs: outputs));
        Assert.Equal("other-cluster", stack.ClusterIdentifier);
    }

    [Fact]
    public async Task Endpoints_on_a_custom_domain_without_identifier_outputs_are_RedshiftIamraStackOutputMissing_with_what_to_give()
    {
        var outputs = new Dictionary<string, string>(StackXml.SampleTemplateOutputs)
        {
            ["RedshiftClusterEndpoint"] = "redshift.example.com",
            ["ServerlessWorkgroupEndpoint"] = "serverless.example.com",
        };
        var e = await Assert.ThrowsAsync<IamraException>(() => ReadAsync(StackXml.DescribeStacks(outputs: outputs)));
        Assert.Equal(RedshiftIamraStackReader.OutputMissing, e.ErrorId);
        Assert.Contains("-ClusterIdentifier or -WorkgroupName", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_cluster_endpoint_alone_gives_the_cluster_and_no_workgroup()
    {
        var outputs = new Dictionary<string, string>(StackXml.SampleTemplateOutputs);
        outputs.Remove("ServerlessWorkgroupEndpoint");
        var stack = await ReadAsync(StackXml.DescribeStacks(outputs: outputs));
        Assert.Equal("my-redshift-cluster", stack.ClusterIdentifier);
        Assert.Null(stack.WorkgroupName);
    }

    [Fact]
    public async Task A_serverless_only_stack_without_optional_outputs_is_read_with_nulls_and_the_region_called()
    {
        var stack = await ReadAsync(StackXml.DescribeStacks(outputs: StackXml.OutputsWithout(
            "RedshiftClusterIdentifier", "RedshiftClusterEndpoint", "RedshiftClusterPort", "Region", "DbUser", "RedshiftDatabaseName", "CertificateAuthorityArn", "ClientCertificateArn")));

        Assert.Null(stack.ClusterIdentifier);
        Assert.Null(stack.Hostname);
        Assert.Equal(0, stack.Port);
        Assert.Null(stack.DbUser);
        Assert.Null(stack.DbName);
        Assert.Equal("my-serverless-workgroup", stack.WorkgroupName);
        Assert.Equal("eu-west-1", stack.Region);
    }

    [Theory]
    [InlineData("TrustAnchorArn", "arn:aws:rolesanywhere:eu-west-1:111122223333:profile/6b7c8d9e-0f1a-4b2c-8d3e-4f5a6b7c8d9e")]
    [InlineData("RedshiftAccessRoleArn", "redshift-access-role")]
    [InlineData("RedshiftClusterPort", "65536")]
    [InlineData("RedshiftClusterPort", "5439x")]
    [InlineData("RedshiftClusterIdentifier", "My_Cluster")]
    [InlineData("Region", "Europe")]
    public async Task An_output_that_is_not_what_its_name_says_is_RedshiftIamraStackOutputInvalid(string key, string value)
    {
        var outputs = StackXml.OutputsWithout();
        outputs[key] = value;
        var e = await Assert.ThrowsAsync<IamraException>(() => ReadAsync(StackXml.DescribeStacks(outputs: outputs)));
        Assert.Equal(RedshiftIamraStackReader.OutputInvalid, e.ErrorId);
        Assert.Contains($"output '{key}'", e.Message, StringComparison.Ordinal);
        Assert.Contains(value, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("CREATE_COMPLETE", StackReadiness.Ready)]
    [InlineData("UPDATE_ROLLBACK_COMPLETE", StackReadiness.Ready)]
    [InlineData("IMPORT_ROLLBACK_COMPLETE", StackReadiness.Ready)]
    [InlineData("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", StackReadiness.Changing)]
    [InlineData("UPDATE_ROLLBACK_IN_PROGRESS", StackReadiness.Changing)]
    [InlineData("ROLLBACK_COMPLETE", StackReadiness.NotReady)]
    [InlineData("ROLLBACK_FAILED", StackReadiness.NotReady)]
    [InlineData("DELETE_FAILED", StackReadiness.NotReady)]
    [InlineData("IMPORT_ROLLBACK_FAILED", StackReadiness.NotReady)]
    [InlineData("DELETE_COMPLETE", StackReadiness.Deleted)]
    [InlineData("SOMETHING_NEW_COMPLETE", StackReadiness.Ready)]
    [InlineData("SOMETHING_NEW_IN_PROGRESS", StackReadiness.NotReady)]
    public void Statuses_are_classified(string status, StackReadiness expected) => Assert.Equal(expected, RedshiftIamraStackReader.Classify(status));

    private static string RepoRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "RedshiftIamra.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("The repository root (RedshiftIamra.sln) is not above " + AppContext.BaseDirectory);
    }
}
