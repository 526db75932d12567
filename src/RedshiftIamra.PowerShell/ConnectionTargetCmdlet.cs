using System.Management.Automation;
using RedshiftIamra.Aws;
using System.Security;
using System.Security.Cryptography.X509Certificates;
using RedshiftIamra.Certificates;
using RedshiftIamra.Configuration;
using RedshiftIamra.PowerShell.Commands;
using RedshiftIamra.Sessions;

namespace RedshiftIamra.PowerShell;

/// <summary>
/// The all-in-one parameters: a certificate source, the Roles Anywhere ARNs, the Redshift
/// target and the TLS settings, for cmdlets that go from a certificate to a connection.
/// </summary>
public abstract class ConnectionTargetCmdlet : CertificateSourceCmdlet
{
    protected const string ConfigSet = "Config";

    private HashSet<string> _given = new(StringComparer.OrdinalIgnoreCase);
    private string? _configCertificateSet;

    /// <summary>The name of settings saved with Save-RedshiftIamraConfig; the parameters given beside it override them.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ConfigSet)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ConfigNameCompleter))]
    public string ConfigName { get; set; } = null!;

    /// <summary>The key passphrase or PFX password (a saved configuration never holds one).</summary>
    [Parameter(ParameterSetName = PathSet)]
    [Parameter(ParameterSetName = ConfigSet)]
    public new SecureString? Password
    {
        get => base.Password;
        set => base.Password = value;
    }

    [Parameter(ParameterSetName = StoreSet)]
    [Parameter(ParameterSetName = ConfigSet)]
    public SwitchParameter Latest { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = StoreSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(Mandatory = true, ParameterSetName = ThumbprintSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(Mandatory = true, ParameterSetName = PathSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(Mandatory = true, ParameterSetName = Pkcs11UriSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(Mandatory = true, ParameterSetName = Pkcs11Set, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = ConfigSet)]
    [ValidateNotNullOrEmpty]
    public string TrustAnchorArn { get; set; } = null!;

    [Parameter(Mandatory = true, ParameterSetName = StoreSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(Mandatory = true, ParameterSetName = ThumbprintSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(Mandatory = true, ParameterSetName = PathSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(Mandatory = true, ParameterSetName = Pkcs11UriSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(Mandatory = true, ParameterSetName = Pkcs11Set, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = ConfigSet)]
    [ValidateNotNullOrEmpty]
    public string ProfileArn { get; set; } = null!;

    [Parameter(Mandatory = true, ParameterSetName = StoreSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(Mandatory = true, ParameterSetName = ThumbprintSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(Mandatory = true, ParameterSetName = PathSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(Mandatory = true, ParameterSetName = Pkcs11UriSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(Mandatory = true, ParameterSetName = Pkcs11Set, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = ConfigSet)]
    [ValidateNotNullOrEmpty]
    public string RoleArn { get; set; } = null!;

    [Parameter(ParameterSetName = StoreSet)]
    [Parameter(ParameterSetName = ThumbprintSet)]
    [Parameter(ParameterSetName = PathSet)]
    [Parameter(ParameterSetName = Pkcs11UriSet)]
    [Parameter(ParameterSetName = Pkcs11Set)]
    [Parameter(ParameterSetName = ConfigSet)]
    public int SessionDurationSeconds { get; set; } = RolesAnywhereSessionSource.DefaultDuration;

    [Parameter(ParameterSetName = StoreSet)]
    [Parameter(ParameterSetName = ThumbprintSet)]
    [Parameter(ParameterSetName = PathSet)]
    [Parameter(ParameterSetName = Pkcs11UriSet)]
    [Parameter(ParameterSetName = Pkcs11Set)]
    [Parameter(ParameterSetName = ConfigSet)]
    [ValidateNotNullOrEmpty]
    public string? RolesAnywhereEndpointUrl { get; set; }

    [Parameter(ParameterSetName = StoreSet)]
    [Parameter(ParameterSetName = ThumbprintSet)]
    [Parameter(ParameterSetName = PathSet)]
    [Parameter(ParameterSetName = Pkcs11UriSet)]
    [Parameter(ParameterSetName = Pkcs11Set)]
    [Parameter(ParameterSetName = ConfigSet)]
    [ValidateNotNullOrEmpty]
    public string? CaBundlePath { get; set; }

    [Parameter(ParameterSetName = StoreSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = ThumbprintSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = PathSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = Pkcs11UriSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = Pkcs11Set, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = ConfigSet)]
    [ValidateNotEmpty]
    public string? ClusterIdentifier { get; set; }

    [Parameter(ParameterSetName = StoreSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = ThumbprintSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = PathSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = Pkcs11UriSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = Pkcs11Set, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = ConfigSet)]
    [ValidateNotEmpty]
    public string? WorkgroupName { get; set; }

    [Parameter(ParameterSetName = StoreSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = ThumbprintSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = PathSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = Pkcs11UriSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = Pkcs11Set, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = ConfigSet)]
    [ValidateNotEmpty]
    public string? Hostname { get; set; }

    [Parameter(ParameterSetName = StoreSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = ThumbprintSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = PathSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = Pkcs11UriSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = Pkcs11Set, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = ConfigSet)]
    public int Port { get; set; }

    [Parameter(ParameterSetName = StoreSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = ThumbprintSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = PathSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = Pkcs11UriSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = Pkcs11Set, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = ConfigSet)]
    [ValidateNotEmpty]
    public string? DbUser { get; set; }

    [Parameter(ParameterSetName = StoreSet)]
    [Parameter(ParameterSetName = ThumbprintSet)]
    [Parameter(ParameterSetName = PathSet)]
    [Parameter(ParameterSetName = Pkcs11UriSet)]
    [Parameter(ParameterSetName = Pkcs11Set)]
    [Parameter(ParameterSetName = ConfigSet)]
    public SwitchParameter UseIamIdentity { get; set; }

    [Parameter(ParameterSetName = StoreSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = ThumbprintSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = PathSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = Pkcs11UriSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = Pkcs11Set, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = ConfigSet)]
    [ValidateNotEmpty]
    [Alias("Database")]
    public string? DbName { get; set; }

    [Parameter(ParameterSetName = StoreSet)]
    [Parameter(ParameterSetName = ThumbprintSet)]
    [Parameter(ParameterSetName = PathSet)]
    [Parameter(ParameterSetName = Pkcs11UriSet)]
    [Parameter(ParameterSetName = Pkcs11Set)]
    [Parameter(ParameterSetName = ConfigSet)]
    public SwitchParameter AutoCreate { get; set; }

    [Parameter(ParameterSetName = StoreSet)]
    [Parameter(ParameterSetName = ThumbprintSet)]
    [Parameter(ParameterSetName = PathSet)]
    [Parameter(ParameterSetName = Pkcs11UriSet)]
    [Parameter(ParameterSetName = Pkcs11Set)]
    [Parameter(ParameterSetName = ConfigSet)]
    [Alias("DbGroups")]
    public string[]? DbGroup { get; set; }

    [Parameter(ParameterSetName = StoreSet)]
    [Parameter(ParameterSetName = ThumbprintSet)]
    [Parameter(ParameterSetName = PathSet)]
    [Parameter(ParameterSetName = Pkcs11UriSet)]
    [Parameter(ParameterSetName = Pkcs11Set)]
    [Parameter(ParameterSetName = ConfigSet)]
    public int DurationSeconds { get; set; }

    [Parameter(ParameterSetName = StoreSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = ThumbprintSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = PathSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = Pkcs11UriSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = Pkcs11Set, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = ConfigSet)]
    [ValidateNotEmpty]
    public string? Region { get; set; }

    [Parameter(ParameterSetName = StoreSet)]
    [Parameter(ParameterSetName = ThumbprintSet)]
    [Parameter(ParameterSetName = PathSet)]
    [Parameter(ParameterSetName = Pkcs11UriSet)]
    [Parameter(ParameterSetName = Pkcs11Set)]
    [Parameter(ParameterSetName = ConfigSet)]
    [ValidateNotNullOrEmpty]
    public string? RedshiftEndpointUrl { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? RootCertificatePath { get; set; }

    // A string, not the engine's enum: a value-type field of an engine type would make
    // PowerShell load the engine while it scans the cmdlets at import.
    [Parameter]
    [ValidateSet(nameof(RedshiftTlsMode.VerifyFull), nameof(RedshiftTlsMode.VerifyCA), nameof(RedshiftTlsMode.Require))]
    public string TlsMode { get; set; } = nameof(RedshiftTlsMode.VerifyFull);

    [Parameter]
    public SwitchParameter AllowUnverifiedTls { get; set; }

    /// <summary>True when the bound parameters describe a certificate-to-connection path (not a given credential).</summary>
    protected bool UsesCertificate => ParameterSetName is StoreSet or ThumbprintSet or PathSet or Pkcs11UriSet or Pkcs11Set or ConfigSet;

    /// <summary>With -ConfigName, how the saved configuration finds the certificate.</summary>
    protected override string CertificateSelectorSet => _configCertificateSet ?? base.CertificateSelectorSet;

    protected override void Begin()
    {
        _given = new HashSet<string>(CommandLineParameters, StringComparer.OrdinalIgnoreCase);
        if (ParameterSetName == ConfigSet)
        {
            ApplyConfig();
        }
    }

    /// <summary>Whether a parameter was given: bound (on the command line or from the pipeline), or filled from a saved configuration.</summary>
    private bool Given(string parameter) => _given.Contains(parameter) || MyInvocation.BoundParameters.ContainsKey(parameter);

    /// <summary>Fills every parameter the user did not give from the saved configuration.</summary>
    private void ApplyConfig()
    {
        var path = RedshiftIamraConfigStore.DefaultPath();
        var config = RedshiftIamraConfigStore.Get(path, ConfigName);
        var overridden = new List<string>();

        // A parameter the user gave wins; otherwise the saved value (when there is one) fills it and counts as given.
        bool UseSaved(string parameter, bool hasSaved)
        {
            if (_given.Contains(parameter))
            {
                if (hasSaved)
                {
                    overridden.Add("-" + parameter);
                }

                return false;
            }

            if (hasSaved)
            {
                _given.Add(parameter);
            }

            return hasSaved;
        }

        T? Pick<T>(string parameter, T? current, T? saved) where T : class => UseSaved(parameter, saved is not null) ? saved : current;

        int PickNumber(string parameter, int current, int? saved) => UseSaved(parameter, saved is not null) ? saved!.Value : current;

        SwitchParameter PickSwitch(string parameter, SwitchParameter current, bool saved) => UseSaved(parameter, saved) ? new SwitchParameter(true) : current;

        if (config.CertificatePath is not null)
        {
            _configCertificateSet = PathSet;
            Path = config.CertificatePath;
            PrivateKeyPath = config.PrivateKeyPath;
        }
        else
        {
            _configCertificateSet = config.Thumbprint is not null ? ThumbprintSet : StoreSet;
            Thumbprint = config.Thumbprint!;
            Subject = config.Subject;
            Issuer = config.Issuer;
            SerialNumber = config.SerialNumber;
            StoreLocation = config.StoreLocation is null ? StoreLocation.CurrentUser : Enum.Parse<StoreLocation>(config.StoreLocation, ignoreCase: true);
            StoreName = config.StoreName ?? "My";
            Latest = PickSwitch(nameof(Latest), Latest, config.Latest);
        }

        ChainPath = Pick(nameof(ChainPath), ChainPath, config.ChainPath);
        TrustAnchorArn = Pick(nameof(TrustAnchorArn), TrustAnchorArn, config.TrustAnchorArn)!;
        ProfileArn = Pick(nameof(ProfileArn), ProfileArn, config.ProfileArn)!;
        RoleArn = Pick(nameof(RoleArn), RoleArn, config.RoleArn)!;
        SessionDurationSeconds = PickNumber(nameof(SessionDurationSeconds), SessionDurationSeconds, config.SessionDurationSeconds);
        RolesAnywhereEndpointUrl = Pick(nameof(RolesAnywhereEndpointUrl), RolesAnywhereEndpointUrl, config.RolesAnywhereEndpointUrl);
        CaBundlePath = Pick(nameof(CaBundlePath), CaBundlePath, config.CaBundlePath);
        Region = Pick(nameof(Region), Region, config.Region);
        DbName = Pick(nameof(DbName), DbName, config.DbName);
        AutoCreate = PickSwitch(nameof(AutoCreate), AutoCreate, config.AutoCreate);
        DbGroup = Pick(nameof(DbGroup), DbGroup, config.DbGroup.Count > 0 ? config.DbGroup.ToArray() : null);
        DurationSeconds = PickNumber(nameof(DurationSeconds), DurationSeconds, config.DurationSeconds);
        RedshiftEndpointUrl = Pick(nameof(RedshiftEndpointUrl), RedshiftEndpointUrl, config.RedshiftEndpointUrl);
        RootCertificatePath = Pick(nameof(RootCertificatePath), RootCertificatePath, config.RootCertificatePath);

        // The target is one thing: naming a cluster, a workgroup or a host replaces the saved target as a whole.
        var targetGiven = new[] { nameof(ClusterIdentifier), nameof(WorkgroupName), nameof(Hostname) }.Where(_given.Contains).ToList();
        if (targetGiven.Count == 0)
        {
            ClusterIdentifier = config.ClusterIdentifier;
            WorkgroupName = config.WorkgroupName;
            Hostname = config.Hostname;
            Port = PickNumber(nameof(Port), Port, config.Port);
            DbUser = Pick(nameof(DbUser), DbUser, config.DbUser);
            UseIamIdentity = PickSwitch(nameof(UseIamIdentity), UseIamIdentity, config.UseIamIdentity);
        }
        else
        {
            overridden.Add("the target (" + string.Join(", ", targetGiven.Select(t => "-" + t)) + ")");
            if (!UseIamIdentity.IsPresent)
            {
                DbUser = Pick(nameof(DbUser), DbUser, config.DbUser);
            }
        }

        WriteVerbose($"Using the saved configuration '{config.Name}' from {path}: {config.Target}; certificate {config.Certificate}{(overridden.Count == 0 ? string.Empty : $"; overridden: {string.Join(", ", overridden)}")}.");
    }

    protected RedshiftConnectionOptions ConnectionOptions(bool pooling = true, int maxPoolSize = 20, int connectTimeout = 15, int commandTimeout = 0)
    {
        var tlsMode = Enum.Parse<RedshiftTlsMode>(TlsMode, ignoreCase: true);
        if (tlsMode != RedshiftTlsMode.VerifyFull && !AllowUnverifiedTls.IsPresent)
        {
            throw new IamraException("RedshiftWeakTlsRefused", IamraErrorCategory.SecurityError,
                $"-TlsMode {TlsMode} does not fully verify the server (name and root); add -AllowUnverifiedTls if you really mean it. Prefer -RootCertificatePath with the right root.", TlsMode);
        }

        if (tlsMode != RedshiftTlsMode.VerifyFull)
        {
            WriteWarning($"TLS mode {tlsMode}: the server's {(tlsMode == RedshiftTlsMode.VerifyCA ? "host name is" : "certificate is")} not verified; the connection could reach an impostor.");
        }

        return new RedshiftConnectionOptions
        {
            TlsMode = tlsMode,
            RootCertificatePath = RootCertificatePath is null ? ConvertToRedshiftConnectionStringCommand.DefaultRootCertificatePath() : Resolve(RootCertificatePath)!,
            Pooling = pooling,
            MaxPoolSize = maxPoolSize,
            ConnectTimeoutSeconds = connectTimeout,
            CommandTimeoutSeconds = commandTimeout,
        };
    }

    protected IamraCertificate FindCertificate() => CertificateFinder.FindSingle(BuildQuery(), Latest.IsPresent);

    protected RolesAnywhereSessionSource SessionSource(IamraCertificate certificate) => RolesAnywhereSessionSource.Create(new RolesAnywhereSessionOptions
    {
        Certificate = certificate,
        TrustAnchorArn = TrustAnchorArn,
        ProfileArn = ProfileArn,
        RoleArn = RoleArn,
        DurationSeconds = SessionDurationSeconds,
        EndpointUrl = RolesAnywhereEndpointUrl,
        Http = new AwsHttpSettings { CaBundlePath = Resolve(CaBundlePath) },
    });

    protected DbCredentialSource DbCredentialSource(AwsCredentialSource credentials)
    {
        var target = RedshiftTargets.Resolve(new RedshiftTargetInput
        {
            ClusterIdentifier = ClusterIdentifier,
            WorkgroupName = WorkgroupName,
            Hostname = Hostname,
            Port = Given(nameof(Port)) && (Port != 0 || CommandLineParameters.Contains(nameof(Port))) ? Port : null, // 0 from the pipeline: an object whose Port is null
            DbUser = DbUser,
            UseIamIdentity = UseIamIdentity.IsPresent,
        });
        var (region, regionSource) = RedshiftTargets.ResolveRegion(Region, target.HostRegion, credentials);
        return Sessions.DbCredentialSource.Create(new DbCredentialOptions
        {
            Credentials = credentials,
            Kind = target.Kind,
            ClusterIdentifier = target.ClusterIdentifier,
            WorkgroupName = target.WorkgroupName,
            DbUser = DbUser,
            DbName = DbName ?? target.DbName,
            AutoCreate = AutoCreate.IsPresent,
            DbGroups = DbGroup ?? Array.Empty<string>(),
            DurationSeconds = Given(nameof(DurationSeconds)) ? DurationSeconds : null,
            Host = target.Host,
            Port = target.Port,
            Region = region,
            RegionSource = regionSource,
            EndpointUrl = RedshiftEndpointUrl,
            Http = new AwsHttpSettings { CaBundlePath = Resolve(CaBundlePath) },
        });
    }
}
