# Credentials for every tool on the machine: the AWS CLI (a real consumer, against moto_server)
# through the credential server (container protocol and IMDSv2 emulation), through the
# refreshed credentials file, and through the cached credential_process.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
    if (-not (Get-Command aws -ErrorAction SilentlyContinue)) { throw 'The AWS CLI (aws) is not on PATH; these tests drive it.' }
    $sandbox = Start-RedshiftIamraSandbox
    $session = $sandbox.SessionParameters
    $certificate = $sandbox.CertificateParameters
    $moto = Start-MotoServer
    $work = Join-Path ([IO.Path]::GetTempPath()) "iamra-cs-$([guid]::NewGuid().ToString('N'))"
    $null = New-Item -ItemType Directory $work

    # The CLI must find nothing of the developer's own: no profile, no keys, no config.
    $saved = @{}
    foreach ($name in 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE',
        'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_CONTAINER_AUTHORIZATION_TOKEN', 'AWS_EC2_METADATA_SERVICE_ENDPOINT', 'AWS_EC2_METADATA_DISABLED', 'REDSHIFTIAMRA_CACHE_DIR', 'AWS_DEFAULT_REGION') {
        $saved[$name] = [Environment]::GetEnvironmentVariable($name)
        Remove-Item "Env:$name" -ErrorAction SilentlyContinue
    }
    $env:AWS_CONFIG_FILE = Join-Path $work 'no-config'
    $env:AWS_SHARED_CREDENTIALS_FILE = Join-Path $work 'no-credentials'
    $env:AWS_DEFAULT_REGION = 'us-east-1'

    function Invoke-Sts {
        param([string[]] $Extra = @())
        $output = & aws sts get-caller-identity --endpoint-url $moto.Url --output json @Extra 2>&1
        [pscustomobject]@{ ExitCode = $LASTEXITCODE; Text = ($output | Out-String) }
    }

    function Get-CreateSessions { $sandbox.CountCalls('CreateSession', 'Success') }
}

AfterAll {
    Stop-IamraCredentialServer -ErrorAction SilentlyContinue
    foreach ($name in $saved.Keys) {
        if ($null -eq $saved[$name]) { Remove-Item "Env:$name" -ErrorAction SilentlyContinue } else { Set-Item "Env:$name" $saved[$name] }
    }
    Stop-MotoServer $moto
    Stop-RedshiftIamraSandbox
    Remove-Item $work -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Start-IamraCredentialServer in the background' {
    It 'serves the AWS CLI through the container protocol, then stop puts the environment back' {
        $env:AWS_CONTAINER_CREDENTIALS_RELATIVE_URI = '/v2/credentials/would-win'
        $s = Get-IamraSession @certificate @session
        $server = $s | Start-IamraCredentialServer
        try {
            $server.Uri.Host | Should -Be '127.0.0.1'
            $server.State | Should -Be 'Running'
            $server.Mode | Should -Be 'Background'
            $server.ProcessId | Should -Be $PID
            $server.Token | Should -BeOfType [securestring]
            $env:AWS_CONTAINER_CREDENTIALS_FULL_URI | Should -Be $server.Uri.ToString()
            $env:AWS_CONTAINER_AUTHORIZATION_TOKEN | Should -Be ([System.Net.NetworkCredential]::new('', $server.Token).Password)
            $env:AWS_CONTAINER_CREDENTIALS_RELATIVE_URI | Should -BeNullOrEmpty

            $before = Get-CreateSessions
            $result = Invoke-Sts
            $result.ExitCode | Should -Be 0 -Because $result.Text
            ($result.Text | ConvertFrom-Json).Arn | Should -Match '^arn:aws:sts::'
            Get-CreateSessions | Should -Be $before -Because 'the piped session is served as it is'
            $server.Served | Should -BeGreaterThan 0

            (Get-IamraCredentialServer).Id | Should -Contain $server.Id
            ($server | Format-List | Out-String) | Should -Not -Match ([regex]::Escape([System.Net.NetworkCredential]::new('', $server.Token).Password))
        } finally {
            $server | Stop-IamraCredentialServer
        }
        $server.State | Should -Be 'Stopped'
        $env:AWS_CONTAINER_CREDENTIALS_FULL_URI | Should -BeNullOrEmpty
        $env:AWS_CONTAINER_AUTHORIZATION_TOKEN | Should -BeNullOrEmpty
        $env:AWS_CONTAINER_CREDENTIALS_RELATIVE_URI | Should -Be '/v2/credentials/would-win'
        Remove-Item Env:AWS_CONTAINER_CREDENTIALS_RELATIVE_URI
        @(Get-IamraCredentialServer).Count | Should -Be 0
    }

    It 'refuses the AWS CLI a wrong token' {
        $server = Get-IamraSession @certificate @session | Start-IamraCredentialServer
        try {
            $env:AWS_CONTAINER_AUTHORIZATION_TOKEN = 'not-the-token'
            $result = Invoke-Sts
            $result.ExitCode | Should -Not -Be 0
            $result.Text | Should -Match '401|Unable to locate credentials|Unauthorized|credentials'
        } finally {
            $server | Stop-IamraCredentialServer
        }
    }

    It 'serves the AWS CLI as IMDSv2 (AWS_EC2_METADATA_SERVICE_ENDPOINT) when asked' {
        $server = Get-IamraSession @certificate @session | Start-IamraCredentialServer -EnableInstanceMetadata
        try {
            $env:AWS_EC2_METADATA_SERVICE_ENDPOINT | Should -Be $server.MetadataEndpoint.ToString()
            # Leave the CLI only instance metadata to find.
            Remove-Item Env:AWS_CONTAINER_CREDENTIALS_FULL_URI, Env:AWS_CONTAINER_AUTHORIZATION_TOKEN
            $result = Invoke-Sts
            $result.ExitCode | Should -Be 0 -Because $result.Text
            ($result.Text | ConvertFrom-Json).Arn | Should -Match '^arn:aws:sts::'
            $server.Served | Should -BeGreaterThan 0
        } finally {
            $server | Stop-IamraCredentialServer
        }
        $env:AWS_EC2_METADATA_SERVICE_ENDPOINT | Should -BeNullOrEmpty
    }

    It 'serves the AWS SDK for .NET default credential chain (GetCallerIdentity against moto_server), started from a certificate source' {
        $core = Join-Path $PackageRoot 'awssdk.core/4.0.103/lib/net8.0/AWSSDK.Core.dll'
        $sts = Join-Path $PackageRoot 'awssdk.securitytoken/4.0.101.11/lib/net8.0/AWSSDK.SecurityToken.dll'
        foreach ($dll in $core, $sts) { Test-Path $dll | Should -BeTrue -Because "tests/tools/tools.proj downloads $dll" }
        $server = Start-IamraCredentialServer @certificate @session
        try {
            $server.RoleArn | Should -Be $sandbox.RoleArn -Because 'the cmdlet took the session from the certificate source'
            # A fresh process with nothing but the environment the server set: the SDK's default chain finds the container endpoint.
            $script = @"
`$ErrorActionPreference = 'Stop'
Add-Type -Path '$core'
Add-Type -Path '$sts'
`$config = [Amazon.SecurityToken.AmazonSecurityTokenServiceConfig]::new()
`$config.ServiceURL = '$($moto.Url)'
`$config.AuthenticationRegion = 'us-east-1'
`$client = [Amazon.SecurityToken.AmazonSecurityTokenServiceClient]::new(`$config)
foreach (`$i in 1..3) { `$client.GetCallerIdentityAsync([Amazon.SecurityToken.Model.GetCallerIdentityRequest]::new()).GetAwaiter().GetResult().Arn }
"@
            $result = Invoke-FreshPwsh $script
            $result.ExitCode | Should -Be 0 -Because $result.Error
            @($result.Output.Trim() -split "`n" | Where-Object { $_ -match '^arn:aws:sts::' }).Count | Should -Be 3 -Because $result.Output
            $server.Served | Should -BeGreaterThan 0 -Because 'the SDK read its credentials from the server'
            $server.Refused | Should -Be 0
        } finally {
            $server | Stop-IamraCredentialServer
        }
    }

    It 'stops the servers a runspace started when that runspace ends' {
        $started = 1..2 | ForEach-Object -Parallel {
            Import-Module $using:ModulePath
            $c = $using:certificate
            $a = $using:session
            $s = Get-IamraSession @c @a
            $server = $s | Start-IamraCredentialServer -NoEnvironment
            [pscustomobject]@{ Port = $server.Port; Token = [System.Net.NetworkCredential]::new('', $server.Token).Password }
        } -ThrottleLimit 2
        $started.Count | Should -Be 2
        foreach ($one in $started) {
            # The runspaces close as ForEach-Object ends; give their state change a moment to land.
            $refused = $false
            $deadline = [DateTime]::UtcNow.AddSeconds(10)
            while (-not $refused -and [DateTime]::UtcNow -lt $deadline) {
                try {
                    $client = [System.Net.Sockets.TcpClient]::new()
                    $client.Connect('127.0.0.1', $one.Port)
                    $client.Dispose()
                    Start-Sleep -Milliseconds 200
                } catch {
                    $refused = $true
                }
            }
            $refused | Should -BeTrue -Because "the server on port $($one.Port) went with the runspace that started it"
        }
        @(Get-IamraCredentialServer).Count | Should -Be 0
    }

    It 'renews sessions that expire during a run, with no failed call' {
        $short = $sandbox.AddProfile($null, 20)
        $shortSession = $session.Clone()
        $shortSession.ProfileArn = $short
        $server = Get-IamraSession @certificate @shortSession | Start-IamraCredentialServer
        try {
            $before = Get-CreateSessions
            $keys = [System.Collections.Generic.HashSet[string]]::new()
            $deadline = [DateTime]::UtcNow.AddSeconds(45)
            $calls = 0
            while ([DateTime]::UtcNow -lt $deadline) {
                $result = Invoke-Sts
                $calls++
                $result.ExitCode | Should -Be 0 -Because "call $calls failed: $($result.Text)"
                $null = $keys.Add($server.AccessKeyId)
            }
            (Get-CreateSessions) - $before | Should -BeGreaterOrEqual 2 -Because '20-second sessions were renewed during the run'
            $server.RenewalFailures | Should -Be 0
        } finally {
            $server | Stop-IamraCredentialServer
        }
    }

}

Describe 'Start-IamraCredentialServer -Wait (a service)' {
    It 'serves another process through a fixed port and an owner-only token file, and stops on SIG<Signal> (<Why>)' -Skip:$IsWindows -ForEach @(
        @{ Signal = 'TERM'; Why = 'a service manager stopping it' }
        @{ Signal = 'INT'; Why = 'Ctrl+C' }
    ) {
        $tokenPath = Join-Path $work "service-$Signal/token"
        $port = Get-FreePort
        $script = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$ModulePath'
Start-IamraCredentialServer -Path '$($sandbox.ClientCertificatePath)' -PrivateKeyPath '$($sandbox.ClientKeyPath)' -ChainPath '$($sandbox.ClientChainPath)' -TrustAnchorArn '$($sandbox.TrustAnchorArn)' -ProfileArn '$($sandbox.ProfileArn)' -RoleArn '$($sandbox.RoleArn)' -RolesAnywhereEndpointUrl '$($sandbox.RolesAnywhereEndpoint)' -CaBundlePath '$($sandbox.TlsCaBundlePath)' -ListenPort $port -TokenPath '$tokenPath' -Wait | Out-Null
"@
        $pwsh = Get-PwshCommand
        $info = [System.Diagnostics.ProcessStartInfo]::new($pwsh[0])
        foreach ($a in @($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-Command', $script)) { $info.ArgumentList.Add($a) }
        $info.RedirectStandardOutput = $true
        $info.RedirectStandardError = $true
        $service = [System.Diagnostics.Process]::Start($info)
        $stderr = $service.StandardError.ReadToEndAsync()
        $null = $service.StandardOutput.ReadToEndAsync()
        try {
            $deadline = [DateTime]::UtcNow.AddSeconds(60)
            while (-not (Test-Path $tokenPath) -and [DateTime]::UtcNow -lt $deadline -and -not $service.HasExited) { Start-Sleep -Milliseconds 200 }
            $why = if ($service.HasExited) { $stderr.Result } else { 'still running' }
            Test-Path $tokenPath | Should -BeTrue -Because "the service writes its token file ($why)"
            (Get-Item $tokenPath).UnixFileMode | Should -Be ([System.IO.UnixFileMode] 'UserRead, UserWrite')

            $env:AWS_CONTAINER_CREDENTIALS_FULL_URI = "http://127.0.0.1:$port/credentials"
            $env:AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE = $tokenPath
            $result = Invoke-Sts
            $result.ExitCode | Should -Be 0 -Because $result.Text

            & kill "-$Signal" $service.Id
            $service.WaitForExit(30000) | Should -BeTrue -Because "SIG$Signal stops the service"
            $service.WaitForExit()
            if ($Signal -eq 'TERM') { $service.ExitCode | Should -Be 0 -Because $stderr.Result }
            Test-Path $tokenPath | Should -BeFalse -Because 'the token file goes with the server'
        } finally {
            Remove-Item Env:AWS_CONTAINER_CREDENTIALS_FULL_URI, Env:AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE -ErrorAction SilentlyContinue
            if (-not $service.HasExited) { $service.Kill($true) }
        }
    }
}

Describe 'The service examples (examples/credential-server)' {
    It '<File> runs Start-IamraCredentialServer -Wait with a token file and parameters that exist' -ForEach @(
        @{ File = 'redshift-iamra-credentials.service' }
        @{ File = 'Register-CredentialServerTask.ps1' }
    ) {
        $text = Get-Content -Raw (Join-Path $RepoRoot "examples/credential-server/$File")
        $script = if ($File -like '*.service') {
            ($text -split "`n" | Where-Object { $_ -like 'ExecStart=*' }) -replace '^ExecStart=.*?-Command "(.*)"\s*$', '$1'
        } else {
            [regex]::Match($text, '\$command = "(.*?)" \+\s*"(.*?)"', 'Singleline') | ForEach-Object { ($_.Groups[1].Value + $_.Groups[2].Value) -replace '`\$', '$' }
        }
        $script | Should -Not -BeNullOrEmpty
        $errors = $null
        $ast = [System.Management.Automation.Language.Parser]::ParseInput($script, [ref] $null, [ref] $errors)
        $errors | Should -BeNullOrEmpty
        $call = $ast.FindAll({ $args[0] -is [System.Management.Automation.Language.CommandAst] -and $args[0].GetCommandName() -eq 'Start-IamraCredentialServer' }, $true) | Select-Object -First 1
        $call | Should -Not -BeNullOrEmpty
        $names = @($call.CommandElements | Where-Object { $_ -is [System.Management.Automation.Language.CommandParameterAst] } | ForEach-Object ParameterName)
        $names | Should -Contain 'Wait'
        $names | Should -Contain 'TokenPath'
        $known = (Get-Command Start-IamraCredentialServer).Parameters.Keys
        foreach ($name in $names) { $known | Should -Contain $name }
    }
}

Describe 'Update-IamraCredentialFile' {
    It 'writes one profile atomically, keeps the rest of the file, and the AWS CLI uses it' {
        $file = Join-Path $work 'credentials'
        $original = "# team keys`r`n[other]`r`naws_access_key_id = AKIAOTHEROTHEROTHER1`r`naws_secret_access_key = keep-me`r`n"
        [IO.File]::WriteAllText($file, $original)
        $s = Get-IamraSession @certificate @session
        $written = $s | Update-IamraCredentialFile -ProfileName onprem -CredentialsPath $file -Once
        $written.FullName | Should -Be $file
        $text = [IO.File]::ReadAllText($file)
        $text.StartsWith($original) | Should -BeTrue
        $text | Should -Match "\[onprem\]`r`naws_access_key_id = $($s.AccessKeyId)`r`n"
        $text | Should -Match "x_security_token_expires = $($s.ExpiresAt.UtcDateTime.ToString('yyyy-MM-ddTHH:mm:ss'))Z"
        $text | Should -Not -Match "(?<!`r)`n"

        $env:AWS_SHARED_CREDENTIALS_FILE = $file
        try {
            $result = Invoke-Sts -Extra '--profile', 'onprem'
            $result.ExitCode | Should -Be 0 -Because $result.Text
            ($result.Text | ConvertFrom-Json).Arn | Should -Match '^arn:aws:sts::'
        } finally {
            $env:AWS_SHARED_CREDENTIALS_FILE = Join-Path $work 'no-credentials'
        }
    }

    It 'creates a new file readable by its owner only' -Skip:$IsWindows {
        $file = Join-Path $work 'fresh/credentials'
        $null = Get-IamraSession @certificate @session | Update-IamraCredentialFile -ProfileName onprem -CredentialsPath $file -Once
        (Get-Item $file).UnixFileMode | Should -Be ([System.IO.UnixFileMode] 'UserRead, UserWrite')
    }

    It 'refuses a bad profile name before writing' {
        $err = $null
        $file = Join-Path $work 'untouched'
        Get-IamraSession @certificate @session | Update-IamraCredentialFile -ProfileName 'bad name]' -CredentialsPath $file -Once -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'IamraInvalidProfileName,*'
        Test-Path $file | Should -BeFalse
    }
}

Describe 'The cached credential_process' {
    BeforeAll {
        $config = Join-Path $work 'cp-config'
        $cache = Join-Path $work 'cache'
        Set-IamraAwsProfile -ProfileName cached @certificate @session -RoleSessionName "cp-$([guid]::NewGuid().ToString('N').Substring(0, 12))" -ConfigPath $config
    }

    It 'two concurrent AWS CLI calls make one CreateSession, and the next call none' {
        $before = Get-CreateSessions
        $children = foreach ($i in 1..2) {
            $info = [System.Diagnostics.ProcessStartInfo]::new((Get-Command aws).Source)
            foreach ($a in 'sts', 'get-caller-identity', '--profile', 'cached', '--endpoint-url', $moto.Url, '--output', 'json') { $info.ArgumentList.Add($a) }
            $info.Environment['AWS_CONFIG_FILE'] = $config
            $info.Environment['REDSHIFTIAMRA_CACHE_DIR'] = $cache
            $info.RedirectStandardOutput = $true
            $info.RedirectStandardError = $true
            $p = [System.Diagnostics.Process]::Start($info)
            [pscustomobject]@{ Process = $p; Out = $p.StandardOutput.ReadToEndAsync(); Err = $p.StandardError.ReadToEndAsync() }
        }
        foreach ($child in $children) {
            $child.Process.WaitForExit(120000) | Should -BeTrue
            $child.Process.ExitCode | Should -Be 0 -Because $child.Err.Result
            ($child.Out.Result | ConvertFrom-Json).Arn | Should -Match '^arn:aws:sts::'
        }
        (Get-CreateSessions) - $before | Should -Be 1 -Because 'the second process waited for the first one''s session'

        $env:AWS_CONFIG_FILE = $config
        $env:REDSHIFTIAMRA_CACHE_DIR = $cache
        try {
            $result = Invoke-Sts -Extra '--profile', 'cached'
            $result.ExitCode | Should -Be 0 -Because $result.Text
        } finally {
            $env:AWS_CONFIG_FILE = Join-Path $work 'no-config'
            Remove-Item Env:REDSHIFTIAMRA_CACHE_DIR
        }
        (Get-CreateSessions) - $before | Should -Be 1 -Because 'a warm cache makes no CreateSession'
        $files = @(Get-ChildItem $cache -Filter *.json)
        $files.Count | Should -Be 1
        if (-not $IsWindows) { $files[0].UnixFileMode | Should -Be ([System.IO.UnixFileMode] 'UserRead, UserWrite') }
    }
}

# Last: removing the module also stops the sandbox this file uses.
Describe 'Remove-Module' {
    It 'stops background servers, restoring the environment' {
        $server = Get-IamraSession @certificate @session | Start-IamraCredentialServer
        $env:AWS_CONTAINER_CREDENTIALS_FULL_URI | Should -Not -BeNullOrEmpty
        Remove-Module RedshiftIamra
        $server.State | Should -Be 'Stopped'
        $env:AWS_CONTAINER_CREDENTIALS_FULL_URI | Should -BeNullOrEmpty
        $env:AWS_CONTAINER_AUTHORIZATION_TOKEN | Should -BeNullOrEmpty
        Import-Module $ModulePath -Force
    }

    It 'stops them too after the module was imported again with -Force' {
        Import-Module $ModulePath -Force
        Import-Module $ModulePath -Force
        $fresh = Start-RedshiftIamraSandbox
        $freshSession = $fresh.SessionParameters
        $freshCertificate = $fresh.CertificateParameters
        $server = Get-IamraSession @freshCertificate @freshSession | Start-IamraCredentialServer
        Remove-Module RedshiftIamra
        $server.State | Should -Be 'Stopped'
        $env:AWS_CONTAINER_CREDENTIALS_FULL_URI | Should -BeNullOrEmpty
        @(Get-Module -All | Where-Object Name -Like '*RedshiftIamra.PowerShell*').Count | Should -Be 0 -Because 'the cmdlet assembly module goes with the module'
        Import-Module $ModulePath -Force
    }
}
