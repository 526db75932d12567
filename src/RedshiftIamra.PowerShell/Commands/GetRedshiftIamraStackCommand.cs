using System.Management.Automation;
using RedshiftIamra.Aws;
using RedshiftIamra.CloudFormation;

namespace RedshiftIamra.PowerShell.Commands;

/// <summary>
/// <c>Get-RedshiftIamraStack</c>: reads the outputs of a stack of deploy/redshift-iamra.yaml
/// (CloudFormation DescribeStacks) into one object whose properties bind by name into
/// Get-IamraSession, Get-RedshiftDbCredential, Connect-RedshiftIamra and Save-RedshiftIamraConfig.
/// </summary>
[Cmdlet(VerbsCommon.Get, "RedshiftIamraStack", DefaultParameterSetName = AwsCredentialSet)]
[OutputType(typeof(RedshiftIamraStack))]
public sealed class GetRedshiftIamraStackCommand : AwsServiceCmdlet
{
    /// <summary>The stack's name or id (its ARN).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [Alias("StackId")]
    public string StackName { get; set; } = null!;

    /// <summary>A CloudFormation endpoint to call instead of the regional one.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [Alias("EndpointUrl")]
    public string? CloudFormationEndpointUrl { get; set; }

    protected override void Process()
    {
        CloudFormationNames.ValidateStackName(StackName);
        var credentials = ResolveCredentials();
        var (region, regionSource) = Region is null && CloudFormationNames.RegionOf(StackName) is { } fromId
            ? (fromId, "the stack id")
            : AwsRegion.Resolve(Region, credentials, "No region: give -Region, a stack id (ARN), a session, a profile with a region, or set AWS_REGION.");
        var endpoint = CloudFormationClient.ResolveEndpoint(CloudFormationEndpointUrl, region, SessionOption.AllowInsecureEndpoint);
        WarnIfInsecure(endpoint);
        WriteVerbose($"Reading stack '{StackName}' in region {region} (from {regionSource}) at {endpoint.Uri} ({endpoint.Source}), with AWS credentials from {credentials.Description}.");
        var client = new CloudFormationClient(new AwsClientConfig
        {
            Region = region,
            Endpoint = endpoint,
            Credentials = credentials,
            Http = HttpSettings(),
        });
        WriteObject(Await((log, token) => RedshiftIamraStackReader.ReadAsync(client, StackName, region, log, token)));
    }
}
