<#
.SYNOPSIS
    Packs the staged module into a .nupkg in -Destination, using PSResourceGet with a
    throw-away local repository, so Install-PSResource can install it from that folder.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $Destination
)

$ErrorActionPreference = 'Stop'
Import-Module Microsoft.PowerShell.PSResourceGet
$name = "RedshiftIamraBuild$([guid]::NewGuid().ToString('N').Substring(0, 8))"
Register-PSResourceRepository -Name $name -Uri ([uri] (Resolve-Path $Destination).Path) -Trusted
try {
    Publish-PSResource -Path $ModulePath -Repository $name -SkipDependenciesCheck
} finally {
    Unregister-PSResourceRepository -Name $name
}
