using System.Management.Automation;
using RedshiftIamra.Connections;
using RedshiftIamra.Loading;

namespace RedshiftIamra.PowerShell;

/// <summary>
/// The staging group, declared once for every cmdlet that moves data through S3 (staged loads,
/// UNLOAD exports): the bucket and prefix the Roles Anywhere role may write, the IAM role the
/// cluster or workgroup assumes for COPY and UNLOAD, a KMS key and the S3 endpoint. Values
/// given here override the connection's <c>Staging</c> settings one by one.
/// </summary>
public abstract class RedshiftStagingCmdlet : IamraCmdlet
{
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? StagingBucket { get; set; }

    /// <summary>The key prefix under the bucket; each run writes below a unique folder of it.</summary>
    [Parameter]
    [AllowEmptyString]
    public string? StagingPrefix { get; set; }

    /// <summary>The IAM role COPY and UNLOAD name (IAM_ROLE), or 'default' for the cluster's default role.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? CopyRoleArn { get; set; }

    /// <summary>SSE-KMS with this key for staged objects (SSE-S3 otherwise).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? KmsKeyId { get; set; }

    /// <summary>An S3 endpoint other than AWS's public one (an interface endpoint's DNS name).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? S3EndpointUrl { get; set; }

    /// <summary>The connection's staging settings with the typed values over them; null when none are configured.</summary>
    protected RedshiftStagingSettings? Staging(RedshiftConnection connection) =>
        RedshiftStagingSettings.Merge(connection.Staging, StagingBucket, StagingPrefix, CopyRoleArn, KmsKeyId, S3EndpointUrl);

    /// <summary>The connection given, or the default one.</summary>
    protected static RedshiftConnection ConnectionOrDefault(RedshiftConnection? connection) =>
        connection ?? ConnectionRegistry.Current.Default
            ?? throw new IamraException(ErrorIds.Connection.NoConnection, IamraErrorCategory.ConnectionError,
                "There is no connection: run Connect-RedshiftIamra first, or pass -Connection.");
}
