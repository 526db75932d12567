# The AWS CLI and SDKs get Roles Anywhere credentials through a credential_process profile
# written by Set-IamraAwsProfile.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
    $sandbox = Start-RedshiftIamraSandbox -ImportClientCertificate
    $session = $sandbox.SessionParameters
    $certificate = $sandbox.CertificateParameters
    $work = Join-Path ([IO.Path]::GetTempPath()) "iamra-cp-$([guid]::NewGuid().ToString('N'))"
    $null = New-Item -ItemType Directory $work
    $config = Join-Path $work 'config'
}

AfterAll {
    Stop-RedshiftIamraSandbox
    Remove-Item $work -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'ConvertTo-IamraCredentialProcess' {
    It 'writes exactly the compact credential_process JSON' {
        $s = Get-IamraSession @certificate @session
        $json = $s | ConvertTo-IamraCredentialProcess
        $json | Should -Match '^\{"Version":1,"AccessKeyId":"ASIA[A-Z0-9]+","SecretAccessKey":"[^"]+","SessionToken":"[^"]+","Expiration":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"\}$'
        $parsed = $json | ConvertFrom-Json
        $parsed.AccessKeyId | Should -Be $s.AccessKeyId
        $parsed.SecretAccessKey | Should -Be ([System.Net.NetworkCredential]::new('', $s.SecretAccessKey).Password)
        ([datetime] $parsed.Expiration).ToUniversalTime() | Should -Be $s.ExpiresAt.UtcDateTime.AddTicks(-($s.ExpiresAt.UtcDateTime.Ticks % [TimeSpan]::TicksPerSecond))
    }
}

Describe 'Set-IamraAwsProfile' {
    BeforeAll {
        $original = "# team settings`n[default]`nregion = eu-west-1`n`n[profile keep-me]`noutput = json`n"
        Set-Content -Path $config -Value $original -NoNewline
        $thumbprint = $sandbox.ClientCertificate.Thumbprint
    }

    It 'writes nothing with -WhatIf' {
        Set-IamraAwsProfile -ProfileName onprem -Thumbprint $thumbprint @session -ConfigPath $config -WhatIf
        Get-Content -Raw $config | Should -Be $original
    }

    It 'adds the profile, keeps every other line, and says where it wrote' {
        $file = Set-IamraAwsProfile -ProfileName onprem -Thumbprint $thumbprint @session -ConfigPath $config -PassThru
        $file.FullName | Should -Be $config
        $text = Get-Content -Raw $config
        $text.StartsWith($original) | Should -BeTrue -Because "every other line is kept"
        $text | Should -Match '\[profile onprem\]'
        $text | Should -Match 'region = us-east-1'
        $line = ($text -split "`n" | Where-Object { $_ -like 'credential_process = *' })
        $line | Should -Match ([regex]::Escape((Split-Path $ModulePath -Leaf)))
        $line | Should -Match '-Thumbprint'
        $line | Should -Not -Match 'dotnet pwsh'
    }

    It 'creates a new config file readable by its owner only' -Skip:$IsWindows {
        $fresh = Join-Path $work 'new-dir/config'
        Set-IamraAwsProfile -ProfileName onprem -Thumbprint $thumbprint @session -ConfigPath $fresh
        (Get-Item $fresh).UnixFileMode | Should -Be ([System.IO.UnixFileMode] 'UserRead, UserWrite')
    }

    It 'refuses a password, which would end up in the file' {
        $err = $null
        Set-IamraAwsProfile -ProfileName bad @certificate -Password (ConvertTo-SecureString 'x' -AsPlainText -Force) @session -ConfigPath $config -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'IamraProfileCannotHoldPassword,*'
        Get-Content -Raw $config | Should -Not -Match 'profile bad'
    }

    It 'checks the certificate before writing' {
        $err = $null
        Set-IamraAwsProfile -ProfileName missing -Thumbprint ('0' * 40) @session -ConfigPath $config -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'IamraCertificateNotFound,*'
        Get-Content -Raw $config | Should -Not -Match 'profile missing'
    }

    It 'lets the AWS CLI call STS with the credentials (against moto_server), from another directory' {
        if (-not (Get-Command aws -ErrorAction SilentlyContinue)) {
            if ($InCI) { throw 'The AWS CLI (aws) is not on PATH.' }
            Set-ItResult -Skipped -Because 'the AWS CLI is not installed'
            return
        }
        $moto = Start-MotoServer
        try {
            Push-Location ([IO.Path]::GetTempPath())
            $env:AWS_CONFIG_FILE = $config
            $env:AWS_SHARED_CREDENTIALS_FILE = Join-Path $work 'no-credentials'
            $output = & aws sts get-caller-identity --profile onprem --endpoint-url $moto.Url --output json 2>&1
            $LASTEXITCODE | Should -Be 0 -Because ($output | Out-String)
            ($output | Out-String | ConvertFrom-Json).Arn | Should -Match '^arn:aws:(sts|iam)::'
            $sandbox.CountCalls('CreateSession', 'Success') | Should -BeGreaterThan 0
        } finally {
            Pop-Location
            Remove-Item Env:AWS_CONFIG_FILE, Env:AWS_SHARED_CREDENTIALS_FILE -ErrorAction SilentlyContinue
            Stop-MotoServer $moto
        }
    }
}
