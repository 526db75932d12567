using System.Management.Automation;
using RedshiftIamra.Credentials;

namespace RedshiftIamra.PowerShell.Commands;

/// <summary>
/// <c>Stop-IamraCredentialServer</c>: stops background credential servers (the ones piped in,
/// or all of this process), removes their token files and puts back the environment
/// variables they set.
/// </summary>
[Cmdlet(VerbsLifecycle.Stop, "IamraCredentialServer", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(void))]
public sealed class StopIamraCredentialServerCommand : IamraCmdlet
{
    [Parameter(Position = 0, ValueFromPipeline = true)]
    public IamraCredentialServer[]? Server { get; set; }

    private bool _any;

    protected override void Process()
    {
        if (Server is null)
        {
            return;
        }

        _any = true;
        foreach (var server in Server)
        {
            StopOne(server);
        }
    }

    protected override void End()
    {
        if (!_any)
        {
            foreach (var server in CredentialServerRegistry.Current.Running)
            {
                StopOne(server);
            }
        }
    }

    private void StopOne(IamraCredentialServer server)
    {
        if (ShouldProcess(server.Uri.ToString(), "Stop the credential server"))
        {
            CredentialServerRegistry.Current.Stop(server);
            WriteVerbose($"Stopped the credential server at {server.Uri}.");
        }
    }
}
