<#
.SYNOPSIS
    build.ps1 bench: where the module's time goes, against the tools users would use instead.
    Prints figures and ratios, writes bench/results.json and BENCHMARKS.md. Never fails on a number.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $RepoRoot,
    [int] $Repeats = 7,
    [int] $StreamRows = 1000000,
    # Rows for the loading and export benchmark (bench/Invoke-LoadingBenchmarks.ps1).
    [int] $LoadRows = 1000000
)

$ErrorActionPreference = 'Stop'
Import-Module $ModulePath
$results = [ordered]@{}
$pwshCommand = & {
    $exe = [Environment]::ProcessPath
    if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { @($exe, [System.Reflection.Assembly]::GetEntryAssembly().Location) } else { @($exe) }
}

function Measure-Repeated([scriptblock] $Action, [int] $Count = $Repeats, [int] $Warmup = 1) {
    for ($i = 0; $i -lt $Warmup; $i++) { & $Action | Out-Null }
    $samples = for ($i = 0; $i -lt $Count; $i++) {
        $clock = [System.Diagnostics.Stopwatch]::StartNew()
        & $Action | Out-Null
        $clock.Elapsed.TotalMilliseconds
    }
    Get-Summary $samples
}

function Get-Summary([double[]] $Samples) {
    $sorted = @($Samples | Sort-Object)
    [ordered]@{ medianMs = [math]::Round($sorted[[int][math]::Floor($sorted.Count / 2)], 2); minMs = [math]::Round($sorted[0], 2); maxMs = [math]::Round($sorted[-1], 2); samples = $sorted.Count }
}

function Invoke-Pwsh([string] $Command, [string[]] $Pwsh = $pwshCommand) {
    $arguments = @($Pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-Command', $Command)
    & $Pwsh[0] @arguments
    if ($LASTEXITCODE -ne 0) { throw "pwsh -c '$Command' failed ($LASTEXITCODE)" }
}

function Ratio($a, $b) { if ($b -gt 0) { [math]::Round($a / $b, 2) } else { $null } }
function Say([string] $Text) { Write-Host $Text -ForegroundColor Cyan }

# Two PowerShells: the IL-only local tool the repo pins, and a ReadyToRun one as package installs ship it.
$readyToRun = & (Join-Path $PSScriptRoot 'New-ReadyToRunPwsh.ps1') -RepoRoot $RepoRoot
$results.readyToRunPwsh = $readyToRun.Origin
$trivial = Join-Path ([IO.Path]::GetTempPath()) "iamra-bench-trivial-$PID"
$null = New-Item -ItemType Directory -Force $trivial
Set-Content (Join-Path $trivial 'Trivial.psm1') 'function Get-Trivial { 1 }'
Set-Content (Join-Path $trivial 'Trivial.psd1') "@{ RootModule = 'Trivial.psm1'; ModuleVersion = '1.0.0'; FunctionsToExport = @('Get-Trivial') }"

Say '1. Import: pwsh -NoProfile -c "Import-Module RedshiftIamra" against pwsh -NoProfile -c exit and a trivial psd1+psm1 module'
# The three starts take turns, run by run, so that the machine's other work weighs on each alike.
function Measure-Import([string[]] $Pwsh) {
    $commands = [ordered]@{ bare = 'exit'; trivial = "Import-Module '$trivial/Trivial.psd1'"; module = "Import-Module '$ModulePath'" }
    foreach ($c in $commands.Values) { Invoke-Pwsh $c $Pwsh | Out-Null }
    $samples = @{ bare = @(); trivial = @(); module = @() }
    for ($i = 0; $i -lt $Repeats; $i++) {
        foreach ($k in $commands.Keys) {
            $clock = [System.Diagnostics.Stopwatch]::StartNew()
            Invoke-Pwsh $commands[$k] $Pwsh | Out-Null
            $samples[$k] += $clock.Elapsed.TotalMilliseconds
        }
    }
    $bare, $trivialImport, $import = foreach ($k in 'bare', 'trivial', 'module') { Get-Summary $samples[$k] }
    [ordered]@{ barePwsh = $bare; trivialModule = $trivialImport; importModule = $import; addedMs = [math]::Round($import.medianMs - $bare.medianMs, 1)
        vsTrivial = Ratio $import.medianMs $trivialImport.medianMs; goalAddedMs = 150; goalVsTrivial = 1.2 }
}
$results.import = Measure-Import $pwshCommand
$results.importReadyToRun = Measure-Import $readyToRun.Command
Remove-Item $trivial -Recurse -Force
$bare = $results.import.barePwsh
foreach ($k in 'import', 'importReadyToRun') {
    $i = $results[$k]
    Write-Host ("   {0}: bare pwsh {1} ms, trivial module {2} ms, with RedshiftIamra {3} ms: import adds {4} ms (goal < 150 over a ReadyToRun pwsh), {5}x the trivial module's (goal <= 1.2)" -f $(if ($k -eq 'import') { 'local tool (IL)' } else { 'ReadyToRun pwsh' }), $i.barePwsh.medianMs, $i.trivialModule.medianMs, $i.importModule.medianMs, $i.addedMs, $i.vsTrivial)
}

Say 'Starting the sandbox (Roles Anywhere, Redshift, PostgreSQL with TLS)'
$sandbox = Start-RedshiftIamraSandbox -Database -ImportClientCertificate
try {
    $sandbox.AddDatabaseUser('bench_user')
    $thumbprint = $sandbox.ClientCertificate.Thumbprint
    $session = $sandbox.SessionParameters
    $redshift = $sandbox.RedshiftParameters
    $root = $sandbox.TlsCaBundlePath
    $pipeline = {
        Get-IamraCertificate -Thumbprint $thumbprint |
            Get-IamraSession @session -Force |
            Get-RedshiftDbCredential @redshift -ClusterIdentifier $sandbox.ClusterIdentifier -DbUser bench_user -DbName dev -Force |
            Connect-RedshiftIamra -RootCertificatePath $root -NoDefault |
            ForEach-Object { Invoke-RedshiftQuery -Connection $_ 'select 1 as one' -As Scalar; Disconnect-RedshiftIamra $_ }
    }

    Say '2. Cold path in a running session (certificate → session → credential → TLS connection → select 1), against the AWS CLI + psql chain'
    $cold = Measure-Repeated $pipeline
    $configDir = Join-Path $sandbox.WorkingDirectory 'aws'
    $null = New-Item -ItemType Directory -Force $configDir
    $config = Join-Path $configDir 'config'
    Set-IamraAwsProfile -ProfileName bench -Thumbprint $thumbprint @session -ConfigPath $config
    $cli = Get-Command aws -ErrorAction SilentlyContinue
    $psql = Get-Command psql -ErrorAction SilentlyContinue
    $chain = $null
    $honest = $null
    if ($cli -and $psql) {
        $env:AWS_CONFIG_FILE = $config
        $env:AWS_SHARED_CREDENTIALS_FILE = Join-Path $configDir 'none'
        $chainAction = {
            $json = & aws redshift get-cluster-credentials --profile bench --endpoint-url $sandbox.RedshiftEndpoint --ca-bundle $root `
                --cluster-identifier $sandbox.ClusterIdentifier --db-user bench_user --db-name dev --output json | ConvertFrom-Json
            if ($LASTEXITCODE -ne 0) { throw 'aws failed' }
            $env:PGPASSWORD = $json.DbPassword
            & psql "host=127.0.0.1 port=$($sandbox.PostgresPort) dbname=dev user=$($json.DbUser) sslmode=verify-full sslrootcert=$root" -X -A -t -c 'select 1' | Out-Null
            Remove-Item Env:PGPASSWORD
            if ($LASTEXITCODE -ne 0) { throw 'psql failed' }
        }
        $chain = Measure-Repeated $chainAction -Count ([math]::Max(3, [int]($Repeats / 2)))

        # The honest reference: the AWS CLI with static keys in its environment (what the seed's
        # chain costs once its Go credential helper, a few milliseconds, has run) plus psql. It
        # includes the CLI's own start, GetClusterCredentials over HTTPS and psql's TLS login and
        # select 1; it does not include getting the keys (the module's figure does).
        $keys = Get-IamraCertificate -Thumbprint $thumbprint | Get-IamraSession @session
        $region = [regex]::Match((Get-Content -Raw $config), '(?m)^region\s*=\s*(\S+)').Groups[1].Value
        $saved = @{}
        foreach ($name in 'AWS_CONFIG_FILE', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_DEFAULT_REGION') { $saved[$name] = [Environment]::GetEnvironmentVariable($name) }
        try {
            $env:AWS_CONFIG_FILE = Join-Path $configDir 'none'
            $env:AWS_ACCESS_KEY_ID = $keys.AccessKeyId
            $env:AWS_SECRET_ACCESS_KEY = [System.Net.NetworkCredential]::new('', $keys.SecretAccessKey).Password
            $env:AWS_SESSION_TOKEN = [System.Net.NetworkCredential]::new('', $keys.SessionToken).Password
            $env:AWS_DEFAULT_REGION = $region
            $honestAction = {
                $json = & aws redshift get-cluster-credentials --endpoint-url $sandbox.RedshiftEndpoint --ca-bundle $root `
                    --cluster-identifier $sandbox.ClusterIdentifier --db-user bench_user --db-name dev --output json | ConvertFrom-Json
                if ($LASTEXITCODE -ne 0) { throw 'aws failed' }
                $env:PGPASSWORD = $json.DbPassword
                & psql "host=127.0.0.1 port=$($sandbox.PostgresPort) dbname=dev user=$($json.DbUser) sslmode=verify-full sslrootcert=$root" -X -A -t -c 'select 1' | Out-Null
                Remove-Item Env:PGPASSWORD
                if ($LASTEXITCODE -ne 0) { throw 'psql failed' }
            }
            $honest = Measure-Repeated $honestAction -Count ([math]::Max(3, [int]($Repeats / 2)))
        }
        finally {
            foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) }
        }
    }
    $results.coldInSession = [ordered]@{
        module = $cold
        awsCliStaticKeysPlusPsql = $honest
        awsCliStaticKeysPlusPsqlIncludes = 'aws CLI start + GetClusterCredentials (keys in the environment) + psql TLS login + select 1'
        awsCliPlusPsql = $chain
        awsCliPlusPsqlIncludes = 'aws CLI start + this module''s credential_process (a fresh pwsh) + GetClusterCredentials + psql TLS login + select 1'
        speedup = if ($honest) { Ratio $honest.medianMs $cold.medianMs }
        speedupOverCredentialProcessChain = if ($chain) { Ratio $chain.medianMs $cold.medianMs }
        goalMs = 150; goalSpeedup = 3
    }
    Write-Host ("   module {0} ms; AWS CLI (static keys) + psql {1} ms: {2}x faster (goal < 150 ms and 3x); AWS CLI (our credential_process) + psql {3} ms" -f $cold.medianMs, $honest.medianMs, $results.coldInSession.speedup, $chain.medianMs)

    Say '3. Cold path in a fresh process (what a scheduled task pays)'
    $script = @"
Import-Module '$ModulePath'
Get-IamraCertificate -Thumbprint $thumbprint | Get-IamraSession -TrustAnchorArn '$($sandbox.TrustAnchorArn)' -ProfileArn '$($sandbox.ProfileArn)' -RoleArn '$($sandbox.RoleArn)' -RolesAnywhereEndpointUrl '$($sandbox.RolesAnywhereEndpoint)' -CaBundlePath '$root' |
  Get-RedshiftDbCredential -RedshiftEndpointUrl '$($sandbox.RedshiftEndpoint)' -CaBundlePath '$root' -ClusterIdentifier '$($sandbox.ClusterIdentifier)' -DbUser bench_user -DbName dev |
  Connect-RedshiftIamra -RootCertificatePath '$root' | Invoke-RedshiftQuery 'select 1' -As Scalar | Out-Null
"@
    $fresh = Measure-Repeated { Invoke-Pwsh $script } -Count ([math]::Max(3, [int]($Repeats / 2)))
    $results.coldFreshProcess = [ordered]@{ module = $fresh; barePwsh = $bare; awsCliPlusPsql = $chain; aboveBarePwshMs = [math]::Round($fresh.medianMs - $bare.medianMs, 1); goalAboveBareMs = 300 }
    Write-Host ("   local tool (IL): fresh pwsh + pipeline {0} ms = bare pwsh + {1} ms (goal <= 300); AWS CLI + psql {2} ms" -f $fresh.medianMs, $results.coldFreshProcess.aboveBarePwshMs, $chain.medianMs)
    $freshR2r = Measure-Repeated { Invoke-Pwsh $script $readyToRun.Command } -Count ([math]::Max(3, [int]($Repeats / 2)))
    $bareR2r = $results.importReadyToRun.barePwsh
    $results.coldFreshProcessReadyToRun = [ordered]@{ module = $freshR2r; barePwsh = $bareR2r; aboveBarePwshMs = [math]::Round($freshR2r.medianMs - $bareR2r.medianMs, 1)
        timesBarePwsh = Ratio $freshR2r.medianMs $bareR2r.medianMs; goalTimesBare = 3 }
    Write-Host ("   ReadyToRun pwsh: fresh pwsh + pipeline {0} ms = {1}x a bare ReadyToRun pwsh start ({2} ms; goal <= 3x)" -f $freshR2r.medianMs, $results.coldFreshProcessReadyToRun.timesBarePwsh, $bareR2r.medianMs)

    Say '4. Warm path: a new pooled connection + select 1, credentials cached'
    $warmConnection = Get-IamraSession @session -Thumbprint $thumbprint |
        Get-RedshiftDbCredential @redshift -ClusterIdentifier $sandbox.ClusterIdentifier -DbUser bench_user -DbName dev -Force |
        Connect-RedshiftIamra -RootCertificatePath $root -NoDefault
    $callsBefore = $sandbox.CountCalls()
    $warm = Measure-Repeated {
        $db = $warmConnection.OpenConnection()
        $command = $db.CreateCommand(); $command.CommandText = 'select 1'; $null = $command.ExecuteScalar()
        $db.Dispose()
    } -Count 200 -Warmup 20
    $warmCalls = $sandbox.CountCalls() - $callsBefore
    $results.warm = [ordered]@{ module = $warm; apiCalls = $warmCalls; speedupOverCliChain = if ($chain) { Ratio $chain.medianMs $warm.medianMs }; goalMs = 2 }
    Write-Host ("   {0} ms median, {1} API calls; {2}x faster than the CLI chain (goal < 2 ms, 200x)" -f $warm.medianMs, $warmCalls, $results.warm.speedupOverCliChain)
    Disconnect-RedshiftIamra $warmConnection

    Say '5. Fan-in: 64 concurrent Get-RedshiftDbCredential for one identity'
    $before = @{ session = $sandbox.CountCalls('CreateSession'); credential = $sandbox.CountCalls('GetClusterCredentials') }
    $name = "fanin-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
    $clock = [System.Diagnostics.Stopwatch]::StartNew()
    $users = 1..64 | ForEach-Object -ThrottleLimit 64 -Parallel {
        Import-Module $using:ModulePath
        $s = $using:session
        $r = $using:redshift
        Get-IamraSession -Thumbprint $using:thumbprint @s -RoleSessionName $using:name |
            Get-RedshiftDbCredential @r -ClusterIdentifier ($using:sandbox).ClusterIdentifier -DbUser bench_user -DbName dev -DurationSeconds 1200 |
            ForEach-Object DbUser
    }
    $fanMs = $clock.Elapsed.TotalMilliseconds
    $results.fanIn = [ordered]@{ callers = @($users).Count; createSessionCalls = $sandbox.CountCalls('CreateSession') - $before.session; getClusterCredentialsCalls = $sandbox.CountCalls('GetClusterCredentials') - $before.credential; wallMs = [math]::Round($fanMs, 1) }
    Write-Host ("   {0} callers: {1} CreateSession, {2} GetClusterCredentials in {3:N0} ms (goal: one each)" -f $results.fanIn.callers, $results.fanIn.createSessionCalls, $results.fanIn.getClusterCredentialsCalls, $fanMs)

    Say '6. Signing cost per CreateSession signature'
    $benchDll = Join-Path $RepoRoot 'bench/RedshiftIamra.Bench/bin/Release/net10.0/RedshiftIamra.Bench.dll'
    $results.signing = & dotnet $benchDll signing | ConvertFrom-Json
    $results.signing | ForEach-Object { Write-Host ("   {0,-12} {1,8} µs" -f $_.key, $_.medianMicroseconds) }

    Say "7. Result streaming: $($StreamRows.ToString('N0')) rows x 5 columns"
    $sql = "select g as i, g::bigint * 1000 as b, (g / 7.0)::numeric(12,4) as n, 'row ' || g as t, timestamp '2026-01-01' + g * interval '1 second' as ts from generate_series(1, $StreamRows) g"
    $streamConnection = Get-IamraSession @session -Thumbprint $thumbprint |
        Get-RedshiftDbCredential @redshift -ClusterIdentifier $sandbox.ClusterIdentifier -DbUser bench_user -DbName dev -Force |
        Connect-RedshiftIamra -RootCertificatePath $root -NoDefault
    $process = [System.Diagnostics.Process]::GetCurrentProcess()
    $process.Refresh(); $baseline = $process.WorkingSet64
    $peak = $baseline
    $count = 0
    $clock = [System.Diagnostics.Stopwatch]::StartNew()
    Invoke-RedshiftQuery -Connection $streamConnection $sql | ForEach-Object {
        $count++
        if (($count % 50000) -eq 0) { $process.Refresh(); if ($process.WorkingSet64 -gt $peak) { $peak = $process.WorkingSet64 } }
    }
    $moduleSeconds = $clock.Elapsed.TotalSeconds
    $credential = Get-IamraSession @session -Thumbprint $thumbprint | Get-RedshiftDbCredential @redshift -ClusterIdentifier $sandbox.ClusterIdentifier -DbUser bench_user -DbName dev
    $connectionString = ($credential | ConvertTo-RedshiftConnectionString -Format Npgsql -IncludePassword -RootCertificatePath $root)
    $raw = & dotnet $benchDll reader $connectionString $sql | ConvertFrom-Json
    $psqlSeconds = $null
    if ($psql) {
        $env:PGPASSWORD = [System.Net.NetworkCredential]::new('', $credential.DbPassword).Password
        $clock.Restart()
        & psql "host=127.0.0.1 port=$($sandbox.PostgresPort) dbname=dev user=$($credential.DbUser) sslmode=verify-full sslrootcert=$root" -X -A -t -c $sql -o /dev/null
        $psqlSeconds = $clock.Elapsed.TotalSeconds
        Remove-Item Env:PGPASSWORD
    }
    $moduleRate = [math]::Round($count / $moduleSeconds)
    $results.streaming = [ordered]@{
        rows = $count; moduleRowsPerSecond = $moduleRate; rawReaderRowsPerSecond = $raw.rowsPerSecond
        psqlRowsPerSecond = if ($psqlSeconds) { [math]::Round($count / $psqlSeconds) }
        moduleToRawRatio = Ratio $moduleRate $raw.rowsPerSecond; goalRatio = 0.25
        peakWorkingSetMB = [math]::Round($peak / 1MB, 1); baselineWorkingSetMB = [math]::Round($baseline / 1MB, 1)
    }
    Write-Host ("   module {0:N0} rows/s, raw reader {1:N0} rows/s (ratio {2}, goal >= 0.25), psql {3:N0} rows/s; peak working set {4} MB (baseline {5} MB)" -f `
            $moduleRate, $raw.rowsPerSecond, $results.streaming.moduleToRawRatio, $results.streaming.psqlRowsPerSecond, $results.streaming.peakWorkingSetMB, $results.streaming.baselineWorkingSetMB)
    Disconnect-RedshiftIamra $streamConnection

    Say "8. Redshift front overhead: select 1 round trip and $($StreamRows.ToString('N0')) streamed rows, through the front and directly against PostgreSQL"
    # A PostgreSQL role of its own for the direct side (IAM logins only work through the front).
    $directPassword = 'Bench' + [guid]::NewGuid().ToString('N')
    $sandbox.ExecuteSql("create role bench_direct login password '$directPassword'; grant connect on database dev to bench_direct")
    $direct = "Host=127.0.0.1;Port=$($sandbox.BackendPostgresPort);Database=dev;Username=bench_direct;Password=$directPassword;SSL Mode=VerifyFull;Root Certificate=$root;Pooling=false"
    $front = & dotnet $benchDll front $connectionString $direct $StreamRows | ConvertFrom-Json
    $results.front = $front
    Write-Host ("   new connection + select 1: front {0} ms, direct {1} ms (ratio {2})" -f $front.front.connectMilliseconds, $front.direct.connectMilliseconds, $front.connectRatio)
    Write-Host ("   round trip: front {0} µs, direct {1} µs (ratio {2}); streaming: front {3:N0} rows/s, direct {4:N0} rows/s (ratio {5}; aim: overhead < 10 %)" -f `
            $front.front.roundTripMicroseconds, $front.direct.roundTripMicroseconds, $front.roundTripRatio, $front.front.rowsPerSecond, $front.direct.rowsPerSecond, $front.streamingRatio)
} finally {
    Remove-Item Env:AWS_CONFIG_FILE, Env:AWS_SHARED_CREDENTIALS_FILE -ErrorAction SilentlyContinue
    Stop-RedshiftIamraSandbox
}

$commit = (& git -C $RepoRoot rev-parse --short HEAD 2>$null) ?? 'unknown'
$memory = [math]::Round([GC]::GetGCMemoryInfo().TotalAvailableMemoryBytes / 1GB)
$cpu = if (Test-Path /proc/cpuinfo) { (Get-Content /proc/cpuinfo | Select-String '^model name\s*:\s*(.*)$' | Select-Object -First 1).Matches[0].Groups[1].Value } else { $env:PROCESSOR_IDENTIFIER }
$machine = "$cpu, $([Environment]::ProcessorCount) cores, $memory GiB, $([System.Runtime.InteropServices.RuntimeInformation]::OSDescription)"
$document = [ordered]@{ date = (Get-Date).ToUniversalTime().ToString('yyyy-MM-ddTHH:mm:ssZ'); commit = $commit; machine = $machine; pwsh = $PSVersionTable.PSVersion.ToString(); command = 'dotnet pwsh ./build.ps1 bench'; results = $results }
$document | ConvertTo-Json -Depth 8 | Set-Content (Join-Path $RepoRoot 'bench/results.json')

$r = $results
$md = @"
# Benchmarks

Figures from ``dotnet pwsh ./build.ps1 bench`` (Release build, local sandbox with a real PostgreSQL over TLS).
Medians of repeated runs after a warm-up; they are measurements, not pass/fail tests.

- Date: $($document.date)
- Commit: $commit
- Machine: $machine
- PowerShell: $($document.pwsh): the local tool the repo pins (IL only), and $($r.readyToRunPwsh)

| # | measurement | RedshiftIamra | reference | ratio | goal |
|---|---|---|---|---|---|
| 1 | import (added to ``pwsh -c exit``), local tool (IL) | $($r.import.addedMs) ms ($($r.import.importModule.medianMs) ms total) | bare pwsh $($r.import.barePwsh.medianMs) ms; trivial psd1+psm1 module $($r.import.trivialModule.medianMs) ms | $($r.import.vsTrivial)x the trivial module | |
| 1b | import, ReadyToRun pwsh | $($r.importReadyToRun.addedMs) ms ($($r.importReadyToRun.importModule.medianMs) ms total) | bare ReadyToRun pwsh $($r.importReadyToRun.barePwsh.medianMs) ms; trivial module $($r.importReadyToRun.trivialModule.medianMs) ms | $($r.importReadyToRun.vsTrivial)x the trivial module | <= 150 ms added, <= 1.2x |
| 2 | cold path in a running session: certificate → session → credential → TLS connection → ``select 1`` | $($r.coldInSession.module.medianMs) ms | AWS CLI ``get-cluster-credentials`` with static keys in the environment + psql (CLI start, the call, TLS login, select 1): $($r.coldInSession.awsCliStaticKeysPlusPsql.medianMs) ms; with our pwsh credential_process: $($r.coldInSession.awsCliPlusPsql.medianMs) ms | $($r.coldInSession.speedup)x faster than the static-keys chain | < 150 ms, >= 3x |
| 3 | cold path in a fresh process, local tool (IL) | $($r.coldFreshProcess.module.medianMs) ms (bare pwsh + $($r.coldFreshProcess.aboveBarePwshMs) ms) | AWS CLI + psql $($r.coldFreshProcess.awsCliPlusPsql.medianMs) ms | | |
| 3b | cold path in a fresh process, ReadyToRun pwsh | $($r.coldFreshProcessReadyToRun.module.medianMs) ms (bare + $($r.coldFreshProcessReadyToRun.aboveBarePwshMs) ms) | bare ReadyToRun pwsh $($r.coldFreshProcessReadyToRun.barePwsh.medianMs) ms | $($r.coldFreshProcessReadyToRun.timesBarePwsh)x the bare start | <= 3x |
| 4 | warm path: new pooled connection + ``select 1`` | $($r.warm.module.medianMs) ms, $($r.warm.apiCalls) API calls | CLI chain $($r.coldInSession.awsCliPlusPsql.medianMs) ms | $($r.warm.speedupOverCliChain)x faster | < 2 ms, 0 calls |
| 5 | fan-in: 64 concurrent ``Get-RedshiftDbCredential`` | $($r.fanIn.createSessionCalls) CreateSession, $($r.fanIn.getClusterCredentialsCalls) GetClusterCredentials, $($r.fanIn.wallMs) ms | | | one call each |
| 6 | signing (µs per CreateSession signature) | $(($r.signing | ForEach-Object { "$($_.key) $($_.medianMicroseconds)" }) -join '; ') | | | |
| 7 | streaming $($r.streaming.rows) rows x 5 columns to PSObjects | $($r.streaming.moduleRowsPerSecond) rows/s, peak working set $($r.streaming.peakWorkingSetMB) MB | raw NpgsqlDataReader $($r.streaming.rawReaderRowsPerSecond) rows/s; psql $($r.streaming.psqlRowsPerSecond) rows/s | $($r.streaming.moduleToRawRatio) of raw | >= 0.25 of raw |
| 8 | Redshift front overhead (Npgsql, same queries) | through the front: connect + ``select 1`` $($r.front.front.connectMilliseconds) ms, ``select 1`` $($r.front.front.roundTripMicroseconds) µs, $($r.front.front.rowsPerSecond) rows/s | directly against PostgreSQL: $($r.front.direct.connectMilliseconds) ms, $($r.front.direct.roundTripMicroseconds) µs, $($r.front.direct.rowsPerSecond) rows/s | connect x$($r.front.connectRatio), round trip x$($r.front.roundTripRatio), streaming x$($r.front.streamingRatio) | overhead < 10 % |

Reproduce: ``dotnet tool restore && dotnet pwsh ./build.ps1 bench`` (writes ``bench/results.json`` and this file).
"@
Set-Content -Path (Join-Path $RepoRoot 'BENCHMARKS.md') -Value $md
Write-Host "Wrote bench/results.json and BENCHMARKS.md"

Say '8. Credentials for other tools: 20 back-to-back aws sts get-caller-identity per mode (bench/credentials.json)'
& (Join-Path $PSScriptRoot 'Invoke-CredentialBenchmarks.ps1') -ModulePath $ModulePath -RepoRoot $RepoRoot

Say "9. Loading and export: $($LoadRows.ToString('N0')) rows x 10 columns by the direct and staged paths, a hand-written Npgsql loop and psql \copy (bench/loading.json)"
& (Join-Path $PSScriptRoot 'Invoke-LoadingBenchmarks.ps1') -ModulePath $ModulePath -RepoRoot $RepoRoot -Rows $LoadRows
