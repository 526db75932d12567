<#
.SYNOPSIS
    Counts the parameters and parameter sets of every cmdlet of a built module (common
    parameters left out), for keeping the cmdlet layer's size in view.
.EXAMPLE
    dotnet pwsh -NoProfile ./tools/Measure-CmdletSurface.ps1 -ModulePath ./out/RedshiftIamra/0.1.0/RedshiftIamra.psd1
#>
param([Parameter(Mandatory)] [string] $ModulePath)
$ModulePath = (Resolve-Path $ModulePath).Path
$ErrorActionPreference = 'Stop'
$module = Import-Module $ModulePath -PassThru -Force
$common = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters
Get-Command -Module $module.Name -CommandType Cmdlet | Sort-Object Name | ForEach-Object {
    [pscustomobject]@{
        Cmdlet        = $_.Name
        Parameters    = @($_.Parameters.Keys | Where-Object { $_ -notin $common }).Count
        ParameterSets = @($_.ParameterSets).Count
    }
} | Format-Table -AutoSize | Out-String -Width 200
