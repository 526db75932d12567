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
        $file = Set-IamraAwsProfile -ProfileName onprem -Thumbprint $thumbprint @session -ConfigPath $config -PassThru -UsePowerShell
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

    Context 'hostile paths, a hostile config file, many writers' {
        BeforeAll {
            # A folder whose name holds every quote PowerShell knows, sub-expressions, $, backticks and shell operators.
            $marker = Join-Path $work "pwned-$([guid]::NewGuid().ToString('N'))"
            $hostileName = "certs ’`$(New-Item '$marker')’ ‘x‘ ‚y‚ ‛z‛ 'q' `"dq`" `$HOME ``id`` `$(id) ; & | # % !x! = \ end"
            $hostile = Join-Path $work $hostileName
            $null = [IO.Directory]::CreateDirectory($hostile)
            $files = @{}
            foreach ($pair in @{ Path = 'cert.pem'; PrivateKeyPath = 'key.pem'; ChainPath = 'chain.pem' }.GetEnumerator()) {
                $target = Join-Path $hostile $pair.Value
                Copy-Item -LiteralPath $certificate[$pair.Key] -Destination $target
                $files[$pair.Key] = $target
            }
        }

        It 'writes a credential_process that botocore, the AWS CLI and sh run as data, with nothing on stderr' {
            if (-not (Get-Command aws -ErrorAction SilentlyContinue)) {
                if ($InCI) { throw 'The AWS CLI (aws) is not on PATH.' }
                Set-ItResult -Skipped -Because 'the AWS CLI is not installed'
                return
            }
            $hostileConfig = Join-Path $work 'hostile-config'
            Set-IamraAwsProfile -ProfileName hostile @files @session -ConfigPath $hostileConfig
            $moto = Start-MotoServer
            try {
                $env:AWS_CONFIG_FILE = $hostileConfig
                $env:AWS_SHARED_CREDENTIALS_FILE = Join-Path $work 'no-credentials'
                $stderrFile = Join-Path $work 'aws-stderr.txt'
                $output = & aws sts get-caller-identity --profile hostile --endpoint-url $moto.Url --output json 2>$stderrFile
                $LASTEXITCODE | Should -Be 0 -Because (Get-Content -Raw $stderrFile)
                ($output | Out-String | ConvertFrom-Json).Arn | Should -Match '^arn:aws:(sts|iam)::'
                (Get-Content -Raw $stderrFile) | Should -BeNullOrEmpty -Because 'the process must not print errors at every call'

                # The same line through sh -c (SDKs that run it with a shell).
                $line = & python3 -c "import botocore.session; print(botocore.session.Session(profile='hostile').get_scoped_config()['credential_process'])"
                $LASTEXITCODE | Should -Be 0
                $json = & sh -c $line 2>$stderrFile
                $LASTEXITCODE | Should -Be 0 -Because (Get-Content -Raw $stderrFile)
                ($json | ConvertFrom-Json).Version | Should -Be 1
                (Get-Content -Raw $stderrFile) | Should -BeNullOrEmpty
            } finally {
                Remove-Item Env:AWS_CONFIG_FILE, Env:AWS_SHARED_CREDENTIALS_FILE -ErrorAction SilentlyContinue
                Stop-MotoServer $moto
            }
            Test-Path -LiteralPath $marker | Should -BeFalse -Because 'no part of a path may run as code'
        }

        It 'refuses a path with a line break before writing anything' {
            $broken = Join-Path $work "line`n[profile evil]"
            $null = [IO.Directory]::CreateDirectory($broken)
            Copy-Item -LiteralPath $files.Path -Destination (Join-Path $broken 'cert.pem')
            $before = Get-Content -Raw $config
            $err = $null
            Set-IamraAwsProfile -ProfileName evil -Path (Join-Path $broken 'cert.pem') -PrivateKeyPath $files.PrivateKeyPath @session -ConfigPath $config -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -BeLike 'IamraValueCannotBeQuoted,*'
            $err[0].Exception.Message | Should -Match 'line feed'
            Get-Content -Raw $config | Should -Be $before
        }

        It 'changes only its profile in a file botocore reads differently from a naive INI reader' {
            $nasty = Join-Path $work 'nasty-config'
            $original = "[profile prod] # production`r`nregion = eu-west-1`r`n`r`n[profile onprem2]`r`nRegion: ap-south-1`r`ns3 =`r`n  max_concurrent_requests = 20`r`n"
            Set-Content -LiteralPath $nasty -Value $original -NoNewline
            Set-IamraAwsProfile -ProfileName onprem2 @files @session -ConfigPath $nasty -UsePowerShell
            $read = & python3 -c "import json,botocore.configloader as c; print(json.dumps(c.build_profile_map(c.raw_config_parse('$nasty'))['profiles']))"
            $LASTEXITCODE | Should -Be 0 -Because 'botocore must still read the file'
            $profiles = $read | ConvertFrom-Json
            $profiles.prod.region | Should -Be 'eu-west-1'
            $profiles.onprem2.region | Should -Be 'us-east-1'
            $profiles.onprem2.s3.max_concurrent_requests | Should -Be '20'
            $profiles.onprem2.credential_process | Should -Match 'ConvertTo-IamraCredentialProcess -Path'
            (Get-Content -Raw $nasty) | Should -Match "^\[profile prod\] # production\r\nregion = eu-west-1\r\n\r\n\[profile onprem2\]\r\nregion = us-east-1\r\n"
        }

        It 'keeps all 20 profiles when 20 processes write at once' {
            $shared = Join-Path $work 'shared-config'
            Set-Content -LiteralPath $shared -Value "# team`n[default]`nregion = eu-west-1`n" -NoNewline
            $pwsh = Get-PwshCommand
            $processes = foreach ($i in 1..20) {
                $script = "`$ErrorActionPreference = 'Stop'; Import-Module '$ModulePath'; Set-IamraAwsProfile -ProfileName p$i -Path '$($certificate.Path)' -PrivateKeyPath '$($certificate.PrivateKeyPath)' -TrustAnchorArn '$($session.TrustAnchorArn)' -ProfileArn '$($session.ProfileArn)' -RoleArn '$($session.RoleArn)' -RolesAnywhereEndpointUrl '$($session.RolesAnywhereEndpointUrl)' -CaBundlePath '$($session.CaBundlePath)' -ConfigPath '$shared'"
                $info = [System.Diagnostics.ProcessStartInfo]::new($pwsh[0])
                foreach ($a in ($pwsh | Select-Object -Skip 1)) { $info.ArgumentList.Add($a) }
                foreach ($a in '-NoProfile', '-NonInteractive', '-Command', $script) { $info.ArgumentList.Add($a) }
                $info.RedirectStandardError = $true
                $info.UseShellExecute = $false
                [System.Diagnostics.Process]::Start($info)
            }
            foreach ($p in $processes) {
                $stderr = $p.StandardError.ReadToEnd()
                $p.WaitForExit(300000) | Should -BeTrue
                $p.ExitCode | Should -Be 0 -Because $stderr
            }
            $read = & python3 -c "import json,botocore.configloader as c; print(json.dumps(sorted(c.build_profile_map(c.raw_config_parse('$shared'))['profiles'])))"
            $LASTEXITCODE | Should -Be 0
            ($read | ConvertFrom-Json) | Should -Be (@('default') + (1..20 | ForEach-Object { "p$_" }) | Sort-Object)
            (Get-Content -Raw $shared) | Should -Match "^# team`n\[default\]`nregion = eu-west-1`n"
        }

        It 'writes through a symbolic link to its target and keeps the link' -Skip:$IsWindows {
            $real = Join-Path $work 'dotfiles-config'
            Set-Content -LiteralPath $real -Value "[default]`nregion = eu-west-1`n" -NoNewline
            $link = Join-Path $work 'linked-config'
            $null = New-Item -ItemType SymbolicLink -Path $link -Target $real
            Set-IamraAwsProfile -ProfileName linked @files @session -ConfigPath $link
            (Get-Item $link).LinkTarget | Should -Be $real
            Get-Content -Raw $real | Should -Match '\[profile linked\]'
        }

        It 'refuses a read-only file and a directory in its place, each with its own error' {
            $readOnly = Join-Path $work 'read-only-config'
            Set-Content -LiteralPath $readOnly -Value "[default]`n" -NoNewline
            (Get-Item $readOnly).IsReadOnly = $true
            $err = $null
            Set-IamraAwsProfile -ProfileName ro @files @session -ConfigPath $readOnly -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -BeLike 'IamraAwsConfigFileReadOnly,*'
            Get-Content -Raw $readOnly | Should -Be "[default]`n"

            $directory = Join-Path $work 'directory-config'
            $null = New-Item -ItemType Directory $directory
            $err = $null
            Set-IamraAwsProfile -ProfileName dir @files @session -ConfigPath $directory -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -BeLike 'IamraAwsConfigFileIsDirectory,*'
        }
    }
}
