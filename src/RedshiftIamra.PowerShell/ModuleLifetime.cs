using System.Management.Automation;

namespace RedshiftIamra.PowerShell;

/// <summary>Runs when the module is imported and removed.</summary>
public sealed class ModuleLifetime : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    public void OnImport()
    {
        // Deliberately nothing: importing does no network and no heavy work.
    }

    public void OnRemove(PSModuleInfo psModuleInfo)
    {
        ModuleState.CloseAll();
        Sessions.RolesAnywhereSessionSource.Cache.Clear();

        // Database passwords must not outlive the module in the process either.
        Sessions.DbCredentialSource.Cache.Clear();

        // Log out of and close every PKCS#11 token session (the libraries stay loaded: a
        // PKCS#11 module is initialised once per process).
        Pkcs11.Pkcs11Tokens.CloseAll();
        Aws.AwsHttpClients.DisposeAll();
    }
}

/// <summary>Process-wide state the module owns (cached sessions, open connections).</summary>
internal static class ModuleState
{
    private static readonly List<IDisposable> s_owned = new();

    internal static void Own(IDisposable disposable)
    {
        lock (s_owned)
        {
            s_owned.Add(disposable);
        }
    }

    internal static void CloseAll()
    {
        IDisposable[] owned;
        lock (s_owned)
        {
            owned = s_owned.ToArray();
            s_owned.Clear();
        }

        foreach (var disposable in owned)
        {
            try
            {
                disposable.Dispose();
            }
            catch (Exception)
            {
                // Removing the module must not fail because one resource failed to close.
            }
        }
    }
}
