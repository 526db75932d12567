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
        // Everything the module keeps between commands is a part of its context: open
        // connections, credential servers, sandboxes, cached sessions and database passwords,
        // HTTP clients, clock offsets and PKCS#11 token sessions (the PKCS#11 libraries stay
        // loaded: a library is initialised once per process). Removing the module must not
        // fail because one of them failed to close, so the failures are dropped here.
        _ = IamraContext.Current.Release();
    }
}
