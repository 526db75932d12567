<#
.SYNOPSIS
    Credentials for other tools: twenty back-to-back `aws sts get-caller-identity` calls against
    moto_server per mode, with the per-call median and the CreateSession calls each mode made.
    Modes: static keys in the environment (the CLI's own floor), the cached credential_process
    (cold: empty cache; warm), the credential server (container endpoint), the refreshed
    credentials file; the credential_process modes both with the native helper (what
    Set-IamraAwsProfile writes where the module ships it) and with the pwsh line (-UsePowerShell).
    Then the credential process alone, as the CLI starts it (the profile's line split by botocore):
    the helper's bare start (--version), warm and cold calls, side by side with the pwsh line.
    Writes bench/credentials.json. Figures, never pass/fail.
    Run alone: dotnet pwsh bench/Invoke-CredentialBenchmarks.ps1 -ModulePath out/RedshiftIamra/<version>/RedshiftIamra.psd1 -RepoRoot .
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $RepoRoot,
    [int] $Calls = 20
)

$ErrorActionPreference = 'Stop'
$ModulePath = (Resolve-Path $ModulePath).Path
Import-Module $ModulePath
$env:REDSHIFTIAMRA_MODULE = $ModulePath
$env:REDSHIFTIAMRA_REPO = (Resolve-Path $RepoRoot).Path
. (Join-Path $RepoRoot 'tests/pester/TestHelpers.ps1')
$moto = Start-MotoServer
$sandbox = Start-RedshiftIamraSandbox
$work = Join-Path ([IO.Path]::GetTempPath()) "iamra-credbench-$([guid]::NewGuid().ToString('N'))"
$null = New-Item -ItemType Directory $work
$names = 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE',
    'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_CONTAINER_AUTHORIZATION_TOKEN', 'REDSHIFTIAMRA_CACHE_DIR', 'AWS_DEFAULT_REGION'
$saved = @{}; foreach ($n in $names) { $saved[$n] = [Environment]::GetEnvironmentVariable($n); Remove-Item "Env:$n" -ErrorAction SilentlyContinue }

function Reset-Environment {
    foreach ($n in $names) { Remove-Item "Env:$n" -ErrorAction SilentlyContinue }
    $env:AWS_CONFIG_FILE = Join-Path $work 'no-config'
    $env:AWS_SHARED_CREDENTIALS_FILE = Join-Path $work 'no-credentials'
    $env:AWS_DEFAULT_REGION = 'us-east-1'
}

function Measure-Mode([string] $Name, [string[]] $Extra = @(), [scriptblock] $BeforeEach) {
    $before = $sandbox.CountCalls('CreateSession', 'Success')
    $samples = foreach ($i in 1..$Calls) {
        if ($BeforeEach) { & $BeforeEach }
        $clock = [System.Diagnostics.Stopwatch]::StartNew()
        $out = & aws sts get-caller-identity --endpoint-url $moto.Url --output json @Extra 2>&1
        $ms = $clock.Elapsed.TotalMilliseconds
        if ($LASTEXITCODE -ne 0) { throw "$Name call $i failed: $out" }
        $ms
    }
    $sorted = @($samples | Sort-Object)
    [ordered]@{ mode = $Name; medianMs = [math]::Round($sorted[[int][math]::Floor($sorted.Count / 2)], 1); minMs = [math]::Round($sorted[0], 1); maxMs = [math]::Round($sorted[-1], 1); calls = $sorted.Count; createSession = $sandbox.CountCalls('CreateSession', 'Success') - $before }
}

# The profile's credential_process as botocore reads and splits it.
function Get-ProfileArgv([string] $Profile) {
    $json = & python3 -c "import json,shlex,botocore.session; print(json.dumps(shlex.split(botocore.session.Session(profile='$Profile').get_scoped_config()['credential_process'])))"
    if ($LASTEXITCODE -ne 0) { throw "botocore could not read profile $Profile." }
    , @($json | ConvertFrom-Json)
}

# Starts a command line $Calls times (after one unmeasured start) and returns the medians.
function Measure-Process([string] $Name, [string[]] $Argv, [scriptblock] $BeforeEach) {
    $before = $sandbox.CountCalls('CreateSession', 'Success')
    $samples = foreach ($i in 0..$Calls) {
        if ($BeforeEach) { & $BeforeEach }
        $info = [System.Diagnostics.ProcessStartInfo]::new($Argv[0])
        foreach ($a in ($Argv | Select-Object -Skip 1)) { $info.ArgumentList.Add($a) }
        $info.RedirectStandardOutput = $true
        $info.RedirectStandardError = $true
        $info.UseShellExecute = $false
        $clock = [System.Diagnostics.Stopwatch]::StartNew()
        $p = [System.Diagnostics.Process]::Start($info)
        $out = $p.StandardOutput.ReadToEndAsync()
        $err = $p.StandardError.ReadToEnd()
        $p.WaitForExit()
        $ms = $clock.Elapsed.TotalMilliseconds
        if ($p.ExitCode -ne 0) { throw "$Name call $i failed: $err" }
        $null = $out.Result
        if ($i -gt 0) { $ms }
    }
    $sorted = @($samples | Sort-Object)
    [ordered]@{ mode = $Name; medianMs = [math]::Round($sorted[[int][math]::Floor($sorted.Count / 2)], 1); minMs = [math]::Round($sorted[0], 1); maxMs = [math]::Round($sorted[-1], 1); calls = $sorted.Count; createSession = $sandbox.CountCalls('CreateSession', 'Success') - $before }
}

$rows = [System.Collections.Generic.List[object]]::new()
$processRows = [System.Collections.Generic.List[object]]::new()
$processRatios = $null
try {
    $session = $sandbox.SessionParameters
    $certificate = $sandbox.CertificateParameters

    Reset-Environment
    $env:AWS_ACCESS_KEY_ID = 'AKIAIOSFODNN7EXAMPLE'; $env:AWS_SECRET_ACCESS_KEY = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'
    $rows.Add((Measure-Mode 'static keys in the environment (floor)'))

    Reset-Environment
    $config = Join-Path $work 'config'
    Set-IamraAwsProfile -ProfileName bench @certificate @session -RoleSessionName "bench-$([guid]::NewGuid().ToString('N').Substring(0, 12))" -ConfigPath $config
    $env:AWS_CONFIG_FILE = $config
    $cache = Join-Path $work 'cache'
    $env:REDSHIFTIAMRA_CACHE_DIR = $cache
    Set-IamraAwsProfile -ProfileName bench-pwsh @certificate @session -RoleSessionName "bench-$([guid]::NewGuid().ToString('N').Substring(0, 12))" -ConfigPath $config -UsePowerShell
    $nativeArgv = Get-ProfileArgv bench
    $pwshArgv = Get-ProfileArgv bench-pwsh
    $native = -not ($nativeArgv[0] -eq $pwshArgv[0])
    if (-not $native) { Write-Warning 'The module has no native credential_process helper for this platform: only the pwsh line is measured.' }
    $emptyCache = { Remove-Item $cache -Recurse -Force -ErrorAction SilentlyContinue }
    if ($native) {
        $rows.Add((Measure-Mode 'credential_process (native helper), cold (cache emptied before each call)' @('--profile', 'bench') $emptyCache))
        $rows.Add((Measure-Mode 'credential_process (native helper), warm (per-user cache)' @('--profile', 'bench')))
    }
    $rows.Add((Measure-Mode 'credential_process (pwsh line), cold (cache emptied before each call)' @('--profile', 'bench-pwsh') $emptyCache))
    $rows.Add((Measure-Mode 'credential_process (pwsh line), warm (per-user cache)' @('--profile', 'bench-pwsh')))

    # The credential process alone, started as the CLI starts it (no CLI around it).
    if ($native) {
        $bare = Measure-Process 'native helper, bare start (--version)' @($nativeArgv[0], '--version')
        $nativeWarm = Measure-Process 'native helper, warm (per-user cache)' $nativeArgv
        $nativeCold = Measure-Process 'native helper, cold (one CreateSession)' $nativeArgv $emptyCache
        $processRows.AddRange([object[]]@($bare, $nativeWarm, $nativeCold))
    }
    $pwshWarm = Measure-Process 'pwsh line, warm (per-user cache)' $pwshArgv
    $pwshCold = Measure-Process 'pwsh line, cold (one CreateSession)' $pwshArgv $emptyCache
    $processRows.AddRange([object[]]@($pwshWarm, $pwshCold))
    # The same line on a ReadyToRun pwsh (as package installs ship PowerShell): the program is swapped, the arguments kept.
    $readyToRun = & (Join-Path $PSScriptRoot 'New-ReadyToRunPwsh.ps1') -RepoRoot $RepoRoot
    $programParts = if ($pwshArgv.Count -gt 1 -and $pwshArgv[1] -like '*pwsh.dll') { 2 } else { 1 }
    $r2rArgv = @($readyToRun.Command) + @($pwshArgv | Select-Object -Skip $programParts)
    $r2rWarm = Measure-Process 'pwsh line on a ReadyToRun pwsh, warm' $r2rArgv
    $r2rCold = Measure-Process 'pwsh line on a ReadyToRun pwsh, cold (one CreateSession)' $r2rArgv $emptyCache
    $processRows.AddRange([object[]]@($r2rWarm, $r2rCold))
    if ($native) {
        $processRatios = [ordered]@{
            warmOverBareMs         = [math]::Round($nativeWarm.medianMs - $bare.medianMs, 1)
            coldOverBare           = [math]::Round($nativeCold.medianMs / $bare.medianMs, 2)
            pwshOverNativeWarm     = [math]::Round($pwshWarm.medianMs / $nativeWarm.medianMs, 1)
            pwshOverNativeCold     = [math]::Round($pwshCold.medianMs / $nativeCold.medianMs, 1)
            readyToRunPwshOverNativeWarm = [math]::Round($r2rWarm.medianMs / $nativeWarm.medianMs, 1)
            readyToRunPwshOverNativeCold = [math]::Round($r2rCold.medianMs / $nativeCold.medianMs, 1)
            readyToRunPwsh         = $readyToRun.Origin
            pwshIncludes           = "the pwsh that wrote the profile: $($pwshArgv[0])$(if ($pwshArgv[0] -match 'dotnet') { ' (the local .NET tool the repo pins, IL only)' })"
        }
    }

    Reset-Environment
    $s = Get-IamraSession @certificate @session -Force
    $server = $s | Start-IamraCredentialServer
    try {
        $rows.Add((Measure-Mode 'credential server (container endpoint)'))
    } finally {
        $server | Stop-IamraCredentialServer
    }

    Reset-Environment
    $file = Join-Path $work 'credentials'
    $null = $s | Update-IamraCredentialFile -ProfileName bench -CredentialsPath $file -Once
    $env:AWS_SHARED_CREDENTIALS_FILE = $file
    $rows.Add((Measure-Mode 'refreshed credentials file' @('--profile', 'bench')))
} finally {
    Reset-Environment
    foreach ($n in $names) { if ($null -eq $saved[$n]) { Remove-Item "Env:$n" -ErrorAction SilentlyContinue } else { Set-Item "Env:$n" $saved[$n] } }
    Stop-RedshiftIamraSandbox
    Stop-MotoServer $moto
    Remove-Item $work -Recurse -Force -ErrorAction SilentlyContinue
}

$floor = $rows[0].medianMs
foreach ($row in $rows) { $row.ratioToFloor = [math]::Round($row.medianMs / $floor, 3) }
$rows | ForEach-Object { [pscustomobject]$_ } | Format-List mode, medianMs, minMs, maxMs, ratioToFloor, createSession | Out-String | Write-Host
$processRows | ForEach-Object { [pscustomobject]$_ } | Format-Table mode, medianMs, minMs, maxMs, createSession | Out-String | Write-Host
if ($processRatios) { [pscustomobject]$processRatios | Format-List | Out-String | Write-Host }
[ordered]@{ date = (Get-Date).ToUniversalTime().ToString('yyyy-MM-ddTHH:mm:ssZ'); callsPerMode = $Calls; results = $rows; credentialProcessAlone = $processRows; credentialProcessRatios = $processRatios } | ConvertTo-Json -Depth 5 |
    Set-Content (Join-Path $RepoRoot 'bench/credentials.json')
Write-Host 'Wrote bench/credentials.json'

# The credential process alone as a section of BENCHMARKS.md (replaced on each run, kept before the loading section).
if ($processRows.Count -gt 0) {
    $commit = (& git -C $RepoRoot rev-parse --short HEAD 2>$null)
    $lines = @(
        '## credential_process: the native helper and the pwsh line'
        ''
        "From ``dotnet pwsh bench/Invoke-CredentialBenchmarks.ps1`` (or build.ps1 bench; $((Get-Date).ToUniversalTime().ToString('yyyy-MM-ddTHH:mm:ssZ')), commit $commit, $([Environment]::ProcessorCount) cores, $([System.Runtime.InteropServices.RuntimeInformation]::OSDescription)): the profile's credential_process as botocore splits it, started $Calls times after one unmeasured start (no AWS CLI around it), against the sandbox's Roles Anywhere. Cold empties the per-user cache before each start (one CreateSession each); warm reads it. $(if ($processRatios) { $processRatios.pwshIncludes })."
        ''
        '| process | median ms | min ms | max ms | CreateSession |'
        '|---|---|---|---|---|'
    )
    foreach ($row in $processRows) { $lines += "| $($row.mode) | $($row.medianMs) | $($row.minMs) | $($row.maxMs) | $($row.createSession) |" }
    if ($processRatios) {
        $lines += ''
        $lines += "Warm call $($processRatios.warmOverBareMs) ms over the helper's bare start (goal: within 30 ms); cold call $($processRatios.coldOverBare)x its bare start (goal: <= 4x); the pwsh line is $($processRatios.pwshOverNativeWarm)x slower warm and $($processRatios.pwshOverNativeCold)x slower cold (goal: >= 10x), and on a ReadyToRun pwsh ($($processRatios.readyToRunPwsh)) $($processRatios.readyToRunPwshOverNativeWarm)x and $($processRatios.readyToRunPwshOverNativeCold)x. Through the AWS CLI (``aws sts get-caller-identity``, the CLI's own start included) see ``bench/credentials.json``."
    }
    $section = ($lines -join "`n") + "`n"
    $markdown = Join-Path $RepoRoot 'BENCHMARKS.md'
    $existing = if (Test-Path $markdown) { Get-Content -Raw $markdown } else { "# Benchmarks`n" }
    $start = $existing.IndexOf('## credential_process: the native helper')
    if ($start -ge 0) {
        $end = $existing.IndexOf("`n## ", $start + 3)
        $existing = $existing.Substring(0, $start).TrimEnd() + "`n`n" + $(if ($end -ge 0) { $existing.Substring($end + 1) } else { '' })
    }
    $loading = $existing.IndexOf('## Loading and export')
    $text = if ($loading -ge 0) { $existing.Substring(0, $loading).TrimEnd() + "`n`n" + $section + "`n" + $existing.Substring($loading) } else { $existing.TrimEnd() + "`n`n" + $section }
    Set-Content -Path $markdown -Value $text -NoNewline
    Write-Host 'Wrote the credential_process section of BENCHMARKS.md'
}
