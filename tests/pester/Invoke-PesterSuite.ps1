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
    @(Get-ChildItem $TestPath -Filter '*.Tests.ps1' | Where-Object Name -Like "*$Filter*" | ForEach-Object FullName)
} else {
    $TestPath
}
$configuration.Run.PassThru = $true
$configuration.Output.Verbosity = 'Detailed'
$configuration.TestResult.Enabled = $true
$configuration.TestResult.OutputFormat = 'JUnitXml'
$configuration.TestResult.OutputPath = $ResultPath

$result = Invoke-Pester -Configuration $configuration
$failed = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
[pscustomobject]@{
    Passed  = $result.PassedCount
    Failed  = $failed
    Skipped = $result.SkippedCount + $result.NotRunCount
} | ConvertTo-Json | Set-Content -Path $SummaryPath
if ($failed -gt 0) { exit 1 }
exit 0
