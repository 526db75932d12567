# The native credential_process helper (bin/native/<rid>/redshift-iamra-credential-process),
# driven as the AWS CLI runs it: a profile written by Set-IamraAwsProfile, then aws sts calls.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
    $helper = Get-NativeHelperPath
    $script:HelperMissing = -not (Test-Path -LiteralPath $helper)
    if ($HelperMissing -and $InCI) {
        throw "The native credential_process helper was not built: $helper is missing (build.ps1 build publishes it)."
    }
    if (-not $HelperMissing) {
        $sandbox = Start-RedshiftIamraSandbox -ImportClientCertificate
        $session = $sandbox.SessionParameters
        $certificate = $sandbox.CertificateParameters
    }
    $work = Join-Path ([IO.Path]::GetTempPath()) "iamra-native-$([guid]::NewGuid().ToString('N'))"
    $null = New-Item -ItemType Directory $work
    $config = Join-Path $work 'config'
    $cacheDir = Join-Path $work 'cache'
    $savedCacheDir = $env:REDSHIFTIAMRA_CACHE_DIR
    $env:REDSHIFTIAMRA_CACHE_DIR = $cacheDir
    $awsMissing = -not (Get-Command aws -ErrorAction SilentlyContinue)
    if ($awsMissing -and $InCI) { throw 'The AWS CLI (aws) is not on PATH.' }
}

AfterAll {
    if (-not $HelperMissing) { Stop-RedshiftIamraSandbox }
    $env:REDSHIFTIAMRA_CACHE_DIR = $savedCacheDir
    Remove-Item $work -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'The native credential_process helper' {
    BeforeEach {
        if ($HelperMissing) { Set-ItResult -Skipped -Because 'the native helper was not built for this platform' }
    }

    It 'prints its name and the module version with --version' {
        $r = Invoke-NativeHelper @('--version')
        $r.ExitCode | Should -Be 0
        $r.Stdout.Trim() | Should -Be "redshift-iamra-credential-process $((Import-PowerShellDataFile $ModulePath).ModuleVersion)"
        $r.Stderr | Should -BeNullOrEmpty
    }

    It 'is what Set-IamraAwsProfile writes for certificate files, and -UsePowerShell writes the pwsh line' {
        Set-IamraAwsProfile -ProfileName native-files @certificate @session -ConfigPath $config
        Set-IamraAwsProfile -ProfileName pwsh-files @certificate @session -ConfigPath $config -UsePowerShell
        $env:AWS_CONFIG_FILE = $config
        try {
            $argv = Get-ProfileArgv native-files
            $argv[0] | Should -Be (Resolve-Path -LiteralPath $helper).Path
            $argv[1..($argv.Count - 1)] -join ' ' | Should -Match '^--path \S+ --private-key-path \S+ --chain-path \S+ --trust-anchor-arn arn:'
            $pwshArgv = Get-ProfileArgv pwsh-files
            $pwshArgv[0] | Should -Not -Be (Resolve-Path -LiteralPath $helper).Path
            $pwshArgv[-1] | Should -Match 'ConvertTo-IamraCredentialProcess -Path'
        } finally {
            Remove-Item Env:AWS_CONFIG_FILE -ErrorAction SilentlyContinue
        }
    }

    It 'gives the AWS CLI credentials with one CreateSession, and the second call comes from the cache' {
        if ($awsMissing) { Set-ItResult -Skipped -Because 'the AWS CLI is not installed'; return }
        Remove-Item $cacheDir -Recurse -Force -ErrorAction SilentlyContinue
        Set-IamraAwsProfile -ProfileName native-cache @certificate @session -ConfigPath $config
        $moto = Start-MotoServer
        try {
            Push-Location ([IO.Path]::GetTempPath())
            $env:AWS_CONFIG_FILE = $config
            $env:AWS_SHARED_CREDENTIALS_FILE = Join-Path $work 'no-credentials'
            $before = $sandbox.CountCalls('CreateSession', 'Success')

            $first = Invoke-AwsCallerIdentity native-cache $moto
            $first.ExitCode | Should -Be 0 -Because $first.Stderr
            ($first.Output | ConvertFrom-Json).Arn | Should -Match '^arn:aws:(sts|iam)::'
            $first.Stderr | Should -BeNullOrEmpty
            $sandbox.CountCalls('CreateSession', 'Success') | Should -Be ($before + 1)
            @(Get-ChildItem $cacheDir -File -Filter '*.json').Count | Should -Be 1 -Because 'the helper keeps the session in the per-user cache'

            $second = Invoke-AwsCallerIdentity native-cache $moto
            $second.ExitCode | Should -Be 0 -Because $second.Stderr
            ($second.Output | ConvertFrom-Json).Arn | Should -Be ($first.Output | ConvertFrom-Json).Arn
            $sandbox.CountCalls('CreateSession', 'Success') | Should -Be ($before + 1) -Because 'the second call is served from the cache'
        } finally {
            Pop-Location
            Remove-Item Env:AWS_CONFIG_FILE, Env:AWS_SHARED_CREDENTIALS_FILE -ErrorAction SilentlyContinue
            Stop-MotoServer $moto
        }
    }

    It 'shares the cache with the pwsh line: ConvertTo-IamraCredentialProcess returns the session the helper cached' {
        Set-IamraAwsProfile -ProfileName native-share @certificate @session -ConfigPath $config
        $env:AWS_CONFIG_FILE = $config
        try { $argv = Get-ProfileArgv native-share } finally { Remove-Item Env:AWS_CONFIG_FILE -ErrorAction SilentlyContinue }
        $r = Invoke-NativeHelper $argv[1..($argv.Count - 1)]
        $r.ExitCode | Should -Be 0 -Because $r.Stderr
        $before = $sandbox.CountCalls('CreateSession', 'Success')
        $fromPwsh = ConvertTo-IamraCredentialProcess @certificate @session | ConvertFrom-Json
        $fromPwsh.AccessKeyId | Should -Be ($r.Stdout | ConvertFrom-Json).AccessKeyId
        $sandbox.CountCalls('CreateSession', 'Success') | Should -Be $before
    }

    It 'works with a certificate store thumbprint' {
        if ($awsMissing) { Set-ItResult -Skipped -Because 'the AWS CLI is not installed'; return }
        Set-IamraAwsProfile -ProfileName native-store -Thumbprint $sandbox.ClientCertificate.Thumbprint @session -ConfigPath $config
        $moto = Start-MotoServer
        try {
            $env:AWS_CONFIG_FILE = $config
            $env:AWS_SHARED_CREDENTIALS_FILE = Join-Path $work 'no-credentials'
            (Get-ProfileArgv native-store)[0..2] | Should -Be @((Resolve-Path -LiteralPath $helper).Path, '--thumbprint', $sandbox.ClientCertificate.Thumbprint)
            $r = Invoke-AwsCallerIdentity native-store $moto
            $r.ExitCode | Should -Be 0 -Because $r.Stderr
            ($r.Output | ConvertFrom-Json).Arn | Should -Match '^arn:aws:(sts|iam)::'
        } finally {
            Remove-Item Env:AWS_CONFIG_FILE, Env:AWS_SHARED_CREDENTIALS_FILE -ErrorAction SilentlyContinue
            Stop-MotoServer $moto
        }
    }

    It 'prints exactly the credential_process JSON and nothing else' {
        $r = Invoke-NativeHelper (@('--path', $certificate.Path, '--private-key-path', $certificate.PrivateKeyPath, '--chain-path', $certificate.ChainPath,
                '--trust-anchor-arn', $session.TrustAnchorArn, '--profile-arn', $session.ProfileArn, '--role-arn', $session.RoleArn,
                '--roles-anywhere-endpoint-url', $session.RolesAnywhereEndpointUrl, '--ca-bundle-path', $session.CaBundlePath))
        $r.ExitCode | Should -Be 0 -Because $r.Stderr
        $r.Stdout | Should -Match '^\{"Version":1,"AccessKeyId":"ASIA[A-Z0-9]+","SecretAccessKey":"[^"]+","SessionToken":"[^"]+","Expiration":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"\}\n$'
        $r.Stderr | Should -BeNullOrEmpty
    }

    It 'fails with exit code 1 and a clear message for a bad argument, on standard error only' {
        $r = Invoke-NativeHelper @('--path', $certificate.Path, '--session-duration-seconds', 'hunter2-secret', '--trust-anchor-arn', $session.TrustAnchorArn, '--profile-arn', $session.ProfileArn, '--role-arn', $session.RoleArn)
        $r.ExitCode | Should -Be 1
        $r.Stdout | Should -BeNullOrEmpty
        $r.Stderr | Should -Match 'IamraInvalidHelperArgument: --session-duration-seconds takes a whole number of seconds'
        $r.Stderr | Should -Not -Match 'hunter2'

        $r = Invoke-NativeHelper @('--path', (Join-Path $work 'missing.pem'), '--trust-anchor-arn', $session.TrustAnchorArn, '--profile-arn', $session.ProfileArn, '--role-arn', $session.RoleArn)
        $r.ExitCode | Should -Be 1
        $r.Stdout | Should -BeNullOrEmpty
        $r.Stderr | Should -Match '^redshift-iamra-credential-process: Iamra\w+: .*missing\.pem'
    }

    It 'takes a PKCS#11 source: a library that is missing is named, and the PIN of the URI is never echoed' {
        $library = Join-Path $work 'no-such-pkcs11.so'
        $r = Invoke-NativeHelper @('--pkcs11-uri', 'pkcs11:token=etl;object=key?pin-value=4242-secret-pin', '--pkcs11-library', $library,
            '--trust-anchor-arn', $session.TrustAnchorArn, '--profile-arn', $session.ProfileArn, '--role-arn', $session.RoleArn)
        $r.ExitCode | Should -Be 1
        $r.Stdout | Should -BeNullOrEmpty
        $r.Stderr | Should -Match "^redshift-iamra-credential-process: IamraPkcs11LibraryNotFound: .*$([regex]::Escape($library))"
        $r.Stderr | Should -Not -Match '4242'
    }

    It 'lets the AWS CLI fail cleanly when the helper fails (no secret in its message)' {
        if ($awsMissing) { Set-ItResult -Skipped -Because 'the AWS CLI is not installed'; return }
        Set-IamraAwsProfile -ProfileName native-broken @certificate @session -ConfigPath $config
        $copy = Join-Path $work 'key-gone.pem'
        Copy-Item -LiteralPath $certificate.PrivateKeyPath $copy
        $brokenConfig = Join-Path $work 'broken-config'
        Set-IamraAwsProfile -ProfileName native-broken -Path $certificate.Path -PrivateKeyPath $copy -ChainPath $certificate.ChainPath @session -ConfigPath $brokenConfig
        Remove-Item -LiteralPath $copy
        Remove-Item $cacheDir -Recurse -Force -ErrorAction SilentlyContinue
        $moto = Start-MotoServer
        try {
            $env:AWS_CONFIG_FILE = $brokenConfig
            $env:AWS_SHARED_CREDENTIALS_FILE = Join-Path $work 'no-credentials'
            $r = Invoke-AwsCallerIdentity native-broken $moto
            $r.ExitCode | Should -Not -Be 0
            $r.Stderr | Should -Match 'key-gone\.pem'
            $r.Stderr | Should -Not -Match 'BEGIN|END' -Because 'no key material is printed'
        } finally {
            Remove-Item Env:AWS_CONFIG_FILE, Env:AWS_SHARED_CREDENTIALS_FILE -ErrorAction SilentlyContinue
            Stop-MotoServer $moto
        }
    }
}
