using System.Management.Automation;
using RedshiftIamra.Sandbox;

namespace RedshiftIamra.PowerShell.Commands;

/// <summary>
/// <c>Start-RedshiftIamraSandbox</c>: starts the local stand-in for the AWS APIs (HTTPS on
/// loopback with its own CA) so scripts and Pester checks run offline.
/// </summary>
[Cmdlet(VerbsLifecycle.Start, "RedshiftIamraSandbox", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(SandboxHost))]
public sealed class StartRedshiftIamraSandboxCommand : IamraCmdlet
{
    /// <summary>Where the sandbox writes its files; a new temporary folder by default.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string Region { get; set; } = "us-east-1";

    [Parameter]
    [ValidateRange(0, 65535)]
    public int Port { get; set; }

    /// <summary>How long sessions from the default profile last (seconds; the sandbox allows less than 900).</summary>
    [Parameter]
    [ValidateRange(1, 43200)]
    public int SessionDurationSeconds { get; set; } = 3600;

    /// <summary>Also runs a PostgreSQL (TLS only) behind Redshift and Redshift Serverless endpoints.</summary>
    [Parameter]
    public SwitchParameter Database { get; set; }

    /// <summary>Caps how long database passwords live (seconds), to watch renewal in a short test.</summary>
    [Parameter]
    [ValidateRange(1, 3600)]
    public int DbCredentialDurationSeconds { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string ClusterIdentifier { get; set; } = "my-redshift-cluster";

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string WorkgroupName { get; set; } = "my-serverless-workgroup";

    /// <summary>Also puts the sandbox's client certificate (with its key) into Cert:\CurrentUser\My; Stop-RedshiftIamraSandbox removes it.</summary>
    [Parameter]
    public SwitchParameter ImportClientCertificate { get; set; }

    protected override void Process()
    {
        if (!ShouldProcess("127.0.0.1", "Start the RedshiftIamra sandbox"))
        {
            return;
        }

        AwsRegionCheck(Region);
        var options = new SandboxOptions
        {
            WorkingDirectory = Resolve(Path),
            Region = Region,
            Port = Port,
            DefaultProfileDurationSeconds = SessionDurationSeconds,
            Database = Database.IsPresent || MyInvocation.BoundParameters.ContainsKey(nameof(DbCredentialDurationSeconds)),
            DbCredentialDurationCapSeconds = MyInvocation.BoundParameters.ContainsKey(nameof(DbCredentialDurationSeconds)) ? DbCredentialDurationSeconds : null,
            ClusterIdentifier = ClusterIdentifier,
            WorkgroupName = WorkgroupName,
        };
        var sandbox = Await((_, token) => SandboxHost.StartAsync(options, token));
        WriteVerbose($"Sandbox started in {sandbox.StartupTime.TotalMilliseconds:0} ms: Roles Anywhere at {sandbox.RolesAnywhereEndpoint}, files in {sandbox.WorkingDirectory}.");
        if (sandbox.HasDatabase)
        {
            WriteVerbose($"Redshift and Redshift Serverless APIs at {sandbox.RedshiftEndpoint}; cluster '{sandbox.ClusterIdentifier}' and workgroup '{sandbox.WorkgroupName}' on PostgreSQL {sandbox.PostgresHost}:{sandbox.PostgresPort}.");
        }
        if (ImportClientCertificate.IsPresent)
        {
            var thumbprint = RunningSandboxes.Current.ImportClientCertificate(sandbox);
            WriteVerbose($@"Imported the sandbox client certificate {thumbprint} into Cert:\CurrentUser\My.");
        }

        WriteObject(sandbox);
    }

    private static void AwsRegionCheck(string region) => Aws.AwsRegion.Validate(region);
}

/// <summary><c>Stop-RedshiftIamraSandbox</c>: stops sandboxes started in this process.</summary>
[Cmdlet(VerbsLifecycle.Stop, "RedshiftIamraSandbox", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(void))]
public sealed class StopRedshiftIamraSandboxCommand : IamraCmdlet
{
    /// <summary>The sandbox to stop; every sandbox of this process when omitted.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true)]
    public SandboxHost[]? Sandbox { get; set; }

    protected override void Process()
    {
        foreach (var sandbox in Sandbox ?? RunningSandboxes.Current.All())
        {
            if (ShouldProcess(sandbox.RolesAnywhereEndpoint, "Stop the RedshiftIamra sandbox"))
            {
                sandbox.Stop();
                WriteVerbose($"Stopped the sandbox at {sandbox.RolesAnywhereEndpoint}.");
            }
        }
    }
}
