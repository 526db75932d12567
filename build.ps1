<#
.SYNOPSIS
    Builds, tests, packages and demonstrates the RedshiftIamra module.

.DESCRIPTION
    One entry point for every task:

      build    stage a complete module under out/RedshiftIamra/<version>/
      test     build, then run the xunit suite and the Pester suite (in a child pwsh,
               against the staged module); ends with "N passed, N failed"
      package  build (with ReadyToRun images for every supported runtime and platform), then
               write out/packages/RedshiftIamra.<version>.nupkg
      demo     build, then run the README's main example end to end
      bench    build in Release, then run the benchmarks (figures, never pass/fail)

    On a fresh machine: dotnet tool restore && dotnet pwsh ./build.ps1 <task>

.EXAMPLE
    dotnet pwsh ./build.ps1 test
#>
[CmdletBinding()]
param(
    [Parameter(Position = 0)]
    [ValidateSet('build', 'test', 'package', 'demo', 'bench', 'clean')]
    [string] $Task = 'build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    # Run only the Pester files whose name matches (e.g. 'Certificate').
    [string] $PesterFilter,

    # Skip the xunit suite (for quick Pester iterations).
    [switch] $SkipXunit,

    # Skip the Pester suite (for quick xunit iterations).
    [switch] $SkipPester,

    # ReadyToRun images staged in bin/r2r: 'Host' for this machine's platform and this PowerShell's
    # runtime (one crossgen2 pass, about 25 s of CPU), 'All' for every runtime and platform the
    # package ships (package's default; eight passes), 'None' for IL only. Default: Host, All for package.
    [ValidateSet('None', 'Host', 'All')]
    [string] $ReadyToRun,

    # bench: rows for the loading and export benchmark (default 1,000,000; fewer for a quick run).
    [ValidateRange(1000, 100000000)]
    [int] $LoadRows = 1000000
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
$root = $PSScriptRoot
$manifest = Import-PowerShellDataFile (Join-Path $root 'RedshiftIamra.psd1')
$version = $manifest.ModuleVersion
$outRoot = Join-Path $root 'out'
$stage = Join-Path $outRoot "RedshiftIamra/$version"

function Write-Step([string] $Message) {
    Write-Host "==> $Message" -ForegroundColor Cyan
}

function Invoke-Native {
    param([string] $FilePath, [string[]] $ArgumentList, [switch] $AllowFailure)
    & $FilePath @ArgumentList | Out-Host
    $code = $LASTEXITCODE
    if ($code -ne 0 -and -not $AllowFailure) {
        throw "'$FilePath $($ArgumentList -join ' ')' failed with exit code $code."
    }
    return $code
}

# The command line that starts this same PowerShell in a child process. As a local .NET
# tool, pwsh runs as the dotnet host plus pwsh.dll.
function Get-PwshCommand {
    $exe = [Environment]::ProcessPath
    if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') {
        return @($exe, [System.Reflection.Assembly]::GetEntryAssembly().Location)
    }
    return @($exe)
}

function Invoke-ChildPwsh {
    param([string[]] $ArgumentList, [switch] $AllowFailure)
    $pwsh = Get-PwshCommand
    $arguments = @($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive') + $ArgumentList
    Invoke-Native -FilePath $pwsh[0] -ArgumentList $arguments -AllowFailure:$AllowFailure
}

function Get-NuGetPackageRoot {
    if ($env:NUGET_PACKAGES) { return $env:NUGET_PACKAGES }
    return Join-Path ([Environment]::GetFolderPath('UserProfile')) '.nuget/packages'
}

# The ReadyToRun flavours the package ships: <tfm>/<rid>. A runtime uses only images made by the
# crossgen2 of its own major, so each PowerShell the manifest supports gets its own: 7.4 runs on
# .NET 8, 7.5 on .NET 9, 7.6 on .NET 10. osx-arm64 has .NET 10 images only: the SDK's .NET 8 and
# .NET 9 runtime packs for it are not on the package feed this project builds from (those
# PowerShells load the IL instead).
$readyToRunFlavours = @(
    'net8.0/linux-x64', 'net9.0/linux-x64', 'net10.0/linux-x64'
    'net8.0/win-x64', 'net9.0/win-x64', 'net10.0/win-x64'
    'net10.0/osx-arm64'
)

function Get-HostReadyToRunFlavour {
    $os = if ($IsWindows) { 'win' } elseif ($IsMacOS) { 'osx' } else { 'linux' }
    $arch = "$([System.Runtime.InteropServices.RuntimeInformation]::ProcessArchitecture)".ToLowerInvariant()
    "net$([Environment]::Version.Major).0/$os-$arch"
}

# Compiles ReadyToRun images of the staged IL (bin/lib) into bin/r2r/<rid>/<tfm>.
function Invoke-ReadyToRun([string[]] $Flavours) {
    foreach ($flavour in $Flavours) {
        $tfm, $rid = $flavour -split '/'
        Write-Step "ReadyToRun images for $rid, $tfm"
        $output = Join-Path $outRoot "r2r/$Configuration/$rid/$tfm"
        if (Test-Path $output) { Remove-Item $output -Recurse -Force }
        Invoke-Native dotnet @('publish', (Join-Path $root 'tools/ReadyToRun/ReadyToRun.csproj'), '-c', $Configuration, '-r', $rid,
            "-p:ReadyToRunTargetFramework=$tfm", "-p:ModuleIlDirectory=$stage/bin/lib",
            "-p:BaseIntermediateOutputPath=$outRoot/r2r-obj/$tfm-$rid/", '-o', $output, '--nologo', '-v', 'quiet', '-clp:ErrorsOnly') | Out-Null
        $target = Join-Path $stage "bin/r2r/$rid/$tfm"
        $null = New-Item -ItemType Directory -Path $target -Force
        Get-ChildItem $output -Filter '*.dll' | Where-Object Name -ne 'ReadyToRun.dll' | Copy-Item -Destination $target
    }
}

# The native credential_process helper (src/RedshiftIamra.CredentialHelper), Native AOT for this
# machine's platform, staged in bin/native/<rid>/. Native AOT compiles for the operating system
# it runs on only (no cross-OS compilation), so a package built here carries the helper of this
# platform; the cmdlets write the pwsh line where the module has no helper. The publish (about a
# minute of CPU) is skipped while the executable is newer than every engine and helper source.
function Get-HostRid {
    $os = if ($IsWindows) { 'win' } elseif ($IsMacOS) { 'osx' } else { 'linux' }
    "$os-$("$([System.Runtime.InteropServices.RuntimeInformation]::ProcessArchitecture)".ToLowerInvariant())"
}

function Invoke-NativeHelper {
    $rid = Get-HostRid
    $name = 'redshift-iamra-credential-process' + $(if ($IsWindows) { '.exe' } else { '' })
    $output = Join-Path $outRoot "native/$Configuration/$rid"
    $exe = Join-Path $output $name
    $inputs = @(
        Get-ChildItem (Join-Path $root 'src/RedshiftIamra'), (Join-Path $root 'src/RedshiftIamra.CredentialHelper') -Recurse -File -Include '*.cs', '*.csproj', '*.xml' |
            Where-Object FullName -notmatch '[\\/](bin|obj)[\\/]'
        Get-Item (Join-Path $root 'Directory.Build.props'), (Join-Path $root 'Directory.Packages.props'), (Join-Path $root 'RedshiftIamra.psd1')
    )
    $newest = ($inputs | Measure-Object -Property LastWriteTimeUtc -Maximum).Maximum
    if ((Test-Path $exe) -and (Get-Item $exe).LastWriteTimeUtc -gt $newest) {
        Write-Step "Native credential_process helper for $rid is up to date"
    } else {
        $arguments = @('publish', (Join-Path $root 'src/RedshiftIamra.CredentialHelper/RedshiftIamra.CredentialHelper.csproj'), '-c', $Configuration, '-r', $rid,
            '-o', $output, '-p:DebugType=none', '-p:GenerateDocumentationFile=false', '--nologo', '-v', 'quiet', '-clp:ErrorsOnly')
        if (-not $IsWindows -and -not (Get-Command clang -ErrorAction SilentlyContinue)) {
            if (-not (Get-Command gcc -ErrorAction SilentlyContinue)) {
                Write-Warning 'Neither clang nor gcc is on PATH: the native credential_process helper is not built (profiles get the pwsh line).'
                return
            }
            # Native AOT links with clang by default; gcc does the same job.
            $arguments += '-p:CppCompilerAndLinker=gcc'
        }
        Write-Step "Native credential_process helper for $rid (Native AOT)"
        if (Test-Path $output) { Remove-Item $output -Recurse -Force }
        Invoke-Native dotnet $arguments | Out-Null
        (Get-Item $exe).LastWriteTimeUtc = [DateTime]::UtcNow
    }
    $target = Join-Path $stage "bin/native/$rid"
    $null = New-Item -ItemType Directory -Path $target -Force
    Copy-Item $exe $target
}

function Invoke-Build {
    Write-Step "Building RedshiftIamra $version ($Configuration)"
    $publish = Join-Path $outRoot "publish/$Configuration"
    if (Test-Path $publish) { Remove-Item $publish -Recurse -Force }
    $common = @('-c', $Configuration, '--nologo', '-v', 'quiet', '-clp:ErrorsOnly')
    Invoke-Native dotnet (@('publish', (Join-Path $root 'src/RedshiftIamra.PowerShell/RedshiftIamra.PowerShell.csproj'), '-o', "$publish/lib") + $common) | Out-Null
    Invoke-Native dotnet (@('publish', (Join-Path $root 'src/RedshiftIamra.Loader/RedshiftIamra.Loader.csproj'), '-o', "$publish/loader") + $common) | Out-Null

    Write-Step "Staging the module in $stage"
    if (Test-Path $stage) { Remove-Item $stage -Recurse -Force }
    $null = New-Item -ItemType Directory -Path "$stage/bin/lib", "$stage/en-US" -Force
    Copy-Item (Join-Path $root 'RedshiftIamra.psd1') $stage
    Copy-Item (Join-Path $root 'module/RedshiftIamra.psm1') $stage
    Copy-Item (Join-Path $root 'module/*.ps1xml') $stage
    Copy-Item (Join-Path $root 'module/RedshiftIamra.Display.psd1') $stage
    Copy-Item (Join-Path $root 'module/en-US/*.help.txt') "$stage/en-US"
    Copy-Item (Join-Path $root 'LICENSE') $stage
    Copy-Item (Join-Path $root 'module/amazon-trust-roots.pem') $stage
    Copy-Item "$publish/loader/RedshiftIamra.Loader.dll" "$stage/bin"
    Get-ChildItem "$publish/lib" -File |
        Where-Object { $_.Extension -in '.dll', '.pem' -or ($Configuration -eq 'Debug' -and $_.Extension -eq '.pdb') } |
        Copy-Item -Destination "$stage/bin/lib"

    $flavours = switch ($ReadyToRun) {
        'None' { @() }
        'All' { $readyToRunFlavours }
        default { if ($Task -eq 'package') { $readyToRunFlavours } else { @(Get-HostReadyToRunFlavour) } }
    }
    if ($flavours) { Invoke-ReadyToRun $flavours }
    Invoke-NativeHelper

    Write-Step 'Generating MAML help from the cmdlets and module/en-US/cmdlets'
    Invoke-ChildPwsh @('-File', (Join-Path $root 'tools/New-MamlHelp.ps1'), '-ModulePath', "$stage/RedshiftIamra.psd1", '-SourcePath', (Join-Path $root 'module/en-US/cmdlets'), '-OutputPath', "$stage/en-US/RedshiftIamra.PowerShell.dll-Help.xml") | Out-Null
    Write-Host "Module staged: $stage"
}

function Read-TrxCounts([string] $Path) {
    [xml] $trx = Get-Content -Raw $Path
    $c = $trx.TestRun.ResultSummary.Counters
    [pscustomobject]@{
        Passed  = [int] $c.passed
        Failed  = [int] $c.failed + [int] $c.error + [int] $c.timeout + [int] $c.aborted
        Skipped = [int] $c.total - [int] $c.executed
    }
}

# The reliability scoreboard the Pester suite leaves behind: faults, bad input, secrets, load.
function Write-Scoreboard([string] $Directory) {
    if (-not (Test-Path $Directory)) { return }
    function Read-Part([string] $Name) { $path = Join-Path $Directory $Name; if (Test-Path $path) { Get-Content -Raw $path | ConvertFrom-Json } }
    $rows = @()
    $faults = @(Read-Part 'faults.json')
    if ($faults) {
        $recovered = @($faults | Where-Object Outcome -EQ 'recovered').Count
        $matched = @($faults | Where-Object { $_.Outcome -eq $_.Expected }).Count
        $rows += [pscustomobject]@{ Area = 'faults'; Result = "$($faults.Count) API x fault cells: $recovered recovered by retry, $($faults.Count - $recovered) specific errors; $matched as expected; slowest $('{0:N1}' -f ($faults | Measure-Object Seconds -Maximum).Maximum) s" }
    }
    $bad = Read-Part 'badinput.json'
    if ($bad) { $rows += [pscustomobject]@{ Area = 'bad input'; Result = "$($bad.cases) cases, $($bad.requests) requests reached the network" } }
    $secrets = Read-Part 'secrets.json'
    if ($secrets) { $rows += [pscustomobject]@{ Area = 'secrets'; Result = "$($secrets.searches) searches ($($secrets.secrets) secrets x $($secrets.places) places), $($secrets.hits) hits" } }
    $load = Read-Part 'load.json'
    if ($load) {
        $rows += [pscustomobject]@{ Area = 'load'; Result = "$($load.credentialRequests) credential requests from 64 runspaces: $($load.errors) errors, $($load.createSessionCalls) CreateSession, $($load.getClusterCredentialsCalls) GetClusterCredentials; managed memory $($load.managedMemoryBeforeMB) MB -> $($load.managedMemoryAfterMB) MB" }
        $rows += [pscustomobject]@{ Area = 'sandbox load'; Result = "$($load.sandboxRequests) signed requests from 16 clients in $($load.sandboxSeconds) s, $($load.sandboxErrors) errors" }
    }
    if ($rows) {
        Write-Host 'Reliability scoreboard'
        $rows | Format-Table -AutoSize -Wrap | Out-String -Width 220 | Write-Host
    }
}

# Installs the peers the tests need that the machine may lack (SoftHSM2 and OpenSC for the
# PKCS#11 tests) with tests/tools/install-peers.sh: apt-get, as root or through sudo. It does
# nothing when they are already installed. Other peers (PostgreSQL, moto) are started by the
# tests themselves.
function Install-TestPeers {
    if ($IsWindows) { return }
    $script = Join-Path $root 'tests/tools/install-peers.sh'
    Write-Step 'Test peers (tests/tools/install-peers.sh)'
    $code = Invoke-Native bash @($script) -AllowFailure
    if ($code -ne 0) {
        throw "tests/tools/install-peers.sh failed (exit code $code): the PKCS#11 tests need SoftHSM2 and OpenSC. Run the tests as root (or with sudo available) so apt-get can install them, or install them yourself."
    }
}

function Invoke-Test {
    Install-TestPeers
    Invoke-Build
    $results = Join-Path $outRoot 'test-results'
    if (Test-Path $results) { Remove-Item $results -Recurse -Force }
    $null = New-Item -ItemType Directory -Path $results
    $totals = [ordered]@{ Passed = 0; Failed = 0; Skipped = 0 }
    $suites = @()

    if (-not $SkipXunit) {
        Write-Step 'xunit: engine, wire formats, signing vectors, sandbox'
        $code = Invoke-Native dotnet @('test', (Join-Path $root 'tests/RedshiftIamra.Tests/RedshiftIamra.Tests.csproj'),
            '-c', $Configuration, '--nologo', '--logger', 'trx;LogFileName=xunit.trx', '--logger', 'console;verbosity=normal',
            '--results-directory', $results) -AllowFailure
        $trx = Join-Path $results 'xunit.trx'
        if (-not (Test-Path $trx)) { throw "The xunit run (exit code $code) wrote no results." }
        $counts = Read-TrxCounts $trx
        if ($code -ne 0 -and $counts.Failed -eq 0) { $counts.Failed = 1 }
        $suites += [pscustomobject]@{ Suite = 'xunit'; Passed = $counts.Passed; Failed = $counts.Failed; Skipped = $counts.Skipped }
    }

    if (-not $SkipPester) {
        Write-Step 'Pester: the staged module, driven from a child pwsh'
        Invoke-Native dotnet @('restore', (Join-Path $root 'tests/tools/tools.proj'), '--nologo', '-v', 'quiet') | Out-Null
        $pester = Join-Path (Get-NuGetPackageRoot) 'pester/5.7.1/tools/Pester.psd1'
        $summary = Join-Path $results 'pester-summary.json'
        $env:REDSHIFTIAMRA_MODULE = Join-Path $stage 'RedshiftIamra.psd1'
        $env:REDSHIFTIAMRA_REPO = $root
        $env:REDSHIFTIAMRA_PACKAGES = Get-NuGetPackageRoot
        $env:REDSHIFTIAMRA_SCOREBOARD = Join-Path $results 'scoreboard'
        $null = New-Item -ItemType Directory -Force $env:REDSHIFTIAMRA_SCOREBOARD
        Remove-Item $summary -ErrorAction Ignore
        $code = Invoke-ChildPwsh @('-File', (Join-Path $root 'tests/pester/Invoke-PesterSuite.ps1'),
            '-PesterPath', $pester, '-TestPath', (Join-Path $root 'tests/pester'), '-SummaryPath', $summary,
            '-ResultPath', (Join-Path $results 'pester.xml'), '-Filter', "$PesterFilter") -AllowFailure
        if (-not (Test-Path $summary)) { throw "The Pester run (exit code $code) wrote no summary." }
        $counts = Get-Content -Raw $summary | ConvertFrom-Json
        if ($counts.Passed -isnot [long] -and $counts.Passed -isnot [int] -or $null -eq $counts.Failed) {
            # A summary without numbers is a broken run: count it as a failure, never as green.
            $counts = [pscustomobject]@{ Passed = 0; Failed = 1; Skipped = 0 }
        }
        if ($code -ne 0 -and $counts.Failed -eq 0) { $counts.Failed = 1 }
        $suites += [pscustomobject]@{ Suite = 'pester'; Passed = $counts.Passed; Failed = $counts.Failed; Skipped = $counts.Skipped }
    }

    foreach ($suite in $suites) {
        $totals.Passed += $suite.Passed
        $totals.Failed += $suite.Failed
        $totals.Skipped += $suite.Skipped
    }
    $suites | Format-Table -AutoSize | Out-String | Write-Host
    Write-Scoreboard (Join-Path $results 'scoreboard')
    $line = "$($totals.Passed) passed, $($totals.Failed) failed"
    if ($totals.Skipped) { $line += ", $($totals.Skipped) skipped" }
    Write-Host $line
    if ($totals.Failed -gt 0) { exit 1 }
}

function Invoke-Package {
    Invoke-Build
    $packages = Join-Path $outRoot 'packages'
    $null = New-Item -ItemType Directory -Path $packages -Force
    Get-ChildItem $packages -Filter 'RedshiftIamra.*.nupkg' | Remove-Item -Force
    Write-Step "Packaging into $packages"
    Invoke-ChildPwsh @('-File', (Join-Path $root 'tools/Publish-LocalPackage.ps1'), '-ModulePath', $stage, '-Destination', $packages) | Out-Null
    Get-ChildItem $packages -Filter 'RedshiftIamra.*.nupkg' | ForEach-Object { Write-Host "Package: $($_.FullName)" }
}

function Invoke-Demo {
    Invoke-Build
    Write-Step 'Demo'
    Invoke-ChildPwsh @('-File', (Join-Path $root 'tools/Invoke-Demo.ps1'), '-ModulePath', (Join-Path $stage 'RedshiftIamra.psd1')) | Out-Null
}

function Invoke-Bench {
    $script:Configuration = 'Release'
    Invoke-Build
    Invoke-Native dotnet @('build', (Join-Path $root 'bench/RedshiftIamra.Bench/RedshiftIamra.Bench.csproj'), '-c', 'Release', '--nologo', '-v', 'quiet', '-clp:ErrorsOnly') | Out-Null
    Write-Step 'Benchmarks (figures, not pass/fail)'
    Invoke-ChildPwsh @('-File', (Join-Path $root 'bench/Invoke-Benchmarks.ps1'), '-ModulePath', (Join-Path $stage 'RedshiftIamra.psd1'), '-RepoRoot', $root, '-LoadRows', $LoadRows) | Out-Null
}

switch ($Task) {
    'build' { Invoke-Build }
    'test' { Invoke-Test }
    'package' { Invoke-Package }
    'demo' { Invoke-Demo }
    'bench' { Invoke-Bench }
    'clean' { if (Test-Path $outRoot) { Remove-Item $outRoot -Recurse -Force } }
}
