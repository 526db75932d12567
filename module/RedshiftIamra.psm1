# RedshiftIamra: loads the compiled cmdlets into a private AssemblyLoadContext.
#
# AWS.Tools and other modules load their own AWSSDK.Core into the default load context.
# The module's cmdlets, engine and dependencies live in bin/lib and are loaded into a
# context of their own by the small loader assembly in bin, so the two never collide.

$ErrorActionPreference = 'Stop'

$loaderPath = [System.IO.Path]::Combine($PSScriptRoot, 'bin', 'RedshiftIamra.Loader.dll')
$libPath = [System.IO.Path]::Combine($PSScriptRoot, 'bin', 'lib')

# Loaded directly rather than with Add-Type, which costs over 100 ms at every import.
$loader = [System.AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'RedshiftIamra.Loader' } | Select-Object -First 1
if (-not $loader) {
    $loader = [System.Runtime.Loader.AssemblyLoadContext]::Default.LoadFromAssemblyPath($loaderPath)
}

$cmdletAssembly = $loader.GetType('RedshiftIamra.Loader.ModuleLoadContext')::Initialize($libPath)
$importModule = Get-Command -Name Import-Module -Module Microsoft.PowerShell.Core
$innerModule = & $importModule -Assembly $cmdletAssembly -PassThru -DisableNameChecking

if ($innerModule) {
    # Importing the same assembly again (Remove-Module, then Import-Module -Force) returns
    # the cached nested module without adding its cmdlets to this module's scope
    # (PowerShell issue 20710); add them explicitly so a re-import exports them again.
    $addExportedCmdlet = [System.Management.Automation.PSModuleInfo].GetMethod(
        'AddExportedCmdlet', [System.Reflection.BindingFlags]'Instance, NonPublic')
    foreach ($command in $innerModule.ExportedCommands.Values) {
        $addExportedCmdlet.Invoke($ExecutionContext.SessionState.Module, @(, $command))
    }
}
