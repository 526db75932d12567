using System.Globalization;
using RedshiftIamra.Aws;

namespace RedshiftIamra.Redshift;

// Request and response shapes of the Redshift (2012-12-01) and Redshift Serverless (2021-04-21)
// operations the module calls, named like the AWS SDK's models. Records that hold a database
// password override ToString: a record prints every member by default.

/// <summary>The input of Redshift <c>GetClusterCredentials</c>.</summary>
public sealed record GetClusterCredentialsRequest
{
    /// <summary>The database user (without the <c>IAM:</c> prefix). Required.</summary>
    public required string DbUser { get; init; }

    public string? DbName { get; init; }

    /// <summary>The cluster; may be left out when <see cref="CustomDomainName"/> is given.</summary>
    public string? ClusterIdentifier { get; init; }

    /// <summary>900..3600; the service defaults to 900.</summary>
    public int? DurationSeconds { get; init; }

    /// <summary>Create the user if it does not exist (then it logs in as <c>IAMA:user</c>).</summary>
    public bool? AutoCreate { get; init; }

    /// <summary>Groups the user joins for this session; left out of the request when empty.</summary>
    public IReadOnlyList<string> DbGroups { get; init; } = Array.Empty<string>();

    public string? CustomDomainName { get; init; }

    public override string ToString() =>
        $"GetClusterCredentials {{ ClusterIdentifier = {ClusterIdentifier}, DbUser = {DbUser}, DbName = {DbName}, DurationSeconds = {DurationSeconds}, AutoCreate = {AutoCreate}, DbGroups = [{string.Join(", ", DbGroups)}], CustomDomainName = {CustomDomainName} }}";
}

/// <summary>The output of <c>GetClusterCredentials</c>: a temporary database login.</summary>
public sealed record GetClusterCredentialsResponse(string DbUser, string DbPassword, DateTimeOffset Expiration)
{
    public string? RequestId { get; init; }

    /// <summary>Shows the user and the expiration, never the password.</summary>
    public override string ToString() => $"{DbUser} (expires {RedshiftText.Time(Expiration)})";
}

/// <summary>The input of Redshift <c>GetClusterCredentialsWithIAM</c>: the user is the caller's IAM identity.</summary>
public sealed record GetClusterCredentialsWithIAMRequest
{
    public string? DbName { get; init; }

    public string? ClusterIdentifier { get; init; }

    public int? DurationSeconds { get; init; }

    public string? CustomDomainName { get; init; }
}

/// <summary>The output of <c>GetClusterCredentialsWithIAM</c>.</summary>
public sealed record GetClusterCredentialsWithIAMResponse(string DbUser, string DbPassword, DateTimeOffset Expiration, DateTimeOffset? NextRefreshTime)
{
    public string? RequestId { get; init; }

    /// <summary>Shows the user and the times, never the password.</summary>
    public override string ToString() =>
        $"{DbUser} (expires {RedshiftText.Time(Expiration)}{(NextRefreshTime is { } next ? $", refresh after {RedshiftText.Time(next)}" : string.Empty)})";
}

/// <summary>The input of Redshift <c>DescribeClusters</c>.</summary>
public sealed record DescribeClustersRequest
{
    /// <summary>One cluster; null lists every cluster of the account in the region.</summary>
    public string? ClusterIdentifier { get; init; }

    public int? MaxRecords { get; init; }

    public string? Marker { get; init; }
}

/// <summary>Where a cluster accepts connections.</summary>
public sealed record ClusterEndpoint(string Address, int Port);

/// <summary>One cluster of a <c>DescribeClusters</c> answer (the members the module uses).</summary>
public sealed record Cluster(string ClusterIdentifier, string? ClusterStatus, string? DBName, ClusterEndpoint? Endpoint)
{
    /// <summary>The cluster can take connections: status <c>available</c> (possibly with a qualifier) and an endpoint.</summary>
    public bool IsAvailable => Endpoint is not null && ClusterStatus is not null && ClusterStatus.StartsWith("available", StringComparison.Ordinal);
}

/// <summary>The output of <c>DescribeClusters</c>.</summary>
public sealed record DescribeClustersResponse(IReadOnlyList<Cluster> Clusters, string? Marker)
{
    public string? RequestId { get; init; }
}

/// <summary>The input of Redshift Serverless <c>GetCredentials</c>.</summary>
public sealed record GetCredentialsRequest
{
    /// <summary>The workgroup; may be left out when <see cref="CustomDomainName"/> is given.</summary>
    public string? WorkgroupName { get; init; }

    public string? DbName { get; init; }

    /// <summary>900..3600; the service defaults to 900.</summary>
    public int? DurationSeconds { get; init; }

    public string? CustomDomainName { get; init; }
}

/// <summary>The output of Redshift Serverless <c>GetCredentials</c>.</summary>
public sealed record GetCredentialsResponse(string DbUser, string DbPassword, DateTimeOffset Expiration, DateTimeOffset? NextRefreshTime)
{
    public string? RequestId { get; init; }

    /// <summary>Shows the user and the times, never the password.</summary>
    public override string ToString() =>
        $"{DbUser} (expires {RedshiftText.Time(Expiration)}{(NextRefreshTime is { } next ? $", refresh after {RedshiftText.Time(next)}" : string.Empty)})";
}

/// <summary>The input of Redshift Serverless <c>GetWorkgroup</c>.</summary>
public sealed record GetWorkgroupRequest
{
    public required string WorkgroupName { get; init; }
}

/// <summary>Where a workgroup accepts connections.</summary>
public sealed record WorkgroupEndpoint(string Address, int Port);

/// <summary>A serverless workgroup (the members the module uses).</summary>
public sealed record Workgroup(string WorkgroupName, string? Status, WorkgroupEndpoint? Endpoint)
{
    public string? WorkgroupArn { get; init; }

    public string? CustomDomainName { get; init; }

    /// <summary>The workgroup can take connections: status <c>AVAILABLE</c> and an endpoint.</summary>
    public bool IsAvailable => Endpoint is not null && string.Equals(Status, "AVAILABLE", StringComparison.OrdinalIgnoreCase);
}

/// <summary>The output of <c>GetWorkgroup</c>.</summary>
public sealed record GetWorkgroupResponse(Workgroup Workgroup)
{
    public string? RequestId { get; init; }
}

/// <summary>Where and how a Redshift or Redshift Serverless client calls the service.</summary>
public sealed record RedshiftClientConfig : AwsClientConfig
{
    /// <summary>
    /// The caller's account id when known (from the assumed-role ARN), for the resource ARNs
    /// that access-denied messages name; falls back to the credential source's, else <c>&lt;account&gt;</c>.
    /// </summary>
    public string? AccountId { get; init; }
}

/// <summary>Amazon Redshift (provisioned), as much of it as the module needs. Shaped like the AWS SDK client so it can be replaced by it.</summary>
public interface IRedshiftClient
{
    Task<GetClusterCredentialsResponse> GetClusterCredentialsAsync(GetClusterCredentialsRequest request, IOperationLog log, CancellationToken cancellationToken);

    Task<GetClusterCredentialsWithIAMResponse> GetClusterCredentialsWithIAMAsync(GetClusterCredentialsWithIAMRequest request, IOperationLog log, CancellationToken cancellationToken);

    Task<DescribeClustersResponse> DescribeClustersAsync(DescribeClustersRequest request, IOperationLog log, CancellationToken cancellationToken);
}

/// <summary>Amazon Redshift Serverless, as much of it as the module needs. Shaped like the AWS SDK client so it can be replaced by it.</summary>
public interface IRedshiftServerlessClient
{
    Task<GetCredentialsResponse> GetCredentialsAsync(GetCredentialsRequest request, IOperationLog log, CancellationToken cancellationToken);

    Task<GetWorkgroupResponse> GetWorkgroupAsync(GetWorkgroupRequest request, IOperationLog log, CancellationToken cancellationToken);
}

internal static class RedshiftText
{
    public static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
}
