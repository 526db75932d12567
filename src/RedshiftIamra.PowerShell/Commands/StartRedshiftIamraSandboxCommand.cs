using System.Management.Automation;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
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
        SandboxRegistry.Add(sandbox);
        WriteVerbose($"Sandbox started in {sandbox.StartupTime.TotalMilliseconds:0} ms: Roles Anywhere at {sandbox.RolesAnywhereEndpoint}, files in {sandbox.WorkingDirectory}.");
        if (sandbox.HasDatabase)
        {
            WriteVerbose($"Redshift and Redshift Serverless APIs at {sandbox.RedshiftEndpoint}; cluster '{sandbox.ClusterIdentifier}' and workgroup '{sandbox.WorkgroupName}' on PostgreSQL {sandbox.PostgresHost}:{sandbox.PostgresPort}.");
        }
        if (ImportClientCertificate.IsPresent)
        {
            var thumbprint = SandboxRegistry.ImportClientCertificate(sandbox);
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
        foreach (var sandbox in Sandbox ?? SandboxRegistry.All())
        {
            if (ShouldProcess(sandbox.RolesAnywhereEndpoint, "Stop the RedshiftIamra sandbox"))
            {
                SandboxRegistry.Stop(sandbox);
                WriteVerbose($"Stopped the sandbox at {sandbox.RolesAnywhereEndpoint}.");
            }
        }
    }
}

/// <summary>Sandboxes started by the cmdlets, so they can be stopped by name-less calls and when the module is removed.</summary>
internal static class SandboxRegistry
{
    private static readonly List<(SandboxHost Sandbox, string? Thumbprint)> s_running = new();
    private static bool s_registered;
    private static bool s_exitHooked;

    public static void Add(SandboxHost sandbox)
    {
        lock (s_running)
        {
            s_running.Add((sandbox, null));
            if (!s_registered)
            {
                s_registered = true;
                ModuleState.Own(new StopAllOnRemove());
                if (!s_exitHooked)
                {
                    // A script that exits without Stop-RedshiftIamraSandbox: take the certificates out of the stores too.
                    s_exitHooked = true;
                    AppDomain.CurrentDomain.ProcessExit += (_, _) => StopAllAtExit();
                }
            }
        }
    }

    public static IReadOnlyList<SandboxHost> All()
    {
        lock (s_running)
        {
            return s_running.Select(r => r.Sandbox).ToList();
        }
    }

    public static string ImportClientCertificate(SandboxHost sandbox)
    {
        var source = sandbox.ClientCertificate.Certificate;
        var pfx = source.Export(X509ContentType.Pkcs12);
#pragma warning disable SYSLIB0057
        var persisted = new X509Certificate2(pfx, (string?)null, X509KeyStorageFlags.PersistKeySet | X509KeyStorageFlags.UserKeySet | X509KeyStorageFlags.Exportable);
#pragma warning restore SYSLIB0057
        using (var store = new X509Store(StoreName.My, StoreLocation.CurrentUser))
        {
            store.Open(OpenFlags.ReadWrite);
            store.Add(persisted);
        }

        // As in production, the issuing CA goes into the intermediate store, where chain
        // building finds it (the module then sends it in X-Amz-X509-Chain).
        using (var intermediates = new X509Store(StoreName.CertificateAuthority, StoreLocation.CurrentUser))
        {
            intermediates.Open(OpenFlags.ReadWrite);
            foreach (var certificate in sandbox.ClientCertificate.Chain)
            {
                intermediates.Add(certificate);
            }
        }

        lock (s_running)
        {
            var index = s_running.FindIndex(r => ReferenceEquals(r.Sandbox, sandbox));
            if (index >= 0)
            {
                s_running[index] = (sandbox, persisted.Thumbprint);
            }
        }

        // If this process dies without Stop-RedshiftIamraSandbox, the next sandbox start removes them.
        SandboxLeftovers.RecordStoreCertificates(sandbox.WorkingDirectory, persisted.Thumbprint, sandbox.ClientCertificate.Chain.Select(c => c.Thumbprint));
        return persisted.Thumbprint;
    }

    public static void Stop(SandboxHost sandbox)
    {
        string? thumbprint = null;
        lock (s_running)
        {
            var index = s_running.FindIndex(r => ReferenceEquals(r.Sandbox, sandbox));
            if (index >= 0)
            {
                thumbprint = s_running[index].Thumbprint;
                s_running.RemoveAt(index);
            }
        }

        if (thumbprint is not null)
        {
            using (var store = new X509Store(StoreName.My, StoreLocation.CurrentUser))
            {
                store.Open(OpenFlags.ReadWrite);
                foreach (var certificate in store.Certificates.Find(X509FindType.FindByThumbprint, thumbprint, validOnly: false))
                {
                    store.Remove(certificate);
                }
            }

            using var intermediates = new X509Store(StoreName.CertificateAuthority, StoreLocation.CurrentUser);
            intermediates.Open(OpenFlags.ReadWrite);
            foreach (var certificate in sandbox.ClientCertificate.Chain)
            {
                intermediates.Remove(certificate);
            }
        }

        sandbox.Stop();
    }

    private static void StopAllAtExit()
    {
        foreach (var sandbox in All())
        {
            try
            {
                Stop(sandbox);
            }
            catch (Exception e) when (e is InvalidOperationException or IOException or CryptographicException)
            {
                // Best effort at exit: the next sandbox start reaps what is left.
            }
        }
    }

    private sealed class StopAllOnRemove : IDisposable
    {
        public void Dispose()
        {
            foreach (var sandbox in All())
            {
                Stop(sandbox);
            }

            lock (s_running)
            {
                s_registered = false;
            }
        }
    }
}
