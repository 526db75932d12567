# Runs every cmdlet on success and error paths with -Verbose -Debug inside a transcript, then
# searches everything a user or a log could see for the known secrets. Zero hits.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
    $work = Join-Path ([IO.Path]::GetTempPath()) "iamra-secrets-$([guid]::NewGuid().ToString('N'))"
    $null = New-Item -ItemType Directory $work
    $sandbox = Start-RedshiftIamraSandbox -Database -ImportClientCertificate
    $sandbox.AddDatabaseUser('analytics_user')
    $session = $sandbox.SessionParameters
    $redshift = $sandbox.RedshiftParameters
    $root = $sandbox.TlsCaBundlePath
    $thumbprint = $sandbox.ClientCertificate.Thumbprint

    # A PFX and an encrypted key with known passwords.
    $pfxPassword = 'Pfx-Secret-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    $keyPassword = 'Key-Secret-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    $pfxPath = Join-Path $work 'client.pfx'
    [IO.File]::WriteAllBytes($pfxPath, $sandbox.ClientCertificate.Certificate.Export('Pkcs12', $pfxPassword))
    $keyPath = Join-Path $work 'client.key'
    $pbe = [System.Security.Cryptography.PbeParameters]::new('Aes256Cbc', [System.Security.Cryptography.HashAlgorithmName]::SHA256, 1000)
    $ecKey = [System.Security.Cryptography.X509Certificates.ECDsaCertificateExtensions]::GetECDsaPrivateKey($sandbox.ClientCertificate.Certificate)
    Set-Content $keyPath $ecKey.ExportEncryptedPkcs8PrivateKeyPem($keyPassword, $pbe)
    $privateKeyBase64 = [Convert]::ToBase64String($ecKey.ExportPkcs8PrivateKey())
    $privateKeyPemBody = (Get-Content -Raw $sandbox.ClientKeyPath) -replace '-----[A-Z ]+-----', '' -replace '\s', ''

    # Saved settings go to a file of this test's; it is searched like the others.
    $savedConfigVariable = $env:REDSHIFTIAMRA_CONFIG
    $env:REDSHIFTIAMRA_CONFIG = Join-Path $work 'redshiftiamra-config.json'

    $transcript = Join-Path $work 'transcript.txt'
    $captured = [System.Collections.Generic.List[string]]::new()
    function Capture([scriptblock] $Script) {
        $items = & $Script *>&1
        $items | Out-Host   # so the transcript records every stream too
        foreach ($item in $items) {
            $captured.Add(($item | Out-String))
            $captured.Add(($item | Format-List * -Force | Out-String))
            if ($item -is [System.Management.Automation.ErrorRecord]) {
                for ($e = $item.Exception; $e; $e = $e.InnerException) { $captured.Add($e.ToString()); $captured.Add($e.Message) }
                $captured.Add([string] $item.ErrorDetails)
                $captured.Add([string] $item.TargetObject)
            } elseif ($null -ne $item) {
                $captured.Add($item.ToString())
            }
        }
        $items
    }

    Start-Transcript -Path $transcript -Force | Out-Null
    $VerbosePreference = 'Continue'
    $DebugPreference = 'Continue'
    try {
        $certificate = Capture { Get-IamraCertificate -Path $pfxPath -Password (ConvertTo-SecureString $pfxPassword -AsPlainText -Force) -Verbose -Debug } | Where-Object { $_.GetType().Name -eq 'IamraCertificate' }
        Capture { Get-IamraCertificate -Path $sandbox.ClientCertificatePath -PrivateKeyPath $keyPath -Password (ConvertTo-SecureString $keyPassword -AsPlainText -Force) -Verbose -Debug } | Out-Null
        Capture { Get-IamraCertificate -Path $pfxPath -Password (ConvertTo-SecureString 'wrong' -AsPlainText -Force) -Verbose -Debug -ErrorAction Continue } | Out-Null
        $s = Capture { $certificate | Get-IamraSession @session -Force -Verbose -Debug } | Where-Object { $_.GetType().Name -eq 'IamraSession' }
        Capture { $certificate | Get-IamraSession @session -RoleArn 'arn:aws:iam::123456789012:role/not-allowed' -Force -Verbose -Debug -ErrorAction Continue } | Out-Null
        $c = Capture { $s | Get-RedshiftDbCredential @redshift -ClusterIdentifier $sandbox.ClusterIdentifier -DbUser analytics_user -DbName dev -Force -Verbose -Debug } | Where-Object { $_.GetType().Name -eq 'RedshiftDbCredential' }
        Capture { $s | Get-RedshiftDbCredential @redshift -ClusterIdentifier no-such-cluster -DbUser analytics_user -Verbose -Debug -ErrorAction Continue } | Out-Null
        Capture { $c | ConvertTo-RedshiftConnectionString -Format Environment -Verbose -Debug } | Out-Null
        $conn = Capture { $c | Connect-RedshiftIamra -RootCertificatePath $root -Verbose -Debug } | Where-Object { $_.GetType().Name -eq 'RedshiftConnection' }
        Capture { Invoke-RedshiftQuery 'select current_user' -Verbose -Debug } | Out-Null
        Capture { Invoke-RedshiftQuery 'select * from missing_table' -Verbose -Debug -ErrorAction Continue } | Out-Null
        Capture { $c | Connect-RedshiftIamra -Verbose -Debug -ErrorAction Continue } | Out-Null
        Capture { Test-RedshiftIamraConnection -Thumbprint $thumbprint -TrustAnchorArn $sandbox.TrustAnchorArn -ProfileArn $sandbox.ProfileArn -RoleArn $sandbox.RoleArn -RolesAnywhereEndpointUrl $sandbox.RolesAnywhereEndpoint -CaBundlePath $root -RedshiftEndpointUrl $sandbox.RedshiftEndpoint -ClusterIdentifier $sandbox.ClusterIdentifier -DbUser analytics_user -RootCertificatePath $root -Verbose -Debug } | Out-Null
        Capture { Set-IamraAwsProfile -ProfileName secrets -Thumbprint $thumbprint @session -ConfigPath (Join-Path $work 'config') -Verbose -Debug } | Out-Null
        Capture { Disconnect-RedshiftIamra -Verbose -Debug } | Out-Null
        Capture { $s | Get-RedshiftIamraStack redshift-test -CloudFormationEndpointUrl $sandbox.RolesAnywhereEndpoint -CaBundlePath $root -Verbose -Debug -ErrorAction Continue } | Out-Null
        Capture { Save-RedshiftIamraConfig -Name secrets -Path $sandbox.ClientCertificatePath -PrivateKeyPath $keyPath -TrustAnchorArn $sandbox.TrustAnchorArn -ProfileArn $sandbox.ProfileArn -RoleArn $sandbox.RoleArn -RolesAnywhereEndpointUrl $sandbox.RolesAnywhereEndpoint -CaBundlePath $root -RedshiftEndpointUrl $sandbox.RedshiftEndpoint -ClusterIdentifier $sandbox.ClusterIdentifier -DbUser analytics_user -DbName dev -RootCertificatePath $root -Verbose -Debug } | Out-Null
        Capture { Get-RedshiftIamraConfig -Verbose -Debug } | Out-Null
        $fromConfig = Capture { Test-RedshiftIamraConnection -ConfigName secrets -Password (ConvertTo-SecureString $keyPassword -AsPlainText -Force) -Verbose -Debug } | Where-Object { $_.GetType().Name -eq 'ConnectionCheckResult' }
        Capture { Connect-RedshiftIamra -ConfigName secrets -Password (ConvertTo-SecureString 'wrong' -AsPlainText -Force) -NoDefault -Verbose -Debug -ErrorAction Continue } | Out-Null
    } finally {
        $VerbosePreference = 'SilentlyContinue'
        $DebugPreference = 'SilentlyContinue'
        Stop-Transcript | Out-Null
    }

    $secrets = [ordered]@{
        'secret access key' = [System.Net.NetworkCredential]::new('', $s.SecretAccessKey).Password
        'session token'     = [System.Net.NetworkCredential]::new('', $s.SessionToken).Password
        'database password' = [System.Net.NetworkCredential]::new('', $c.DbPassword).Password
        'PFX password'      = $pfxPassword
        'key passphrase'    = $keyPassword
        'private key (base64 DER)' = $privateKeyBase64
        'private key (PEM body)'   = $privateKeyPemBody
    }
    $places = [ordered]@{
        'output, streams, Format-List *, ToString, errors' = $captured -join "`n"
        'transcript' = Get-Content -Raw $transcript
        'sandbox audit log' = Get-Content -Raw $sandbox.AuditLogPath
        'AWS config file' = Get-Content -Raw (Join-Path $work 'config')
        'RedshiftIamra config file' = Get-Content -Raw $env:REDSHIFTIAMRA_CONFIG
    }
    if ($sandbox.PostgresLogPath -and (Test-Path $sandbox.PostgresLogPath)) { $places['PostgreSQL log'] = Get-Content -Raw $sandbox.PostgresLogPath }
}

AfterAll {
    $env:REDSHIFTIAMRA_CONFIG = $savedConfigVariable
    if ($env:REDSHIFTIAMRA_SCOREBOARD) {
        $hits = 0
        foreach ($value in $secrets.Values) { foreach ($text in $places.Values) { if ($text.Contains($value)) { $hits++ } } }
        @{ secrets = $secrets.Count; places = $places.Count; searches = $secrets.Count * $places.Count; hits = $hits } | ConvertTo-Json | Set-Content (Join-Path $env:REDSHIFTIAMRA_SCOREBOARD 'secrets.json')
    }
    Stop-RedshiftIamraSandbox
    Remove-Item $work -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Secret hygiene' {
    It 'captured enough to search (the scenario ran)' {
        $s.AccessKeyId | Should -Match '^ASIA'
        $c.DbUser | Should -Be 'IAM:analytics_user'
        ($captured -join "`n").Length | Should -BeGreaterThan 5000
        $places['transcript'] | Should -Match 'CreateSession'
        $places['transcript'] | Should -Match 'DescribeStacks'
        $places['RedshiftIamra config file'] | Should -Match '"secrets"'
        @($fromConfig.Stages | Where-Object Name -in 'Certificate', 'Session', 'DbCredential' | Where-Object Status -eq 'Passed').Count | Should -Be 3 -Because 'the saved settings with the key passphrase reach a database credential'
    }

    It 'finds no <Secret> in <Place>' -ForEach @(
        foreach ($secret in 'secret access key', 'session token', 'database password', 'PFX password', 'key passphrase', 'private key (base64 DER)', 'private key (PEM body)') {
            foreach ($place in 'output, streams, Format-List *, ToString, errors', 'transcript', 'sandbox audit log', 'AWS config file', 'RedshiftIamra config file', 'PostgreSQL log') {
                @{ Secret = $secret; Place = $place }
            }
        }
    ) {
        $places.Contains($Place) | Should -BeTrue -Because "the $Place must exist to be searched"
        $value = $secrets[$Secret]
        $value | Should -Not -BeNullOrEmpty
        $places[$Place].Contains($value) | Should -BeFalse -Because "the $Secret must never appear in the $Place"
    }
}
