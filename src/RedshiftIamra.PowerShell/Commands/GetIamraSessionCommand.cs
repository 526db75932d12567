using System.Management.Automation;
using RedshiftIamra.Aws;
using RedshiftIamra.Certificates;
using RedshiftIamra.Sessions;

namespace RedshiftIamra.PowerShell.Commands;

/// <summary>
/// <c>Get-IamraSession</c>: temporary AWS credentials from IAM Roles Anywhere, signed with a
/// certificate's key, cached in-process and renewed before they expire.
/// </summary>
[Cmdlet(VerbsCommon.Get, "IamraSession", DefaultParameterSetName = CertificateSet)]
[OutputType(typeof(IamraSession))]
public sealed class GetIamraSessionCommand : CertificateSourceCmdlet
{
    private const string CertificateSet = "Certificate";

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = CertificateSet, ValueFromPipeline = true)]
    [ValidateNotNull]
    public IamraCertificate Certificate { get; set; } = null!;

    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string TrustAnchorArn { get; set; } = null!;

    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string ProfileArn { get; set; } = null!;

    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string RoleArn { get; set; } = null!;

    [Parameter]
    public int DurationSeconds { get; set; } = RolesAnywhereSessionSource.DefaultDuration;

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? RoleSessionName { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? Region { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? EndpointUrl { get; set; }

    [Parameter]
    public Uri? Proxy { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? CaBundlePath { get; set; }

    [Parameter]
    public TimeSpan RenewalMargin { get; set; } = RolesAnywhereSessionSource.DefaultRenewalMargin;

    [Parameter]
    [ValidateRange(1, 300)]
    public int TimeoutSeconds { get; set; } = 15;

    [Parameter]
    public SwitchParameter AllowInsecureEndpoint { get; set; }

    [Parameter(ParameterSetName = StoreSet)]
    public SwitchParameter Latest { get; set; }

    /// <summary>Ignores a cached session and creates a new one.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void Process()
    {
        var certificate = ParameterSetName == CertificateSet
            ? Certificate
            : CertificateFinder.FindSingle(BuildQuery(), Latest.IsPresent);
        var source = RolesAnywhereSessionSource.Create(new RolesAnywhereSessionOptions
        {
            Certificate = certificate,
            TrustAnchorArn = TrustAnchorArn,
            ProfileArn = ProfileArn,
            RoleArn = RoleArn,
            Region = Region,
            DurationSeconds = DurationSeconds,
            RoleSessionName = RoleSessionName,
            EndpointUrl = EndpointUrl,
            AllowInsecureEndpoint = AllowInsecureEndpoint.IsPresent,
            Http = new AwsHttpSettings
            {
                Proxy = Proxy,
                CaBundlePath = Resolve(CaBundlePath),
                AttemptTimeout = TimeSpan.FromSeconds(TimeoutSeconds),
            },
            RenewalMargin = RenewalMargin,
        });
        if (AllowInsecureEndpoint.IsPresent && source.Endpoint.Uri.Scheme == Uri.UriSchemeHttp)
        {
            WriteWarning($"Calling {source.Endpoint.Uri} over plain http: the signed request and the credentials travel unencrypted.");
        }

        WriteObject(Await((log, token) => source.GetSessionAsync(Force.IsPresent, log, token)));
    }
}
