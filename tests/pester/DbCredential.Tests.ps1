# From a certificate to Redshift database credentials, for all three kinds, against the
# sandbox's Redshift and Redshift Serverless endpoints over a real PostgreSQL.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
    $sandbox = Start-RedshiftIamraSandbox -Database -ImportClientCertificate
    $sandbox.AddDatabaseUser('analytics_user')
    $session = $sandbox.SessionParameters
    $redshift = $sandbox.RedshiftParameters
    $thumbprint = $sandbox.ClientCertificate.Thumbprint
    $s = Get-IamraCertificate -Thumbprint $thumbprint | Get-IamraSession @session
}

AfterAll {
    Stop-RedshiftIamraSandbox
}

Describe 'Get-RedshiftDbCredential' {
    It 'gets credentials for a cluster user through the whole pipeline' {
        $c = Get-IamraCertificate -Thumbprint $thumbprint | Get-IamraSession @session |
            Get-RedshiftDbCredential @redshift -ClusterIdentifier $sandbox.ClusterIdentifier -DbUser analytics_user -DbName dev
        $c.GetType().FullName | Should -Be 'RedshiftIamra.RedshiftDbCredential'
        $c.DbUser | Should -Be 'IAM:analytics_user'
        $c.DbPassword | Should -BeOfType ([securestring])
        $c.Host | Should -Be '127.0.0.1'
        $c.Port | Should -Be $sandbox.PostgresPort
        $c.Database | Should -Be 'dev'
        $c.Kind | Should -Be 'Provisioned'
        $c.Expiration | Should -BeGreaterThan (Get-Date)
        $c.Credential | Should -BeOfType ([pscredential])
        $c.Credential.UserName | Should -Be 'IAM:analytics_user'
    }

    It 'uses the IAM identity of the role (GetClusterCredentialsWithIAM)' {
        $c = $s | Get-RedshiftDbCredential @redshift -ClusterIdentifier $sandbox.ClusterIdentifier -UseIamIdentity -DbName dev
        $c.DbUser | Should -Be "IAMR:$($sandbox.RoleArn.Split('/')[-1])"
        $c.Kind | Should -Be 'ProvisionedIam'
        $c.NextRefreshTime | Should -Not -BeNullOrEmpty
    }

    It 'gets serverless credentials for a workgroup' {
        $c = $s | Get-RedshiftDbCredential @redshift -WorkgroupName $sandbox.WorkgroupName -DbName dev
        $c.DbUser | Should -Be "IAMR:$($sandbox.RoleArn.Split('/')[-1])"
        $c.Kind | Should -Be 'Serverless'
        $c.WorkgroupName | Should -Be $sandbox.WorkgroupName
    }

    It 'serves a second request from the cache' {
        $first = $s | Get-RedshiftDbCredential @redshift -ClusterIdentifier $sandbox.ClusterIdentifier -DbUser analytics_user -DbName dev -DurationSeconds 1800
        $before = $sandbox.CountCalls('GetClusterCredentials')
        $second = $s | Get-RedshiftDbCredential @redshift -ClusterIdentifier $sandbox.ClusterIdentifier -DbUser analytics_user -DbName dev -DurationSeconds 1800
        $second.FromCache | Should -BeTrue
        $sandbox.CountCalls('GetClusterCredentials') | Should -Be $before
    }

    It 'says which source and region it used' {
        $verbose = $s | Get-RedshiftDbCredential @redshift -ClusterIdentifier $sandbox.ClusterIdentifier -DbUser analytics_user -Force -Verbose 4>&1 |
            Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | Out-String
        $verbose | Should -Match 'region us-east-1 \(from the session'
        $verbose | Should -Match 'AWS credentials from the Roles Anywhere session'
    }

    It 'names the missing cluster' {
        $err = $null
        $s | Get-RedshiftDbCredential @redshift -ClusterIdentifier no-such-cluster -DbUser analytics_user -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'RedshiftClusterNotFound,*'
        $err[0].Exception.Message | Should -Match 'no-such-cluster'
    }

    It 'rejects <Case> before any call' -ForEach @(
        @{ Case = 'a user name breaking the rules'; Extra = @{ ClusterIdentifier = 'my-redshift-cluster'; DbUser = '1bad' }; Id = 'RedshiftInvalidDbUser' }
        @{ Case = 'the PUBLIC user'; Extra = @{ ClusterIdentifier = 'my-redshift-cluster'; DbUser = 'public' }; Id = 'RedshiftInvalidDbUser' }
        @{ Case = 'a cluster identifier with upper case'; Extra = @{ ClusterIdentifier = 'My_Cluster'; DbUser = 'a' }; Id = 'RedshiftInvalidClusterIdentifier' }
        @{ Case = 'a duration too long'; Extra = @{ ClusterIdentifier = 'my-redshift-cluster'; DbUser = 'a'; DurationSeconds = 7200 }; Id = 'RedshiftInvalidDuration' }
        @{ Case = 'an upper-case group'; Extra = @{ ClusterIdentifier = 'my-redshift-cluster'; DbUser = 'a'; DbGroup = 'Ops' }; Id = 'RedshiftInvalidDbGroup' }
        @{ Case = 'a bad workgroup name'; Extra = @{ WorkgroupName = 'No_Such' }; Id = 'RedshiftInvalidWorkgroupName' }
    ) {
        $before = $sandbox.CountCalls()
        $err = $null
        $s | Get-RedshiftDbCredential @redshift @Extra -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike "$Id,*"
        $sandbox.CountCalls() | Should -Be $before
    }
}

Describe 'ConvertTo-RedshiftConnectionString' {
    BeforeAll {
        # -Force: the sandbox's PostgreSQL keeps one password per user, so the newest credential is the one that logs in.
        $c = $s | Get-RedshiftDbCredential @redshift -ClusterIdentifier $sandbox.ClusterIdentifier -DbUser analytics_user -DbName dev -Force
    }

    It 'writes the environment for psql without the password unless asked' {
        $text = $c | ConvertTo-RedshiftConnectionString -Format Environment -RootCertificatePath $sandbox.TlsCaBundlePath
        $text | Should -Match "PGSSLMODE = 'verify-full'"
        $text | Should -Match "PGUSER = 'IAM:analytics_user'"
        $text | Should -Not -Match 'PGPASSWORD'
    }

    It 'lets psql log in with sslmode=verify-full' {
        if (-not (Get-Command psql -ErrorAction SilentlyContinue)) {
            if ($InCI) { throw 'psql is not on PATH.' }
            Set-ItResult -Skipped -Because 'psql is not installed'
            return
        }
        $script = ($c | ConvertTo-RedshiftConnectionString -Format Environment -IncludePassword -RootCertificatePath $sandbox.TlsCaBundlePath) + @'

psql -X -A -t -c 'select current_user'
exit $LASTEXITCODE
'@
        $result = Invoke-FreshPwsh $script
        $result.ExitCode | Should -Be 0 -Because $result.Error
        $result.Output.Trim() | Should -Be 'IAM:analytics_user'
    }

    It 'hands a root bundle path full of quotes and shell syntax to psql through every shell form' {
        if (-not (Get-Command psql -ErrorAction SilentlyContinue)) {
            if ($InCI) { throw 'psql is not on PATH.' }
            Set-ItResult -Skipped -Because 'psql is not installed'
            return
        }
        $marker = Join-Path ([IO.Path]::GetTempPath()) "pwned-$([guid]::NewGuid().ToString('N'))"
        $folder = Join-Path ([IO.Path]::GetTempPath()) "roots ’`$(New-Item '$marker')’ ‘a‘ ‚b‚ ‛c‛ 'd' `"e`" `$HOME ``id`` `$(touch $marker) ; & | # % = \ $([guid]::NewGuid().ToString('N'))"
        $null = [IO.Directory]::CreateDirectory($folder)
        $roots = Join-Path $folder 'roots.pem'
        Copy-Item -LiteralPath $sandbox.TlsCaBundlePath -Destination $roots
        try {
            # PowerShell: Invoke-Expression in a fresh pwsh, then psql reads the variables.
            $statements = $c | ConvertTo-RedshiftConnectionString -Format Environment -IncludePassword -RootCertificatePath $roots
            $result = Invoke-FreshPwsh ($statements + "`n" + 'if ($env:PGSSLROOTCERT -cne ' + "'" + ($roots -replace "[’‘‚‛']", '$0$0') + "'" + ') { exit 9 }; psql -X -A -t -c ''select current_user''; exit $LASTEXITCODE')
            $result.ExitCode | Should -Be 0 -Because $result.Error
            $result.Output.Trim() | Should -Be 'IAM:analytics_user'

            # POSIX sh: eval of the export statements.
            $exports = $c | ConvertTo-RedshiftConnectionString -Format PosixEnvironment -IncludePassword -RootCertificatePath $roots
            $output = & sh -c ($exports + "`n" + 'psql -X -A -t -c "select current_user"') 2>&1
            $LASTEXITCODE | Should -Be 0 -Because ($output | Out-String)
            ($output | Out-String).Trim() | Should -Be 'IAM:analytics_user'

            # libpq: the keyword/value string as psql's connection argument.
            $conninfo = $c | ConvertTo-RedshiftConnectionString -Format Libpq -IncludePassword -RootCertificatePath $roots
            $output = & psql $conninfo -X -A -t -c 'select current_user' 2>&1
            $LASTEXITCODE | Should -Be 0 -Because ($output | Out-String)
            ($output | Out-String).Trim() | Should -Be 'IAM:analytics_user'
        } finally {
            Remove-Item -LiteralPath $folder -Recurse -Force -ErrorAction SilentlyContinue
        }
        Test-Path -LiteralPath $marker | Should -BeFalse -Because 'no part of the path may run as code'
    }

    It 'writes libpq, JDBC, ODBC and Npgsql forms with full verification' {
        ($c | ConvertTo-RedshiftConnectionString -Format Libpq) | Should -Match "sslmode='verify-full'"
        ($c | ConvertTo-RedshiftConnectionString -Format Jdbc) | Should -Match '^jdbc:redshift://127\.0\.0\.1:\d+/dev\?ssl=true&sslmode=verify-full'
        ($c | ConvertTo-RedshiftConnectionString -Format Odbc) | Should -Match 'SSLMode=verify-full'
        ($c | ConvertTo-RedshiftConnectionString -Format Npgsql) | Should -Match 'SSL Mode=VerifyFull'
        ($c | ConvertTo-RedshiftConnectionString -Format Npgsql) | Should -Not -Match 'Password'
    }
}
