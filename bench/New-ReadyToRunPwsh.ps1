<#
.SYNOPSIS
    The command line of a ReadyToRun pwsh for the benchmarks: PowerShell as its release packages
    ship it (assemblies precompiled), made once from the pwsh running this script.
.DESCRIPTION
    The repo pins PowerShell as a local .NET tool, whose assemblies are IL only: every start
    JIT-compiles what a package install (deb, rpm, msi, zip, Homebrew) loads precompiled, so its
    start-up is about twice as long. Users run package installs, so the benchmarks report both.
    When the running pwsh is IL only, this script compiles ReadyToRun images of its directory with
    crossgen2 of the running .NET major (tools/ReadyToRun, as build.ps1 does for the module) into
    out/bench/pwsh-r2r/<version>-net<major>-<rid>/ and returns that copy's command line; the copy
    is made once (about two minutes of CPU) and reused. When the running pwsh is already ReadyToRun,
    it returns the running pwsh's own command line.
.OUTPUTS
    A hashtable: Command (string[]: executable, then arguments before pwsh's own) and Origin.
#>
param([Parameter(Mandatory)] [string] $RepoRoot)

$ErrorActionPreference = 'Stop'
$entry = [System.Reflection.Assembly]::GetEntryAssembly().Location
$exe = [Environment]::ProcessPath
$current = if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { @($exe, $entry) } else { @($exe) }

function Test-ReadyToRun([string] $Path) {
    $stream = [IO.File]::OpenRead($Path)
    try {
        $reader = [System.Reflection.PortableExecutable.PEReader]::new($stream)
        try { $reader.PEHeaders.CorHeader.ManagedNativeHeaderDirectory.Size -gt 0 } finally { $reader.Dispose() }
    } finally { $stream.Dispose() }
}

$directory = Split-Path -Parent ([System.Management.Automation.PSObject].Assembly.Location)
if (Test-ReadyToRun (Join-Path $directory 'System.Management.Automation.dll')) {
    return @{ Command = $current; Origin = "the running pwsh ($directory), already ReadyToRun" }
}

$os = if ($IsWindows) { 'win' } elseif ($IsMacOS) { 'osx' } else { 'linux' }
$rid = "$os-$("$([System.Runtime.InteropServices.RuntimeInformation]::ProcessArchitecture)".ToLowerInvariant())"
$tfm = "net$([Environment]::Version.Major).0"
$target = Join-Path $RepoRoot "out/bench/pwsh-r2r/$($PSVersionTable.PSVersion)-$tfm-$rid"
$marker = Join-Path $target '.complete'
if (-not (Test-Path $marker)) {
    Write-Host "   making a ReadyToRun copy of pwsh $($PSVersionTable.PSVersion) ($tfm, $rid) in $target (once)"
    $images = Join-Path $RepoRoot "out/bench/pwsh-r2r-images/$tfm-$rid"
    foreach ($d in $target, $images) { if (Test-Path $d) { Remove-Item $d -Recurse -Force } }
    & dotnet publish (Join-Path $RepoRoot 'tools/ReadyToRun/ReadyToRun.csproj') -c Release -r $rid "-p:ReadyToRunTargetFramework=$tfm" "-p:ModuleIlDirectory=$directory" `
        '-p:ReferencePowerShellStandard=false' "-p:BaseIntermediateOutputPath=$(Join-Path $RepoRoot "out/bench/pwsh-r2r-obj/$tfm-$rid")/" -o $images --nologo -v quiet -clp:ErrorsOnly | Out-Host
    if ($LASTEXITCODE -ne 0) { throw "crossgen2 of $directory failed ($LASTEXITCODE)" }
    Copy-Item $directory $target -Recurse
    Get-ChildItem $images -Filter '*.dll' | Where-Object Name -ne 'ReadyToRun.dll' | Copy-Item -Destination $target -Force
    if (-not (Test-ReadyToRun (Join-Path $target 'System.Management.Automation.dll'))) { throw "the copy in $target holds no ReadyToRun image of System.Management.Automation" }
    Set-Content $marker "made from $directory"
}
$program = if (Test-Path (Join-Path $target 'pwsh.dll')) { @((Get-Command dotnet).Source, (Join-Path $target 'pwsh.dll')) } else { @((Join-Path $target 'pwsh')) }
@{ Command = $program; Origin = "a ReadyToRun copy of the local tool's pwsh $($PSVersionTable.PSVersion) made by crossgen2 ($tfm, $rid) in out/bench/pwsh-r2r" }
