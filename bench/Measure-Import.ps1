<#
.SYNOPSIS
    Import time of the module in a fresh `pwsh -NoProfile -c` each run, beside a bare start and a
    trivial psd1+psm1 module, interleaved run by run so that machine noise hits every variant alike.
    Reports the whole process's wall time and, measured inside it, the wall and CPU time of the
    Import-Module call alone (CPU time holds up better than wall time on a busy machine).
    Give -ModulePath more than once (e.g. a build from main and one from a branch) for a paired
    before/after comparison. Prints medians and writes nothing; never fails on a number.
.EXAMPLE
    dotnet pwsh -NoProfile bench/Measure-Import.ps1 -ModulePath out/RedshiftIamra/0.1.0/RedshiftIamra.psd1 -Runs 15
#>
param(
    [Parameter(Mandatory)] [string[]] $ModulePath,
    [int] $Runs = 11
)

$ErrorActionPreference = 'Stop'
$pwshCommand = & {
    $exe = [Environment]::ProcessPath
    if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { @($exe, [System.Reflection.Assembly]::GetEntryAssembly().Location) } else { @($exe) }
}

$trivial = Join-Path ([IO.Path]::GetTempPath()) "iamra-trivial-module-$PID"
$null = New-Item -ItemType Directory -Force $trivial
Set-Content (Join-Path $trivial 'Trivial.psm1') 'function Get-Trivial { 1 }'
Set-Content (Join-Path $trivial 'Trivial.psd1') "@{ RootModule = 'Trivial.psm1'; ModuleVersion = '1.0.0'; FunctionsToExport = @('Get-Trivial') }"

function Get-ImportCommand([string] $Path) {
    # Prints "<wall ms> <cpu ms>" of the Import-Module call.
    "`$p = [System.Diagnostics.Process]::GetCurrentProcess(); `$cpu = `$p.TotalProcessorTime; `$clock = [System.Diagnostics.Stopwatch]::StartNew(); " +
    "Import-Module '$Path'; `$wall = `$clock.Elapsed.TotalMilliseconds; `$p.Refresh(); " +
    "[string]::Join(' ', `$wall, (`$p.TotalProcessorTime - `$cpu).TotalMilliseconds)"
}
$variants = [ordered]@{ 'bare pwsh -c exit' = 'exit'; 'trivial module' = Get-ImportCommand (Join-Path $trivial 'Trivial.psd1') }
foreach ($path in $ModulePath) { $variants["import $path"] = Get-ImportCommand (Resolve-Path $path).Path }

$samples = @{}; $importWall = @{}; $importCpu = @{}
foreach ($name in $variants.Keys) { $samples[$name], $importWall[$name], $importCpu[$name] = [System.Collections.Generic.List[double]]::new(), [System.Collections.Generic.List[double]]::new(), [System.Collections.Generic.List[double]]::new() }
$arguments = @($pwshCommand | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-Command')
for ($run = 0; $run -le $Runs; $run++) {
    foreach ($name in $variants.Keys) {
        $clock = [System.Diagnostics.Stopwatch]::StartNew()
        $output = & $pwshCommand[0] @arguments $variants[$name]
        $elapsed = $clock.Elapsed.TotalMilliseconds
        if ($LASTEXITCODE -ne 0) { throw "$name failed ($LASTEXITCODE)" }
        if ($run -gt 0) {
            # run 0 warms the disk cache
            $samples[$name].Add($elapsed)
            if ($output) {
                $wall, $cpu = "$output".Trim() -split ' '
                $importWall[$name].Add([double]::Parse($wall, [cultureinfo]::InvariantCulture))
                $importCpu[$name].Add([double]::Parse($cpu, [cultureinfo]::InvariantCulture))
            }
        }
    }
}
Remove-Item $trivial -Recurse -Force

function Median($values) { $sorted = @($values | Sort-Object); $sorted[[int][math]::Floor($sorted.Count / 2)] }
$bare = Median $samples['bare pwsh -c exit']
$trivialMedian = Median $samples['trivial module']
foreach ($name in $variants.Keys) {
    $median = Median $samples[$name]
    $line = '{0,-48} process {1,6:N0} ms (+{2,5:N0} over bare, {3:N2}x trivial)' -f $name, $median, ($median - $bare), ($median / $trivialMedian)
    if ($importWall[$name].Count) { $line += '; Import-Module call: wall {0,5:N0} ms, CPU {1,5:N0} ms' -f (Median $importWall[$name]), (Median $importCpu[$name]) }
    $line
}
