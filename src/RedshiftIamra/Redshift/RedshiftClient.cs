using System.Globalization;
using System.Xml.Linq;
using RedshiftIamra.Aws;

namespace RedshiftIamra.Redshift;

/// <summary>
/// Calls Amazon Redshift (provisioned) over the AWS Query protocol, API version 2012-12-01:
/// <c>POST /</c> with a form body, signed with SigV4 (HMAC) as <c>redshift</c>.
/// </summary>
public sealed class RedshiftClient : IRedshiftClient
{
    public const string SigningName = "redshift";
    public const string ApiVersion = "2012-12-01";
    public const string ContentType = AwsQueryProtocol.ContentType;
    public const string XmlNamespace = "http://redshift.amazonaws.com/doc/2012-12-01/";

    /// <summary>The key of <c>AWS_ENDPOINT_URL_REDSHIFT</c>.</summary>
    public const string EndpointEnvironmentKey = "REDSHIFT";

    private readonly RedshiftClientConfig _config;
    private readonly AwsRequestSender _sender;

    public RedshiftClient(RedshiftClientConfig config, AwsRequestSender? sender = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        _config = config;
        _sender = sender ?? AwsRequestSender.Default;
    }

    /// <summary>The endpoint for <paramref name="region"/>: the explicit URL, then <c>AWS_ENDPOINT_URL_REDSHIFT</c>, <c>AWS_ENDPOINT_URL</c>, then the regional (or FIPS) default.</summary>
    public static AwsEndpoint ResolveEndpoint(string? explicitUrl, string region, bool allowInsecureHttp = false, Func<string, string?>? environment = null) =>
        AwsEndpoint.Resolve(explicitUrl, EndpointEnvironmentKey, SigningName, region, allowInsecureHttp, environment);

    public async Task<GetClusterCredentialsResponse> GetClusterCredentialsAsync(GetClusterCredentialsRequest request, IOperationLog log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        Validate(request);
        var context = new RedshiftErrorContext("GetClusterCredentials", _config.Region, _config.Endpoint)
        {
            ClusterIdentifier = request.ClusterIdentifier,
            DbUser = request.DbUser,
            DbName = request.DbName,
            DbGroups = request.DbGroups,
            AutoCreate = request.AutoCreate == true,
            CustomDomainName = request.CustomDomainName,
        };
        var result = await SendAsync(context, BuildGetClusterCredentialsBody(request), "GetClusterCredentialsResult", log, cancellationToken).ConfigureAwait(false);
        return new GetClusterCredentialsResponse(
            Required(result.Element, "DbUser", context, result.RequestId),
            Required(result.Element, "DbPassword", context, result.RequestId),
            RequiredTime(result.Element, "Expiration", context, result.RequestId))
        {
            RequestId = result.RequestId,
        };
    }

    public async Task<GetClusterCredentialsWithIAMResponse> GetClusterCredentialsWithIAMAsync(GetClusterCredentialsWithIAMRequest request, IOperationLog log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        Validate(request);
        var context = new RedshiftErrorContext("GetClusterCredentialsWithIAM", _config.Region, _config.Endpoint)
        {
            ClusterIdentifier = request.ClusterIdentifier,
            DbName = request.DbName,
            CustomDomainName = request.CustomDomainName,
        };
        var result = await SendAsync(context, BuildGetClusterCredentialsWithIamBody(request), "GetClusterCredentialsWithIAMResult", log, cancellationToken).ConfigureAwait(false);
        return new GetClusterCredentialsWithIAMResponse(
            Required(result.Element, "DbUser", context, result.RequestId),
            Required(result.Element, "DbPassword", context, result.RequestId),
            RequiredTime(result.Element, "Expiration", context, result.RequestId),
            OptionalTime(result.Element, "NextRefreshTime", context, result.RequestId))
        {
            RequestId = result.RequestId,
        };
    }

    public async Task<DescribeClustersResponse> DescribeClustersAsync(DescribeClustersRequest request, IOperationLog log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.ClusterIdentifier is not null)
        {
            RedshiftNames.ValidateClusterIdentifier(request.ClusterIdentifier);
        }

        var context = new RedshiftErrorContext("DescribeClusters", _config.Region, _config.Endpoint) { ClusterIdentifier = request.ClusterIdentifier };
        var result = await SendAsync(context, BuildDescribeClustersBody(request), "DescribeClustersResult", log, cancellationToken).ConfigureAwait(false);
        var clusters = new List<Cluster>();
        var list = Child(result.Element, "Clusters");
        foreach (var item in list?.Elements().Where(e => e.Name.LocalName == "Cluster") ?? [])
        {
            ClusterEndpoint? endpoint = null;
            if (Child(item, "Endpoint") is { } endpointElement && Text(endpointElement, "Address") is { Length: > 0 } address)
            {
                var portText = Text(endpointElement, "Port");
                if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
                {
                    throw InvalidResponse(context, result.RequestId, $"the cluster endpoint port '{portText}' is not a port");
                }

                endpoint = new ClusterEndpoint(address, port);
            }

            clusters.Add(new Cluster(Required(item, "ClusterIdentifier", context, result.RequestId), Text(item, "ClusterStatus"), Text(item, "DBName"), endpoint));
        }

        return new DescribeClustersResponse(clusters, Text(result.Element, "Marker")) { RequestId = result.RequestId };
    }

    // ---- request bodies -------------------------------------------------------------------

    internal static byte[] BuildGetClusterCredentialsBody(GetClusterCredentialsRequest request)
    {
        var form = new AwsQueryForm("GetClusterCredentials", ApiVersion);
        form.Add("DbUser", request.DbUser);
        form.Add("DbName", request.DbName);
        form.Add("ClusterIdentifier", request.ClusterIdentifier);
        form.Add("DurationSeconds", request.DurationSeconds);
        form.Add("AutoCreate", request.AutoCreate);
        for (var i = 0; i < request.DbGroups.Count; i++)
        {
            form.Add($"DbGroups.DbGroup.{(i + 1).ToString(CultureInfo.InvariantCulture)}", request.DbGroups[i]);
        }

        form.Add("CustomDomainName", request.CustomDomainName);
        return form.ToBytes();
    }

    internal static byte[] BuildGetClusterCredentialsWithIamBody(GetClusterCredentialsWithIAMRequest request)
    {
        var form = new AwsQueryForm("GetClusterCredentialsWithIAM", ApiVersion);
        form.Add("DbName", request.DbName);
        form.Add("ClusterIdentifier", request.ClusterIdentifier);
        form.Add("DurationSeconds", request.DurationSeconds);
        form.Add("CustomDomainName", request.CustomDomainName);
        return form.ToBytes();
    }

    internal static byte[] BuildDescribeClustersBody(DescribeClustersRequest request)
    {
        var form = new AwsQueryForm("DescribeClusters", ApiVersion);
        form.Add("ClusterIdentifier", request.ClusterIdentifier);
        form.Add("MaxRecords", request.MaxRecords);
        form.Add("Marker", request.Marker);
        return form.ToBytes();
    }

    // ---- validation -----------------------------------------------------------------------

    private static void Validate(GetClusterCredentialsRequest request)
    {
        RedshiftNames.ValidateDbUser(request.DbUser);
        ValidateTarget(request.ClusterIdentifier, request.CustomDomainName);
        if (request.DbName is not null)
        {
            RedshiftNames.ValidateDbName(request.DbName);
        }

        if (request.DurationSeconds is not null)
        {
            RedshiftNames.ValidateDuration(request.DurationSeconds);
        }

        foreach (var group in request.DbGroups)
        {
            RedshiftNames.ValidateDbGroup(group);
        }
    }

    private static void Validate(GetClusterCredentialsWithIAMRequest request)
    {
        ValidateTarget(request.ClusterIdentifier, request.CustomDomainName);
        if (request.DbName is not null)
        {
            RedshiftNames.ValidateDbName(request.DbName);
        }

        if (request.DurationSeconds is not null)
        {
            RedshiftNames.ValidateDuration(request.DurationSeconds);
        }
    }

    private static void ValidateTarget(string? clusterIdentifier, string? customDomainName)
    {
        if (clusterIdentifier is not null)
        {
            RedshiftNames.ValidateClusterIdentifier(clusterIdentifier);
        }
        else if (string.IsNullOrWhiteSpace(customDomainName))
        {
            throw new IamraException(RedshiftNames.InvalidClusterIdentifier, IamraErrorCategory.InvalidArgument,
                "Give -ClusterIdentifier (the first label of the cluster's host name) or -CustomDomainName: Redshift needs one of them to know which cluster to issue credentials for.");
        }
    }

    // ---- sending and parsing ------------------------------------------------------------------

    private async Task<(XElement Element, string? RequestId)> SendAsync(RedshiftErrorContext context, byte[] body, string resultName, IOperationLog log, CancellationToken cancellationToken)
    {
        var call = new AwsQueryCall("Redshift", SigningName, context.Operation, body, resultName);
        var result = await AwsQueryProtocol.SendAsync(_sender, _config, call,
            e => RedshiftErrors.Map(e, context with { AccountId = _config.AccountId ?? _config.Credentials.AccountId }), log, cancellationToken).ConfigureAwait(false);
        return (result.Element, result.RequestId);
    }

    private static XElement? Child(XElement parent, string localName) => AwsQueryProtocol.Child(parent, localName);

    private static string? Text(XElement parent, string localName) => AwsQueryProtocol.Text(parent, localName);

    private static string Required(XElement parent, string name, RedshiftErrorContext context, string? requestId) =>
        Text(parent, name) is { Length: > 0 } value ? value : throw InvalidResponse(context, requestId, $"'{name}' is missing");

    private static DateTimeOffset RequiredTime(XElement parent, string name, RedshiftErrorContext context, string? requestId) =>
        OptionalTime(parent, name, context, requestId) ?? throw InvalidResponse(context, requestId, $"'{name}' is missing");

    private static DateTimeOffset? OptionalTime(XElement parent, string name, RedshiftErrorContext context, string? requestId)
    {
        var text = Text(parent, name);
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        return RedshiftTime.TryParse(text, out var time) ? time : throw InvalidResponse(context, requestId, $"'{name}' = '{text}' is not a timestamp");
    }

    private static IamraException InvalidResponse(RedshiftErrorContext context, string? requestId, string why) =>
        AwsQueryProtocol.InvalidResponse("Redshift", context.Operation, requestId, why);
}

/// <summary>Timestamps in AWS answers: ISO 8601 strings, or epoch seconds (whole or fractional).</summary>
internal static class RedshiftTime
{
    public static bool TryParse(string text, out DateTimeOffset time)
    {
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out time))
        {
            return true;
        }

        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && TryFromEpoch(seconds, out time))
        {
            return true;
        }

        time = default;
        return false;
    }

    public static bool TryFromEpoch(double seconds, out DateTimeOffset time)
    {
        if (double.IsFinite(seconds) && seconds >= 0 && seconds < 253402300800d)
        {
            time = DateTimeOffset.UnixEpoch.AddTicks((long)Math.Round(seconds * TimeSpan.TicksPerSecond));
            return true;
        }

        time = default;
        return false;
    }
}
