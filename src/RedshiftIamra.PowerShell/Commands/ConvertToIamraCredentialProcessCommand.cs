using System.Management.Automation;
using RedshiftIamra.Aws;
using RedshiftIamra.Certificates;
using RedshiftIamra.Credentials;
using RedshiftIamra.Sessions;

namespace RedshiftIamra.PowerShell.Commands;

/// <summary>
/// <c>ConvertTo-IamraCredentialProcess</c>: writes a session as the JSON the AWS CLI and SDKs
/// read from a <c>credential_process</c>. Given a certificate and the ARNs instead of a
/// session, it takes the session from the per-user cache shared by every process (one
/// CreateSession per session lifetime, concurrent callers included): what the profile
/// <c>Set-IamraAwsProfile</c> writes runs. Its output holds the secret in clear, by design:
/// it is meant for the standard output of a credential process only.
/// </summary>
[Cmdlet(VerbsData.ConvertTo, "IamraCredentialProcess", DefaultParameterSetName = SessionSet)]
[OutputType(typeof(string))]
public sealed class ConvertToIamraCredentialProcessCommand : CertificateSourceCmdlet
{
    private const string SessionSet = "Session";

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = SessionSet)]
    [ValidateNotNull]
    public IamraSession Session { get; set; } = null!;

    [Parameter(Mandatory = true, ParameterSetName = ThumbprintSet)]
    [Parameter(Mandatory = true, ParameterSetName = StoreSet)]
    [Parameter(Mandatory = true, ParameterSetName = PathSet)]
    [Parameter(Mandatory = true, ParameterSetName = Pkcs11UriSet)]
    [Parameter(Mandatory = true, ParameterSetName = Pkcs11Set)]
    [ValidateNotNullOrEmpty]
    public string TrustAnchorArn { get; set; } = null!;

    [Parameter(Mandatory = true, ParameterSetName = ThumbprintSet)]
    [Parameter(Mandatory = true, ParameterSetName = StoreSet)]
    [Parameter(Mandatory = true, ParameterSetName = PathSet)]
    [Parameter(Mandatory = true, ParameterSetName = Pkcs11UriSet)]
    [Parameter(Mandatory = true, ParameterSetName = Pkcs11Set)]
    [ValidateNotNullOrEmpty]
    public string ProfileArn { get; set; } = null!;

    [Parameter(Mandatory = true, ParameterSetName = ThumbprintSet)]
    [Parameter(Mandatory = true, ParameterSetName = StoreSet)]
    [Parameter(Mandatory = true, ParameterSetName = PathSet)]
    [Parameter(Mandatory = true, ParameterSetName = Pkcs11UriSet)]
    [Parameter(Mandatory = true, ParameterSetName = Pkcs11Set)]
    [ValidateNotNullOrEmpty]
    public string RoleArn { get; set; } = null!;

    [Parameter(ParameterSetName = ThumbprintSet)]
    [Parameter(ParameterSetName = StoreSet)]
    [Parameter(ParameterSetName = PathSet)]
    [Parameter(ParameterSetName = Pkcs11UriSet)]
    [Parameter(ParameterSetName = Pkcs11Set)]
    public int DurationSeconds { get; set; } = RolesAnywhereSessionSource.DefaultDuration;

    [Parameter(ParameterSetName = ThumbprintSet)]
    [Parameter(ParameterSetName = StoreSet)]
    [Parameter(ParameterSetName = PathSet)]
    [Parameter(ParameterSetName = Pkcs11UriSet)]
    [Parameter(ParameterSetName = Pkcs11Set)]
    [ValidateNotNullOrEmpty]
    public string? RoleSessionName { get; set; }

    [Parameter(ParameterSetName = ThumbprintSet)]
    [Parameter(ParameterSetName = StoreSet)]
    [Parameter(ParameterSetName = PathSet)]
    [Parameter(ParameterSetName = Pkcs11UriSet)]
    [Parameter(ParameterSetName = Pkcs11Set)]
    [ValidateNotNullOrEmpty]
    public string? EndpointUrl { get; set; }

    [Parameter(ParameterSetName = ThumbprintSet)]
    [Parameter(ParameterSetName = StoreSet)]
    [Parameter(ParameterSetName = PathSet)]
    [Parameter(ParameterSetName = Pkcs11UriSet)]
    [Parameter(ParameterSetName = Pkcs11Set)]
    [ValidateNotNullOrEmpty]
    public string? CaBundlePath { get; set; }

    [Parameter(ParameterSetName = StoreSet)]
    public SwitchParameter Latest { get; set; }

    /// <summary>Skip the per-user session cache: one CreateSession for this call, nothing written.</summary>
    [Parameter(ParameterSetName = ThumbprintSet)]
    [Parameter(ParameterSetName = StoreSet)]
    [Parameter(ParameterSetName = PathSet)]
    [Parameter(ParameterSetName = Pkcs11UriSet)]
    [Parameter(ParameterSetName = Pkcs11Set)]
    public SwitchParameter NoCache { get; set; }

    protected override void Process()
    {
        if (ParameterSetName == SessionSet)
        {
            WriteObject(CredentialDocuments.CredentialProcess(Session.Credentials, Session.ExpiresAt));
            return;
        }

        var certificate = CertificateFinder.FindSingle(BuildQuery(), Latest.IsPresent);
        var source = RolesAnywhereSessionSource.Create(new RolesAnywhereSessionOptions
        {
            Certificate = certificate,
            TrustAnchorArn = TrustAnchorArn,
            ProfileArn = ProfileArn,
            RoleArn = RoleArn,
            DurationSeconds = DurationSeconds,
            RoleSessionName = RoleSessionName,
            EndpointUrl = EndpointUrl,
            Http = new AwsHttpSettings { CaBundlePath = Resolve(CaBundlePath) },
        });
        if (NoCache.IsPresent)
        {
            var session = Await((log, token) => source.GetSessionAsync(force: false, log, token));
            WriteObject(CredentialDocuments.CredentialProcess(session.Credentials, session.ExpiresAt));
            return;
        }

        var credentials = Await((log, token) => CredentialProcess.GetAsync(source, null, log, token));
        WriteObject(CredentialDocuments.CredentialProcess(credentials.Credentials, credentials.ExpiresAt));
    }
}
