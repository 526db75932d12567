using System.Globalization;
using RedshiftIamra.Aws;

namespace RedshiftIamra.Redshift;

/// <summary>What a Redshift host name says about the database behind it.</summary>
public enum RedshiftHostKind
{
    /// <summary>A custom domain, a VPC endpoint name or anything else: the identifier must be given.</summary>
    Unknown,

    /// <summary><c>{cluster}.{hash}.{region}.redshift.amazonaws.com</c>.</summary>
    Provisioned,

    /// <summary><c>{workgroup}.{account}.{region}.redshift-serverless.amazonaws.com</c>.</summary>
    Serverless,
}

/// <summary>The facts read from a host name (and optional <c>:port</c> and <c>/database</c>).</summary>
public sealed record RedshiftHostInfo(
    RedshiftHostKind Kind,
    string Host,
    int? Port,
    string? DbName,
    string? ClusterIdentifier,
    string? WorkgroupName,
    string? AccountId,
    string? Region,
    string? Reason)
{
    public override string ToString() => Kind switch
    {
        RedshiftHostKind.Provisioned => $"provisioned cluster '{ClusterIdentifier}' in {Region}",
        RedshiftHostKind.Serverless => $"serverless workgroup '{WorkgroupName}' of account {AccountId} in {Region}",
        _ => $"unknown: {Reason}",
    };
}

/// <summary>
/// Reads the cluster identifier or workgroup name and the region from a Redshift host name.
/// Labels are matched from the right, so a <c>.cn</c> suffix or a <c>:port</c> never shifts
/// the region.
/// </summary>
public static class RedshiftHostName
{
    public const string UnknownReason = "needs the identifier or CustomDomainName spelled out";

    /// <summary>
    /// Reads <paramref name="value"/>: a host name, optionally with <c>:port</c> and
    /// <c>/database</c> (the form the Redshift console shows), or a URL.
    /// </summary>
    public static RedshiftHostInfo Parse(string? value)
    {
        var text = (value ?? string.Empty).Trim();
        var schemeEnd = text.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd >= 0)
        {
            text = text[(schemeEnd + 3)..];
        }

        string? dbName = null;
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            var rest = text[(slash + 1)..];
            var end = rest.IndexOfAny(['?', '#', '/']);
            dbName = end >= 0 ? rest[..end] : rest;
            dbName = dbName.Length == 0 ? null : dbName;
            text = text[..slash];
        }

        int? port = null;
        var colon = text.LastIndexOf(':');
        if (colon >= 0)
        {
            var portText = text[(colon + 1)..];
            text = text[..colon];
            if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var p) || p < 1 || p > 65535)
            {
                return Unknown(text, null, dbName, $"'{portText}' is not a port; {UnknownReason}");
            }

            port = p;
        }

        var host = text.ToLowerInvariant().TrimEnd('.');
        if (host.Length == 0)
        {
            return Unknown(host, port, dbName, $"no host name was given; {UnknownReason}");
        }

        var labels = host.Split('.');
        if (labels.Any(l => l.Length == 0))
        {
            return Unknown(host, port, dbName, $"'{host}' is not a host name; {UnknownReason}");
        }

        // Take the DNS suffix off the right end: .amazonaws.com or .amazonaws.com.cn.
        var china = labels.Length >= 3 && labels[^1] == "cn" && labels[^2] == "com" && labels[^3] == "amazonaws";
        var global = labels.Length >= 2 && labels[^1] == "com" && labels[^2] == "amazonaws";
        if (!china && !global)
        {
            return Unknown(host, port, dbName, $"'{host}' is not an AWS host name (a custom domain?); {UnknownReason}");
        }

        var name = labels[..^(china ? 3 : 2)];
        if (name.Length != 4 || (name[3] != "redshift" && name[3] != "redshift-serverless"))
        {
            return Unknown(host, port, dbName, $"'{host}' is not a cluster or workgroup endpoint (a VPC endpoint name?); {UnknownReason}");
        }

        var (first, second, region) = (name[0], name[1], name[2]);
        if (!AwsRegion.IsValid(region))
        {
            return Unknown(host, port, dbName, $"'{region}' in '{host}' is not a region; {UnknownReason}");
        }

        if ((AwsPartition.Of(region) == "aws-cn") != china)
        {
            return Unknown(host, port, dbName, $"region {region} does not belong under .{(china ? "amazonaws.com.cn" : "amazonaws.com")}; {UnknownReason}");
        }

        if (first.StartsWith("vpce-", StringComparison.Ordinal))
        {
            return Unknown(host, port, dbName, $"'{host}' is a VPC endpoint name; {UnknownReason}");
        }

        if (name[3] == "redshift")
        {
            if (!RedshiftNames.IsClusterIdentifier(first))
            {
                return Unknown(host, port, dbName, $"'{first}' is not a cluster identifier; {UnknownReason}");
            }

            return new RedshiftHostInfo(RedshiftHostKind.Provisioned, host, port, dbName, first, null, null, region, null);
        }

        if (second.Length != 12 || !second.All(char.IsAsciiDigit))
        {
            return Unknown(host, port, dbName, $"'{second}' is not a 12-digit account id; {UnknownReason}");
        }

        if (!RedshiftNames.IsWorkgroupName(first))
        {
            return Unknown(host, port, dbName, $"'{first}' is not a workgroup name; {UnknownReason}");
        }

        return new RedshiftHostInfo(RedshiftHostKind.Serverless, host, port, dbName, null, first, second, region, null);
    }

    private static RedshiftHostInfo Unknown(string host, int? port, string? dbName, string reason) =>
        new(RedshiftHostKind.Unknown, host.ToLowerInvariant().TrimEnd('.'), port, dbName, null, null, null, null, reason);
}
