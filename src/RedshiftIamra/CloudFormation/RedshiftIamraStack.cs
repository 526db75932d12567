namespace RedshiftIamra;

/// <summary>
/// The outputs of a stack built from <c>deploy/redshift-iamra.yaml</c>, under the names the
/// cmdlets' parameters have, so the object binds by property name: <c>TrustAnchorArn</c>,
/// <c>ProfileArn</c>, <c>RoleArn</c> and <c>Region</c> into Get-IamraSession;
/// <c>ClusterIdentifier</c>, <c>WorkgroupName</c>, <c>Hostname</c> and <c>Port</c> into
/// Get-RedshiftDbCredential; and all of them into Save-RedshiftIamraConfig.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "The outputs of a CloudFormation stack; 'stack' is the AWS term, not a LIFO collection.")]
public sealed class RedshiftIamraStack
{
    public required string StackName { get; init; }

    public string? StackId { get; init; }

    public required string StackStatus { get; init; }

    /// <summary>The <c>Region</c> output, else the region the stack was read in.</summary>
    public required string Region { get; init; }

    public required string TrustAnchorArn { get; init; }

    public required string ProfileArn { get; init; }

    /// <summary>The <c>RedshiftAccessRoleArn</c> output.</summary>
    public required string RoleArn { get; init; }

    /// <summary>The <c>RedshiftClusterIdentifier</c> output.</summary>
    public string? ClusterIdentifier { get; init; }

    /// <summary>The <c>RedshiftClusterEndpoint</c> output: the cluster's (private) host name.</summary>
    public string? Hostname { get; init; }

    /// <summary>The <c>RedshiftClusterPort</c> output; 0 when the stack has none.</summary>
    public int Port { get; init; }

    /// <summary>The <c>ServerlessWorkgroupName</c> output.</summary>
    public string? WorkgroupName { get; init; }

    /// <summary>The <c>ServerlessWorkgroupEndpoint</c> output: the workgroup's (private) host name.</summary>
    public string? ServerlessWorkgroupEndpoint { get; init; }

    /// <summary>The <c>RedshiftDatabaseName</c> output.</summary>
    public string? DbName { get; init; }

    /// <summary>The <c>DbUser</c> output: the user the role may get cluster credentials for.</summary>
    public string? DbUser { get; init; }

    public string? CertificateAuthorityArn { get; init; }

    public string? ClientCertificateArn { get; init; }

    /// <summary>
    /// The staging settings from the optional outputs <c>StagingBucketName</c>, <c>StagingPrefix</c>,
    /// <c>CopyRoleArn</c> and <c>StagingKmsKeyArn</c>; null when the stack has no staging bucket.
    /// Binds by name into Connect-RedshiftIamra -Staging and Save-RedshiftIamraConfig -Staging.
    /// </summary>
    public Loading.RedshiftStagingSettings? Staging { get; init; }

    /// <summary>When the stack was created, in local time.</summary>
    public DateTime? CreationTime { get; init; }

    /// <summary>When the stack was last updated, in local time.</summary>
    public DateTime? LastUpdatedTime { get; init; }

    /// <summary>Every output of the stack, by output key.</summary>
    public IReadOnlyDictionary<string, string> Outputs { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    public override string ToString() => $"{StackName} ({StackStatus}, {Region})";
}
