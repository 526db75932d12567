# Load: many callers for one identity share one request per lifetime; the sandbox itself
# serves thousands of signed requests from concurrent clients; memory returns to its baseline.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
    $sandbox = Start-RedshiftIamraSandbox -Database
    $sandbox.AddDatabaseUser('load_user')
    $load = [ordered]@{}
}

AfterAll {
    if ($env:REDSHIFTIAMRA_SCOREBOARD) { $load | ConvertTo-Json | Set-Content (Join-Path $env:REDSHIFTIAMRA_SCOREBOARD 'load.json') }
    Stop-RedshiftIamraSandbox
}

Describe 'Load' {
    It '64 runspaces x 100 credential requests make one CreateSession and one GetClusterCredentials, with no error' {
        $p = $sandbox.CertificateParameters; $s = $sandbox.SessionParameters; $r = $sandbox.RedshiftParameters
        $cluster = $sandbox.ClusterIdentifier
        [GC]::Collect(); [GC]::WaitForPendingFinalizers(); [GC]::Collect()
        $baseline = [GC]::GetTotalMemory($true)
        $before = @{ session = $sandbox.CountCalls('CreateSession'); credential = $sandbox.CountCalls('GetClusterCredentials') }
        $clock = [System.Diagnostics.Stopwatch]::StartNew()
        $results = 1..64 | ForEach-Object -ThrottleLimit 64 -Parallel {
            Import-Module $using:ModulePath
            $p = $using:p; $s = $using:s; $r = $using:r
            $errors = 0; $users = @{}
            for ($i = 0; $i -lt 100; $i++) {
                try {
                    $c = Get-IamraSession @p @s -RoleSessionName load-test | Get-RedshiftDbCredential @r -ClusterIdentifier $using:cluster -DbUser load_user -DurationSeconds 1500
                    $users[$c.DbUser] = $true
                } catch { $errors++ }
            }
            [pscustomobject]@{ Errors = $errors; Users = @($users.Keys) }
        }
        $seconds = $clock.Elapsed.TotalSeconds
        $errors = ($results | Measure-Object Errors -Sum).Sum
        $sessions = $sandbox.CountCalls('CreateSession') - $before.session
        $credentials = $sandbox.CountCalls('GetClusterCredentials') - $before.credential

        $conn = Get-IamraSession @p @s -RoleSessionName load-test | Get-RedshiftDbCredential @r -ClusterIdentifier $cluster -DbUser load_user -DurationSeconds 1500 |
            Connect-RedshiftIamra -RootCertificatePath $sandbox.TlsCaBundlePath -NoDefault
        1..50 | ForEach-Object { $db = $conn.OpenConnection(); $db.Dispose() }
        Disconnect-RedshiftIamra $conn
        [GC]::Collect(); [GC]::WaitForPendingFinalizers(); [GC]::Collect()
        $after = [GC]::GetTotalMemory($true)
        $load.credentialRequests = 6400; $load.errors = $errors; $load.createSessionCalls = $sessions; $load.getClusterCredentialsCalls = $credentials
        $load.seconds = [math]::Round($seconds, 1); $load.managedMemoryBeforeMB = [math]::Round($baseline / 1MB, 1); $load.managedMemoryAfterMB = [math]::Round($after / 1MB, 1)
        Write-Host ("      6,400 requests from 64 runspaces in {0:N1} s: {1} errors, {2} CreateSession, {3} GetClusterCredentials; managed memory {4:N1} MB before, {5:N1} MB after Disconnect" -f $seconds, $errors, $sessions, $credentials, ($baseline / 1MB), ($after / 1MB))
        $errors | Should -Be 0
        @($results.Users | Sort-Object -Unique) | Should -Be @('IAM:load_user')
        $sessions | Should -Be 1
        $credentials | Should -Be 1
        ($after - $baseline) / 1MB | Should -BeLessThan 32 -Because 'memory returns to its baseline once the connection is closed'
    }

    It 'the sandbox serves 10,000 signed requests from 16 concurrent clients without an error' {
        $p = $sandbox.CertificateParameters; $s = $sandbox.SessionParameters
        $before = $sandbox.CountCalls('CreateSession', 'Success')
        $clock = [System.Diagnostics.Stopwatch]::StartNew()
        $failures = 1..16 | ForEach-Object -ThrottleLimit 16 -Parallel {
            Import-Module $using:ModulePath
            $p = $using:p; $s = $using:s; $failed = 0
            $certificate = Get-IamraCertificate @p
            # A session name per client: -Force still shares a request already under way for the same key.
            for ($i = 0; $i -lt 625; $i++) {
                try { $null = $certificate | Get-IamraSession @s -RoleSessionName "client-$_" -Force } catch { $failed++ }
            }
            $failed
        }
        $seconds = $clock.Elapsed.TotalSeconds
        $served = $sandbox.CountCalls('CreateSession', 'Success') - $before
        $failed = ($failures | Measure-Object -Sum).Sum
        $load.sandboxRequests = $served; $load.sandboxErrors = $failed; $load.sandboxSeconds = [math]::Round($seconds, 1)
        Write-Host ("      {0:N0} CreateSession requests from 16 clients in {1:N1} s ({2:N0}/s), {3} failures" -f $served, $seconds, ($served / $seconds), $failed)
        $failed | Should -Be 0
        $served | Should -Be 10000
    }
}
