# Every case of tests/corpus/BadInput.ps1 gives its specific error id, a message that names
# the bad value, no raw .NET exception, and reaches no network (the sandbox's audit log,
# which records every request that arrives, stays empty).
BeforeDiscovery {
    $script:cases = & (Join-Path $PSScriptRoot '../corpus/BadInput.ps1') | ForEach-Object {
        $label = ($_.Change.GetEnumerator() | Sort-Object Key | ForEach-Object { "-$($_.Key) '$($_.Value)'" }) -join ' '
        $_ + @{ Label = $label }
    }
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
    $sandbox = Start-RedshiftIamraSandbox
    $files = Join-Path ([IO.Path]::GetTempPath()) "iamra-corpus-$([guid]::NewGuid().ToString('N'))"
    $null = New-Item -ItemType Directory $files
    $root = New-TestRootCA

    function Write-Pem([string] $Name, $Certificate, [switch] $WithKey) {
        $text = $Certificate.ExportCertificatePem()
        if ($WithKey) {
            $key = [System.Security.Cryptography.X509Certificates.RSACertificateExtensions]::GetRSAPrivateKey($Certificate)
            if (-not $key) { $key = [System.Security.Cryptography.X509Certificates.ECDsaCertificateExtensions]::GetECDsaPrivateKey($Certificate) }
            $text += "`n" + $key.ExportPkcs8PrivateKeyPem()
        }
        Set-Content (Join-Path $files $Name) $text -NoNewline
    }

    function New-Leaf([string] $Name, [hashtable] $Options = @{}) {
        New-TestClientCertificate -Issuer $root -Subject "CN=corpus-$Name" @Options
    }

    $good = New-Leaf 'good'
    Write-Pem 'good.pem' $good
    Set-Content (Join-Path $files 'good-with-key.pem') ($good.ExportCertificatePem() + "`n" + [System.Security.Cryptography.X509Certificates.RSACertificateExtensions]::GetRSAPrivateKey($good).ExportPkcs8PrivateKeyPem())
    Set-Content (Join-Path $files 'other.key') ([System.Security.Cryptography.RSA]::Create(2048).ExportPkcs8PrivateKeyPem())
    Set-Content (Join-Path $files 'ec.key') ([System.Security.Cryptography.ECDsa]::Create([System.Security.Cryptography.ECCurve+NamedCurves]::nistP256).ExportPkcs8PrivateKeyPem())
    $pbe = [System.Security.Cryptography.PbeParameters]::new('Aes256Cbc', [System.Security.Cryptography.HashAlgorithmName]::SHA256, 1000)
    Set-Content (Join-Path $files 'encrypted.key') ([System.Security.Cryptography.X509Certificates.RSACertificateExtensions]::GetRSAPrivateKey($good).ExportEncryptedPkcs8PrivateKeyPem('right-password', $pbe))
    [IO.File]::WriteAllBytes((Join-Path $files 'client.pfx'), $good.Export('Pkcs12', 'right-password'))
    Set-Content (Join-Path $files 'empty.pem') '' -NoNewline
    $pem = $good.ExportCertificatePem()
    Set-Content (Join-Path $files 'truncated.pem') $pem.Substring(0, [int]($pem.Length / 2)) -NoNewline
    [IO.File]::WriteAllBytes((Join-Path $files 'garbage.bin'), [byte[]] (1..512 | ForEach-Object { ($_ * 37) % 256 }))
    [IO.File]::WriteAllBytes((Join-Path $files 'huge.pem'), [byte[]]::new(1100 * 1024))
    Set-Content (Join-Path $files 'wrong-label.pem') ("-----BEGIN PUBLIC KEY-----`n" + [Convert]::ToBase64String($good.PublicKey.ExportSubjectPublicKeyInfo()) + "`n-----END PUBLIC KEY-----`n")
    Set-Content (Join-Path $files 'key-only.pem') ([System.Security.Cryptography.RSA]::Create(2048).ExportPkcs8PrivateKeyPem())
    Write-Pem 'cert-only.pem' (New-Leaf 'cert-only')
    Write-Pem 'expired.pem' (New-Leaf 'expired' @{ NotBefore = [DateTimeOffset]::UtcNow.AddDays(-10); NotAfter = [DateTimeOffset]::UtcNow.AddDays(-1) }) -WithKey
    Write-Pem 'future.pem' (New-Leaf 'future' @{ NotBefore = [DateTimeOffset]::UtcNow.AddDays(2); NotAfter = [DateTimeOffset]::UtcNow.AddDays(10) }) -WithKey
    Write-Pem 'server-only.pem' (New-Leaf 'server-only' @{ ServerAuthOnly = $true }) -WithKey
    Write-Pem 'ca.pem' (New-TestRootCA -Subject 'CN=corpus-ca') -WithKey
    Write-Pem 'rsa1024.pem' (New-Leaf 'rsa1024' @{ KeyKind = 'RSA1024' }) -WithKey
    $openssl = Get-Command openssl -ErrorAction SilentlyContinue
    if (-not $openssl) { throw 'openssl is needed to make Ed25519, DSA and legacy encrypted keys for the corpus.' }
    Push-Location $files
    try {
        & openssl req -x509 -newkey ed25519 -nodes -keyout ed25519.key -out ed25519.pem -days 2 -subj '/CN=corpus-ed25519' 2>$null
        & openssl dsaparam -out dsaparam.pem 2048 2>$null
        & openssl req -x509 -newkey dsa:dsaparam.pem -nodes -keyout dsa.key -out dsa.pem -days 2 -subj '/CN=corpus-dsa' 2>$null
        & openssl genrsa -traditional -aes256 -passout pass:right-password -out legacy-encrypted.key 2048 2>$null
    } finally {
        Pop-Location
    }

    $wrong = ConvertTo-SecureString 'wrong-password' -AsPlainText -Force
    $any = ConvertTo-SecureString 'any-password' -AsPlainText -Force
    $configPath = Join-Path $files 'aws-config'
    $secret = ConvertTo-SecureString 'not-a-real-secret' -AsPlainText -Force

    $baselines = @{
        'Get-IamraSession' = @{ Path = (Join-Path $files 'good-with-key.pem') } + $sandbox.SessionParameters
        'Get-RedshiftDbCredential' = @{ AccessKey = 'AKIAEXAMPLEEXAMPLE00'; SecretKey = $secret; Region = 'us-east-1'; RedshiftEndpointUrl = $sandbox.RolesAnywhereEndpoint; CaBundlePath = $sandbox.TlsCaBundlePath; ClusterIdentifier = 'my-redshift-cluster'; DbUser = 'analytics_user' }
        'Get-RedshiftDbCredential-Serverless' = @{ AccessKey = 'AKIAEXAMPLEEXAMPLE00'; SecretKey = $secret; Region = 'us-east-1'; RedshiftEndpointUrl = $sandbox.RolesAnywhereEndpoint; CaBundlePath = $sandbox.TlsCaBundlePath; WorkgroupName = 'my-workgroup' }
        'Get-RedshiftDbCredential-Hostname' = @{ AccessKey = 'AKIAEXAMPLEEXAMPLE00'; SecretKey = $secret; Region = 'us-east-1'; RedshiftEndpointUrl = $sandbox.RolesAnywhereEndpoint; CaBundlePath = $sandbox.TlsCaBundlePath }
        'Get-IamraCertificate' = @{}
        'New-IamraSessionOption' = @{}
        'Connect-RedshiftIamra' = @{ Path = (Join-Path $files 'good-with-key.pem'); TrustAnchorArn = $sandbox.TrustAnchorArn; ProfileArn = $sandbox.ProfileArn; RoleArn = $sandbox.RoleArn; RolesAnywhereEndpointUrl = $sandbox.RolesAnywhereEndpoint; CaBundlePath = $sandbox.TlsCaBundlePath; ClusterIdentifier = 'my-redshift-cluster'; DbUser = 'analytics_user'; Region = 'us-east-1' }
        'Set-IamraAwsProfile' = @{ ProfileName = 'corpus'; Path = (Join-Path $files 'good-with-key.pem'); TrustAnchorArn = $sandbox.TrustAnchorArn; ProfileArn = $sandbox.ProfileArn; RoleArn = $sandbox.RoleArn; ConfigPath = $configPath }
        'Get-RedshiftIamraStack' = @{ AccessKey = 'AKIAEXAMPLEEXAMPLE00'; SecretKey = $secret; Region = 'us-east-1'; CloudFormationEndpointUrl = $sandbox.RolesAnywhereEndpoint; CaBundlePath = $sandbox.TlsCaBundlePath; StackName = 'redshift-test' }
        'Save-RedshiftIamraConfig' = @{ Name = 'corpus'; Path = (Join-Path $files 'good-with-key.pem'); TrustAnchorArn = $sandbox.TrustAnchorArn; ProfileArn = $sandbox.ProfileArn; RoleArn = $sandbox.RoleArn; ClusterIdentifier = 'my-redshift-cluster'; DbUser = 'analytics_user' }
    }

    # Save-RedshiftIamraConfig writes here if a bad input were let through; it must stay absent.
    $savedConfigVariable = $env:REDSHIFTIAMRA_CONFIG
    $env:REDSHIFTIAMRA_CONFIG = Join-Path $files 'redshiftiamra-config.json'

    function Resolve-Value($Value) {
        if ($Value -is [string] -and $Value -match '^\{file:(.+)\}$') { return Join-Path $files $Matches[1] }
        if ($Value -is [string] -and $Value -match '^\{option:(\w+)=(.+)\}$') { $setting = @{ $Matches[1] = $Matches[2] }; return New-IamraSessionOption @setting }
        if ($Value -is [string] -and $Value -match '^\{password:(.+)\}$') { return $(if ($Matches[1] -eq 'wrong') { $wrong } else { $any }) }
        return $Value
    }

    $callsBefore = $sandbox.CountCalls()
}

AfterAll {
    $sandbox.CountCalls() | Should -Be $callsBefore -Because 'no bad input may reach the network'
    Test-Path $env:REDSHIFTIAMRA_CONFIG | Should -BeFalse -Because 'no bad input may be saved'
    $env:REDSHIFTIAMRA_CONFIG = $savedConfigVariable
    Write-Host "      bad-input corpus: $($cases.Count) cases, $($sandbox.CountCalls() - $callsBefore) requests reached the sandbox"
    if ($env:REDSHIFTIAMRA_SCOREBOARD) {
        @{ cases = $cases.Count; requests = $sandbox.CountCalls() - $callsBefore } | ConvertTo-Json | Set-Content (Join-Path $env:REDSHIFTIAMRA_SCOREBOARD 'badinput.json')
    }
    Stop-RedshiftIamraSandbox
    Remove-Item $files -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Bad input' {
    It '<Cmdlet> <Label> → <Id>' -ForEach $cases {
        $cmdletName = $Cmdlet -replace '-(Serverless|Hostname)$', ''
        $parameters = $baselines[$Cmdlet].Clone()
        foreach ($entry in $Change.GetEnumerator()) {
            if ($entry.Key -eq 'Path' -and $parameters.ContainsKey('Path')) { $parameters.Remove('Path') }
            $parameters[$entry.Key] = Resolve-Value $entry.Value
        }
        $err = $null
        $before = $sandbox.CountCalls()
        & $cmdletName @parameters -ErrorVariable err -ErrorAction SilentlyContinue | Out-Null
        $sandbox.CountCalls() | Should -Be $before -Because 'bad input is rejected before any network call'
        $err | Should -Not -BeNullOrEmpty -Because 'bad input must be an error'
        $record = $err[0]
        $record.FullyQualifiedErrorId.Split(',')[0] | Should -Be $Id -Because $record.Exception.Message
        $record.Exception.GetType().FullName | Should -Match '^RedshiftIamra\.' -Because 'no raw .NET exception escapes'
        $message = $record.Exception.Message
        if ($MentionParameter) {
            $path = Resolve-Value $Change[$MentionParameter]
            $subject = 'corpus-' + [IO.Path]::GetFileNameWithoutExtension($path)
            ($message.Contains($path) -or $message.Contains($subject)) | Should -BeTrue -Because "the message names the file or its certificate: $message"
        } elseif ($Mention) {
            $message | Should -Match ([regex]::Escape([string] (Resolve-Value $Mention))) -Because 'the message names the bad value'
        }
    }
}
