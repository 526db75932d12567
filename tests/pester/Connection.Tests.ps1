# Live connections against the sandbox's PostgreSQL over verified TLS.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
    $sandbox = Start-RedshiftIamraSandbox -Database -ImportClientCertificate
    $sandbox.AddDatabaseUser('analytics_user')
    $session = $sandbox.SessionParameters
    $redshift = $sandbox.RedshiftParameters
    $root = $sandbox.TlsCaBundlePath
    $thumbprint = $sandbox.ClientCertificate.Thumbprint
    $credential = Get-IamraCertificate -Thumbprint $thumbprint | Get-IamraSession @session |
        Get-RedshiftDbCredential @redshift -ClusterIdentifier $sandbox.ClusterIdentifier -DbUser analytics_user -DbName dev
    $all = @{
        Thumbprint = $thumbprint; TrustAnchorArn = $sandbox.TrustAnchorArn; ProfileArn = $sandbox.ProfileArn; RoleArn = $sandbox.RoleArn
        RolesAnywhereEndpointUrl = $sandbox.RolesAnywhereEndpoint; RedshiftEndpointUrl = $sandbox.RedshiftEndpoint; CaBundlePath = $root
        ClusterIdentifier = $sandbox.ClusterIdentifier; DbUser = 'analytics_user'; DbName = 'dev'; RootCertificatePath = $root
    }
}

AfterAll {
    Disconnect-RedshiftIamra -All
    Stop-RedshiftIamraSandbox
}

Describe 'Connect-RedshiftIamra and Invoke-RedshiftQuery' {
    BeforeAll {
        $conn = $credential | Connect-RedshiftIamra -RootCertificatePath $root
    }

    It 'opens a verified connection and makes it the default' {
        $conn.GetType().FullName | Should -Be 'RedshiftIamra.RedshiftConnection'
        $conn.State | Should -Be 'Open'
        $conn.TlsMode | Should -Be 'VerifyFull'
        (Invoke-RedshiftQuery 'select current_user as who').who | Should -Be 'IAM:analytics_user'
        (Invoke-RedshiftQuery 'select ssl from pg_stat_ssl where pid = pg_backend_pid()' -As Scalar) | Should -BeTrue
    }

    It 'sends typed parameters, never spliced text' {
        $injection = "x'; drop table if exists t; --"
        (Invoke-RedshiftQuery 'select @v::text as v, @n + 1 as n, @d::date as d' -Parameters @{ v = $injection; n = 41; d = [datetime] '2026-11-26' }) |
            ForEach-Object {
                $_.v | Should -Be $injection
                $_.n | Should -Be 42
                $_.d | Should -Be ([datetime] '2026-11-26')
            }
    }

    It 'maps NULL to $null and keeps types' {
        $row = Invoke-RedshiftQuery "select null::int as nothing, 12345678901::bigint as big, 1.25::numeric(5,2) as num, true as yes, 'text'::varchar as t, timestamp '2026-01-02 03:04:05' as ts, decode('0102', 'hex') as bytes"
        $row.nothing | Should -BeNullOrEmpty
        $row.big | Should -BeOfType ([long])
        $row.num | Should -BeOfType ([decimal])
        $row.yes | Should -BeTrue
        $row.t | Should -Be 'text'
        $row.ts | Should -Be ([datetime] '2026-01-02 03:04:05')
        $row.bytes | Should -Be ([byte[]] (1, 2))
    }

    It 'streams several result sets one after another' {
        $rows = @(Invoke-RedshiftQuery 'select 1 as a; select 2 as b, 3 as c')
        $rows.Count | Should -Be 2
        $rows[0].a | Should -Be 1
        $rows[1].c | Should -Be 3
    }

    It 'returns a DataTable, a scalar, or the rows affected' {
        Invoke-RedshiftQuery 'create temp table t (id int)' -As NonQuery | Out-Null
        Invoke-RedshiftQuery 'insert into t values (1), (2), (3)' -As NonQuery | Should -Be 3
        $table = Invoke-RedshiftQuery 'select id from t order by id' -As DataTable
        $table.GetType().FullName | Should -Be 'System.Data.DataTable'
        $table.Rows.Count | Should -Be 3
        Invoke-RedshiftQuery 'select count(*) from t' -As Scalar | Should -Be 3
    }

    It 'reports a SQL error with its SQLSTATE and position' {
        $err = $null
        Invoke-RedshiftQuery 'select * from no_such_table' -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'RedshiftQueryFailed,*'
        $err[0].Exception.SqlState | Should -Be '42P01'
        $err[0].Exception.Position | Should -Be 15
        $err[0].Exception.Message | Should -Match 'no_such_table'
        (Invoke-RedshiftQuery 'select 1 as still' ).still | Should -Be 1
    }

    It 'cancels a statement on the server when its timeout passes' {
        $err = $null
        $elapsed = Measure-Command { Invoke-RedshiftQuery 'select pg_sleep(30)' -CommandTimeout 1 -ErrorVariable err -ErrorAction SilentlyContinue }
        $elapsed.TotalSeconds | Should -BeLessThan 20
        $err[0].FullyQualifiedErrorId | Should -BeLike 'RedshiftQueryTimeout,*'
        $err[0].CategoryInfo.Category | Should -Be 'OperationTimeout'
        (Invoke-RedshiftQuery 'select 2 as after' ).after | Should -Be 2 -Because 'the next query reconnects'
    }

    It 'stops a running query on the server when the pipeline is stopped (Ctrl+C)' {
        $ps = [powershell]::Create()
        $null = $ps.AddScript("Import-Module '$ModulePath'; `$c = `$args[0] | Connect-RedshiftIamra -RootCertificatePath '$root' -NoDefault; Invoke-RedshiftQuery -Connection `$c 'select pg_sleep(60), ''stop-me'''").AddArgument($credential)
        $handle = $ps.BeginInvoke()
        Start-Sleep -Seconds 3
        $elapsed = Measure-Command { $ps.Stop() }
        $elapsed.TotalSeconds | Should -BeLessThan 15
        Start-Sleep -Milliseconds 500
        $running = Invoke-RedshiftQuery "select count(*) from pg_stat_activity where query like '%stop-me%' and state = 'active' and pid <> pg_backend_pid()" -As Scalar
        $running | Should -Be 0
        $ps.Dispose()
    }

    It 'exposes the ADO.NET connection for other code' {
        $command = $conn.DbConnection.CreateCommand()
        $command.CommandText = 'select 7'
        $command.ExecuteScalar() | Should -Be 7
        $other = $conn.OpenConnection()
        try { $other.State | Should -Be 'Open' } finally { $other.Dispose() }
    }

    It 'connects in one command from the certificate' {
        $direct = Connect-RedshiftIamra @all -NoDefault
        (Invoke-RedshiftQuery -Connection $direct 'select current_user as u').u | Should -Be 'IAM:analytics_user'
        Disconnect-RedshiftIamra $direct
        $direct.State | Should -Be 'Closed'
    }

    It 'refuses weaker TLS without the explicit switch' {
        $err = $null
        $credential | Connect-RedshiftIamra -TlsMode Require -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'RedshiftWeakTlsRefused,*'
    }

    It 'names the root that did not match when TLS verification fails' {
        $err = $null
        $credential | Connect-RedshiftIamra -NoDefault -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'RedshiftTlsVerificationFailed,*'
        $err[0].Exception.Message | Should -Match 'not among the trusted roots'
    }
}

Describe 'Test-RedshiftIamraConnection' {
    It 'passes every stage and times each' {
        $result = Test-RedshiftIamraConnection @all
        $result.Passed | Should -BeTrue -Because ($result | Out-String)
        $result.Stages.Name | Should -Be @('Certificate', 'Session', 'DbCredential', 'Dns', 'Tcp', 'Tls', 'Login', 'Query')
        $result.Stages | ForEach-Object { $_.Status | Should -Be 'Passed' }
        ($result | Out-String) | Should -Match 'PASSED'
        Test-RedshiftIamraConnection @all -Quiet | Should -BeTrue
    }

    It 'fails at the TLS stage with the wrong root, and skips the rest' {
        $wrong = $all.Clone()
        $wrong.RootCertificatePath = $sandbox.OrgCaPath
        $result = Test-RedshiftIamraConnection @wrong
        $result.Passed | Should -BeFalse
        $result.FailedStage | Should -Be 'Tls'
        ($result.Stages | Where-Object Name -EQ 'Tls').Hint | Should -Match 'RootCertificatePath'
        ($result.Stages | Where-Object Name -EQ 'Login').Status | Should -Be 'Skipped'
    }

    It 'fails at the TCP stage when the port is closed' {
        $closed = $all.Clone()
        $closed.Hostname = "127.0.0.1"
        $closed.Port = Get-FreePort
        $result = Test-RedshiftIamraConnection @closed -TimeoutSeconds 3
        $result.FailedStage | Should -Be 'Tcp'
    }

    It 'fails at the session stage for a role the profile does not allow' {
        $bad = $all.Clone()
        $bad.RoleArn = 'arn:aws:iam::123456789012:role/not-allowed'
        $result = Test-RedshiftIamraConnection @bad
        $result.FailedStage | Should -Be 'Session'
        ($result.Stages | Where-Object Name -EQ 'Session').ErrorId | Should -Be 'IamraRoleNotAllowed'
    }
}

Describe 'Credentials that expire while a job runs' {
    It 'keeps opening new connections for over a minute with 20-second passwords, renewing them' {
        $short = Start-RedshiftIamraSandbox -Database -DbCredentialDurationSeconds 20
        try {
            $short.AddDatabaseUser('etl_user')
            $p = $short.CertificateParameters
            $sp = $short.SessionParameters
            $rp = $short.RedshiftParameters
            $c = Get-IamraSession @p @sp | Get-RedshiftDbCredential @rp -ClusterIdentifier $short.ClusterIdentifier -DbUser etl_user
            $conn = $c | Connect-RedshiftIamra -RootCertificatePath $short.TlsCaBundlePath -NoPooling -NoDefault
            $failures = 0; $opened = 0
            $deadline = (Get-Date).AddSeconds(65)
            while ((Get-Date) -lt $deadline) {
                try {
                    $db = $conn.OpenConnection()
                    $cmd = $db.CreateCommand(); $cmd.CommandText = 'select 1'; $null = $cmd.ExecuteScalar()
                    $db.Dispose()
                    $opened++
                } catch { $failures++ }
                Start-Sleep -Milliseconds 500
            }
            Write-Host "      $opened connections in 65 s, $failures failures, $($conn.CredentialRenewals) credential renewals, $($short.CountCalls('GetClusterCredentials')) GetClusterCredentials calls"
            $failures | Should -Be 0
            $opened | Should -BeGreaterThan 60
            $short.CountCalls('GetClusterCredentials') | Should -BeGreaterOrEqual 3
            $short.CountCalls('GetClusterCredentials') | Should -BeLessThan 20 -Because 'credentials are renewed per lifetime, not per connection'
            Disconnect-RedshiftIamra $conn
        } finally {
            Stop-RedshiftIamraSandbox $short
        }
    }

    It 'finishes a query that outlives its credential' {
        $short = Start-RedshiftIamraSandbox -Database -DbCredentialDurationSeconds 3
        try {
            $short.AddDatabaseUser('etl_user')
            $p = $short.CertificateParameters
            $sp = $short.SessionParameters
            $rp = $short.RedshiftParameters
            $conn = Get-IamraSession @p @sp | Get-RedshiftDbCredential @rp -ClusterIdentifier $short.ClusterIdentifier -DbUser etl_user |
                Connect-RedshiftIamra -RootCertificatePath $short.TlsCaBundlePath -NoDefault
            (Invoke-RedshiftQuery -Connection $conn "select pg_sleep(6), 'done' as status").status | Should -Be 'done'
            (Get-Date) | Should -BeGreaterThan $conn.CredentialExpiration
            Disconnect-RedshiftIamra $conn
        } finally {
            Stop-RedshiftIamraSandbox $short
        }
    }
}

Describe 'Connections and the runspace that opened them' {
    It 'closes the server sessions of a ForEach-Object -Parallel runspace that never disconnected, when it ends' {
        $sandbox.AddDatabaseUser('parallel_user')
        $parallelCredential = Get-IamraCertificate -Thumbprint $thumbprint | Get-IamraSession @session |
            Get-RedshiftDbCredential @redshift -ClusterIdentifier $sandbox.ClusterIdentifier -DbUser parallel_user -DbName dev
        # The sandbox's PostgreSQL keeps one password per user: the newest credential is the one that logs in.
        $observer = Get-IamraCertificate -Thumbprint $thumbprint | Get-IamraSession @session |
            Get-RedshiftDbCredential @redshift -ClusterIdentifier $sandbox.ClusterIdentifier -DbUser analytics_user -DbName dev -Force |
            Connect-RedshiftIamra -RootCertificatePath $root -NoDefault
        $count = "select count(*) from pg_stat_activity where usename like '%parallel_user%'"

        # Each runspace connects, queries (its pooled physical connection stays open on the server) and ends without Disconnect.
        $seen = 1..3 | ForEach-Object -ThrottleLimit 3 -Parallel {
            Import-Module $using:ModulePath
            $null = $using:parallelCredential | Connect-RedshiftIamra -RootCertificatePath $using:root
            Invoke-RedshiftQuery $using:count -As Scalar
        }
        ($seen | Measure-Object -Maximum).Maximum | Should -BeGreaterThan 0 -Because 'the parallel runspaces held server sessions while they ran'

        # The server ends a session when the client closes it: wait for it to notice (bounded).
        $deadline = [DateTime]::UtcNow.AddSeconds(30)
        do {
            $open = Invoke-RedshiftQuery -Connection $observer $count -As Scalar
            if ($open -eq 0) { break }
            Start-Sleep -Milliseconds 200
        } while ([DateTime]::UtcNow -lt $deadline)
        $open | Should -Be 0 -Because 'a runspace that ends takes its connections with it'
        Disconnect-RedshiftIamra $observer
    }
}
