using System.Security;
using System.Security.Cryptography.X509Certificates;
using RedshiftIamra.Aws;
using RedshiftIamra.CloudFormation;
using RedshiftIamra.Certificates;
using RedshiftIamra.Connections;
using RedshiftIamra.Loading;
using RedshiftIamra.Pkcs11;
using RedshiftIamra.Sessions;

namespace RedshiftIamra.Configuration;

/// <summary>How a certificate source finds its certificate (the cmdlets' parameter sets).</summary>
public enum CertificateSourceKind
{
    /// <summary>A store lookup by selector (-Subject, -Issuer, -SerialNumber).</summary>
    Store,

    /// <summary>A store lookup by -Thumbprint.</summary>
    Thumbprint,

    /// <summary>Certificate and key files (-Path, -PrivateKeyPath).</summary>
    Path,

    /// <summary>A key in a PKCS#11 token named by a <c>pkcs11:</c> URI.</summary>
    Pkcs11Uri,

    /// <summary>A key in a PKCS#11 token named by -TokenLabel and -KeyLabel / -KeyId.</summary>
    Pkcs11,
}

/// <summary>
/// The certificate source stage: where the signing certificate is. A saved source is one thing:
/// with <c>-ConfigName</c> it is used as a whole; only the settings that refine it
/// (<c>-Pkcs11Library</c>, <c>-ChainPath</c>, <c>-Latest</c>, a PKCS#11 key's certificate file) follow
/// the value-by-value rule of <see cref="SettingPrecedence"/>.
/// </summary>
public sealed record CertificateSourceSettings
{
    public CertificateSourceKind Kind { get; init; }

    /// <summary>
    /// Names the source without the PKCS#11 URI: a URI may carry the token's PIN
    /// (<c>pin-value</c>), so it is left out of the text a record would otherwise print.
    /// </summary>
    public override string ToString() => Kind switch
    {
        CertificateSourceKind.Pkcs11Uri => "PKCS#11 key (by URI)",
        CertificateSourceKind.Pkcs11 => $"PKCS#11 key {KeyLabel ?? KeyId} in token {TokenLabel}",
        CertificateSourceKind.Path => $"certificate file {CertificatePath}",
        _ => $"certificate store {StoreLocation ?? "CurrentUser"}/{StoreName ?? "My"} {Thumbprint ?? Subject ?? SerialNumber}".TrimEnd(),
    };

    public string? Thumbprint { get; init; }

    public string? Subject { get; init; }

    public string? Issuer { get; init; }

    public string? SerialNumber { get; init; }

    /// <summary>CurrentUser or LocalMachine; null is CurrentUser.</summary>
    public string? StoreLocation { get; init; }

    /// <summary>Null is My.</summary>
    public string? StoreName { get; init; }

    public bool Latest { get; init; }

    /// <summary>The certificate file (with a PKCS#11 source: the key's certificate when the token does not hold it).</summary>
    public string? CertificatePath { get; init; }

    public string? PrivateKeyPath { get; init; }

    public string? ChainPath { get; init; }

    public string? Pkcs11Uri { get; init; }

    public string? TokenLabel { get; init; }

    public string? KeyLabel { get; init; }

    public string? KeyId { get; init; }

    public string? Pkcs11Library { get; init; }

    /// <summary>The source a saved configuration names, with what the user gave beside it (parameter names as the cmdlets spell them).</summary>
    public CertificateSourceSettings WithConfig(RedshiftIamraConfig config, SettingPrecedence precedence)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(precedence);
        CertificateSourceSettings source;
        if (config.Pkcs11Uri is not null || config.TokenLabel is not null)
        {
            source = new CertificateSourceSettings
            {
                Kind = config.Pkcs11Uri is not null ? CertificateSourceKind.Pkcs11Uri : CertificateSourceKind.Pkcs11,
                Pkcs11Uri = config.Pkcs11Uri,
                TokenLabel = config.TokenLabel,
                KeyLabel = config.KeyLabel,
                KeyId = config.KeyId,
                Pkcs11Library = precedence.Pick("Pkcs11Library", Pkcs11Library, config.Pkcs11Library),
                CertificatePath = precedence.Pick("Path", CertificatePath, config.CertificatePath),
                Latest = Latest,
            };
        }
        else if (config.CertificatePath is not null)
        {
            source = new CertificateSourceSettings
            {
                Kind = CertificateSourceKind.Path,
                CertificatePath = config.CertificatePath,
                PrivateKeyPath = config.PrivateKeyPath,
                Latest = Latest,
                Pkcs11Library = Pkcs11Library,
            };
        }
        else
        {
            source = new CertificateSourceSettings
            {
                Kind = config.Thumbprint is not null ? CertificateSourceKind.Thumbprint : CertificateSourceKind.Store,
                Thumbprint = config.Thumbprint,
                Subject = config.Subject,
                Issuer = config.Issuer,
                SerialNumber = config.SerialNumber,
                StoreLocation = config.StoreLocation,
                StoreName = config.StoreName,
                Latest = precedence.Pick("Latest", Latest, config.Latest),
                Pkcs11Library = Pkcs11Library,
            };
        }

        return source with { ChainPath = precedence.Pick("ChainPath", ChainPath, config.ChainPath) };
    }

    /// <summary>
    /// The certificate query this source describes, paths resolved by <paramref name="resolvePath"/>
    /// (against the caller's current location). The secrets a source never holds come in here: the
    /// key file's <paramref name="password"/>, the token's <paramref name="pin"/> (over a pin-value in
    /// the URI) and how to ask for a PIN (<paramref name="pinPrompt"/>).
    /// </summary>
    public CertificateQuery ToQuery(Func<string, string> resolvePath, SecureString? password = null, SecureString? pin = null, Func<string, SecureString?>? pinPrompt = null)
    {
        ArgumentNullException.ThrowIfNull(resolvePath);
        string? Resolve(string? path) => path is null ? null : resolvePath(path);
        var location = StoreLocation is null ? System.Security.Cryptography.X509Certificates.StoreLocation.CurrentUser : Enum.Parse<StoreLocation>(StoreLocation, ignoreCase: true);
        return Kind switch
        {
            CertificateSourceKind.Pkcs11Uri or CertificateSourceKind.Pkcs11 => new CertificateQuery
            {
                Pkcs11 = ToPkcs11Query(Resolve, pin, pinPrompt),
                ChainPath = Resolve(ChainPath),
            },
            CertificateSourceKind.Path => new CertificateQuery
            {
                Path = Resolve(CertificatePath),
                PrivateKeyPath = Resolve(PrivateKeyPath),
                Password = password,
                ChainPath = Resolve(ChainPath),
            },
            CertificateSourceKind.Thumbprint => new CertificateQuery
            {
                Thumbprint = CertificateFinder.NormalizeThumbprint(Thumbprint!),
                StoreLocation = location,
                StoreName = StoreName ?? "My",
                ChainPath = Resolve(ChainPath),
            },
            _ => new CertificateQuery
            {
                Subject = Subject,
                Issuer = Issuer,
                SerialNumber = SerialNumber,
                StoreLocation = location,
                StoreName = StoreName ?? "My",
                ChainPath = Resolve(ChainPath),
            },
        };
    }

    /// <summary>The token, key, library, PIN and certificate file of a PKCS#11 source.</summary>
    private Pkcs11Query ToPkcs11Query(Func<string?, string?> resolve, SecureString? pin, Func<string, SecureString?>? pinPrompt)
    {
        var query = Kind == CertificateSourceKind.Pkcs11Uri
            ? Pkcs11Query.FromUri(RedshiftIamra.Pkcs11.Pkcs11Uri.Parse(Pkcs11Uri!))
            : new Pkcs11Query
            {
                TokenLabel = TokenLabel,
                KeyLabel = KeyLabel,
                KeyId = KeyId is null ? null : RedshiftIamra.Pkcs11.Pkcs11Uri.ParseHexId(KeyId),
            };
        return query with
        {
            LibraryPath = resolve(Pkcs11Library ?? query.LibraryPath),
            LibraryOrigin = Pkcs11Library is not null ? "-Pkcs11Library" : query.LibraryOrigin,
            Pin = pin ?? query.Pin,
            CertificatePath = resolve(CertificatePath),
            PinPrompt = pinPrompt,
        };
    }
}

/// <summary>The Roles Anywhere session stage and the AWS HTTP settings every AWS call shares.</summary>
public sealed record RolesAnywhereSettings
{
    public string? TrustAnchorArn { get; init; }

    public string? ProfileArn { get; init; }

    public string? RoleArn { get; init; }

    public int SessionDurationSeconds { get; init; }

    public string? RoleSessionName { get; init; }

    public string? RolesAnywhereEndpointUrl { get; init; }

    public string? CaBundlePath { get; init; }

    public string? Region { get; init; }

    /// <summary>Each setting the user did not give, from the saved configuration.</summary>
    public RolesAnywhereSettings WithConfig(RedshiftIamraConfig config, SettingPrecedence precedence)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(precedence);
        return new RolesAnywhereSettings
        {
            TrustAnchorArn = precedence.Pick(nameof(TrustAnchorArn), TrustAnchorArn, config.TrustAnchorArn),
            ProfileArn = precedence.Pick(nameof(ProfileArn), ProfileArn, config.ProfileArn),
            RoleArn = precedence.Pick(nameof(RoleArn), RoleArn, config.RoleArn),
            SessionDurationSeconds = precedence.Pick(nameof(SessionDurationSeconds), SessionDurationSeconds, config.SessionDurationSeconds),
            RoleSessionName = precedence.Pick(nameof(RoleSessionName), RoleSessionName, config.RoleSessionName),
            RolesAnywhereEndpointUrl = precedence.Pick(nameof(RolesAnywhereEndpointUrl), RolesAnywhereEndpointUrl, config.RolesAnywhereEndpointUrl),
            CaBundlePath = precedence.Pick(nameof(CaBundlePath), CaBundlePath, config.CaBundlePath),
            Region = precedence.Pick(nameof(Region), Region, config.Region),
        };
    }

    /// <summary>For saving: the stack's ARNs and region where the user gave none.</summary>
    public RolesAnywhereSettings WithStack(RedshiftIamraStack? stack) => stack is null ? this : this with
    {
        TrustAnchorArn = TrustAnchorArn ?? stack.TrustAnchorArn,
        ProfileArn = ProfileArn ?? stack.ProfileArn,
        RoleArn = RoleArn ?? stack.RoleArn,
        Region = Region ?? stack.Region,
    };

    /// <summary>
    /// The Roles Anywhere session request for <paramref name="certificate"/>. The session's region
    /// is the trust anchor's; <see cref="Region"/> is checked against it only where it names the
    /// session's region (<paramref name="regionIsSessions"/>: Get-IamraSession), since elsewhere
    /// it names the Redshift target's.
    /// </summary>
    public RolesAnywhereSessionOptions ToSessionOptions(IamraCertificate certificate, IamraSessionOption option, AwsHttpSettings http, bool regionIsSessions = false)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(option);
        ArgumentNullException.ThrowIfNull(http);
        return new RolesAnywhereSessionOptions
        {
            Certificate = certificate,
            TrustAnchorArn = TrustAnchorArn!,
            ProfileArn = ProfileArn!,
            RoleArn = RoleArn!,
            Region = regionIsSessions ? Region : null,
            DurationSeconds = SessionDurationSeconds,
            RoleSessionName = RoleSessionName,
            EndpointUrl = RolesAnywhereEndpointUrl,
            AllowInsecureEndpoint = option.AllowInsecureEndpoint,
            Http = http,
            RenewalMargin = option.RenewalMargin,
        };
    }
}

/// <summary>
/// The Redshift target stage: where to connect and as whom. The target (a cluster, a workgroup
/// or a host name, with its port and user) is one thing: naming any of them replaces the saved
/// or stacked target as a whole; the database, groups and durations follow the value-by-value rule.
/// </summary>
public sealed record RedshiftTargetSettings
{
    private static readonly string[] TargetNames = { nameof(ClusterIdentifier), nameof(WorkgroupName), nameof(Hostname) };

    public string? ClusterIdentifier { get; init; }

    public string? WorkgroupName { get; init; }

    public string? Hostname { get; init; }

    /// <summary>0 when not given.</summary>
    public int Port { get; init; }

    public string? DbUser { get; init; }

    public bool UseIamIdentity { get; init; }

    public string? DbName { get; init; }

    public bool AutoCreate { get; init; }

    public IReadOnlyList<string>? DbGroup { get; init; }

    /// <summary>The database credential's duration; 0 when not given.</summary>
    public int DurationSeconds { get; init; }

    public string? CustomDomainName { get; init; }

    public string? RedshiftEndpointUrl { get; init; }

    /// <summary>Each setting the user did not give from the saved configuration; the saved target only when the user named none.</summary>
    public RedshiftTargetSettings WithConfig(RedshiftIamraConfig config, SettingPrecedence precedence)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(precedence);
        var merged = this with
        {
            DbName = precedence.Pick(nameof(DbName), DbName, config.DbName),
            AutoCreate = precedence.Pick(nameof(AutoCreate), AutoCreate, config.AutoCreate),
            DbGroup = precedence.Pick(nameof(DbGroup), DbGroup, config.DbGroup.Count > 0 ? config.DbGroup : null),
            DurationSeconds = precedence.Pick(nameof(DurationSeconds), DurationSeconds, config.DurationSeconds),
            CustomDomainName = precedence.Pick(nameof(CustomDomainName), CustomDomainName, config.CustomDomainName),
            RedshiftEndpointUrl = precedence.Pick(nameof(RedshiftEndpointUrl), RedshiftEndpointUrl, config.RedshiftEndpointUrl),
        };

        var named = TargetNames.Where(precedence.IsGiven).ToList();
        if (named.Count == 0)
        {
            return merged with
            {
                ClusterIdentifier = config.ClusterIdentifier,
                WorkgroupName = config.WorkgroupName,
                Hostname = config.Hostname,
                Port = precedence.Pick(nameof(Port), Port, config.Port),
                DbUser = precedence.Pick(nameof(DbUser), DbUser, config.DbUser),
                UseIamIdentity = precedence.Pick(nameof(UseIamIdentity), UseIamIdentity, config.UseIamIdentity),
            };
        }

        precedence.NoteOverridden("the target (" + string.Join(", ", named.Select(t => "-" + t)) + ")");
        return UseIamIdentity ? merged : merged with { DbUser = precedence.Pick(nameof(DbUser), DbUser, config.DbUser) };
    }

    /// <summary>
    /// For saving a configuration from a stack: what the user typed wins; the stack fills the rest.
    /// A stack names a cluster and a workgroup, a configuration connects to one: the cluster,
    /// unless only -WorkgroupName was typed (then the workgroup's endpoint, not the cluster's
    /// host, port and user). The stack's host and port belong to its cluster: they do not go with
    /// another cluster typed here. <paramref name="note"/> says what was left out, for -Verbose.
    /// </summary>
    public RedshiftTargetSettings WithStack(RedshiftIamraStack? stack, ISet<string> typed, out string? note)
    {
        ArgumentNullException.ThrowIfNull(typed);
        note = null;
        var cluster = ClusterIdentifier ?? stack?.ClusterIdentifier;
        var workgroup = WorkgroupName ?? stack?.WorkgroupName;
        var hostname = Hostname ?? stack?.Hostname;
        var port = Port != 0 || typed.Contains(nameof(Port)) ? Port : stack is { Port: > 0 } ? stack.Port : 0;
        var dbUser = DbUser ?? stack?.DbUser;

        if (cluster is not null && workgroup is not null)
        {
            if (typed.Contains(nameof(WorkgroupName)) && !typed.Contains(nameof(ClusterIdentifier)))
            {
                note = $"Saving the workgroup {workgroup}; the cluster {cluster} from the pipeline is left out.";
                cluster = null;
                hostname = typed.Contains(nameof(Hostname)) ? hostname : stack?.ServerlessWorkgroupEndpoint;
                port = typed.Contains(nameof(Port)) ? port : 0;
                dbUser = typed.Contains(nameof(DbUser)) ? dbUser : null;
            }
            else if (!typed.Contains(nameof(WorkgroupName)))
            {
                note = $"Saving the cluster {cluster}; the workgroup {workgroup} from the pipeline is left out (give -WorkgroupName to save the workgroup instead).";
                workgroup = null;
            }
        }

        if (typed.Contains(nameof(ClusterIdentifier)) && stack?.ClusterIdentifier is { } stackCluster && stackCluster != cluster)
        {
            hostname = typed.Contains(nameof(Hostname)) ? hostname : null;
            port = typed.Contains(nameof(Port)) ? port : 0;
        }

        if (UseIamIdentity && !typed.Contains(nameof(DbUser)))
        {
            dbUser = null;
        }

        return this with
        {
            ClusterIdentifier = cluster,
            WorkgroupName = workgroup,
            Hostname = hostname,
            Port = port,
            DbUser = dbUser,
            DbName = DbName ?? stack?.DbName,
        };
    }

    /// <summary>
    /// The database credential request for this target: the cluster, workgroup or host name
    /// resolved (<see cref="RedshiftTargets.Resolve"/>) and the region found
    /// (<see cref="RedshiftTargets.ResolveRegion"/>). <see cref="Port"/> and
    /// <see cref="DurationSeconds"/> count only when given; a port of 0 bound from a piped object
    /// is an object without one, typed it is a port (and refused). <paramref name="note"/> is what
    /// resolving the target noted, for -Verbose.
    /// </summary>
    public DbCredentialOptions ToDbCredentialOptions(DbCredentialCall call, out string? note)
    {
        ArgumentNullException.ThrowIfNull(call);
        var target = RedshiftTargets.Resolve(new RedshiftTargetInput
        {
            ClusterIdentifier = ClusterIdentifier,
            WorkgroupName = WorkgroupName,
            Hostname = Hostname,
            Port = call.IsGiven(nameof(Port)) && (Port != 0 || call.IsTyped(nameof(Port))) ? Port : null,
            DbUser = DbUser,
            UseIamIdentity = UseIamIdentity,
            CustomDomainName = CustomDomainName,
        });
        note = target.Note;

        // A piped session binds its own Region by name: that is the session's region, a fallback
        // after the host name's, not a region the user gave.
        var given = call.SessionRegion is not null && !call.IsTyped(nameof(call.Region)) && string.Equals(call.Region, call.SessionRegion, StringComparison.Ordinal) ? null : call.Region;
        var (region, regionSource) = RedshiftTargets.ResolveRegion(given, target.HostRegion, call.Credentials);
        return new DbCredentialOptions
        {
            Credentials = call.Credentials,
            Kind = target.Kind,
            ClusterIdentifier = target.ClusterIdentifier,
            WorkgroupName = target.WorkgroupName,
            DbUser = DbUser,
            DbName = DbName ?? target.DbName,
            AutoCreate = AutoCreate,
            DbGroups = DbGroup ?? Array.Empty<string>(),
            DurationSeconds = call.IsGiven(nameof(DurationSeconds)) ? DurationSeconds : null,
            CustomDomainName = CustomDomainName,
            Host = target.Host,
            Port = target.Port,
            Region = region,
            RegionSource = regionSource,
            EndpointUrl = RedshiftEndpointUrl,
            AllowInsecureEndpoint = call.SessionOption.AllowInsecureEndpoint,
            Http = call.Http,
            RenewalMargin = call.SessionOption.RenewalMargin,
        };
    }
}

/// <summary>
/// What a command adds to a <see cref="RedshiftTargetSettings"/> to ask for database credentials:
/// the AWS credentials and HTTP settings, the region it was given, and which settings the user gave.
/// </summary>
public sealed record DbCredentialCall
{
    public required AwsCredentialSource Credentials { get; init; }

    /// <summary>The region as bound (typed, saved, or bound by name from a piped object); null when none.</summary>
    public string? Region { get; init; }

    /// <summary>The region of a piped session, which binds its own Region by name: then a fallback, not a region the user gave.</summary>
    public string? SessionRegion { get; init; }

    /// <summary>Whether the user gave a setting (by its parameter name): typed, bound from a piped object, or filled from a saved configuration.</summary>
    public required Func<string, bool> IsGiven { get; init; }

    /// <summary>Whether the user typed a setting (by its parameter name) on the command line.</summary>
    public required Func<string, bool> IsTyped { get; init; }

    public IamraSessionOption SessionOption { get; init; } = new();

    public AwsHttpSettings Http { get; init; } = new();
}

/// <summary>The connection stage: the roots the server's certificate must chain to, and where staged loads go.</summary>
public sealed record RedshiftConnectSettings
{
    public string? RootCertificatePath { get; init; }

    public RedshiftStagingSettings? Staging { get; init; }

    /// <summary>The TLS roots from the saved configuration when the user gave none.</summary>
    public RedshiftConnectSettings WithConfig(RedshiftIamraConfig config, SettingPrecedence precedence)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(precedence);
        return this with { RootCertificatePath = precedence.Pick(nameof(RootCertificatePath), RootCertificatePath, config.RootCertificatePath) };
    }

    /// <summary>The staging settings from the saved configuration when the user gave none (for the commands that take -Staging).</summary>
    public RedshiftConnectSettings WithStagingFromConfig(RedshiftIamraConfig config, SettingPrecedence precedence)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(precedence);
        return this with { Staging = precedence.Pick(nameof(Staging), Staging, config.Staging) };
    }

    /// <summary>For saving: the stack's staging settings where the user gave none.</summary>
    public RedshiftConnectSettings WithStack(RedshiftIamraStack? stack) => this with { Staging = Staging ?? stack?.Staging };

    /// <summary>
    /// The connection options: <see cref="RootCertificatePath"/> (resolved by
    /// <paramref name="resolvePath"/>) or the roots that ship with the module, and a TLS mode
    /// weaker than VerifyFull only with <paramref name="allowUnverifiedTls"/>, when
    /// <paramref name="warning"/> says what is not verified.
    /// </summary>
    public RedshiftConnectionOptions ToConnectionOptions(RedshiftTlsMode tlsMode, bool allowUnverifiedTls, string defaultRootCertificatePath, Func<string, string> resolvePath, out string? warning,
        bool pooling = true, int maxPoolSize = 20, int connectTimeoutSeconds = 15, int commandTimeoutSeconds = 0)
    {
        ArgumentNullException.ThrowIfNull(defaultRootCertificatePath);
        ArgumentNullException.ThrowIfNull(resolvePath);
        if (tlsMode != RedshiftTlsMode.VerifyFull && !allowUnverifiedTls)
        {
            throw new IamraException(ErrorIds.Connection.WeakTlsRefused, IamraErrorCategory.SecurityError,
                $"-TlsMode {tlsMode} does not fully verify the server (name and root); add -AllowUnverifiedTls if you really mean it. Prefer -RootCertificatePath with the right root.", tlsMode.ToString());
        }

        warning = tlsMode == RedshiftTlsMode.VerifyFull ? null
            : $"TLS mode {tlsMode}: the server's {(tlsMode == RedshiftTlsMode.VerifyCA ? "host name is" : "certificate is")} not verified; the connection could reach an impostor.";
        return new RedshiftConnectionOptions
        {
            TlsMode = tlsMode,
            RootCertificatePath = RootCertificatePath is null ? defaultRootCertificatePath : resolvePath(RootCertificatePath),
            Pooling = pooling,
            MaxPoolSize = maxPoolSize,
            ConnectTimeoutSeconds = connectTimeoutSeconds,
            CommandTimeoutSeconds = commandTimeoutSeconds,
        };
    }
}
