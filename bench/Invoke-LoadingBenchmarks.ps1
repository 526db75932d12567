<#
.SYNOPSIS
    Loading and export: N rows x 10 mixed columns (int, bigint, numeric, double, two varchar, boolean,
    date, timestamp, a short varchar; one column 10 % NULL) from one CSV file into the sandbox, by

      - Write-RedshiftTable -Method Direct   (the module: CSV read and typed, batched INSERTs through the Redshift front)
      - Write-RedshiftTable -Method Staged   (the module: CSV read and typed, gzip CSV parts to the sandbox's S3,
                                              COPY ... MANIFEST run by the front, staged objects deleted)
      - a hand-written Npgsql loop           (C#: split each line, 1,000-row parameterised INSERTs in one transaction,
                                              through the front; what a user writes without the module)
      - psql \copy ... from                  (PostgreSQL's own COPY FROM STDIN, straight to the sandbox's PostgreSQL,
                                              no front: the floor of what the database can take)

    and the rows back out to a local CSV file by Export-RedshiftQuery (streamed, and by UNLOAD through
    S3) against psql \copy (select ...) to (PostgreSQL directly). Each measurement runs in a process of its
    own, timed inside it around the work only (no process start, import or login), and reports that
    process's peak working set (pwsh's own baseline included for the module; psql's by /usr/bin/time).
    The sandbox (front, S3, the COPY/UNLOAD handler) runs in this process, not in the measured ones.
    The check line counts rows, non-NULL notes and the sum of ids per table: the module reads an empty
    CSV field of a VARCHAR column as an empty string (as Redshift's COPY does without EMPTYASNULL), while
    psql's CSV (and the hand-written loop) take it as NULL, so their note counts differ by the NULL rows.
    Then COPY from the sandbox's S3 through the Redshift front (psql sends the statement; the sandbox
    reads the object, checks each field and feeds PostgreSQL's COPY FROM STDIN): the same CSV file,
    gzip, against psql \copy ... from program 'gzip -dc' of that file straight to PostgreSQL (the
    physical limit here: PostgreSQL's own COPY of the same bytes, decompression included); and the
    rows UNLOADed as Parquet and loaded back by COPY ... FORMAT AS PARQUET.
    Writes bench/loading.json. Figures, never pass/fail.

    Run alone: dotnet pwsh bench/Invoke-LoadingBenchmarks.ps1 -ModulePath out/RedshiftIamra/<version>/RedshiftIamra.psd1 -RepoRoot . -Rows 200000
    Only the front's COPY/UNLOAD section (keeps the other figures in loading.json and BENCHMARKS.md): add -Section FrontCopy
    Only the memory sweep (direct, staged and streamed export at Rows/100, Rows/10 and Rows rows): add -Section Memory
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $RepoRoot,
    [ValidateRange(1000, 100000000)] [int] $Rows = 1000000,
    # All: every section; FrontCopy: only COPY/UNLOAD through the front; Memory: only the memory sweep
    # (the other figures stay as recorded).
    [ValidateSet('All', 'FrontCopy', 'Memory')] [string] $Section = 'All'
)

$ErrorActionPreference = 'Stop'
$ModulePath = (Resolve-Path $ModulePath).Path
$RepoRoot = (Resolve-Path $RepoRoot).Path
Import-Module $ModulePath
foreach ($tool in 'psql', 'dotnet') { if (-not (Get-Command $tool -ErrorAction SilentlyContinue)) { throw "$tool is not on PATH: the loading benchmark needs it." } }
$benchDll = Join-Path $RepoRoot 'bench/RedshiftIamra.Bench/bin/Release/net10.0/RedshiftIamra.Bench.dll'
if (-not (Test-Path $benchDll)) { throw "Build bench/RedshiftIamra.Bench in Release first (build.ps1 bench does)." }
$pwshCommand = & {
    $exe = [Environment]::ProcessPath
    if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { @($exe, [System.Reflection.Assembly]::GetEntryAssembly().Location) } else { @($exe) }
}
function Say([string] $Text) { Write-Host $Text -ForegroundColor Cyan }
function Ratio($a, $b) { if ($a -and $b) { [math]::Round($a / $b, 2) } else { $null } }

$work = Join-Path ([IO.Path]::GetTempPath()) "iamra-loadbench-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
$null = New-Item -ItemType Directory $work
$sandbox = Start-RedshiftIamraSandbox -Database -ImportClientCertificate
$results = [ordered]@{ rows = $Rows; columns = 10 }
try {
    $sandbox.AddDatabaseUser('bench_loader')
    $sandbox.ExecuteSql('grant create on schema public to "IAM:bench_loader"')
    $directPassword = 'Bench' + [guid]::NewGuid().ToString('N')
    $sandbox.ExecuteSql("create role bench_direct login password '$directPassword'; grant connect on database dev to bench_direct; grant create on schema public to bench_direct")
    $root = $sandbox.TlsCaBundlePath
    $directConnection = "host=127.0.0.1 port=$($sandbox.BackendPostgresPort) dbname=dev user=bench_direct sslmode=verify-full sslrootcert=$root"
    function Invoke-DirectPsql([string] $Command, [switch] $Measure) {
        $env:PGPASSWORD = $directPassword
        try {
            $memoryFile = Join-Path $work 'psql-time.txt'
            $clock = [System.Diagnostics.Stopwatch]::StartNew()
            if ($Measure -and (Test-Path /usr/bin/time)) {
                & /usr/bin/time -f '%M' -o $memoryFile psql $directConnection -X -v ON_ERROR_STOP=1 -q -c $Command | Out-Null
            } else {
                & psql $directConnection -X -v ON_ERROR_STOP=1 -q -c $Command | Out-Null
            }
            $seconds = $clock.Elapsed.TotalSeconds
            if ($LASTEXITCODE -ne 0) { throw "psql failed: $Command" }
            $peak = if ($Measure -and (Test-Path $memoryFile)) { [math]::Round([double](Get-Content $memoryFile | Select-Object -Last 1) / 1024, 1) }
            [pscustomobject]@{ seconds = [math]::Round($seconds, 3); peakWorkingSetMB = $peak }
        } finally { Remove-Item Env:PGPASSWORD -ErrorAction SilentlyContinue }
    }
    $columns = 'id int not null, qty bigint, price numeric(12,3), ratio double precision, name varchar(40), note varchar(40), flag boolean, day date, at timestamp, code varchar(10)'
    function New-BenchTable([string] $Name) {
        $sandbox.ExecuteSql("drop table if exists public.$Name; create table public.$Name ($columns); grant all on public.$Name to ""IAM:bench_loader"", bench_direct")
    }

    Say "Loading benchmark: $($Rows.ToString('N0')) rows x 10 columns"
    $csv = Join-Path $work 'data.csv'
    $generate = "select g as id, g::bigint * 1000003 as qty, (g % 100000) / 8.0 as price, g / 3.0::float8 as ratio, 'name ' || g as name, " +
        "case when g % 10 = 0 then null else 'note number ' || (g % 977) end as note, g % 2 = 0 as flag, date '2020-01-01' + (g % 3650) as day, " +
        "timestamp '2026-01-01' + g * interval '1 second' as at, 'c' || (g % 50) as code from generate_series(1, $Rows) g"
    $null = Invoke-DirectPsql "\copy ($generate) to '$csv' with (format csv, header)"
    $csvMB = [math]::Round((Get-Item $csv).Length / 1MB, 1)
    Write-Host "   data: $csv, $csvMB MB"

    # The module, measured in a fresh pwsh: connect first, then time the one cmdlet.
    $certificate = $sandbox.ClientCertificate.Thumbprint
    $spec = @{
        module = $ModulePath; thumbprint = $certificate; session = $sandbox.SessionParameters; redshift = $sandbox.RedshiftParameters
        cluster = $sandbox.ClusterIdentifier; root = $root
        staging = @{ StagingBucket = $sandbox.StagingBucket; StagingPrefix = 'bench/'; CopyRoleArn = $sandbox.CopyRoleArn; S3EndpointUrl = $sandbox.S3Endpoint }
    }
    $specPath = Join-Path $work 'spec.json'
    $spec | ConvertTo-Json -Depth 5 | Set-Content $specPath
    $childPath = Join-Path $work 'child.ps1'
    Set-Content $childPath -Value @'
param([string] $SpecPath, [string] $Work)
$ErrorActionPreference = 'Stop'
$spec = Get-Content -Raw $SpecPath | ConvertFrom-Json -AsHashtable
Import-Module $spec.module
$session = $spec.session; $redshift = $spec.redshift; $staging = $spec.staging
$conn = Get-IamraCertificate -Thumbprint $spec.thumbprint | Get-IamraSession @session |
    Get-RedshiftDbCredential @redshift -ClusterIdentifier $spec.cluster -DbUser bench_loader -DbName dev |
    Connect-RedshiftIamra -RootCertificatePath $spec.root
$action = [scriptblock]::Create($env:BENCH_ACTION)
[GC]::Collect()
$self = [System.Diagnostics.Process]::GetCurrentProcess()
$self.Refresh(); $before = $self.WorkingSet64
$clock = [System.Diagnostics.Stopwatch]::StartNew()
$result = & $action
$seconds = $clock.Elapsed.TotalSeconds
$self.Refresh()
[pscustomobject]@{ seconds = [math]::Round($seconds, 3); rows = $result.Rows; method = "$($result.Method)"; parts = $(if ($result.PSObject.Properties['Parts']) { $result.Parts } else { $result.Files.Count })
    workingSetBeforeMB = [math]::Round($before / 1MB, 1); peakWorkingSetMB = [math]::Round($self.PeakWorkingSet64 / 1MB, 1) } | ConvertTo-Json -Compress
'@
    function Invoke-ModuleChild([string] $Action) {
        $env:BENCH_ACTION = $Action
        try {
            $arguments = @($pwshCommand | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-File', $childPath, $specPath, $work)
            $output = & $pwshCommand[0] @arguments
            if ($LASTEXITCODE -ne 0) { throw "the measured pwsh failed: $output" }
            ($output | Select-Object -Last 1) | ConvertFrom-Json
        } finally { Remove-Item Env:BENCH_ACTION -ErrorAction SilentlyContinue }
    }
    function Show([string] $Name, $Result, [long] $Count) {
        $rate = [math]::Round($Count / $Result.seconds)
        $Result | Add-Member -NotePropertyName rowsPerSecond -NotePropertyValue $rate -Force
        Write-Host ("   {0,-44} {1,9:N1} s {2,10:N0} rows/s   peak working set {3,7} MB" -f $Name, $Result.seconds, $rate, $Result.peakWorkingSetMB)
        $Result
    }

    if ($Section -eq 'All') {
    Say '1. Load'
    New-BenchTable 'bench_direct_path'
    $load = [ordered]@{}
    $load.moduleDirect = Show 'Write-RedshiftTable -Method Direct' (Invoke-ModuleChild "Write-RedshiftTable -Table bench_direct_path -Path '$csv' -Method Direct -PassThru") $Rows
    New-BenchTable 'bench_staged_path'
    $load.moduleStaged = Show 'Write-RedshiftTable -Method Staged' (Invoke-ModuleChild "Write-RedshiftTable -Table bench_staged_path -Path '$csv' -Method Staged @staging -PassThru") $Rows
    New-BenchTable 'bench_npgsql_loop'
    $sessionParameters = $sandbox.SessionParameters
    $redshiftParameters = $sandbox.RedshiftParameters
    $credential = Get-IamraCertificate -Thumbprint $certificate | Get-IamraSession @sessionParameters |
        Get-RedshiftDbCredential @redshiftParameters -ClusterIdentifier $sandbox.ClusterIdentifier -DbUser bench_loader -DbName dev
    $npgsql = $credential | ConvertTo-RedshiftConnectionString -Format Npgsql -IncludePassword -RootCertificatePath $root
    $loop = & dotnet $benchDll insert $npgsql 'public.bench_npgsql_loop' $csv 1000 | ConvertFrom-Json
    $load.npgsqlInsertLoop = Show 'Npgsql 1,000-row INSERT loop (by hand)' $loop $Rows
    New-BenchTable 'bench_psql_copy'
    $load.psqlCopy = Show 'psql \copy from (PostgreSQL, no front)' (Invoke-DirectPsql "\copy public.bench_psql_copy from '$csv' with (format csv, header)" -Measure) $Rows
    $counts = foreach ($t in 'bench_direct_path', 'bench_staged_path', 'bench_npgsql_loop', 'bench_psql_copy') {
        $env:PGPASSWORD = $directPassword
        "$t=" + (& psql $directConnection -X -A -t -c "select count(*) || '/' || count(note) || '/' || sum(id) from public.$t")
    }
    Remove-Item Env:PGPASSWORD
    Write-Host "   check (rows/non-null notes/sum of ids): $($counts -join '  ')"
    $load.check = $counts

    Say '2. Export to a local CSV'
    $export = [ordered]@{}
    $query = 'select * from public.bench_direct_path'
    $export.moduleStream = Show 'Export-RedshiftQuery (stream)' (Invoke-ModuleChild "Export-RedshiftQuery '$query' -Path '$(Join-Path $work 'stream.csv')' -ExportMethod Stream -PassThru") $Rows
    $export.moduleUnload = Show 'Export-RedshiftQuery -ExportMethod Unload' (Invoke-ModuleChild "Export-RedshiftQuery '$query' -Path '$(Join-Path $work 'unload.csv')' -ExportMethod Unload @staging -PassThru") $Rows
    $export.psqlCopy = Show 'psql \copy (select ...) to (PostgreSQL, no front)' (Invoke-DirectPsql "\copy ($query) to '$(Join-Path $work 'psql.csv')' with (format csv, header)" -Measure) $Rows

    $results.load = $load
    $results.export = $export
    $results.dataMB = $csvMB
    Say 'Side by side (rows/s; ratio = this / psql \copy)'
    $table = @(
        foreach ($k in 'moduleDirect', 'moduleStaged', 'npgsqlInsertLoop', 'psqlCopy') { [pscustomobject]@{ Work = 'load'; Method = $k; RowsPerSecond = $load[$k].rowsPerSecond; Seconds = $load[$k].seconds; PeakMB = $load[$k].peakWorkingSetMB; VsPsql = Ratio $load[$k].rowsPerSecond $load.psqlCopy.rowsPerSecond; VsNpgsqlLoop = Ratio $load[$k].rowsPerSecond $load.npgsqlInsertLoop.rowsPerSecond } }
        foreach ($k in 'moduleStream', 'moduleUnload', 'psqlCopy') { [pscustomobject]@{ Work = 'export'; Method = $k; RowsPerSecond = $export[$k].rowsPerSecond; Seconds = $export[$k].seconds; PeakMB = $export[$k].peakWorkingSetMB; VsPsql = Ratio $export[$k].rowsPerSecond $export.psqlCopy.rowsPerSecond; VsNpgsqlLoop = $null } }
    )
    $table | Format-Table -AutoSize | Out-String | Write-Host
    $results.table = $table
    }

    if ($Section -in 'All', 'FrontCopy') {
        Say '3. COPY from the sandbox S3 through the front (psql sends the statement; gzip CSV and Parquet)'
        $front = [ordered]@{}
        # Other work on the machine moves every figure here; the 1-minute load average at the start is recorded with them.
        $front.loadAverage = if (Test-Path /proc/loadavg) { [double]((Get-Content /proc/loadavg) -split ' ')[0] } else { $null }
        $gz = Join-Path $work 'data.csv.gz'
        $source = [IO.File]::OpenRead($csv)
        $target = [IO.File]::Create($gz)
        $zip = [IO.Compression.GZipStream]::new($target, [IO.Compression.CompressionLevel]::Fastest)
        try { $source.CopyTo($zip) } finally { $zip.Dispose(); $target.Dispose(); $source.Dispose() }
        $upload = [IO.File]::OpenRead($gz)
        try { $null = $sandbox.S3.PutAsync($sandbox.StagingBucket, 'bench-front/csv/data.csv.gz', $upload, [DateTimeOffset]::UtcNow, $null, [Threading.CancellationToken]::None).GetAwaiter().GetResult() } finally { $upload.Dispose() }
        $frontUser = 'IAM:bench_loader'
        $frontSession = $sandbox.SessionParameters
        $frontRedshift = $sandbox.RedshiftParameters
        $frontCredential = Get-IamraCertificate -Thumbprint $certificate | Get-IamraSession @frontSession |
            Get-RedshiftDbCredential @frontRedshift -ClusterIdentifier $sandbox.ClusterIdentifier -DbUser bench_loader -DbName dev
        $frontPassword = ConvertFrom-SecureString $frontCredential.DbPassword -AsPlainText
        $frontConnection = "host=127.0.0.1 port=$($sandbox.PostgresPort) dbname=dev user=$frontUser sslmode=verify-full sslrootcert=$root"
        function Invoke-FrontPsql([string] $Command) {
            $env:PGPASSWORD = $frontPassword
            try {
                $memoryFile = Join-Path $work 'psql-front-time.txt'
                $clock = [System.Diagnostics.Stopwatch]::StartNew()
                $output = if (Test-Path /usr/bin/time) { & /usr/bin/time -f '%M' -o $memoryFile psql $frontConnection -X -v ON_ERROR_STOP=1 -q -c $Command 2>&1 } else { & psql $frontConnection -X -v ON_ERROR_STOP=1 -q -c $Command 2>&1 }
                $seconds = $clock.Elapsed.TotalSeconds
                if ($LASTEXITCODE -ne 0) { throw "psql through the front failed: $Command $output" }
                [pscustomobject]@{ seconds = [math]::Round($seconds, 3); peakWorkingSetMB = $null }
            } finally { Remove-Item Env:PGPASSWORD -ErrorAction SilentlyContinue }
        }
        New-BenchTable 'bench_front_csv'
        $front.copyCsvGzip = Show 'COPY ... CSV GZIP from S3 through the front' (Invoke-FrontPsql "copy public.bench_front_csv from 's3://$($sandbox.StagingBucket)/bench-front/csv/' iam_role default csv gzip ignoreheader 1") $Rows
        New-BenchTable 'bench_front_reference'
        $front.psqlCopyGzip = Show 'psql \copy from program gzip -dc (no front)' (Invoke-DirectPsql "\copy public.bench_front_reference from program 'gzip -dc $gz' with (format csv, header)" -Measure) $Rows
        $front.unloadParquet = Show 'UNLOAD ... FORMAT AS PARQUET through the front' (Invoke-FrontPsql "unload ('select * from public.bench_front_csv') to 's3://$($sandbox.StagingBucket)/bench-front/parquet/part_' iam_role default format as parquet allowoverwrite") $Rows
        New-BenchTable 'bench_front_parquet'
        $front.copyParquet = Show 'COPY ... FORMAT AS PARQUET through the front' (Invoke-FrontPsql "copy public.bench_front_parquet from 's3://$($sandbox.StagingBucket)/bench-front/parquet/' iam_role default format as parquet") $Rows
        $front.check = foreach ($t in 'bench_front_csv', 'bench_front_reference', 'bench_front_parquet') {
            $env:PGPASSWORD = $directPassword
            "$t=" + (& psql $directConnection -X -A -t -c "select count(*) || '/' || count(note) || '/' || sum(id) from public.$t")
        }
        Remove-Item Env:PGPASSWORD
        Write-Host "   check (rows/non-null notes/sum of ids): $($front.check -join '  ')"
        $front.gzipMB = [math]::Round((Get-Item $gz).Length / 1MB, 1)
        $frontTable = @(
            foreach ($k in 'copyCsvGzip', 'psqlCopyGzip', 'unloadParquet', 'copyParquet') { [pscustomobject]@{ Work = 'front'; Method = $k; RowsPerSecond = $front[$k].rowsPerSecond; Seconds = $front[$k].seconds; VsPsql = Ratio $front[$k].rowsPerSecond $front.psqlCopyGzip.rowsPerSecond } }
        )
        $frontTable | Format-Table -AutoSize | Out-String | Write-Host
        $front.table = $frontTable
        $results.frontCopy = $front
    }

    if ($Section -in 'All', 'Memory') {
        Say '4. Memory at several row counts (each run in a pwsh of its own; module share = peak working set - working set after connecting)'
        $memoryRows = @(@([int]($Rows / 100), [int]($Rows / 10), $Rows) | Where-Object { $_ -ge 1000 } | Select-Object -Unique)
        $memoryTable = foreach ($n in $memoryRows) {
            $file = $csv
            if ($n -ne $Rows) {
                $file = Join-Path $work "data-$n.csv"
                [IO.File]::WriteAllLines($file, [Linq.Enumerable]::Take([IO.File]::ReadLines($csv), $n + 1))
            }
            New-BenchTable 'bench_memory'
            $runs = [ordered]@{}
            $runs.direct = Invoke-ModuleChild "Write-RedshiftTable -Table bench_memory -Path '$file' -Method Direct -PassThru"
            New-BenchTable 'bench_memory'
            $runs.staged = Invoke-ModuleChild "Write-RedshiftTable -Table bench_memory -Path '$file' -Method Staged @staging -PassThru"
            $runs.exportStream = Invoke-ModuleChild "Export-RedshiftQuery 'select * from public.bench_memory' -Path '$(Join-Path $work "memory-$n.csv")' -ExportMethod Stream -PassThru"
            foreach ($k in $runs.Keys) {
                $r = $runs[$k]
                [pscustomobject]@{ Rows = $n; Method = $k; BeforeMB = $r.workingSetBeforeMB; PeakMB = $r.peakWorkingSetMB; ModuleMB = [math]::Round($r.peakWorkingSetMB - $r.workingSetBeforeMB, 1); Seconds = $r.seconds }
            }
        }
        $memoryTable | Format-Table -AutoSize | Out-String | Write-Host
        $results.memory = [ordered]@{ table = @($memoryTable) }
    }
} finally {
    Stop-RedshiftIamraSandbox
    Remove-Item $work -Recurse -Force -ErrorAction SilentlyContinue
}

$commit = (& git -C $RepoRoot rev-parse --short HEAD 2>$null) ?? 'unknown'
$machine = "$([Environment]::ProcessorCount) cores, $([System.Runtime.InteropServices.RuntimeInformation]::OSDescription)"
$date = (Get-Date).ToUniversalTime().ToString('yyyy-MM-ddTHH:mm:ssZ')
$jsonPath = Join-Path $RepoRoot 'bench/loading.json'
$markdown = Join-Path $RepoRoot 'BENCHMARKS.md'
$command = "dotnet pwsh bench/Invoke-LoadingBenchmarks.ps1 -Rows $Rows$(if ($Section -ne 'All') { " -Section $Section" } else { ' (or build.ps1 bench)' })"

# Replaces (or appends) one "## " section of BENCHMARKS.md; the other sections stay as they are.
function Set-BenchmarkSection([string] $Heading, [string[]] $Lines) {
    $existing = if (Test-Path $markdown) { Get-Content -Raw $markdown } else { "# Benchmarks`n" }
    $start = $existing.IndexOf("## $Heading")
    if ($start -ge 0) {
        $next = $existing.IndexOf("`n## ", $start + 3)
        $existing = $existing.Substring(0, $start).TrimEnd() + $(if ($next -ge 0) { "`n`n" + $existing.Substring($next + 1) } else { '' })
    }
    Set-Content -Path $markdown -Value ($existing.TrimEnd() + "`n`n" + (@("## $Heading", '') + $Lines -join "`n") + "`n") -NoNewline
}
foreach ($part in 'frontCopy', 'memory') {
    if ($results.Contains($part)) {
        $results[$part].rows = $Rows; $results[$part].date = $date; $results[$part].commit = $commit; $results[$part].command = $command
    }
}
if ($Section -eq 'All') {
    $document = [ordered]@{ date = $date; commit = $commit; machine = $machine; command = $command; results = $results }
} else {
    # One section: the other recorded figures stay as they are.
    $document = Get-Content -Raw $jsonPath | ConvertFrom-Json -AsHashtable
    $part = @{ FrontCopy = 'frontCopy'; Memory = 'memory' }[$Section]
    $document.results[$part] = $results[$part]
}
$document | ConvertTo-Json -Depth 8 | Set-Content $jsonPath

if ($Section -eq 'All') {
    $what = @{
        'load moduleDirect'     = 'Write-RedshiftTable -Path -Method Direct: CSV read and typed in pwsh, batched INSERTs through the front, one transaction'
        'load moduleStaged'     = 'Write-RedshiftTable -Path -Method Staged: CSV read and typed, gzip parts to the sandbox S3, COPY ... MANIFEST by the front (the sandbox, in another process, reads S3 and feeds PostgreSQL), clean-up'
        'load npgsqlInsertLoop' = 'hand-written C# Npgsql loop: split lines, 1,000-row parameterised INSERTs through the front, one transaction'
        'load psqlCopy'         = 'psql \copy from: PostgreSQL''s COPY FROM STDIN straight to the sandbox''s PostgreSQL (no front, no types checked by the client)'
        'export moduleStream'   = 'Export-RedshiftQuery -ExportMethod Stream: rows through the front into one CSV file'
        'export moduleUnload'   = 'Export-RedshiftQuery -ExportMethod Unload: UNLOAD by the front to the sandbox S3, download, join into one CSV, clean-up'
        'export psqlCopy'       = 'psql \copy (select ...) to: PostgreSQL''s COPY TO STDOUT straight from the sandbox''s PostgreSQL (no front)'
    }
    $lines = @(
        "From ``$command`` ($date, commit $commit, $machine): $($Rows.ToString('N0')) rows x 10 columns, a $($results.dataMB) MB CSV file. Each measurement in a process of its own, timed around the work only; peak working set of that process (pwsh's own baseline included for the module)."
        ''
        '| work | method | what it includes | rows/s | seconds | peak working set | vs psql \copy | vs Npgsql loop |'
        '|---|---|---|---|---|---|---|---|'
    )
    foreach ($row in $results.table) {
        $lines += "| $($row.Work) | $($row.Method) | $($what["$($row.Work) $($row.Method)"]) | $('{0:N0}' -f $row.RowsPerSecond) | $($row.Seconds) | $($row.PeakMB) MB | $($row.VsPsql) | $($row.VsNpgsqlLoop) |"
    }
    Set-BenchmarkSection 'Loading and export' $lines
}
if ($results.Contains('frontCopy')) {
    $frontWhat = @{
        copyCsvGzip   = 'COPY ... CSV GZIP IGNOREHEADER 1 from the sandbox S3 through the front: the sandbox reads the object from disk, gunzips, splits and checks every field as Redshift does, and feeds PostgreSQL''s COPY FROM STDIN inside the client''s transaction'
        psqlCopyGzip  = 'psql \copy from program ''gzip -dc'' of the same file straight to the sandbox''s PostgreSQL (no front, no S3, no field checks): the physical limit here'
        unloadParquet = 'UNLOAD ... FORMAT AS PARQUET through the front: the query''s rows as text from PostgreSQL, typed into Parquet columns (Snappy), one file into the sandbox S3'
        copyParquet   = 'COPY ... FORMAT AS PARQUET from those files through the front: Parquet columns read, checked and fed to COPY FROM STDIN'
    }
    $frontLines = @(
        "From ``$command`` ($date, commit $commit, $machine): $($Rows.ToString('N0')) rows x 10 columns, the loading benchmark's CSV file gzip-compressed ($($results.frontCopy.gzipMB) MB). 1-minute load average $($results.frontCopy.loadAverage) at the start (the ratios hold better than the rates when the machine is shared). psql sends each statement; the time is psql's wall clock (the work is in the sandbox's process and PostgreSQL). Ratio = rows/s of this / rows/s of psql \copy of the same gzip file."
        ''
        '| method | what it includes | rows/s | seconds | vs psql \copy |'
        '|---|---|---|---|---|'
    )
    foreach ($row in $results.frontCopy.table) {
        $frontLines += "| $($row.Method) | $($frontWhat[$row.Method]) | $('{0:N0}' -f $row.RowsPerSecond) | $($row.Seconds) | $($row.VsPsql) |"
    }
    Set-BenchmarkSection 'COPY and UNLOAD through the front' $frontLines
}
if ($results.Contains('memory')) {
    $l3 = (& lscpu 2>$null | Select-String '^L3 cache:\s*(.+)$' | ForEach-Object { $_.Matches[0].Groups[1].Value.Trim() }) ?? 'unknown'
    $memoryLines = @(
        "From ``$command`` ($date, commit $commit, $machine): the same CSV file cut to each row count. Each run in a pwsh of its own: working set after import, login and connect (before), the process's peak working set (peak), and the module's share = peak - before. Bounded means the share does not grow with the row count. Most of the share is the garbage collector's allocation budget (gen0), which .NET sizes from the processor's cache (L3 $l3 here); `DOTNET_GCgen0size` lowers it."
        ''
        '| rows | method | before (MB) | peak (MB) | module share (MB) | seconds |'
        '|---|---|---|---|---|---|'
    )
    foreach ($row in $results.memory.table) {
        $memoryLines += "| $('{0:N0}' -f $row.Rows) | $($row.Method) | $($row.BeforeMB) | $($row.PeakMB) | $($row.ModuleMB) | $($row.Seconds) |"
    }
    Set-BenchmarkSection 'Memory while loading and exporting' $memoryLines
}
Write-Host "Wrote bench/loading.json and BENCHMARKS.md ($Section)"
