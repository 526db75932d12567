using System.Management.Automation;
using RedshiftIamra.Credentials;

namespace RedshiftIamra.PowerShell.Commands;

/// <summary>
/// <c>ConvertTo-IamraCredentialProcess</c>: writes a session as the JSON the AWS CLI and SDKs
/// read from a <c>credential_process</c>. Given a certificate source and the Roles Anywhere
/// settings instead of a session, it takes the session from the per-user cache shared by
/// every process (one CreateSession per session lifetime, concurrent callers included): what
/// the profile <c>Set-IamraAwsProfile</c> writes runs. Its output holds the secret in clear,
/// by design: it is meant for the standard output of a credential process only.
/// </summary>
[Cmdlet(VerbsData.ConvertTo, "IamraCredentialProcess", DefaultParameterSetName = SessionSet)]
[OutputType(typeof(string))]
public sealed class ConvertToIamraCredentialProcessCommand : RolesAnywhereCmdlet
{
    private const string SessionSet = "Session";

    /// <summary>The session to write.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = SessionSet)]
    [ValidateNotNull]
    public IamraSession Session { get; set; } = null!;

    /// <summary>Skip the per-user session cache: one CreateSession for this call, nothing written.</summary>
    [Parameter(ParameterSetName = StoreSet)]
    [Parameter(ParameterSetName = ThumbprintSet)]
    [Parameter(ParameterSetName = PathSet)]
    [Parameter(ParameterSetName = Pkcs11UriSet)]
    [Parameter(ParameterSetName = Pkcs11Set)]
    [Parameter(ParameterSetName = ConfigSet)]
    [Parameter(ParameterSetName = CertificateSet)]
    public SwitchParameter NoCache { get; set; }

    protected override void Process()
    {
        if (ParameterSetName == SessionSet)
        {
            WriteObject(CredentialDocuments.CredentialProcess(Session.Credentials, Session.ExpiresAt - Session.ClockOffset));
            return;
        }

        var source = SessionSource(SigningCertificate(), regionIsSessions: true);
        if (NoCache.IsPresent)
        {
            var session = Await((log, token) => source.GetSessionAsync(force: false, log, token));
            WriteObject(CredentialDocuments.CredentialProcess(session.Credentials, session.ExpiresAt - session.ClockOffset));
            return;
        }

        var credentials = Await((log, token) => CredentialProcess.GetAsync(source, null, log, token));
        WriteObject(CredentialDocuments.CredentialProcess(credentials.Credentials, credentials.ExpiresAt));
    }
}
