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
        SandboxRegistry.Current.Add(sandbox);
        WriteVerbose($"Sandbox started in {sandbox.StartupTime.TotalMilliseconds:0} ms: Roles Anywhere at {sandbox.RolesAnywhereEndpoint}, files in {sandbox.WorkingDirectory}.");
        if (sandbox.HasDatabase)
        {
            WriteVerbose($"Redshift and Redshift Serverless APIs at {sandbox.RedshiftEndpoint}; cluster '{sandbox.ClusterIdentifier}' and workgroup '{sandbox.WorkgroupName}' on PostgreSQL {sandbox.PostgresHost}:{sandbox.PostgresPort}.");
        }
        if (ImportClientCertificate.IsPresent)
        {
            var thumbprint = SandboxRegistry.Current.ImportClientCertificate(sandbox);
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
        foreach (var sandbox in Sandbox ?? SandboxRegistry.Current.All())
        {
            if (ShouldProcess(sandbox.RolesAnywhereEndpoint, "Stop the RedshiftIamra sandbox"))
            {
                SandboxRegistry.Current.Stop(sandbox);
                WriteVerbose($"Stopped the sandbox at {sandbox.RolesAnywhereEndpoint}.");
            }
        }
    }
}

/// <summary>
/// Sandboxes started by the cmdlets, so they can be stopped by name-less calls; a part of the
/// module's <see cref="IamraContext"/>, so removing the module stops them.
/// </summary>
internal sealed class SandboxRegistry : IContextPart
{
    private readonly List<(SandboxHost Sandbox, string? Thumbprint)> _running = new();
    private bool _exitHooked;

    /// <summary>The registry of the module's context.</summary>
    public static SandboxRegistry Current => IamraContext.Current.Part(() => new SandboxRegistry());

    public string Name => "Sandboxes";

    public int Alive
    {
        get
        {
            lock (_running)
            {
                return _running.Count;
            }
        }
    }

    public void Add(SandboxHost sandbox)
    {
        lock (_running)
        {
            _running.Add((sandbox, null));
            if (!_exitHooked)
            {
                // A script that exits without Stop-RedshiftIamraSandbox: take the certificates out of the stores too.
                _exitHooked = true;
                AppDomain.CurrentDomain.ProcessExit += (_, _) => StopAllAtExit();
            }
        }
    }

    public IReadOnlyList<SandboxHost> All()
    {
        lock (_running)
        {
            return _running.Select(r => r.Sandbox).ToList();
        }
    }

    public string ImportClientCertificate(SandboxHost sandbox)
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

        lock (_running)
        {
            var index = _running.FindIndex(r => ReferenceEquals(r.Sandbox, sandbox));
            if (index >= 0)
            {
                _running[index] = (sandbox, persisted.Thumbprint);
            }
        }

        // If this process dies without Stop-RedshiftIamraSandbox, the next sandbox start removes them.
        SandboxLeftovers.RecordStoreCertificates(sandbox.WorkingDirectory, persisted.Thumbprint, sandbox.ClientCertificate.Chain.Select(c => c.Thumbprint));
        return persisted.Thumbprint;
    }

    public void Stop(SandboxHost sandbox)
    {
        string? thumbprint = null;
        lock (_running)
        {
            var index = _running.FindIndex(r => ReferenceEquals(r.Sandbox, sandbox));
            if (index >= 0)
            {
                thumbprint = _running[index].Thumbprint;
                _running.RemoveAt(index);
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

    private void StopAllAtExit()
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

    /// <summary>Stops every sandbox (and takes its certificates out of the stores); one that fails does not stop the others.</summary>
    public void Release()
    {
        var failures = new List<Exception>();
        foreach (var sandbox in All())
        {
            try
            {
                Stop(sandbox);
            }
            catch (Exception e)
            {
                failures.Add(e);
            }
        }

        if (failures.Count > 0)
        {
            throw new AggregateException("Some sandboxes failed to stop.", failures);
        }
    }
}
