using System.Management.Automation;
using RedshiftIamra.Aws;
using RedshiftIamra.Certificates;
using RedshiftIamra.PowerShell.Commands;
using RedshiftIamra.Sessions;

namespace RedshiftIamra.PowerShell;

/// <summary>
/// The all-in-one parameters: a certificate source, the Roles Anywhere ARNs, the Redshift
/// target and the TLS settings, for cmdlets that go from a certificate to a connection.
/// </summary>
public abstract class ConnectionTargetCmdlet : CertificateSourceCmdlet
{
    [Parameter(ParameterSetName = StoreSet)]
    public SwitchParameter Latest { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = StoreSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(Mandatory = true, ParameterSetName = ThumbprintSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(Mandatory = true, ParameterSetName = PathSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(Mandatory = true, ParameterSetName = Pkcs11UriSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(Mandatory = true, ParameterSetName = Pkcs11Set, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string TrustAnchorArn { get; set; } = null!;

    [Parameter(Mandatory = true, ParameterSetName = StoreSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(Mandatory = true, ParameterSetName = ThumbprintSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(Mandatory = true, ParameterSetName = PathSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(Mandatory = true, ParameterSetName = Pkcs11UriSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(Mandatory = true, ParameterSetName = Pkcs11Set, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string ProfileArn { get; set; } = null!;

    [Parameter(Mandatory = true, ParameterSetName = StoreSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(Mandatory = true, ParameterSetName = ThumbprintSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(Mandatory = true, ParameterSetName = PathSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(Mandatory = true, ParameterSetName = Pkcs11UriSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(Mandatory = true, ParameterSetName = Pkcs11Set, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string RoleArn { get; set; } = null!;

    [Parameter(ParameterSetName = StoreSet)]
    [Parameter(ParameterSetName = ThumbprintSet)]
    [Parameter(ParameterSetName = PathSet)]
    [Parameter(ParameterSetName = Pkcs11UriSet)]
    [Parameter(ParameterSetName = Pkcs11Set)]
    public int SessionDurationSeconds { get; set; } = RolesAnywhereSessionSource.DefaultDuration;

    [Parameter(ParameterSetName = StoreSet)]
    [Parameter(ParameterSetName = ThumbprintSet)]
    [Parameter(ParameterSetName = PathSet)]
    [Parameter(ParameterSetName = Pkcs11UriSet)]
    [Parameter(ParameterSetName = Pkcs11Set)]
    [ValidateNotNullOrEmpty]
    public string? RolesAnywhereEndpointUrl { get; set; }

    [Parameter(ParameterSetName = StoreSet)]
    [Parameter(ParameterSetName = ThumbprintSet)]
    [Parameter(ParameterSetName = PathSet)]
    [Parameter(ParameterSetName = Pkcs11UriSet)]
    [Parameter(ParameterSetName = Pkcs11Set)]
    [ValidateNotNullOrEmpty]
    public string? CaBundlePath { get; set; }

    [Parameter(ParameterSetName = StoreSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = ThumbprintSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = PathSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = Pkcs11UriSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = Pkcs11Set, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? ClusterIdentifier { get; set; }

    [Parameter(ParameterSetName = StoreSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = ThumbprintSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = PathSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = Pkcs11UriSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = Pkcs11Set, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? WorkgroupName { get; set; }

    [Parameter(ParameterSetName = StoreSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = ThumbprintSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = PathSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = Pkcs11UriSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = Pkcs11Set, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? Hostname { get; set; }

    [Parameter(ParameterSetName = StoreSet)]
    [Parameter(ParameterSetName = ThumbprintSet)]
    [Parameter(ParameterSetName = PathSet)]
    [Parameter(ParameterSetName = Pkcs11UriSet)]
    [Parameter(ParameterSetName = Pkcs11Set)]
    public int Port { get; set; }

    [Parameter(ParameterSetName = StoreSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = ThumbprintSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = PathSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = Pkcs11UriSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = Pkcs11Set, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? DbUser { get; set; }

    [Parameter(ParameterSetName = StoreSet)]
    [Parameter(ParameterSetName = ThumbprintSet)]
    [Parameter(ParameterSetName = PathSet)]
    [Parameter(ParameterSetName = Pkcs11UriSet)]
    [Parameter(ParameterSetName = Pkcs11Set)]
    public SwitchParameter UseIamIdentity { get; set; }

    [Parameter(ParameterSetName = StoreSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = ThumbprintSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = PathSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = Pkcs11UriSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = Pkcs11Set, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [Alias("Database")]
    public string? DbName { get; set; }

    [Parameter(ParameterSetName = StoreSet)]
    [Parameter(ParameterSetName = ThumbprintSet)]
    [Parameter(ParameterSetName = PathSet)]
    [Parameter(ParameterSetName = Pkcs11UriSet)]
    [Parameter(ParameterSetName = Pkcs11Set)]
    public SwitchParameter AutoCreate { get; set; }

    [Parameter(ParameterSetName = StoreSet)]
    [Parameter(ParameterSetName = ThumbprintSet)]
    [Parameter(ParameterSetName = PathSet)]
    [Parameter(ParameterSetName = Pkcs11UriSet)]
    [Parameter(ParameterSetName = Pkcs11Set)]
    [Alias("DbGroups")]
    public string[]? DbGroup { get; set; }

    [Parameter(ParameterSetName = StoreSet)]
    [Parameter(ParameterSetName = ThumbprintSet)]
    [Parameter(ParameterSetName = PathSet)]
    [Parameter(ParameterSetName = Pkcs11UriSet)]
    [Parameter(ParameterSetName = Pkcs11Set)]
    public int DurationSeconds { get; set; }

    [Parameter(ParameterSetName = StoreSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = ThumbprintSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = PathSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = Pkcs11UriSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = Pkcs11Set, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? Region { get; set; }

    [Parameter(ParameterSetName = StoreSet)]
    [Parameter(ParameterSetName = ThumbprintSet)]
    [Parameter(ParameterSetName = PathSet)]
    [Parameter(ParameterSetName = Pkcs11UriSet)]
    [Parameter(ParameterSetName = Pkcs11Set)]
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
    protected bool UsesCertificate => ParameterSetName is StoreSet or ThumbprintSet or PathSet or Pkcs11UriSet or Pkcs11Set;

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
        var bound = MyInvocation.BoundParameters;
        var target = RedshiftTargets.Resolve(new RedshiftTargetInput
        {
            ClusterIdentifier = ClusterIdentifier,
            WorkgroupName = WorkgroupName,
            Hostname = Hostname,
            Port = bound.ContainsKey(nameof(Port)) ? Port : null,
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
            DurationSeconds = bound.ContainsKey(nameof(DurationSeconds)) ? DurationSeconds : null,
            Host = target.Host,
            Port = target.Port,
            Region = region,
            RegionSource = regionSource,
            EndpointUrl = RedshiftEndpointUrl,
            Http = new AwsHttpSettings { CaBundlePath = Resolve(CaBundlePath) },
        });
    }
}
