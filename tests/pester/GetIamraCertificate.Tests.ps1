BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
    $dir = Join-Path ([IO.Path]::GetTempPath()) "iamra-cert-$([guid]::NewGuid().ToString('N'))"
    $null = New-Item -ItemType Directory $dir
    $tag = [guid]::NewGuid().ToString('N').Substring(0, 10)
    $root = New-TestRootCA
    $older = New-TestClientCertificate -Issuer $root -Subject "CN=pester-$tag, O=RedshiftIamra Tests" -NotAfter ([DateTimeOffset]::UtcNow.AddDays(20))
    $newer = New-TestClientCertificate -Issuer $root -Subject "CN=pester-$tag, O=RedshiftIamra Tests" -NotAfter ([DateTimeOffset]::UtcNow.AddDays(40)) -KeyKind P256
    $expired = New-TestClientCertificate -Issuer $root -Subject "CN=pester-expired-$tag" -NotBefore ([DateTimeOffset]::UtcNow.AddDays(-30)) -NotAfter ([DateTimeOffset]::UtcNow.AddDays(-2))
    $stored = @($older, $newer, $expired | ForEach-Object { Add-TestStoreCertificate $_ })

    function Get-ErrorId([scriptblock] $Script) {
        try { & $Script; return $null } catch { return $_.FullyQualifiedErrorId.Split(',')[0] }
    }
}

AfterAll {
    foreach ($c in $stored) { Remove-TestStoreCertificate $c.Thumbprint }
    Remove-Item $dir -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Get-IamraCertificate from the store' {
    It 'finds certificates by subject wildcard, usable only, as IamraCertificate objects' {
        $found = @(Get-IamraCertificate -Subject "CN=pester-$tag*")
        $found.Count | Should -Be 2
        $found | ForEach-Object { $_ | Should -BeOfType ([type] $found[0].GetType()) }
        $found[0].GetType().FullName | Should -Be 'RedshiftIamra.IamraCertificate'
        $found.Thumbprint | Should -Contain $older.Thumbprint
        $found.Thumbprint | Should -Contain $newer.Thumbprint
        $found | ForEach-Object { $_.Source | Should -Be 'Cert:\CurrentUser\My' }
    }

    It '-Latest picks the one that expires last' {
        (Get-IamraCertificate -Subject "CN=pester-$tag*" -Latest).Thumbprint | Should -Be $newer.Thumbprint
    }

    It 'finds by thumbprint, whatever its case and separators' {
        $spaced = ($older.Thumbprint.ToLowerInvariant() -split '(.{2})' | Where-Object { $_ }) -join ' '
        (Get-IamraCertificate -Thumbprint $spaced).Thumbprint | Should -Be $older.Thumbprint
    }

    It 'binds a Thumbprint property from the pipeline' {
        ([pscustomobject]@{ Thumbprint = $newer.Thumbprint } | Get-IamraCertificate).Thumbprint | Should -Be $newer.Thumbprint
    }

    It 'finds by issuer and by serial number (hex or decimal)' {
        @(Get-IamraCertificate -Issuer $root.Subject).Count | Should -Be 2
        $decimal = [System.Numerics.BigInteger]::Parse('0' + $older.SerialNumber, 'HexNumber').ToString()
        (Get-IamraCertificate -SerialNumber $decimal).Thumbprint | Should -Be $older.Thumbprint
        (Get-IamraCertificate -SerialNumber $older.SerialNumber).SerialNumberDecimal | Should -Be $decimal
    }

    It 'reports key, validity and usage facts' {
        $c = Get-IamraCertificate -Thumbprint $newer.Thumbprint
        $c.KeyAlgorithm | Should -Be 'ECDSA'
        $c.Curve | Should -Be 'P-256'
        $c.HasPrivateKey | Should -BeTrue
        $c.ClientAuthentication | Should -BeTrue
        $c.DaysLeft | Should -BeIn (38..40)
        $c.Certificate | Should -BeOfType ([System.Security.Cryptography.X509Certificates.X509Certificate2])
    }

    It 'hides an expired certificate by default, and -All shows it with the reason' {
        Get-IamraCertificate -Subject "CN=pester-expired-$tag" -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $all = Get-IamraCertificate -Subject "CN=pester-expired-$tag" -All
        $all.Usable | Should -BeFalse
        $all.Reason | Should -Match ('expired on ' + $expired.NotAfter.ToUniversalTime().ToString('yyyy-MM-dd'))
    }

    It 'says why when the only match is expired' {
        $err = $null
        Get-IamraCertificate -Thumbprint $expired.Thumbprint -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'IamraCertificateExpired,*'
        $err[0].Exception.Message | Should -Match 'Renew it'
        $err[0].CategoryInfo.Category | Should -Be 'InvalidData'
    }

    It 'reports a selector that matches nothing' {
        Get-ErrorId { Get-IamraCertificate -Subject 'CN=no-such-certificate-*' } | Should -Be 'IamraCertificateNotFound'
    }

    It 'rejects a malformed thumbprint before opening any store' {
        Get-ErrorId { Get-IamraCertificate -Thumbprint 'not-a-thumbprint' } | Should -Be 'IamraThumbprintInvalid'
    }

    It 'explains that LocalMachine\My does not exist on Linux' -Skip:($IsWindows) {
        $err = $null
        Get-IamraCertificate -StoreLocation LocalMachine -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'IamraCertificateStoreNotSupported,*'
        $err[0].Exception.Message | Should -Match 'CurrentUser'
    }
}

Describe 'Get-IamraCertificate from files and the pipeline' {
    BeforeAll {
        $password = ConvertTo-SecureString 'Pester-Pa55word!' -AsPlainText -Force
        $plain = Export-TestPem -Certificate $older -Directory $dir -Name 'plain'
        $encrypted = Export-TestPem -Certificate $newer -Directory $dir -Name 'encrypted' -Password $password
        $pfxPath = Join-Path $dir 'client.pfx'
        [IO.File]::WriteAllBytes($pfxPath, $older.Export('Pkcs12', 'Pester-Pa55word!'))
        $chainPath = Join-Path $dir 'chain.pem'
        Set-Content $chainPath $root.ExportCertificatePem()
    }

    It 'reads a PEM certificate with its key file' {
        $c = Get-IamraCertificate -Path $plain.Certificate -PrivateKeyPath $plain.Key
        $c.Usable | Should -BeTrue
        $c.Thumbprint | Should -Be $older.Thumbprint
        $c.Source | Should -Be $plain.Certificate
    }

    It 'resolves relative paths against the current location' {
        Push-Location $dir
        try { (Get-IamraCertificate -Path ./plain.pem -PrivateKeyPath ./plain.key).Thumbprint | Should -Be $older.Thumbprint }
        finally { Pop-Location }
    }

    It 'decrypts an encrypted PKCS#8 key with -Password' {
        (Get-IamraCertificate -Path $encrypted.Certificate -PrivateKeyPath $encrypted.Key -Password $password).HasPrivateKey | Should -BeTrue
    }

    It 'asks for the password of an encrypted key, and rejects a wrong one' {
        Get-ErrorId { Get-IamraCertificate -Path $encrypted.Certificate -PrivateKeyPath $encrypted.Key } | Should -Be 'IamraCertificatePasswordRequired'
        $wrong = ConvertTo-SecureString 'wrong' -AsPlainText -Force
        Get-ErrorId { Get-IamraCertificate -Path $encrypted.Certificate -PrivateKeyPath $encrypted.Key -Password $wrong } | Should -Be 'IamraCertificatePasswordInvalid'
    }

    It 'reads a PFX with its password' {
        (Get-IamraCertificate -Path $pfxPath -Password $password).Thumbprint | Should -Be $older.Thumbprint
    }

    It 'rejects a key that belongs to another certificate' {
        Get-ErrorId { Get-IamraCertificate -Path $plain.Certificate -PrivateKeyPath $encrypted.Key -Password $password } | Should -Be 'IamraPrivateKeyMismatch'
    }

    It 'reports a missing file with its path' {
        $err = $null
        Get-IamraCertificate -Path (Join-Path $dir 'missing.pem') -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'IamraCertificateFileNotFound,*'
        $err[0].TargetObject | Should -BeLike '*missing.pem'
    }

    It 'reports a certificate without its private key' {
        Get-ErrorId { Get-IamraCertificate -Path $plain.Certificate } | Should -Be 'IamraNoPrivateKey'
    }

    It 'accepts X509Certificate2 objects from the pipeline and judges them together' {
        $result = @($older, $newer | Get-IamraCertificate -Latest)
        $result.Count | Should -Be 1
        $result[0].Thumbprint | Should -Be $newer.Thumbprint
        $result[0].Source | Should -Be 'Certificate object'
    }

    It 'attaches intermediates from -ChainPath but never the self-signed root' {
        (Get-IamraCertificate -Path $plain.Certificate -PrivateKeyPath $plain.Key -ChainPath $chainPath).Chain | Should -BeNullOrEmpty
    }

    It 'never shows the password, in output or in errors' {
        $wrong = ConvertTo-SecureString 'Never-Show-Me-42' -AsPlainText -Force
        $text = (Get-IamraCertificate -Path $encrypted.Certificate -PrivateKeyPath $encrypted.Key -Password $password | Format-List * | Out-String)
        $errorText = try { Get-IamraCertificate -Path $encrypted.Certificate -PrivateKeyPath $encrypted.Key -Password $wrong } catch { $_ | Format-List * -Force | Out-String }
        $text | Should -Not -Match 'Pester-Pa55word'
        $errorText | Should -Not -BeNullOrEmpty
        $errorText | Should -Not -Match 'Never-Show-Me-42'
    }

    It 'formats as a table with the useful columns' {
        $table = Get-IamraCertificate -Path $plain.Certificate -PrivateKeyPath $plain.Key | Format-Table | Out-String -Width 250
        $table | Should -Match 'Thumbprint'
        $table | Should -Match 'DaysLeft'
        $table | Should -Match 'RSA 2048'
    }
}
