using RedshiftIamra.Aws;
using RedshiftIamra.Redshift;

namespace RedshiftIamra.Sessions;

/// <summary>How a caller named the Redshift it wants: a cluster, a workgroup or a host name, with or without a user.</summary>
public sealed record RedshiftTargetInput
{
    public string? ClusterIdentifier { get; init; }

    public string? WorkgroupName { get; init; }

    public string? Hostname { get; init; }

    public int? Port { get; init; }

    public string? DbUser { get; init; }

    public bool UseIamIdentity { get; init; }

    public string? CustomDomainName { get; init; }
}

/// <summary>What the target resolves to: the API to call and, when known, where to connect.</summary>
public sealed record RedshiftTarget(RedshiftTargetKind Kind, string? ClusterIdentifier, string? WorkgroupName, string? Host, int? Port, string? DbName, string? HostRegion, string? Note);

/// <summary>Turns cluster / workgroup / host-name input into a target, and finds the region.</summary>
public static class RedshiftTargets
{
    public const string IncompleteErrorId = ErrorIds.Redshift.TargetIncomplete;
    public const string HostnameUnknownErrorId = ErrorIds.Redshift.HostnameUnknown;

    public static RedshiftTarget Resolve(RedshiftTargetInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Hostname is null)
        {
            if (input.WorkgroupName is not null && input.ClusterIdentifier is null)
            {
                return new RedshiftTarget(RedshiftTargetKind.Serverless, null, input.WorkgroupName, null, input.Port, null, null, null);
            }

            if (input.ClusterIdentifier is null && input.CustomDomainName is null)
            {
                throw new IamraException(IncompleteErrorId, IamraErrorCategory.InvalidArgument,
                    "Name the Redshift to connect to: -ClusterIdentifier (with -DbUser or -UseIamIdentity), -WorkgroupName, or -Hostname.");
            }

            if (input.DbUser is null && !input.UseIamIdentity)
            {
                throw new IamraException(IncompleteErrorId, IamraErrorCategory.InvalidArgument,
                    $"For the cluster '{input.ClusterIdentifier ?? input.CustomDomainName}', give -DbUser (GetClusterCredentials) or -UseIamIdentity (GetClusterCredentialsWithIAM).", input.ClusterIdentifier);
            }

            return new RedshiftTarget(input.DbUser is not null ? RedshiftTargetKind.Provisioned : RedshiftTargetKind.ProvisionedIam, input.ClusterIdentifier, null, null, input.Port, null, null, null);
        }

        var info = RedshiftHostName.Parse(input.Hostname);
        var port = info.Port ?? input.Port;
        var cluster = input.ClusterIdentifier ?? info.ClusterIdentifier;
        var workgroup = input.WorkgroupName ?? info.WorkgroupName;
        if (info.Kind == RedshiftHostKind.Serverless || (info.Kind == RedshiftHostKind.Unknown && workgroup is not null && cluster is null))
        {
            return new RedshiftTarget(RedshiftTargetKind.Serverless, null, workgroup, info.Host, port, info.DbName, info.Region, $"host name {info.Host}: {info}");
        }

        if (cluster is null && input.CustomDomainName is null)
        {
            throw new IamraException(HostnameUnknownErrorId, IamraErrorCategory.InvalidArgument,
                $"-Hostname '{input.Hostname}' is not a standard Redshift name ({RedshiftHostName.UnknownReason}): it may be a custom domain or a VPC endpoint. Add -ClusterIdentifier or -WorkgroupName (and -Region), or -CustomDomainName.", input.Hostname);
        }

        var kind = input.DbUser is not null ? RedshiftTargetKind.Provisioned : RedshiftTargetKind.ProvisionedIam;
        var note = $"host name {info.Host}: {info}" + (kind == RedshiftTargetKind.ProvisionedIam && !input.UseIamIdentity ? "; no -DbUser, so the caller's IAM identity is the user (GetClusterCredentialsWithIAM)" : string.Empty);
        return new RedshiftTarget(kind, cluster, null, info.Host, port, info.DbName, info.Region, note);
    }

    /// <summary>The region: explicit, else the host name's, else the credential source's, else AWS_REGION / AWS_DEFAULT_REGION.</summary>
    public static (string Region, string Source) ResolveRegion(string? explicitRegion, string? hostRegion, AwsCredentialSource credentials, Func<string, string?>? environment = null)
    {
        if (explicitRegion is null && hostRegion is not null)
        {
            return (hostRegion, "the host name");
        }

        return AwsRegion.Resolve(explicitRegion, credentials,
            "No region: give -Region, a standard Redshift -Hostname, a session, a profile with a region, or set AWS_REGION.", environment);
    }
}
