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

    // The group's parameters are the engine's Roles Anywhere stage: binding writes into it, a
    // saved configuration merges into it, and the session request is built from it.
    private RolesAnywhereSettings _session = new() { SessionDurationSeconds = RolesAnywhereSessionSource.DefaultDuration };

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
    public string? TrustAnchorArn { get => _session.TrustAnchorArn; set => _session = _session with { TrustAnchorArn = value }; }

    [Parameter(ParameterSetName = StoreSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = ThumbprintSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = PathSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = Pkcs11UriSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = Pkcs11Set, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = CertificateSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = ConfigSet)]
    [ValidateNotEmpty]
    public string? ProfileArn { get => _session.ProfileArn; set => _session = _session with { ProfileArn = value }; }

    [Parameter(ParameterSetName = StoreSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = ThumbprintSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = PathSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = Pkcs11UriSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = Pkcs11Set, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = CertificateSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = ConfigSet)]
    [ValidateNotEmpty]
    public string? RoleArn { get => _session.RoleArn; set => _session = _session with { RoleArn = value }; }

    /// <summary>How long the Roles Anywhere session lasts.</summary>
    [Parameter]
    public int SessionDurationSeconds { get => _session.SessionDurationSeconds; set => _session = _session with { SessionDurationSeconds = value }; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? RoleSessionName { get => _session.RoleSessionName; set => _session = _session with { RoleSessionName = value }; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? RolesAnywhereEndpointUrl { get => _session.RolesAnywhereEndpointUrl; set => _session = _session with { RolesAnywhereEndpointUrl = value }; }

    // ---- AWS HTTP settings ----------------------------------------------------------------

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotEmpty]
    public string? Region { get => _session.Region; set => _session = _session with { Region = value }; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? CaBundlePath { get => _session.CaBundlePath; set => _session = _session with { CaBundlePath = value }; }

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
        var source = RolesAnywhereSessionSource.Create(_session.ToSessionOptions(certificate, SessionOption, HttpSettings(), regionIsSessions));
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
        _session = _session.WithConfig(config, precedence);
    }

    /// <summary>The group's parameters: the engine's Roles Anywhere stage.</summary>
    protected RolesAnywhereSettings SessionSettings() => _session;
}
