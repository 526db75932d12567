# Invoke-RedshiftQuery under stress: early stops, a frozen server, values at the edges of their
# types, parameters of every kind, one connection shared by many runspaces, dead sessions.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
    $sandbox = Start-RedshiftIamraSandbox -Database -ImportClientCertificate
    $sandbox.AddDatabaseUser('query_user')
    $session = $sandbox.SessionParameters
    $redshift = $sandbox.RedshiftParameters
    $root = $sandbox.TlsCaBundlePath
    $credential = Get-IamraCertificate -Thumbprint $sandbox.ClientCertificate.Thumbprint | Get-IamraSession @session |
        Get-RedshiftDbCredential @redshift -ClusterIdentifier $sandbox.ClusterIdentifier -DbUser query_user -DbName dev
    $killCommand = (Get-Command kill -CommandType Application | Select-Object -First 1).Source
    function Send-Signal([string] $Signal, [int] $ProcessId) { & $killCommand "-$Signal" $ProcessId; $LASTEXITCODE | Should -Be 0 }
    # A guard against a hang, far above the few seconds expected: the test fails instead of blocking.
    $hangGuardMs = 40000
    $monitor = $credential | Connect-RedshiftIamra -RootCertificatePath $root -NoDefault
    # Waits until the backend runs a statement (the same database user sees its own sessions' state).
    function Wait-Running([int] $Backend) {
        foreach ($i in 1..200) {
            $state = Invoke-RedshiftQuery -Connection $monitor 'select state from pg_stat_activity where pid = @p' -Parameters @{ p = $Backend } -As Scalar
            if ($state -eq 'active') { return }
            Start-Sleep -Milliseconds 100
        }
        throw "backend $Backend never started its statement"
    }
}

AfterAll {
    Disconnect-RedshiftIamra -All
    Stop-RedshiftIamraSandbox
}

Describe 'Early stops' {
    BeforeAll {
        $conn = $credential | Connect-RedshiftIamra -RootCertificatePath $root -NoDefault
    }

    It 'Select-Object -First 1 on a slow 1,000-row query cancels the rest on the server and keeps the connection' {
        # Redshift has no sequences (the front refuses CREATE SEQUENCE): the counter is made on the sandbox's PostgreSQL.
        $sandbox.ExecuteSql('create sequence public.slow_rows; grant usage, select on sequence public.slow_rows to public')
        $backend = Invoke-RedshiftQuery -Connection $conn 'select pg_backend_pid()' -As Scalar
        $elapsed = Measure-Command {
            $first = Invoke-RedshiftQuery -Connection $conn "select nextval('slow_rows') as n, pg_sleep(0.01) from generate_series(1, 1000) g" | Select-Object -First 1
        }
        $first.n | Should -Be 1
        $produced = Invoke-RedshiftQuery -Connection $conn 'select last_value from slow_rows' -As Scalar
        Write-Host "    slow 1,000 rows, -First 1: $([int]$elapsed.TotalMilliseconds) ms; the server produced $produced rows"
        $produced | Should -BeLessThan 1000
        Invoke-RedshiftQuery -Connection $conn 'select pg_backend_pid()' -As Scalar | Should -Be $backend -Because 'the same session stays usable'
    }

    It 'Select-Object -First 1 on a million rows stops the server early' {
        # Redshift has no sequences (the front refuses CREATE SEQUENCE): the counter is made on the sandbox's PostgreSQL.
        $sandbox.ExecuteSql('create sequence public.many_rows; grant usage, select on sequence public.many_rows to public')
        $elapsed = Measure-Command {
            $first = Invoke-RedshiftQuery -Connection $conn "select nextval('many_rows') as n, g from generate_series(1, 1000000) g" | Select-Object -First 1
        }
        $first.g | Should -Be 1
        $produced = Invoke-RedshiftQuery -Connection $conn 'select last_value from many_rows' -As Scalar
        Write-Host "    1,000,000 rows, -First 1: $([int]$elapsed.TotalMilliseconds) ms; the server produced $produced rows"
        $produced | Should -BeLessThan 1000000
        (Invoke-RedshiftQuery -Connection $conn 'select 41 + 1 as x').x | Should -Be 42
    }

    It 'refuses a query started from inside the rows of another on the same connection, and finishes the outer one' {
        $err = $null
        $rows = Invoke-RedshiftQuery -Connection $conn 'select g from generate_series(1, 3) g' |
            ForEach-Object { Invoke-RedshiftQuery -Connection $conn 'select 1' -ErrorVariable +err -ErrorAction SilentlyContinue; $_ }
        @($rows).Count | Should -Be 3
        $err.Count | Should -Be 3
        $err[0].FullyQualifiedErrorId | Should -BeLike 'RedshiftConnectionBusy,*'
        $err[0].Exception.Message | Should -Match 'Connect-RedshiftIamra -NoDefault'
    }
}

Describe 'A server that stops answering' {
    It 'Stop() (Ctrl+C) returns while the backend is frozen, and the connection works again' {
        $conn = $credential | Connect-RedshiftIamra -RootCertificatePath $root -NoDefault
        $backend = Invoke-RedshiftQuery -Connection $conn 'select pg_backend_pid()' -As Scalar
        $ps = [powershell]::Create()
        $null = $ps.AddScript({ param($c, $module) Import-Module $module; Invoke-RedshiftQuery -Connection $c 'select pg_sleep(120)' }).AddArgument($conn).AddArgument($ModulePath)
        $handle = $ps.BeginInvoke()
        Wait-Running $backend
        Send-Signal STOP $backend
        try {
            $elapsed = [Diagnostics.Stopwatch]::StartNew()
            $stop = $ps.BeginStop($null, $null)
            $stop.AsyncWaitHandle.WaitOne($hangGuardMs) | Should -BeTrue -Because 'Stop() must not wait for a server that does not answer'
            Write-Host "    Stop() with a frozen backend returned after $([int]$elapsed.ElapsedMilliseconds) ms"
            $ps.EndStop($stop)
        } finally {
            Send-Signal CONT $backend
        }
        $ps.Dispose()
        Invoke-RedshiftQuery -Connection $conn 'select pg_backend_pid()' -As Scalar | Should -Not -Be $backend -Because 'the frozen session was given up'
        Disconnect-RedshiftIamra $conn
    }

    It '-CommandTimeout returns while the backend is frozen and does not claim a cancel on the server' {
        $conn = $credential | Connect-RedshiftIamra -RootCertificatePath $root -NoDefault
        $backend = Invoke-RedshiftQuery -Connection $conn 'select pg_backend_pid()' -As Scalar
        $ps = [powershell]::Create()
        $null = $ps.AddScript({ param($c, $module) Import-Module $module; Invoke-RedshiftQuery -Connection $c 'select pg_sleep(120)' -CommandTimeout 3 -ErrorVariable e -ErrorAction SilentlyContinue; $e }).AddArgument($conn).AddArgument($ModulePath)
        $handle = $ps.BeginInvoke()
        Wait-Running $backend
        Send-Signal STOP $backend
        try {
            $handle.AsyncWaitHandle.WaitOne($hangGuardMs) | Should -BeTrue
            $err = $ps.EndInvoke($handle)
        } finally {
            Send-Signal CONT $backend
        }
        $ps.Dispose()
        $err[0].FullyQualifiedErrorId | Should -BeLike 'RedshiftQueryTimeout,*'
        $err[0].Exception.Message | Should -Match 'did not acknowledge'
        $err[0].Exception.Message | Should -Not -Match 'was canceled on the server'
        (Invoke-RedshiftQuery -Connection $conn 'select 3 as x').x | Should -Be 3
        Disconnect-RedshiftIamra $conn
    }
}

Describe 'Values Redshift columns hold' {
    BeforeAll {
        $conn = $credential | Connect-RedshiftIamra -RootCertificatePath $root -NoDefault
    }

    It 'keeps every digit of numeric(38,0) and numeric(38,s)' {
        $row = Invoke-RedshiftQuery -Connection $conn @'
select 12345678901234567890123456789012345678::numeric(38,0) as whole,
       -99999999999999999999999999999999999999::numeric(38,0) as lowest,
       1234567890123456789012345.1234567890123::numeric(38,13) as fraction,
       12.50::numeric(10,2) as small
'@
        $row.whole | Should -BeOfType ([System.Numerics.BigInteger])
        $row.whole.ToString() | Should -Be '12345678901234567890123456789012345678'
        $row.lowest.ToString() | Should -Be '-99999999999999999999999999999999999999'
        $row.fraction | Should -Be '1234567890123456789012345.1234567890123'
        $row.small | Should -BeOfType ([decimal])
        $row.small.ToString([cultureinfo]::InvariantCulture) | Should -Be '12.50'
    }

    It 'keeps months, days and time of an interval' {
        $row = Invoke-RedshiftQuery -Connection $conn "select interval '2 months' as m, interval '1 year 2 months 3 days 04:05:06' as mixed, interval '3 days 04:00' as d"
        $row.m.Months | Should -Be 2
        $row.mixed.Months | Should -Be 14
        $row.mixed.Days | Should -Be 3
        $row.mixed.Time | Should -Be ([timespan] '04:05:06')
        "$($row.mixed)" | Should -Be '1 year 2 mons 3 days 04:05:06'
        $row.d | Should -Be ([timespan]::new(3, 4, 0, 0))
    }

    It 'gives infinity and BC dates as the server writes them, never a stand-in date' {
        $row = Invoke-RedshiftQuery -Connection $conn "select 'infinity'::date as a, '-infinity'::timestamp as b, 'infinity'::timestamptz as c, date '0044-03-15 BC' as bc, timestamp '2026-01-02 03:04:05.5' as ts"
        $row.a | Should -Be 'infinity'
        $row.b | Should -Be '-infinity'
        $row.c | Should -Be 'infinity'
        $row.bc | Should -Be '0044-03-15 BC'
        $row.ts | Should -Be ([datetime] '2026-01-02 03:04:05.5')
    }

    It 'renames columns whose names PowerShell reserves on every object' {
        $row = Invoke-RedshiftQuery -Connection $conn 'select 1 as psobject, 2 as "PSBase", 3 as pstypenames, 4 as psobject_'
        $row.psobject_ | Should -Be 1
        $row.PSBase_ | Should -Be 2
        $row.pstypenames_ | Should -Be 3
        $row.psobject_2 | Should -Be 4
        $row.psobject.Properties.Name | Should -Contain 'psobject_'
        $table = Invoke-RedshiftQuery -Connection $conn 'select 1 as psobject' -As DataTable
        $table.Columns[0].ColumnName | Should -Be 'psobject_'
    }
}

Describe 'Parameters of every kind' {
    BeforeAll {
        $conn = $credential | Connect-RedshiftIamra -RootCertificatePath $root -NoDefault
    }

    It 'maps <Name>' -TestCases @(
        @{ Name = 'uint64'; Value = [uint64]::MaxValue; Sql = 'select @p::text as v'; Expected = '18446744073709551615' }
        @{ Name = 'enum'; Value = [DayOfWeek]::Monday; Sql = 'select @p::text as v'; Expected = 'Monday' }
        @{ Name = 'non-UTC DateTimeOffset'; Value = [DateTimeOffset]::new(2026, 1, 2, 12, 0, 0, [timespan]::FromHours(5)); Sql = "select to_char(@p at time zone 'UTC', 'YYYY-MM-DD HH24:MI') as v"; Expected = '2026-01-02 07:00' }
        @{ Name = 'char'; Value = [char] 'x'; Sql = 'select @p::text as v'; Expected = 'x' }
        @{ Name = 'bigint'; Value = [bigint]::Parse('123456789012345678901234567890'); Sql = 'select @p::text as v'; Expected = '123456789012345678901234567890' }
        @{ Name = 'guid'; Value = [guid] '0f8fad5b-d9cb-469f-a165-70867728950e'; Sql = 'select @p as v'; Expected = '0f8fad5b-d9cb-469f-a165-70867728950e' }
    ) {
        (Invoke-RedshiftQuery -Connection $conn $Sql -Parameters @{ p = $Value }).v | Should -Be $Expected
    }

    It 'refuses a <Name> before sending anything, naming the parameter and what to pass' -TestCases @(
        @{ Name = 'SecureString'; Value = (ConvertTo-SecureString 'hunter2' -AsPlainText -Force); Advice = 'ConvertFrom-SecureString' }
        @{ Name = 'hashtable'; Value = @{ a = 1 }; Advice = 'ConvertTo-Json' }
        @{ Name = 'PSCustomObject'; Value = [pscustomobject]@{ a = 1 }; Advice = 'ConvertTo-Json' }
        @{ Name = 'object[]'; Value = @(1, 2); Advice = 'one parameter per element' }
        @{ Name = 'ScriptBlock'; Value = { 1 }; Advice = 'Pass a string' }
    ) {
        $err = $null
        Invoke-RedshiftQuery -Connection $conn 'select @secret as v' -Parameters @{ secret = $Value } -ErrorVariable err -ErrorAction SilentlyContinue
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'RedshiftInvalidQueryParameter,*'
        $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err[0].Exception.Message | Should -Match '@secret'
        $err[0].Exception.Message | Should -Match ([regex]::Escape($Advice))
        $err[0].Exception.Message | Should -Not -Match 'hunter2'
        (Invoke-RedshiftQuery -Connection $conn 'select 5 as x').x | Should -Be 5
    }
}

Describe 'Connections under misuse' {
    It 'serialises one connection used from 8 runspaces at once' {
        $conn = $credential | Connect-RedshiftIamra -RootCertificatePath $root -NoDefault
        $pool = [runspacefactory]::CreateRunspacePool(8, 8)
        $pool.Open()
        $jobs = foreach ($i in 1..8) {
            $ps = [powershell]::Create()
            $ps.RunspacePool = $pool
            $null = $ps.AddScript({
                param($c, $i, $module)
                Import-Module $module
                foreach ($j in 1..15) {
                    $rows = @(Invoke-RedshiftQuery -Connection $c 'select @i * 1000 + g as v from generate_series(1, 50) g' -Parameters @{ i = $i } -ErrorAction Stop)
                    if ($rows.Count -ne 50 -or $rows[49].v -ne $i * 1000 + 50) { throw "runspace $i got $($rows.Count) rows" }
                }
                "ok $i"
            }).AddArgument($conn).AddArgument($i).AddArgument($ModulePath)
            [pscustomobject]@{ PowerShell = $ps; Handle = $ps.BeginInvoke() }
        }
        $results = foreach ($job in $jobs) {
            $job.Handle.AsyncWaitHandle.WaitOne($hangGuardMs * 3) | Should -BeTrue
            try { $job.PowerShell.EndInvoke($job.Handle) } catch { "failed: $($_.Exception.InnerException.Message)" }
            $job.PowerShell.Streams.Error | ForEach-Object { "error: $_" }
            $job.PowerShell.Dispose()
        }
        $pool.Dispose()
        $results | Sort-Object | Should -Be (1..8 | ForEach-Object { "ok $_" } | Sort-Object)
        $conn.State | Should -Be 'Open'
        (Invoke-RedshiftQuery -Connection $conn 'select 6 as x').x | Should -Be 6
        Disconnect-RedshiftIamra $conn
    }

    It 'reconnects transparently on the first query after the backend was terminated' {
        $conn = $credential | Connect-RedshiftIamra -RootCertificatePath $root -NoDefault
        $backend = Invoke-RedshiftQuery -Connection $conn 'select pg_backend_pid()' -As Scalar
        $sandbox.ExecuteSql("select pg_terminate_backend($backend)")
        Start-Sleep -Milliseconds 300
        Invoke-RedshiftQuery -Connection $conn 'select pg_backend_pid()' -As Scalar -ErrorAction Stop | Should -Not -Be $backend
        $conn.Reconnects | Should -Be 1
        Disconnect-RedshiftIamra $conn
    }

    It 'Disconnect-RedshiftIamra -All closes every connection, also one busy in another runspace' {
        $connections = 1..3 | ForEach-Object { $credential | Connect-RedshiftIamra -RootCertificatePath $root -NoDefault }
        $busy = Invoke-RedshiftQuery -Connection $connections[1] 'select pg_backend_pid()' -As Scalar
        $ps = [powershell]::Create()
        $null = $ps.AddScript({ param($c, $module) Import-Module $module; Invoke-RedshiftQuery -Connection $c 'select pg_sleep(60)' -ErrorVariable e -ErrorAction SilentlyContinue; $e }).AddArgument($connections[1]).AddArgument($ModulePath)
        $handle = $ps.BeginInvoke()
        Wait-Running $busy
        Disconnect-RedshiftIamra -All -ErrorVariable failures -ErrorAction SilentlyContinue
        $connections | ForEach-Object { $_.State | Should -Be 'Closed' }
        $handle.AsyncWaitHandle.WaitOne($hangGuardMs) | Should -BeTrue
        $busyErr = $ps.EndInvoke($handle)
        $ps.Dispose()
        $busyErr[0].FullyQualifiedErrorId | Should -BeLike 'RedshiftConnectionClosed,*'
        $failures.Count | Should -Be 0
        $err = $null
        Invoke-RedshiftQuery -Connection $connections[0] 'select 1' -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'RedshiftConnectionClosed,*'
    }
}
