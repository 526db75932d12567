# RedshiftIamra: loads the compiled cmdlets into a private AssemblyLoadContext.
#
# AWS.Tools and other modules load their own AWSSDK.Core into the default load context.
# The module's cmdlets, engine and dependencies live in bin/lib and are loaded into a
# context of their own by the small loader assembly in bin, so the two never collide.
#
# Import runs at the start of every scheduled job and credential_process call, so this file
# uses no pipeline cmdlet (Where-Object, Select-Object, Get-Command...) that would auto-load
# another module, and calls Import-Module by its module-qualified name.

$ErrorActionPreference = 'Stop'

# A type lookup finds the loader if an earlier import in this process loaded it already
# (loading it twice into the default context would fail); Add-Type would cost over 100 ms.
$loaderType = 'RedshiftIamra.Loader.ModuleLoadContext' -as [type]
if ($null -eq $loaderType) {
    $loaderPath = [System.IO.Path]::Combine($PSScriptRoot, 'bin', 'RedshiftIamra.Loader.dll')
    $loaderType = [System.Runtime.Loader.AssemblyLoadContext]::Default.LoadFromAssemblyPath($loaderPath).GetType('RedshiftIamra.Loader.ModuleLoadContext', $true)
}

# Type and format data. The runspaces of a RunspacePool share one InitialSessionState, which
# PowerShell enumerates and extends while it processes a manifest's TypesToProcess and
# FormatsToProcess, and which it consults to skip files "already loaded" (by another runspace).
# Loading them here, one import at a time in the process, with our previous entries taken out
# of that shared list first, means concurrent imports neither throw "Collection was modified"
# nor leave a runspace without our views and serialization rules. A runspace that got them when
# it opened (from that shared list) is left as it is.
$gate = $loaderType::ImportGate
[System.Threading.Monitor]::Enter($gate)
try {
    $probe = $loaderType.Assembly.GetType('RedshiftIamra.Loader.TypeDataProbe', $true)::new()
    if ($null -eq $probe.psobject.Properties['RedshiftIamraTypeData']) {
        $sessionState = [runspace]::DefaultRunspace.InitialSessionState
        if ($null -ne $sessionState) {
            $typesFile = [System.IO.Path]::Combine($PSScriptRoot, 'RedshiftIamra.Types.ps1xml')
            $formatFile = [System.IO.Path]::Combine($PSScriptRoot, 'RedshiftIamra.Format.ps1xml')
            for ($i = $sessionState.Types.Count - 1; $i -ge 0; $i--) {
                if ($sessionState.Types[$i].FileName -eq $typesFile) { $sessionState.Types.RemoveItem($i) }
            }
            for ($i = $sessionState.Formats.Count - 1; $i -ge 0; $i--) {
                if ($sessionState.Formats[$i].FileName -eq $formatFile) { $sessionState.Formats.RemoveItem($i) }
            }
        }
        Microsoft.PowerShell.Core\Import-Module ([System.IO.Path]::Combine($PSScriptRoot, 'RedshiftIamra.Display.psd1'))
    }
    else {
        # Type data present: a second import in this runspace, or a runspace of a pool that got it
        # from the shared list when it opened. One that opened while another runspace was
        # importing may have the type data but not yet the views: add the views it lacks.
        if ($null -eq (Microsoft.PowerShell.Utility\Get-FormatData -TypeName 'RedshiftIamra.RedshiftDbCredential')) {
            $sessionState = [runspace]::DefaultRunspace.InitialSessionState
            $formatFile = [System.IO.Path]::Combine($PSScriptRoot, 'RedshiftIamra.Format.ps1xml')
            for ($i = $sessionState.Formats.Count - 1; $i -ge 0; $i--) {
                if ($sessionState.Formats[$i].FileName -eq $formatFile) { $sessionState.Formats.RemoveItem($i) }
            }
            Microsoft.PowerShell.Utility\Update-FormatData -AppendPath $formatFile
        }
    }
}
finally {
    [System.Threading.Monitor]::Exit($gate)
}

# bin/r2r/<rid>/net<major>.0 holds ReadyToRun images of bin/lib for one runtime major and platform
# (build.ps1 makes them); the loader takes them when they match this process, else the IL.
$cmdletAssembly = $loaderType::Initialize([System.IO.Path]::Combine($PSScriptRoot, 'bin', 'lib'), [System.IO.Path]::Combine($PSScriptRoot, 'bin', 'r2r'))
$innerModule = Microsoft.PowerShell.Core\Import-Module -Assembly $cmdletAssembly -PassThru -DisableNameChecking

# Import-Module -Force on the loaded module (without Remove-Module) finds the cmdlet assembly's
# module still in this runspace's module table and returns it without adding its cmdlets to
# this module's scope (PowerShell issue 20710); add them explicitly then. The note property
# marks a module object this file has imported before, so a first import skips the loop.
if ($innerModule) {
    if ($null -eq $innerModule.psobject.Properties['RedshiftIamraImported']) {
        $innerModule.psobject.Properties.Add([psnoteproperty]::new('RedshiftIamraImported', $true))
    }
    else {
        $addExportedCmdlet = [System.Management.Automation.PSModuleInfo].GetMethod(
            'AddExportedCmdlet', [System.Reflection.BindingFlags]'Instance, NonPublic')
        foreach ($command in $innerModule.ExportedCmdlets.Values) {
            $addExportedCmdlet.Invoke($ExecutionContext.SessionState.Module, @(, $command))
        }
    }
}

# After Import-Module -Force, the cmdlet assembly's module is this module's earlier one, no longer
# nested in this one: Remove-Module would then leave it loaded, and its cleanup (closing
# connections, stopping credential servers, clearing cached credentials) would never run.
$ExecutionContext.SessionState.Module.OnRemove = {
    if ($innerModule) {
        Microsoft.PowerShell.Core\Remove-Module -ModuleInfo $innerModule -Force -ErrorAction Ignore
    }
}
