using System.Management.Automation;
using RedshiftIamra.Sessions;

namespace RedshiftIamra.PowerShell.Commands;

/// <summary>
/// <c>Get-IamraSession</c>: temporary AWS credentials from IAM Roles Anywhere, signed with a
/// certificate's key, cached in-process and renewed before they expire.
/// </summary>
[Cmdlet(VerbsCommon.Get, "IamraSession", DefaultParameterSetName = CertificateSet)]
[OutputType(typeof(IamraSession))]
public sealed class GetIamraSessionCommand : RolesAnywhereCmdlet
{
    /// <summary>Ignores a cached session and creates a new one.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void Process()
    {
        var source = SessionSource(SigningCertificate(), regionIsSessions: true);
        WriteObject(Await((log, token) => source.GetSessionAsync(Force.IsPresent, log, token)));
    }
}
