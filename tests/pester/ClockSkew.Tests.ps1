# A machine whose clock is 20-40 minutes off the server's: the module warns about the skew, and
# still judges every credential by the server's clock (from its Date header), so database
# credentials are cached and renewed on time, SecondsLeft is true, and logins work.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
    $sandbox = Start-RedshiftIamraSandbox -Database
    $sandbox.AddDatabaseUser('skew_user')
    $certificate = $sandbox.CertificateParameters
    $session = $sandbox.SessionParameters
    $redshift = $sandbox.RedshiftParameters
}

AfterAll {
    Stop-RedshiftIamraSandbox
}

Describe 'A client clock far from the server''s' {
    It 'uses one GetClusterCredentials for many connections when this machine is <Minutes> minutes ahead of the server' -ForEach @(
        @{ Minutes = 30 }
        @{ Minutes = -25 }
    ) {
        $sandbox.ClockOffset = [timespan]::FromMinutes(-$Minutes)
        try {
            $warnings = $null
            $s = Get-IamraCertificate @certificate | Get-IamraSession @session -RoleSessionName "skew$([math]::Abs($Minutes))" -Force -WarningVariable warnings -WarningAction SilentlyContinue
            ($warnings -join "`n") | Should -Match 'clock differs'
            $s.SecondsLeft | Should -BeGreaterThan 3000

            $before = $sandbox.CountCalls('GetClusterCredentials', 'Success')
            $c = $s | Get-RedshiftDbCredential @redshift -ClusterIdentifier $sandbox.ClusterIdentifier -DbUser skew_user -DbName dev -WarningAction SilentlyContinue
            $c.SecondsLeft | Should -BeGreaterThan 850 -Because 'a fresh 15-minute password has about 900 seconds left by the server''s clock'
            $c.SecondsLeft | Should -BeLessOrEqual 900

            foreach ($i in 1..5) {
                $again = $s | Get-RedshiftDbCredential @redshift -ClusterIdentifier $sandbox.ClusterIdentifier -DbUser skew_user -DbName dev -WarningAction SilentlyContinue
                $again.FromCache | Should -BeTrue
                $connection = $again | Connect-RedshiftIamra -RootCertificatePath $sandbox.TlsCaBundlePath -NoDefault -WarningAction SilentlyContinue
                try {
                    Invoke-RedshiftQuery -Connection $connection 'select current_user as u' -As Scalar | Should -Be 'IAM:skew_user'
                }
                finally {
                    Disconnect-RedshiftIamra $connection
                }
            }

            $sandbox.CountCalls('GetClusterCredentials', 'Success') | Should -Be ($before + 1)
        }
        finally {
            $sandbox.ClockOffset = [timespan]::Zero
        }
    }
}
