<#
.SYNOPSIS
    Runs the Pester suite in this (child) pwsh and writes a summary the build reads.
    build.ps1 starts it; the staged module's manifest path is in $env:REDSHIFTIAMRA_MODULE.
#>
param(
    [Parameter(Mandatory)] [string] $PesterPath,
    [Parameter(Mandatory)] [string] $TestPath,
    [Parameter(Mandatory)] [string] $SummaryPath,
    [Parameter(Mandatory)] [string] $ResultPath,
    [string] $Filter
)

$ErrorActionPreference = 'Stop'
Import-Module $PesterPath -MinimumVersion 5.5 -Force

$configuration = New-PesterConfiguration
$configuration.Run.Path = if ($Filter) {
    # One name or several, comma-separated: the files whose names contain any of them.
    $names = @($Filter -split ',' | ForEach-Object Trim | Where-Object { $_ })
    @(Get-ChildItem $TestPath -Filter '*.Tests.ps1' | Where-Object { $file = $_.Name; $names | Where-Object { $file -like "*$_*" } } | ForEach-Object FullName)
} else {
    $TestPath
}
$configuration.Run.PassThru = $true
$configuration.Output.Verbosity = 'Detailed'
# The JUnit file is written after the counts are taken: Pester's writer throws on a control
# character in a failure message (an ANSI colour code from a child process's error), and the
# counts must never depend on it.
$configuration.TestResult.Enabled = $false

$result = Invoke-Pester -Configuration $configuration
if ($null -eq $result) {
    # Pester itself broke: that is a failed run, never an empty green one.
    [pscustomobject]@{ Passed = 0; Failed = 1; Skipped = 0 } | ConvertTo-Json | Set-Content -Path $SummaryPath
    exit 1
}

$failed = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
[pscustomobject]@{
    Passed  = $result.PassedCount
    Failed  = $failed
    Skipped = $result.SkippedCount + $result.NotRunCount
} | ConvertTo-Json | Set-Content -Path $SummaryPath

try {
    $result | Export-JUnitReport -Path $ResultPath
}
catch {
    Write-Warning "The JUnit report $ResultPath could not be written ($($_.Exception.Message)); the counts above stand."
}
if ($failed -gt 0) { exit 1 }
exit 0
