using System.Management.Automation;
using RedshiftIamra.Credentials;

namespace RedshiftIamra.PowerShell.Commands;

/// <summary>
/// <c>Start-IamraCredentialServer</c>: serves a Roles Anywhere session's credentials on
/// 127.0.0.1 to every AWS client on the machine (container credentials protocol with a
/// per-server token; IMDSv2 emulation with <c>-EnableInstanceMetadata</c>), renewing the
/// session ahead of expiry. The session comes from the pipeline, or is created from a
/// certificate source and the Roles Anywhere settings (a saved configuration with
/// <c>-ConfigName</c>). In the background it sets this session's AWS variables so child
/// processes use it; with <c>-Wait</c> it runs in the foreground until Ctrl+C or SIGTERM.
/// </summary>
[Cmdlet(VerbsLifecycle.Start, "IamraCredentialServer", DefaultParameterSetName = SessionSet)]
[OutputType(typeof(IamraCredentialServer))]
public sealed class StartIamraCredentialServerCommand : RolesAnywhereCmdlet
{
    private const string SessionSet = "Session";

    /// <summary>The session to serve (renewed from its certificate ahead of expiry).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = SessionSet)]
    [ValidateNotNull]
    public IamraSession Session { get; set; } = null!;

    /// <summary>The port the server listens on, on 127.0.0.1 (0, the default: a free one).</summary>
    [Parameter]
    [ValidateRange(0, 65535)]
    public int ListenPort { get; set; }

    [Parameter]
    public SwitchParameter EnableInstanceMetadata { get; set; }

    /// <summary>Writes the token to this file (owner-only; removed on stop), for AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? TokenPath { get; set; }

    /// <summary>Background mode: do not set the AWS environment variables of this session.</summary>
    [Parameter]
    public SwitchParameter NoEnvironment { get; set; }

    /// <summary>Runs in the foreground until Ctrl+C or SIGTERM, then stops the server.</summary>
    [Parameter]
    public SwitchParameter Wait { get; set; }

    protected override void Process()
    {
        var tokenPath = Resolve(TokenPath);
        var session = Session;
        if (ParameterSetName != SessionSet)
        {
            var source = SessionSource(SigningCertificate(), regionIsSessions: true);
            session = Await((log, token) => source.GetSessionAsync(false, log, token));
        }

        if (!Wait.IsPresent && !NoEnvironment.IsPresent)
        {
            foreach (var name in IamraCredentialServer.PrecedingVariables.Where(n => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(n))))
            {
                WriteWarning($"{name} is set in this session: AWS clients use it before the credential server. Remove it ($env:{name} = $null) to use the server.");
            }
        }

        var log = new PendingLog();
        var server = IamraCredentialServer.Start(session, new CredentialServerStartOptions
        {
            Mode = Wait.IsPresent ? CredentialServerMode.Foreground : CredentialServerMode.Background,
            Port = ListenPort,
            InstanceMetadata = EnableInstanceMetadata.IsPresent,
            SetEnvironment = !NoEnvironment.IsPresent && !Wait.IsPresent,
            TokenPath = tokenPath,
        }, log);
        if (!Wait.IsPresent)
        {
            CredentialServerRegistry.Current.Add(server);
            WriteVerbose($"Serving credentials for {server.RoleArn} at {server.Uri}{(server.MetadataEndpoint is null ? string.Empty : $" and as instance metadata at {server.MetadataEndpoint}")}.");
            WriteObject(server);
            return;
        }

        try
        {
            WriteObject(server);
            WriteVerbose($"Serving credentials for {server.RoleArn} at {server.Uri} until Ctrl+C or SIGTERM.");
            var stopped = ShutdownSignal.WaitAsync(CancellationToken);
            while (!stopped.Wait(TimeSpan.FromMilliseconds(250)))
            {
                log.DrainTo(this);
            }

            log.DrainTo(this);
        }
        finally
        {
            server.Dispose();
        }
    }
}
