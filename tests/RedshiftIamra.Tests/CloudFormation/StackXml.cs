namespace RedshiftIamra.Tests.CloudFormation;

/// <summary>DescribeStacks answers in the shape CloudFormation sends them, written by hand.</summary>
internal static class StackXml
{
    public const string Ns = "http://cloudformation.amazonaws.com/doc/2010-05-15/";
    public const string StackId = "arn:aws:cloudformation:eu-west-1:111122223333:stack/redshift-test/6a1c9f20-ab12-11ef-8d3c-0a1b2c3d4e5f";
    public const string TrustAnchorArn = "arn:aws:rolesanywhere:eu-west-1:111122223333:trust-anchor/0f5a3c1e-8b2d-4e6f-9a7b-1c2d3e4f5a6b";
    public const string ProfileArn = "arn:aws:rolesanywhere:eu-west-1:111122223333:profile/6b7c8d9e-0f1a-4b2c-8d3e-4f5a6b7c8d9e";
    public const string RoleArn = "arn:aws:iam::111122223333:role/redshift-test-RedshiftAccessRole-1A2B3C4D5E6F";
    public const string ClusterEndpoint = "my-redshift-cluster.cabc123xyz45.eu-west-1.redshift.amazonaws.com";
    public const string WorkgroupEndpoint = "my-serverless-workgroup.111122223333.eu-west-1.redshift-serverless.amazonaws.com";

    /// <summary>Every output of deploy/redshift-iamra.yaml, with the values a deployment in eu-west-1 has.</summary>
    public static IReadOnlyDictionary<string, string> TemplateOutputs { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["CertificateAuthorityArn"] = "arn:aws:acm-pca:eu-west-1:111122223333:certificate-authority/1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
        ["ClientCertificateArn"] = "arn:aws:acm:eu-west-1:111122223333:certificate/9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a",
        ["ProfileArn"] = ProfileArn,
        ["RedshiftAccessRoleArn"] = RoleArn,
        ["TrustAnchorArn"] = TrustAnchorArn,
        ["RedshiftClusterEndpoint"] = ClusterEndpoint,
        ["RedshiftClusterPort"] = "5439",
        ["ServerlessWorkgroupEndpoint"] = WorkgroupEndpoint,
        ["Region"] = "eu-west-1",
        ["RedshiftClusterIdentifier"] = "my-redshift-cluster",
        ["ServerlessWorkgroupName"] = "my-serverless-workgroup",
        ["RedshiftDatabaseName"] = "dev",
        ["DbUser"] = "analytics_user",
        ["StagingBucketName"] = "redshift-test-stagingbucket-1a2b3c4d5e6f",
        ["StagingPrefix"] = "redshift-iamra/",
        ["CopyRoleArn"] = "arn:aws:iam::111122223333:role/redshift-test-CopyRole-6F5E4D3C2B1A",
    };

    /// <summary>
    /// Exactly the eight outputs of the AWS sample stack users follow (the template of the Go
    /// credential helper walkthrough): endpoints, no identifiers, no region, no database names.
    /// </summary>
    public static IReadOnlyDictionary<string, string> SampleTemplateOutputs { get; } = OutputsWithout(
        "Region", "RedshiftClusterIdentifier", "ServerlessWorkgroupName", "RedshiftDatabaseName", "DbUser", "StagingBucketName", "StagingPrefix", "CopyRoleArn");

    public static Dictionary<string, string> OutputsWithout(params string[] keys)
    {
        var outputs = new Dictionary<string, string>(TemplateOutputs, StringComparer.Ordinal);
        foreach (var key in keys)
        {
            outputs.Remove(key);
        }

        return outputs;
    }

    public static string DescribeStacks(string status = "CREATE_COMPLETE", IReadOnlyDictionary<string, string>? outputs = null, string? statusReason = null,
        string stackName = "redshift-test", string requestId = "4af2c1d0-1111-4b4b-9c9c-0123456789ab")
    {
        var members = string.Concat((outputs ?? TemplateOutputs).Select(o => $"""

                      <member>
                        <Description>The {o.Key} of the stack</Description>
                        <OutputKey>{o.Key}</OutputKey>
                        <OutputValue>{o.Value}</OutputValue>
                      </member>
            """));
        return $"""
            <DescribeStacksResponse xmlns="{Ns}">
              <DescribeStacksResult>
                <Stacks>
                  <member>
                    <StackId>{StackId.Replace("redshift-test", stackName, StringComparison.Ordinal)}</StackId>
                    <StackName>{stackName}</StackName>
                    <Description>RedshiftIamra: private Redshift reached through IAM Roles Anywhere</Description>
                    <Parameters>
                      <member>
                        <ParameterKey>OnPremisesCIDR</ParameterKey>
                        <ParameterValue>192.168.0.0/16</ParameterValue>
                      </member>
                    </Parameters>
                    <CreationTime>2026-11-20T09:14:03.517Z</CreationTime>
                    <LastUpdatedTime>2026-11-21T10:00:00.000Z</LastUpdatedTime>
                    <RollbackConfiguration/>
                    <StackStatus>{status}</StackStatus>{(statusReason is null ? string.Empty : $"\n        <StackStatusReason>{statusReason}</StackStatusReason>")}
                    <DisableRollback>false</DisableRollback>
                    <NotificationARNs/>
                    <Capabilities>
                      <member>CAPABILITY_IAM</member>
                    </Capabilities>
                    <Outputs>{members}
                    </Outputs>
                    <Tags/>
                    <EnableTerminationProtection>false</EnableTerminationProtection>
                    <DriftInformation>
                      <StackDriftStatus>NOT_CHECKED</StackDriftStatus>
                    </DriftInformation>
                  </member>
                </Stacks>
              </DescribeStacksResult>
              <ResponseMetadata>
                <RequestId>{requestId}</RequestId>
              </ResponseMetadata>
            </DescribeStacksResponse>
            """;
    }

    public static string Error(string code, string message, string type = "Sender", string requestId = "0e9d8c7b-2222-4c4c-8d8d-0123456789ab") => $"""
        <ErrorResponse xmlns="{Ns}">
          <Error>
            <Type>{type}</Type>
            <Code>{code}</Code>
            <Message>{message}</Message>
          </Error>
          <RequestId>{requestId}</RequestId>
        </ErrorResponse>
        """;
}
