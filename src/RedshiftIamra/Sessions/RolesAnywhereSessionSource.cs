using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using RedshiftIamra.Aws;
using RedshiftIamra.Certificates;
using RedshiftIamra.RolesAnywhere;

namespace RedshiftIamra.Sessions;

/// <summary>What a caller asks for: a certificate, the three ARNs and how to reach the service.</summary>
public sealed record RolesAnywhereSessionOptions
{
    public required IamraCertificate Certificate { get; init; }

    public required string TrustAnchorArn { get; init; }

    public required string ProfileArn { get; init; }

    public required string RoleArn { get; init; }

    public string? Region { get; init; }

    public int? DurationSeconds { get; init; }

    public string? RoleSessionName { get; init; }

    public string? EndpointUrl { get; init; }

    public bool AllowInsecureEndpoint { get; init; }

    public AwsHttpSettings Http { get; init; } = new();

    public TimeSpan? RenewalMargin { get; init; }
}

/// <summary>
/// A validated request for Roles Anywhere sessions, and the way to get one: from the
/// in-process cache while fresh, otherwise from one shared <c>CreateSession</c> call.
/// </summary>
public sealed class RolesAnywhereSessionSource
{
    public const int MinimumDuration = 900;
    public const int MaximumDuration = 43200;
    public const int DefaultDuration = 3600;
    public static readonly TimeSpan DefaultRenewalMargin = TimeSpan.FromMinutes(5);

    private static readonly Regex s_sessionName = new(@"^[\w+=,.@-]{2,64}$", RegexOptions.CultureInvariant);

    /// <summary>The session cache of the module's context, shared by every runspace.</summary>
    public static CredentialCache<string, IamraSession> Cache => IamraContext.Current.Sessions;

    private RolesAnywhereSessionSource(RolesAnywhereSessionOptions options, string region, string regionSource, AwsEndpoint endpoint, int duration)
    {
        Certificate = options.Certificate.Certificate;
        Chain = options.Certificate.Chain;
        SigningKey = options.Certificate.SigningKey;
        TrustAnchorArn = options.TrustAnchorArn;
        ProfileArn = options.ProfileArn;
        RoleArn = options.RoleArn;
        Region = region;
        RegionSource = regionSource;
        Endpoint = endpoint;
        DurationSeconds = duration;
        RoleSessionName = options.RoleSessionName;
        Http = options.Http;
        RenewalMargin = options.RenewalMargin ?? DefaultRenewalMargin;
        CertificateDescription = $"{options.Certificate.Subject} ({options.Certificate.KeyAlgorithm} {options.Certificate.Curve ?? options.Certificate.KeySize.ToString(System.Globalization.CultureInfo.InvariantCulture)}, serial {options.Certificate.SerialNumberDecimal}, thumbprint {options.Certificate.Thumbprint}{(SigningKey is null ? string.Empty : $"; key in {SigningKey.Description}")})";
        CacheKey = string.Join('|', Certificate.Thumbprint, TrustAnchorArn, ProfileArn, RoleArn, Region, Endpoint.Uri, DurationSeconds, RoleSessionName, Http.EffectiveCaBundlePath, Http.Proxy);
    }

    public X509Certificate2 Certificate { get; }

    public IReadOnlyList<X509Certificate2> Chain { get; }

    /// <summary>The key that signs when it is not the certificate's own (a PKCS#11 token key).</summary>
    public Signing.ISigningKey? SigningKey { get; }

    public string TrustAnchorArn { get; }

    public string ProfileArn { get; }

    public string RoleArn { get; }

    public string Region { get; }

    /// <summary>Where the region came from, for -Verbose.</summary>
    public string RegionSource { get; }

    public AwsEndpoint Endpoint { get; }

    public int DurationSeconds { get; }

    public string? RoleSessionName { get; }

    public AwsHttpSettings Http { get; }

    public TimeSpan RenewalMargin { get; }

    public string CertificateDescription { get; }

    internal string CacheKey { get; }

    /// <summary>
    /// Parses the three ARNs and checks they belong together: the trust anchor and the profile
    /// in one region and account, all three in one partition (<c>IamraRegionMismatch</c>).
    /// </summary>
    public static (AwsArn TrustAnchor, AwsArn Profile, AwsArn Role) ParseArns(string? trustAnchorArn, string? profileArn, string? roleArn)
    {
        var missing = new[] { (trustAnchorArn, "-TrustAnchorArn"), (profileArn, "-ProfileArn"), (roleArn, "-RoleArn") }
            .Where(a => a.Item1 is null).Select(a => a.Item2).ToList();
        if (missing.Count > 0)
        {
            throw new IamraException(ErrorIds.Session.ArnMissing, IamraErrorCategory.InvalidArgument,
                $"A Roles Anywhere session needs {string.Join(", ", missing)}: give {(missing.Count == 1 ? "it" : "them")}, pipe in a stack from Get-RedshiftIamraStack, or name a saved configuration with -ConfigName.", string.Join(",", missing));
        }

        var anchor = AwsArn.ParseRolesAnywhere(trustAnchorArn, "TrustAnchorArn", "trust-anchor");
        var profile = AwsArn.ParseRolesAnywhere(profileArn, "ProfileArn", "profile");
        var role = AwsArn.ParseRole(roleArn, "RoleArn");
        if (profile.Region != anchor.Region)
        {
            throw new IamraException(ErrorIds.Session.RegionMismatch, IamraErrorCategory.InvalidArgument,
                $"-ProfileArn '{profileArn}' is in {profile.Region} but -TrustAnchorArn '{trustAnchorArn}' is in {anchor.Region}: a Roles Anywhere profile and trust anchor must be in the same region.", profileArn);
        }

        if (profile.Account != anchor.Account || role.Partition != anchor.Partition)
        {
            throw new IamraException(ErrorIds.Session.RegionMismatch, IamraErrorCategory.InvalidArgument,
                $"-TrustAnchorArn '{trustAnchorArn}', -ProfileArn '{profileArn}' and -RoleArn '{roleArn}' must be in one partition, and the trust anchor and profile in one account (here: {anchor.Partition}/{anchor.Account}, {profile.Partition}/{profile.Account}, {role.Partition}).", profileArn);
        }

        return (anchor, profile, role);
    }

    /// <summary>Checks every input before any network call; throws <see cref="IamraException"/> naming the bad value.</summary>
    /// <summary>Checks a role session name: 2 to 64 letters, digits and +=,.@_-.</summary>
    public static void ValidateRoleSessionName(string name)
    {
        if (!s_sessionName.IsMatch(name))
        {
            throw new IamraException(ErrorIds.Session.InvalidRoleSessionName, IamraErrorCategory.InvalidArgument,
                $"-RoleSessionName '{name}' is not valid: use 2 to 64 letters, digits and +=,.@_-.", name);
        }
    }

    public static RolesAnywhereSessionSource Create(RolesAnywhereSessionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var certificate = options.Certificate;
        if (!certificate.Usable)
        {
            throw new IamraException(certificate.ProblemId ?? ErrorIds.Certificate.NotUsable, CertificateFinder.CategoryOf(certificate.ProblemId),
                certificate.Reason ?? $"The certificate {certificate.Subject} cannot sign Roles Anywhere requests.", certificate);
        }

        var (anchor, profile, role) = ParseArns(options.TrustAnchorArn, options.ProfileArn, options.RoleArn);
        var region = anchor.Region;
        var regionSource = "the trust anchor ARN";
        if (options.Region is not null)
        {
            AwsRegion.Validate(options.Region);
            if (options.Region != anchor.Region)
            {
                throw new IamraException(ErrorIds.Session.RegionMismatch, IamraErrorCategory.InvalidArgument,
                    $"-Region {options.Region} differs from the trust anchor's region {anchor.Region}: Roles Anywhere sessions are created in the trust anchor's region. Leave -Region out.", options.Region);
            }

            regionSource = "the -Region parameter";
        }

        var duration = options.DurationSeconds ?? DefaultDuration;
        if (duration is < MinimumDuration or > MaximumDuration)
        {
            throw new IamraException(ErrorIds.Session.InvalidDuration, IamraErrorCategory.InvalidArgument,
                $"-SessionDurationSeconds {duration} is out of range: Roles Anywhere sessions last {MinimumDuration} to {MaximumDuration} seconds (15 minutes to 12 hours).", duration);
        }

        if (options.RoleSessionName is not null)
        {
            ValidateRoleSessionName(options.RoleSessionName);
        }

        if (options.RenewalMargin is { } margin && (margin < TimeSpan.Zero || margin > TimeSpan.FromHours(1)))
        {
            throw new IamraException(ErrorIds.Session.InvalidRenewalMargin, IamraErrorCategory.InvalidArgument,
                $"-RenewalMargin {margin} is out of range: use 0 to 1 hour.", margin);
        }

        var endpoint = AwsEndpoint.Resolve(options.EndpointUrl, "ROLESANYWHERE", "rolesanywhere", region, options.AllowInsecureEndpoint);
        if (options.Http.EffectiveCaBundlePath is { } bundle)
        {
            AwsHttpClients.LoadBundle(bundle);
        }

        return new RolesAnywhereSessionSource(options, region, regionSource, endpoint, duration);
    }

    /// <summary>A fresh session: from the cache while it is fresh (unless <paramref name="force"/>), otherwise one shared CreateSession.</summary>
    public async Task<IamraSession> GetSessionAsync(bool force, IOperationLog log, CancellationToken cancellationToken)
    {
        log.Verbose($"Roles Anywhere session for {RoleArn} with certificate {CertificateDescription}; region {Region} (from {RegionSource}); endpoint {Endpoint.Uri} (from {Endpoint.Source}).");
        var (session, fromCache) = await Cache.GetAsync(CacheKey, ct => CreateAsync(log, ct), RenewalMargin, force, cancellationToken).ConfigureAwait(false);
        if (fromCache)
        {
            log.Verbose($"Using the cached session {session.AccessKeyId}, valid until {session.ExpiresAt:yyyy-MM-dd HH:mm:ss}Z (renewed {RenewalMargin.TotalMinutes:0.#} minutes before it expires).");
            return session.AsCached();
        }

        return session;
    }

    private async Task<IamraSession> CreateAsync(IOperationLog log, CancellationToken cancellationToken)
    {
        var client = new RolesAnywhereClient(new RolesAnywhereClientConfig { Region = Region, Endpoint = Endpoint, Http = Http });
        var request = new CreateSessionRequest
        {
            TrustAnchorArn = TrustAnchorArn,
            ProfileArn = ProfileArn,
            RoleArn = RoleArn,
            DurationSeconds = DurationSeconds,
            RoleSessionName = RoleSessionName,
            Certificate = Certificate,
            Chain = Chain,
            SigningKey = SigningKey,
        };
        var requestedAt = DateTimeOffset.UtcNow;
        var response = await client.CreateSessionAsync(request, log, cancellationToken).ConfigureAwait(false);
        var offset = ServerClock.OffsetFor(Endpoint.Uri);
        var session = new IamraSession(response.CredentialSet.Credentials, requestedAt + offset, this, response, offset);
        log.Verbose($"CreateSession issued {session.AccessKeyId} for {session.AssumedRoleArn ?? session.RoleArn}, valid until {session.ExpiresAt:yyyy-MM-dd HH:mm:ss}Z.");
        return session;
    }
}
