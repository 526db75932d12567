using System.Management.Automation;
using RedshiftIamra.Aws;
using RedshiftIamra.Certificates;
using RedshiftIamra.Configuration;
using RedshiftIamra.Sessions;

namespace RedshiftIamra.PowerShell;

/// <summary>
/// Two parameter groups, declared once for every cmdlet that calls AWS: the AWS HTTP settings
/// (-Region, -CaBundlePath, and the rarely changed ones in -SessionOption) and the Roles
/// Anywhere session (a certificate from the pipeline or any certificate source, the three ARNs,
/// -SessionDurationSeconds, -RoleSessionName, -RolesAnywhereEndpointUrl).
/// </summary>
public abstract class RolesAnywhereCmdlet : CertificateSourceCmdlet
{
    protected const string CertificateSet = "Certificate";

    /// <summary>The signing certificate, from Get-IamraCertificate.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = CertificateSet, ValueFromPipeline = true)]
    [ValidateNotNull]
    public IamraCertificate Certificate { get; set; } = null!;

    [Parameter(ParameterSetName = StoreSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = ThumbprintSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = PathSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = Pkcs11UriSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = Pkcs11Set, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = CertificateSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = ConfigSet)]
    [ValidateNotEmpty]
    public string? TrustAnchorArn { get; set; }

    [Parameter(ParameterSetName = StoreSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = ThumbprintSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = PathSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = Pkcs11UriSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = Pkcs11Set, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = CertificateSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = ConfigSet)]
    [ValidateNotEmpty]
    public string? ProfileArn { get; set; }

    [Parameter(ParameterSetName = StoreSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = ThumbprintSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = PathSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = Pkcs11UriSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = Pkcs11Set, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = CertificateSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = ConfigSet)]
    [ValidateNotEmpty]
    public string? RoleArn { get; set; }

    /// <summary>How long the Roles Anywhere session lasts.</summary>
    [Parameter]
    public int SessionDurationSeconds { get; set; } = RolesAnywhereSessionSource.DefaultDuration;

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? RoleSessionName { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? RolesAnywhereEndpointUrl { get; set; }

    // ---- AWS HTTP settings ----------------------------------------------------------------

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotEmpty]
    public string? Region { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? CaBundlePath { get; set; }

    /// <summary>The rarely changed settings of the AWS calls, from New-IamraSessionOption.</summary>
    [Parameter]
    [ValidateNotNull]
    public IamraSessionOption SessionOption { get; set; } = new();

    /// <summary>True when the bound parameters describe a certificate to sign a Roles Anywhere session with.</summary>
    protected virtual bool UsesCertificate => ParameterSetName is StoreSet or ThumbprintSet or PathSet or Pkcs11UriSet or Pkcs11Set or ConfigSet or CertificateSet;

    /// <summary>The HTTP settings of every AWS call: -SessionOption with -CaBundlePath.</summary>
    protected AwsHttpSettings HttpSettings() => SessionOption.Validated().HttpSettings(Resolve(CaBundlePath));

    /// <summary>The certificate: from the pipeline, or the one the source parameters name.</summary>
    protected IamraCertificate SigningCertificate() => ParameterSetName == CertificateSet ? Certificate : FindCertificate();

    /// <summary>
    /// The Roles Anywhere session source the bound parameters describe. The session's region is
    /// the trust anchor's; -Region is checked against it only where it names the session's region
    /// (Get-IamraSession), since elsewhere it names the Redshift target's.
    /// </summary>
    protected RolesAnywhereSessionSource SessionSource(IamraCertificate certificate, bool regionIsSessions = false)
    {
        var source = RolesAnywhereSessionSource.Create(new RolesAnywhereSessionOptions
        {
            Certificate = certificate,
            TrustAnchorArn = TrustAnchorArn!,
            ProfileArn = ProfileArn!,
            RoleArn = RoleArn!,
            Region = regionIsSessions ? Region : null,
            DurationSeconds = SessionDurationSeconds,
            RoleSessionName = RoleSessionName,
            EndpointUrl = RolesAnywhereEndpointUrl,
            AllowInsecureEndpoint = SessionOption.AllowInsecureEndpoint,
            Http = HttpSettings(),
            RenewalMargin = SessionOption.RenewalMargin,
        });
        WarnIfInsecure(source.Endpoint);
        return source;
    }

    /// <summary>Says so when an endpoint is plain http and not on this machine (allowed only by -SessionOption).</summary>
    protected void WarnIfInsecure(AwsEndpoint endpoint)
    {
        if (SessionOption.AllowInsecureEndpoint && endpoint.Uri.Scheme == Uri.UriSchemeHttp && !endpoint.Uri.IsLoopback && OnPipelineThread)
        {
            WriteWarning($"Calling {endpoint.Uri} over plain http: the signed request and the answer travel unencrypted.");
        }
    }

    protected override void ApplyConfig(RedshiftIamraConfig config, SettingPrecedence precedence)
    {
        base.ApplyConfig(config, precedence);
        var session = SessionSettings().WithConfig(config, precedence);
        TrustAnchorArn = session.TrustAnchorArn;
        ProfileArn = session.ProfileArn;
        RoleArn = session.RoleArn;
        SessionDurationSeconds = session.SessionDurationSeconds;
        RoleSessionName = session.RoleSessionName;
        RolesAnywhereEndpointUrl = session.RolesAnywhereEndpointUrl;
        CaBundlePath = session.CaBundlePath;
        Region = session.Region;
    }

    /// <summary>The group's parameters as the engine's Roles Anywhere stage.</summary>
    protected RolesAnywhereSettings SessionSettings() => new()
    {
        TrustAnchorArn = TrustAnchorArn,
        ProfileArn = ProfileArn,
        RoleArn = RoleArn,
        SessionDurationSeconds = SessionDurationSeconds,
        RoleSessionName = RoleSessionName,
        RolesAnywhereEndpointUrl = RolesAnywhereEndpointUrl,
        CaBundlePath = CaBundlePath,
        Region = Region,
    };
}
