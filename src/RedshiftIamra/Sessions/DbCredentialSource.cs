using System.Globalization;
using RedshiftIamra.Aws;
using RedshiftIamra.Redshift;

namespace RedshiftIamra.Sessions;

/// <summary>What a caller asks for: AWS credentials, a target (cluster, IAM identity or workgroup) and how to reach the API.</summary>
public sealed record DbCredentialOptions
{
    public required AwsCredentialSource Credentials { get; init; }

    public required RedshiftTargetKind Kind { get; init; }

    public string? ClusterIdentifier { get; init; }

    public string? WorkgroupName { get; init; }

    public string? DbUser { get; init; }

    public string? DbName { get; init; }

    public bool AutoCreate { get; init; }

    public IReadOnlyList<string> DbGroups { get; init; } = Array.Empty<string>();

    public int? DurationSeconds { get; init; }

    public string? CustomDomainName { get; init; }

    /// <summary>Where to connect, when known (otherwise DescribeClusters / GetWorkgroup tell).</summary>
    public string? Host { get; init; }

    public int? Port { get; init; }

    /// <summary>The region: explicit, else inferred by the caller (host name, session, profile, environment).</summary>
    public required string Region { get; init; }

    /// <summary>Where the region came from, for -Verbose.</summary>
    public string RegionSource { get; init; } = "the -Region parameter";

    public string? EndpointUrl { get; init; }

    public bool AllowInsecureEndpoint { get; init; }

    public AwsHttpSettings Http { get; init; } = new();

    public TimeSpan? RenewalMargin { get; init; }
}

/// <summary>
/// A validated request for Redshift database credentials, and the way to get them: from the
/// in-process cache while fresh, otherwise one shared call (after discovering the database
/// endpoint once). An <c>ExpiredToken</c> answer renews the AWS credentials once and retries.
/// </summary>
public sealed class DbCredentialSource
{
    public const string RegionRequiredErrorId = AwsRegion.RegionRequiredErrorId;
    public const string EndpointUnavailableErrorId = ErrorIds.Redshift.EndpointUnavailable;
    public static readonly TimeSpan DefaultRenewalMargin = TimeSpan.FromMinutes(2);

    /// <summary>The database credential cache of the module's context, shared by every runspace.</summary>
    public static CredentialCache<string, RedshiftDbCredential> Cache => IamraContext.Current.DbCredentials;

    private readonly DbCredentialOptions _options;
    private readonly RedshiftClientConfig _clientConfig;
    private (string Host, int Port, string? Database)? _endpoint;

    private DbCredentialSource(DbCredentialOptions options, AwsEndpoint apiEndpoint, IReadOnlyList<string> groups, int? duration)
    {
        _options = options with { DbGroups = groups, DurationSeconds = duration };
        ApiEndpoint = apiEndpoint;
        _clientConfig = new RedshiftClientConfig
        {
            Region = options.Region,
            Endpoint = apiEndpoint,
            Credentials = options.Credentials,
            Http = options.Http,
        };
        if (options.Host is not null)
        {
            _endpoint = (options.Host, options.Port ?? 5439, null);
        }

        CacheKey = string.Join('|', options.Credentials.IdentityKey, options.Region, apiEndpoint.Uri, options.Kind, options.ClusterIdentifier, options.WorkgroupName,
            options.DbUser, options.DbName, options.AutoCreate, string.Join(',', groups), duration, options.CustomDomainName, options.Host, options.Port);
    }

    public RedshiftTargetKind Kind => _options.Kind;

    public string? ClusterIdentifier => _options.ClusterIdentifier;

    public string? WorkgroupName => _options.WorkgroupName;

    public string Region => _options.Region;

    public AwsEndpoint ApiEndpoint { get; }

    public TimeSpan RenewalMargin => _options.RenewalMargin ?? DefaultRenewalMargin;

    /// <summary>A description of the AWS credentials used (for -Verbose).</summary>
    public string CredentialsDescription => _options.Credentials.Description;

    internal string CacheKey { get; }

    /// <summary>The AWS credentials behind the database credentials (a staged load signs S3 requests with them).</summary>
    internal AwsCredentialSource AwsCredentials => _options.Credentials;

    /// <summary>The HTTP settings (proxy, CA bundle) the AWS calls use.</summary>
    internal AwsHttpSettings Http => _options.Http;

    /// <summary>Checks every input before any network call; throws <see cref="IamraException"/> naming the bad value.</summary>
    public static DbCredentialSource Create(DbCredentialOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        AwsRegion.Validate(options.Region);
        switch (options.Kind)
        {
            case RedshiftTargetKind.Provisioned:
                if (options.ClusterIdentifier is null && options.CustomDomainName is null)
                {
                    throw Missing("-ClusterIdentifier (or -CustomDomainName)", "a provisioned cluster");
                }

                RedshiftNames.ValidateDbUser(options.DbUser ?? throw Missing("-DbUser", "GetClusterCredentials"));
                break;
            case RedshiftTargetKind.ProvisionedIam:
                if (options.ClusterIdentifier is null && options.CustomDomainName is null)
                {
                    throw Missing("-ClusterIdentifier (or -CustomDomainName)", "a provisioned cluster");
                }

                break;
            case RedshiftTargetKind.Serverless:
                if (options.WorkgroupName is null && options.CustomDomainName is null)
                {
                    throw Missing("-WorkgroupName (or -CustomDomainName)", "a serverless workgroup");
                }

                break;
        }

        if (options.ClusterIdentifier is not null)
        {
            RedshiftNames.ValidateClusterIdentifier(options.ClusterIdentifier);
        }

        if (options.WorkgroupName is not null)
        {
            RedshiftNames.ValidateWorkgroupName(options.WorkgroupName);
        }

        if (options.DbName is not null)
        {
            RedshiftNames.ValidateDbName(options.DbName);
        }

        var groups = options.DbGroups.Select(g => RedshiftNames.ValidateDbGroup(g)).ToList();
        int? duration = options.DurationSeconds is null ? null : RedshiftNames.ValidateDuration(options.DurationSeconds);
        if (options.Port is { } port && port is < 1 or > 65535)
        {
            throw new IamraException(ErrorIds.Redshift.InvalidPort, IamraErrorCategory.InvalidArgument, $"-Port {port} is not a TCP port (1 to 65535; Redshift listens on 5439 by default).", port);
        }

        if (options.RenewalMargin is { } margin && (margin < TimeSpan.Zero || margin > TimeSpan.FromMinutes(30)))
        {
            throw new IamraException(ErrorIds.Session.InvalidRenewalMargin, IamraErrorCategory.InvalidArgument, $"-RenewalMargin {margin} is out of range: use 0 to 30 minutes.", margin);
        }

        var endpoint = options.Kind == RedshiftTargetKind.Serverless
            ? RedshiftServerlessClient.ResolveEndpoint(options.EndpointUrl, options.Region, options.AllowInsecureEndpoint)
            : RedshiftClient.ResolveEndpoint(options.EndpointUrl, options.Region, options.AllowInsecureEndpoint);
        if (options.Http.EffectiveCaBundlePath is { } bundle)
        {
            AwsHttpClients.LoadBundle(bundle);
        }

        return new DbCredentialSource(options, endpoint, groups, duration);
    }

    /// <summary>Fresh credentials: from the cache while fresh (unless <paramref name="force"/>), otherwise one shared call.</summary>
    public async Task<RedshiftDbCredential> GetCredentialAsync(bool force, IOperationLog log, CancellationToken cancellationToken)
    {
        log.Verbose($"{Describe()}: region {Region} (from {_options.RegionSource}); API endpoint {ApiEndpoint.Uri} (from {ApiEndpoint.Source}); AWS credentials from {_options.Credentials.Description}.");
        var (credential, fromCache) = await Cache.GetAsync(CacheKey, ct => CreateAsync(log, ct), RenewalMargin, force, cancellationToken).ConfigureAwait(false);
        if (fromCache)
        {
            log.Verbose($"Using cached database credentials for {credential.DbUser}, valid until {credential.ExpiresAt:yyyy-MM-dd HH:mm:ss}Z.");
            return credential.AsCached();
        }

        return credential;
    }

    private string Describe() => Kind switch
    {
        RedshiftTargetKind.Provisioned => $"GetClusterCredentials for user '{_options.DbUser}' on cluster '{ClusterIdentifier ?? _options.CustomDomainName}'",
        RedshiftTargetKind.ProvisionedIam => $"GetClusterCredentialsWithIAM on cluster '{ClusterIdentifier ?? _options.CustomDomainName}'",
        _ => $"GetCredentials on workgroup '{WorkgroupName ?? _options.CustomDomainName}'",
    };

    private async Task<RedshiftDbCredential> CreateAsync(IOperationLog log, CancellationToken cancellationToken)
    {
        try
        {
            return await IssueAsync(log, cancellationToken).ConfigureAwait(false);
        }
        catch (IamraException e) when (RedshiftErrors.IsExpiredToken(e))
        {
            log.Verbose("The AWS session token expired; renewing it once and trying again.");
            _options.Credentials.Invalidate();
            return await IssueAsync(log, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<RedshiftDbCredential> IssueAsync(IOperationLog log, CancellationToken cancellationToken)
    {
        var endpoint = _endpoint ?? await DiscoverEndpointAsync(log, cancellationToken).ConfigureAwait(false);
        _endpoint = endpoint;
        var database = _options.DbName ?? endpoint.Database ?? "dev";
        var requestedAt = DateTimeOffset.UtcNow;
        string user, password;
        DateTimeOffset expiration;
        DateTimeOffset? nextRefresh = null;
        string? requestId;
        switch (Kind)
        {
            case RedshiftTargetKind.Provisioned:
                {
                    var response = await new RedshiftClient(_clientConfig).GetClusterCredentialsAsync(new GetClusterCredentialsRequest
                    {
                        DbUser = _options.DbUser!,
                        DbName = database,
                        ClusterIdentifier = _options.ClusterIdentifier,
                        DurationSeconds = _options.DurationSeconds,
                        AutoCreate = _options.AutoCreate ? true : null,
                        DbGroups = _options.DbGroups,
                        CustomDomainName = _options.CustomDomainName,
                    }, log, cancellationToken).ConfigureAwait(false);
                    (user, password, expiration, requestId) = (response.DbUser, response.DbPassword, response.Expiration, response.RequestId);
                    break;
                }

            case RedshiftTargetKind.ProvisionedIam:
                {
                    var response = await new RedshiftClient(_clientConfig).GetClusterCredentialsWithIAMAsync(new GetClusterCredentialsWithIAMRequest
                    {
                        DbName = database,
                        ClusterIdentifier = _options.ClusterIdentifier,
                        DurationSeconds = _options.DurationSeconds,
                        CustomDomainName = _options.CustomDomainName,
                    }, log, cancellationToken).ConfigureAwait(false);
                    (user, password, expiration, nextRefresh, requestId) = (response.DbUser, response.DbPassword, response.Expiration, response.NextRefreshTime, response.RequestId);
                    break;
                }

            default:
                {
                    var response = await new RedshiftServerlessClient(_clientConfig).GetCredentialsAsync(new GetCredentialsRequest
                    {
                        WorkgroupName = _options.WorkgroupName,
                        DbName = database,
                        DurationSeconds = _options.DurationSeconds,
                        CustomDomainName = _options.CustomDomainName,
                    }, log, cancellationToken).ConfigureAwait(false);
                    (user, password, expiration, nextRefresh, requestId) = (response.DbUser, response.DbPassword, response.Expiration, response.NextRefreshTime, response.RequestId);
                    break;
                }
        }

        // Expiry is judged by the issuing service's clock: a skewed local clock neither throws away
        // a fresh password (ahead) nor keeps an expired one (behind).
        var offset = ServerClock.OffsetFor(ApiEndpoint.Uri);
        log.Verbose($"Issued database credentials for {user}, valid until {expiration:yyyy-MM-dd HH:mm:ss}Z{(offset == TimeSpan.Zero ? string.Empty : $" by the server's clock, which differs from this machine's by {ServerClock.Describe(offset)}")}; connect to {endpoint.Host}:{endpoint.Port.ToString(CultureInfo.InvariantCulture)}/{database}.");
        return new RedshiftDbCredential(user, password, requestedAt + offset, expiration, nextRefresh, endpoint.Host, endpoint.Port, database, this, requestId, offset);
    }

    private async Task<(string Host, int Port, string? Database)> DiscoverEndpointAsync(IOperationLog log, CancellationToken cancellationToken)
    {
        if (_options.CustomDomainName is not null && _options.ClusterIdentifier is null && _options.WorkgroupName is null)
        {
            return (_options.CustomDomainName, _options.Port ?? 5439, null);
        }

        if (Kind == RedshiftTargetKind.Serverless)
        {
            var response = await new RedshiftServerlessClient(_clientConfig).GetWorkgroupAsync(new GetWorkgroupRequest { WorkgroupName = _options.WorkgroupName! }, log, cancellationToken).ConfigureAwait(false);
            var workgroup = response.Workgroup;
            if (workgroup.Endpoint is not { } address || string.IsNullOrEmpty(address.Address))
            {
                throw new IamraException(EndpointUnavailableErrorId, IamraErrorCategory.ResourceUnavailable,
                    $"The workgroup '{_options.WorkgroupName}' has no endpoint yet (status {workgroup.Status}). Wait until it is AVAILABLE, or give -Hostname.", _options.WorkgroupName);
            }

            log.Verbose($"GetWorkgroup: '{workgroup.WorkgroupName}' is {workgroup.Status} at {address.Address}:{address.Port}.");
            return (address.Address, _options.Port ?? address.Port, null);
        }

        var clusters = await new RedshiftClient(_clientConfig).DescribeClustersAsync(new DescribeClustersRequest { ClusterIdentifier = _options.ClusterIdentifier }, log, cancellationToken).ConfigureAwait(false);
        var cluster = clusters.Clusters.FirstOrDefault(c => string.Equals(c.ClusterIdentifier, _options.ClusterIdentifier, StringComparison.OrdinalIgnoreCase))
            ?? throw new IamraException(ErrorIds.Redshift.ClusterNotFound, IamraErrorCategory.ObjectNotFound,
                $"DescribeClusters did not return the cluster '{_options.ClusterIdentifier}' in {Region}. Check -ClusterIdentifier and -Region.", _options.ClusterIdentifier);
        if (cluster.Endpoint is not { } endpoint || string.IsNullOrEmpty(endpoint.Address))
        {
            throw new IamraException(EndpointUnavailableErrorId, IamraErrorCategory.ResourceUnavailable,
                $"The cluster '{cluster.ClusterIdentifier}' has no endpoint yet (status {cluster.ClusterStatus}): it is still being created or is not available. Wait until it is available, or give -Hostname.", cluster.ClusterIdentifier);
        }

        log.Verbose($"DescribeClusters: '{cluster.ClusterIdentifier}' is {cluster.ClusterStatus} at {endpoint.Address}:{endpoint.Port}, database {cluster.DBName}.");
        return (endpoint.Address, _options.Port ?? endpoint.Port, cluster.DBName);
    }

    private static IamraException Missing(string what, string forWhat) =>
        new(ErrorIds.Redshift.TargetIncomplete, IamraErrorCategory.InvalidArgument, $"{what} is required for {forWhat}.", forWhat);
}
