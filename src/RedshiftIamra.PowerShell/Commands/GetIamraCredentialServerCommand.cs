using System.Management.Automation;
using RedshiftIamra.Credentials;

namespace RedshiftIamra.PowerShell.Commands;

/// <summary><c>Get-IamraCredentialServer</c>: the credential servers running in the background of this process, with their state.</summary>
[Cmdlet(VerbsCommon.Get, "IamraCredentialServer")]
[OutputType(typeof(IamraCredentialServer))]
public sealed class GetIamraCredentialServerCommand : IamraCmdlet
{
    [Parameter(Position = 0)]
    public int[]? Id { get; set; }

    protected override void Process()
    {
        foreach (var server in CredentialServerRegistry.Current.Running)
        {
            if (Id is null || Id.Contains(server.Id))
            {
                WriteObject(server);
            }
        }
    }
}
