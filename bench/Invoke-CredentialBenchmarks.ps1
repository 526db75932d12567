<#
.SYNOPSIS
    Credentials for other tools: twenty back-to-back `aws sts get-caller-identity` calls against
    moto_server per mode, with the per-call median and the CreateSession calls each mode made.
    Modes: static keys in the environment (the CLI's own floor), the cached credential_process
    (cold: empty cache; warm), the credential server (container endpoint), the refreshed
    credentials file. Writes bench/credentials.json. Figures, never pass/fail.
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

$rows = [System.Collections.Generic.List[object]]::new()
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
    $rows.Add((Measure-Mode 'credential_process, cold (cache emptied before each call)' @('--profile', 'bench') { Remove-Item $cache -Recurse -Force -ErrorAction SilentlyContinue }))
    $rows.Add((Measure-Mode 'credential_process, warm (per-user cache)' @('--profile', 'bench')))

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
[ordered]@{ date = (Get-Date).ToUniversalTime().ToString('yyyy-MM-ddTHH:mm:ssZ'); callsPerMode = $Calls; results = $rows } | ConvertTo-Json -Depth 5 |
    Set-Content (Join-Path $RepoRoot 'bench/credentials.json')
Write-Host 'Wrote bench/credentials.json'
