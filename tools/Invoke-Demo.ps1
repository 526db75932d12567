<#
.SYNOPSIS
    The README's main example, end to end, on this machine.

.DESCRIPTION
    Imports the staged module, issues a throw-away organisation CA and a client
    certificate into Cert:\CurrentUser\My, shows Get-IamraCertificate finding and
    judging it, then removes what it created.
#>
param([Parameter(Mandatory)] [string] $ModulePath)

$ErrorActionPreference = 'Stop'
$timer = [System.Diagnostics.Stopwatch]::StartNew()
function Step([string] $Text) { Write-Host ("[{0,6:N0} ms] {1}" -f $timer.Elapsed.TotalMilliseconds, $Text) -ForegroundColor Cyan }

Step 'Importing RedshiftIamra'
Import-Module $ModulePath

Step 'Issuing a throw-away organisation CA and a client certificate into Cert:\CurrentUser\My'
$hash = [System.Security.Cryptography.HashAlgorithmName]::SHA256
$caKey = [System.Security.Cryptography.ECDsa]::Create([System.Security.Cryptography.ECCurve+NamedCurves]::nistP384)
$caRequest = [System.Security.Cryptography.X509Certificates.CertificateRequest]::new('CN=RedshiftIamra Demo CA, O=Example Corp', $caKey, $hash)
$caRequest.CertificateExtensions.Add([System.Security.Cryptography.X509Certificates.X509BasicConstraintsExtension]::new($true, $false, 0, $true))
$caRequest.CertificateExtensions.Add([System.Security.Cryptography.X509Certificates.X509KeyUsageExtension]::new('KeyCertSign, CrlSign', $true))
$ca = $caRequest.CreateSelfSigned([DateTimeOffset]::UtcNow.AddMinutes(-5), [DateTimeOffset]::UtcNow.AddDays(30))

$subject = "CN=etl-host-demo-$([guid]::NewGuid().ToString('N').Substring(0, 6)), O=Example Corp"
$clientKey = [System.Security.Cryptography.RSA]::Create(2048)
$clientRequest = [System.Security.Cryptography.X509Certificates.CertificateRequest]::new($subject, $clientKey, $hash, [System.Security.Cryptography.RSASignaturePadding]::Pkcs1)
$clientRequest.CertificateExtensions.Add([System.Security.Cryptography.X509Certificates.X509BasicConstraintsExtension]::new($false, $false, 0, $true))
$clientRequest.CertificateExtensions.Add([System.Security.Cryptography.X509Certificates.X509KeyUsageExtension]::new('DigitalSignature', $true))
$eku = [System.Security.Cryptography.OidCollection]::new()
$null = $eku.Add([System.Security.Cryptography.Oid]::new('1.3.6.1.5.5.7.3.2'))
$clientRequest.CertificateExtensions.Add([System.Security.Cryptography.X509Certificates.X509EnhancedKeyUsageExtension]::new($eku, $false))
$generator = [System.Security.Cryptography.X509Certificates.X509SignatureGenerator]::CreateForECDsa($caKey)
$serial = [byte[]] (1..16 | ForEach-Object { Get-Random -Maximum 256 }); $serial[0] = $serial[0] -band 0x7F
$issued = $clientRequest.Create($ca.SubjectName, $generator, [DateTimeOffset]::UtcNow.AddMinutes(-5), [DateTimeOffset]::UtcNow.AddDays(7), $serial)
$withKey = [System.Security.Cryptography.X509Certificates.RSACertificateExtensions]::CopyWithPrivateKey($issued, $clientKey)
$client = [System.Security.Cryptography.X509Certificates.X509Certificate2]::new($withKey.Export('Pkcs12'), [string] $null, 'Exportable, PersistKeySet, UserKeySet')
$store = [System.Security.Cryptography.X509Certificates.X509Store]::new('My', 'CurrentUser')
$store.Open('ReadWrite'); $store.Add($client); $store.Close()

try {
    Step "Get-IamraCertificate -Subject '$($subject.Split(',')[0])*'"
    $found = Get-IamraCertificate -Subject "$($subject.Split(',')[0])*" -Verbose
    $found | Format-Table | Out-Host
    $found | Format-List | Out-Host
} finally {
    Step 'Removing the demo certificate from Cert:\CurrentUser\My'
    $store.Open('ReadWrite'); $store.Remove($client); $store.Close()
}
Step 'Done'
