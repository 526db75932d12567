using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace RedshiftIamra.Sandbox;

/// <summary>
/// Every sandbox of this process that is still running, with the client certificate each put
/// into the current user's stores, so that a sandbox stops (and its certificates leave the
/// stores) when it is stopped, when the process exits normally, and when the module's
/// <see cref="IamraContext"/> is released (the module removed).
/// </summary>
internal sealed class RunningSandboxes : IContextPart
{
    private readonly List<(SandboxHost Sandbox, string? Thumbprint)> _running = new();
    private bool _exitHooked;

    /// <summary>The registry of the module's context.</summary>
    public static RunningSandboxes Current => IamraContext.Current.Part(() => new RunningSandboxes());

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

    /// <summary>Registers a sandbox that has started.</summary>
    public void Add(SandboxHost sandbox)
    {
        lock (_running)
        {
            _running.Add((sandbox, null));
            if (!_exitHooked)
            {
                // A script that exits without stopping its sandboxes: stop them, and take their certificates out of the stores.
                _exitHooked = true;
                AppDomain.CurrentDomain.ProcessExit += (_, _) => StopAllAtExit();
            }
        }
    }

    /// <summary>The sandboxes running now, oldest first.</summary>
    public IReadOnlyList<SandboxHost> All()
    {
        lock (_running)
        {
            return _running.Select(r => r.Sandbox).ToList();
        }
    }

    /// <summary>
    /// Puts the client certificate of <paramref name="sandbox"/> (with its key) into
    /// Cert:\CurrentUser\My and its issuing CA into the intermediate store; both leave the stores
    /// when the sandbox stops. Returns the client certificate's thumbprint.
    /// </summary>
    public string ImportClientCertificate(SandboxHost sandbox)
    {
        var source = sandbox.ClientCertificate.Certificate;
        var pfx = source.Export(X509ContentType.Pkcs12);
#pragma warning disable SYSLIB0057 // The module targets .NET 8, where X509CertificateLoader does not exist yet.
        using var persisted = new X509Certificate2(pfx, (string?)null, X509KeyStorageFlags.PersistKeySet | X509KeyStorageFlags.UserKeySet | X509KeyStorageFlags.Exportable);
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

        // If this process dies without stopping the sandbox, the next sandbox start removes them.
        SandboxLeftovers.RecordStoreCertificates(sandbox.WorkingDirectory, persisted.Thumbprint, sandbox.ClientCertificate.Chain.Select(c => c.Thumbprint));
        return persisted.Thumbprint;
    }

    /// <summary>Forgets a sandbox that is stopping, and takes the certificates it imported out of the stores.</summary>
    public void Remove(SandboxHost sandbox)
    {
        string? thumbprint = null;
        lock (_running)
        {
            var index = _running.FindIndex(r => ReferenceEquals(r.Sandbox, sandbox));
            if (index < 0)
            {
                return;
            }

            thumbprint = _running[index].Thumbprint;
            _running.RemoveAt(index);
        }

        if (thumbprint is not null)
        {
            SandboxLeftovers.RemoveFromStore(StoreName.My, [thumbprint]);
            SandboxLeftovers.RemoveFromStore(StoreName.CertificateAuthority, sandbox.ClientCertificate.Chain.Select(c => c.Thumbprint).ToList());
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
                sandbox.Stop();
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

    private void StopAllAtExit()
    {
        foreach (var sandbox in All())
        {
            try
            {
                sandbox.Stop();
            }
            catch (Exception e) when (e is InvalidOperationException or IOException or ObjectDisposedException or CryptographicException)
            {
                // Best effort at exit: the next sandbox start reaps what is left.
                Remove(sandbox);
            }
        }
    }
}
