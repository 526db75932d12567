# Get-IamraSession against the sandbox, driven as a user would drive it.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
    $sandbox = Start-RedshiftIamraSandbox -ImportClientCertificate
    $session = $sandbox.SessionParameters
    $certificate = $sandbox.CertificateParameters
    $subject = $sandbox.ClientCertificate.Subject

    function Get-ErrorId([scriptblock] $Script) {
        try { & $Script -ErrorAction Stop; return $null } catch { return $_.FullyQualifiedErrorId.Split(',')[0] }
    }
}

AfterAll {
    Stop-RedshiftIamraSandbox
}

Describe 'Start-RedshiftIamraSandbox' {
    It 'starts in well under 2 seconds and returns what a script needs' {
        Write-Host ("      sandbox start: {0:N0} ms (measured, not asserted)" -f $sandbox.StartupTime.TotalMilliseconds)
        $sandbox.IsRunning | Should -BeTrue
        $sandbox.RolesAnywhereEndpoint | Should -Match '^https://127\.0\.0\.1:\d+/$'
        $sandbox.TrustAnchorArn | Should -Match '^arn:aws:rolesanywhere:us-east-1:\d{12}:trust-anchor/'
        Test-Path $sandbox.TlsCaBundlePath | Should -BeTrue
        Test-Path $sandbox.ClientCertificatePath | Should -BeTrue
    }

    It 'put its client certificate into Cert:\CurrentUser\My' {
        (Get-IamraCertificate -Thumbprint $sandbox.ClientCertificate.Thumbprint).Usable | Should -BeTrue
    }
}

Describe 'Get-IamraSession' {
    It 'goes from a store certificate to a session through the pipeline' {
        $s = Get-IamraCertificate -Thumbprint $sandbox.ClientCertificate.Thumbprint | Get-IamraSession @session -Force
        $s.GetType().FullName | Should -Be 'RedshiftIamra.IamraSession'
        $s.AccessKeyId | Should -Match '^ASIA'
        $s.SecretAccessKey | Should -BeOfType ([securestring])
        $s.RoleArn | Should -Be $sandbox.RoleArn
        $s.AssumedRoleArn | Should -BeLike 'arn:aws:sts::*:assumed-role/*'
        $s.Expiration | Should -BeGreaterThan (Get-Date)
        $s.CertificateThumbprint | Should -Be $sandbox.ClientCertificate.Thumbprint
        $s.FromCache | Should -BeFalse
        $issued = $sandbox.GetAuditEvents() | Where-Object { $_.EventName -eq 'CreateSession' -and $_.Outcome -eq 'Success' } | Select-Object -Last 1
        $issued.AccessKeyId | Should -Be $s.AccessKeyId
    }

    It 'accepts an X509Certificate2 on the pipeline, and the source parameters directly' {
        $x509 = (Get-IamraCertificate @certificate).Certificate
        ($x509 | Get-IamraSession @session -SessionDurationSeconds 900).AccessKeyId | Should -Match '^ASIA'
        (Get-IamraSession @certificate @session -SessionDurationSeconds 900).FromCache | Should -BeTrue
    }

    It 'serves a second call from the cache without a request (per the audit log)' {
        $first = Get-IamraSession @certificate @session -RoleSessionName 'cache-check'
        $before = $sandbox.CountCalls('CreateSession')
        $second = Get-IamraSession @certificate @session -RoleSessionName 'cache-check'
        $sandbox.CountCalls('CreateSession') | Should -Be $before
        $second.FromCache | Should -BeTrue
        $second.AccessKeyId | Should -Be $first.AccessKeyId
        $null = Get-IamraSession @certificate @session -RoleSessionName 'cache-check' -Force
        $sandbox.CountCalls('CreateSession') | Should -Be ($before + 1)
    }

    It 'shares one CreateSession among 32 parallel runspaces' {
        $before = $sandbox.CountCalls('CreateSession')
        $name = "parallel-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
        $keys = 1..32 | ForEach-Object -ThrottleLimit 32 -Parallel {
            Import-Module $using:ModulePath
            $p = $using:certificate
            $s = $using:session
            (Get-IamraSession @p @s -RoleSessionName $using:name).AccessKeyId
        }
        @($keys).Count | Should -Be 32
        @($keys | Sort-Object -Unique).Count | Should -Be 1
        $sandbox.CountCalls('CreateSession') | Should -Be ($before + 1)
    }

    It 'tells, with -Verbose, which certificate, region and endpoint it used' {
        $verbose = Get-IamraSession @certificate @session -Force -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | Out-String
        $verbose | Should -Match 'certificate CN=redshift-iamra-sandbox-client'
        $verbose | Should -Match 'region us-east-1 \(from the trust anchor ARN\)'
        $verbose | Should -Match ([regex]::Escape("endpoint $($sandbox.RolesAnywhereEndpoint) (from the -RolesAnywhereEndpointUrl parameter)"))
    }

    It 'shows the canonical request and string to sign with -Debug, and no secret anywhere' {
        $all = Get-IamraSession @certificate @session -Force -Verbose -Debug *>&1
        $s = $all | Where-Object { $_.GetType().Name -eq 'IamraSession' }
        $debug = $all | Where-Object { $_ -is [System.Management.Automation.DebugRecord] } | Out-String
        $debug | Should -Match 'AWS4-X509-ECDSA-SHA256'
        $debug | Should -Match 'content-type;host;x-amz-date;x-amz-x509;x-amz-x509-chain'
        $secret = [System.Net.NetworkCredential]::new('', $s.SecretAccessKey).Password
        $token = [System.Net.NetworkCredential]::new('', $s.SessionToken).Password
        $text = ($all | Out-String) + ($s | Format-List * | Out-String) + $s.ToString()
        $text | Should -Not -Match ([regex]::Escape($secret))
        $text | Should -Not -Match ([regex]::Escape($token))
    }

    It 'renews a session near its end, and reuses it before' {
        $short = Start-RedshiftIamraSandbox -SessionDurationSeconds 8
        try {
            $p = $short.CertificateParameters
            $s = $short.SessionParameters
            $first = Get-IamraSession @p @s -SessionOption (New-IamraSessionOption -RenewalMargin '00:00:02')
            (Get-IamraSession @p @s -SessionOption (New-IamraSessionOption -RenewalMargin '00:00:02')).AccessKeyId | Should -Be $first.AccessKeyId
            Start-Sleep -Seconds 7
            (Get-IamraSession @p @s -SessionOption (New-IamraSessionOption -RenewalMargin '00:00:02')).AccessKeyId | Should -Not -Be $first.AccessKeyId
            $short.CountCalls('CreateSession', 'Success') | Should -Be 2
        } finally {
            Stop-RedshiftIamraSandbox $short
        }
    }
}

Describe 'Get-IamraSession input checks, before any network call' {
    BeforeAll { $calls = $sandbox.CountCalls() }
    AfterAll { $sandbox.CountCalls() | Should -Be $calls -Because 'bad input must never reach the service' }

    It 'rejects <Case>' -ForEach @(
        @{ Case = 'a malformed trust anchor ARN'; Change = @{ TrustAnchorArn = 'arn:aws:rolesanywhere:us-east-1:123:trust-anchor/x' }; Id = 'IamraInvalidArn' }
        @{ Case = 'a profile ARN in another region'; Change = @{ ProfileArn = 'arn:aws:rolesanywhere:eu-west-1:123456789012:profile/2b7d0c1e-6d5f-4b8a-9a61-0c4f2d9e8a11' }; Id = 'IamraRegionMismatch' }
        @{ Case = 'a role ARN that is a user'; Change = @{ RoleArn = 'arn:aws:iam::123456789012:user/bob' }; Id = 'IamraInvalidArn' }
        @{ Case = 'a duration too long'; Change = @{ SessionDurationSeconds = 43201 }; Id = 'IamraInvalidDuration' }
        @{ Case = 'a duration too short'; Change = @{ SessionDurationSeconds = 60 }; Id = 'IamraInvalidDuration' }
        @{ Case = 'a bad role session name'; Change = @{ RoleSessionName = 'has space' }; Id = 'IamraInvalidRoleSessionName' }
        @{ Case = 'a bad region'; Change = @{ Region = 'mars-1' }; Id = 'IamraInvalidRegion' }
        @{ Case = 'a region other than the trust anchor''s'; Change = @{ Region = 'eu-west-1' }; Id = 'IamraRegionMismatch' }
        @{ Case = 'a plain http endpoint to a remote host'; Change = @{ RolesAnywhereEndpointUrl = 'http://rolesanywhere.example.test' }; Id = 'IamraInvalidEndpoint' }
        @{ Case = 'a missing CA bundle'; Change = @{ CaBundlePath = '/nonexistent/bundle.pem' }; Id = 'IamraCaBundleInvalid' }
    ) {
        $parameters = $session.Clone()
        foreach ($key in $Change.Keys) { $parameters[$key] = $Change[$key] }
        $err = $null
        Get-IamraSession @certificate @parameters -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike "$Id,*"
        $err[0].CategoryInfo.Category | Should -BeIn 'InvalidArgument', 'SecurityError', 'ObjectNotFound'
        $shown = $Change.Values | Select-Object -First 1
        $err[0].Exception.Message | Should -Match ([regex]::Escape([string] $shown))
    }

    It 'rejects an ambiguous certificate selector, listing the matches' {
        $extra = Add-TestStoreCertificate ($sandbox.IssueClientCertificate('EcP256', 'CN=redshift-iamra-sandbox-client, O=Second').Certificate)
        try {
            $err = $null
            Get-IamraSession -Subject 'CN=redshift-iamra-sandbox-client*' @session -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -BeLike 'IamraCertificateAmbiguous,*'
            $err[0].Exception.Message | Should -Match $extra.Thumbprint
            $err[0].Exception.Message | Should -Match '-Latest'
        } finally {
            Remove-TestStoreCertificate $extra.Thumbprint
        }
    }
}

Describe 'Get-IamraSession errors from the service name the cause' {
    It 'an untrusted CA' {
        $other = New-TestRootCA
        $foreign = New-TestClientCertificate -Issuer $other -Subject 'CN=foreign-ca-client' -KeyKind P256
        $err = $null
        $foreign | Get-IamraSession @session -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'IamraUntrustedCertificate,*'
        $err[0].Exception.Message | Should -Match 'trust anchor'
    }

    It 'a role the profile does not allow' {
        $parameters = $session.Clone()
        $parameters.RoleArn = 'arn:aws:iam::123456789012:role/not-in-profile'
        $err = $null
        Get-IamraSession @certificate @parameters -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'IamraRoleNotAllowed,*'
        $err[0].Exception.Message | Should -Match 'not-in-profile'
    }

    It 'a disabled profile' {
        $profileArn = $sandbox.AddProfile([string[]] @($sandbox.RoleArn), 3600, $true, $true)
        $sandbox.SetProfileEnabled($profileArn, $false)
        $parameters = $session.Clone()
        $parameters.ProfileArn = $profileArn
        $err = $null
        Get-IamraSession @certificate @parameters -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'IamraProfileDisabled,*'
    }

    It 'an endpoint whose TLS certificate is not trusted (no CA bundle)' {
        $parameters = $session.Clone()
        $parameters.Remove('CaBundlePath')
        $err = $null
        Get-IamraSession @certificate @parameters -Force -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'IamraTlsFailure,*'
        $err[0].Exception.Message | Should -Match 'CaBundlePath'
    }

    It 'an unreachable endpoint, quickly' {
        $parameters = $session.Clone()
        $parameters.RolesAnywhereEndpointUrl = "https://127.0.0.1:$(Get-FreePort)/"
        $err = $null
        $elapsed = Measure-Command { Get-IamraSession @certificate @parameters -Force -ErrorVariable err -ErrorAction SilentlyContinue }
        $err[0].FullyQualifiedErrorId | Should -BeLike 'IamraEndpointUnreachable,*'
        Write-Host ("      unreachable endpoint reported in {0:N1} s" -f $elapsed.TotalSeconds)
    }
}
