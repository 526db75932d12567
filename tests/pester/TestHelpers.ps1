# Shared by the Pester files: where the staged module is, how to start a child pwsh the
# way a user would, and a small test PKI built with the .NET certificate APIs.

$script:ModulePath = $env:REDSHIFTIAMRA_MODULE
if (-not $script:ModulePath -or -not (Test-Path $script:ModulePath)) {
    throw 'REDSHIFTIAMRA_MODULE must name the staged RedshiftIamra.psd1: run the tests with "dotnet pwsh ./build.ps1 test".'
}
$script:RepoRoot = $env:REDSHIFTIAMRA_REPO
$script:PackageRoot = $env:REDSHIFTIAMRA_PACKAGES
$script:InCI = $env:CI -eq 'true'

# The command line that starts this PowerShell in a fresh process.
function Get-PwshCommand {
    $exe = [Environment]::ProcessPath
    if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') {
        return @($exe, [System.Reflection.Assembly]::GetEntryAssembly().Location)
    }
    return @($exe)
}

# Runs a script in a fresh pwsh (-NoProfile -NonInteractive -File) and returns its exit
# code, standard output and standard error.
function Invoke-FreshPwsh {
    param([Parameter(Mandatory)] [string] $Script, [hashtable] $Environment = @{}, [int] $TimeoutSeconds = 120)
    $file = Join-Path ([IO.Path]::GetTempPath()) "iamra-child-$([guid]::NewGuid().ToString('N')).ps1"
    Set-Content -Path $file -Value $Script
    try {
        $pwsh = Get-PwshCommand
        $info = [System.Diagnostics.ProcessStartInfo]::new($pwsh[0])
        foreach ($a in ($pwsh | Select-Object -Skip 1)) { $info.ArgumentList.Add($a) }
        foreach ($a in '-NoProfile', '-NonInteractive', '-File', $file) { $info.ArgumentList.Add($a) }
        $info.RedirectStandardOutput = $true
        $info.RedirectStandardError = $true
        $info.UseShellExecute = $false
        $info.Environment['NO_COLOR'] = '1'
        foreach ($key in $Environment.Keys) { $info.Environment[$key] = $Environment[$key] }
        $process = [System.Diagnostics.Process]::Start($info)
        $stdout = $process.StandardOutput.ReadToEndAsync()
        $stderr = $process.StandardError.ReadToEndAsync()
        if (-not $process.WaitForExit($TimeoutSeconds * 1000)) {
            $process.Kill($true)
            throw "The child pwsh did not finish within $TimeoutSeconds s."
        }
        [pscustomobject]@{
            ExitCode = $process.ExitCode
            Output   = $stdout.GetAwaiter().GetResult()
            Error    = $stderr.GetAwaiter().GetResult()
        }
    } finally {
        Remove-Item $file -ErrorAction SilentlyContinue
    }
}

function New-TestKey([string] $Kind = 'RSA2048') {
    switch ($Kind) {
        'RSA2048' { [System.Security.Cryptography.RSA]::Create(2048) }
        'RSA3072' { [System.Security.Cryptography.RSA]::Create(3072) }
        'RSA1024' { [System.Security.Cryptography.RSA]::Create(1024) }
        'P256' { [System.Security.Cryptography.ECDsa]::Create([System.Security.Cryptography.ECCurve+NamedCurves]::nistP256) }
        'P384' { [System.Security.Cryptography.ECDsa]::Create([System.Security.Cryptography.ECCurve+NamedCurves]::nistP384) }
        default { throw "Unknown key kind $Kind" }
    }
}

function New-CertificateRequest([string] $Subject, $Key) {
    $name = [System.Security.Cryptography.X509Certificates.X500DistinguishedName]::new($Subject)
    $hash = [System.Security.Cryptography.HashAlgorithmName]::SHA256
    if ($Key -is [System.Security.Cryptography.RSA]) {
        [System.Security.Cryptography.X509Certificates.CertificateRequest]::new($name, $Key, $hash, [System.Security.Cryptography.RSASignaturePadding]::Pkcs1)
    } else {
        [System.Security.Cryptography.X509Certificates.CertificateRequest]::new($name, $Key, $hash)
    }
}

# A self-signed test root CA.
function New-TestRootCA([string] $Subject = "CN=RedshiftIamra Test Root $([guid]::NewGuid().ToString('N').Substring(0, 8))") {
    $key = New-TestKey 'P256'
    $request = New-CertificateRequest $Subject $key
    $request.CertificateExtensions.Add([System.Security.Cryptography.X509Certificates.X509BasicConstraintsExtension]::new($true, $false, 0, $true))
    $request.CertificateExtensions.Add([System.Security.Cryptography.X509Certificates.X509KeyUsageExtension]::new('KeyCertSign, CrlSign', $true))
    $request.CreateSelfSigned([DateTimeOffset]::UtcNow.AddDays(-1), [DateTimeOffset]::UtcNow.AddYears(5))
}

# A client certificate issued by $Issuer, with its private key attached.
function New-TestClientCertificate {
    param(
        [Parameter(Mandatory)] $Issuer,
        [string] $Subject = "CN=redshift-iamra-test-$([guid]::NewGuid().ToString('N').Substring(0, 8))",
        [string] $KeyKind = 'RSA2048',
        [DateTimeOffset] $NotBefore = [DateTimeOffset]::UtcNow.AddDays(-1),
        [DateTimeOffset] $NotAfter = [DateTimeOffset]::UtcNow.AddDays(30),
        [switch] $ServerAuthOnly
    )
    $key = New-TestKey $KeyKind
    $request = New-CertificateRequest $Subject $key
    $request.CertificateExtensions.Add([System.Security.Cryptography.X509Certificates.X509BasicConstraintsExtension]::new($false, $false, 0, $true))
    $request.CertificateExtensions.Add([System.Security.Cryptography.X509Certificates.X509KeyUsageExtension]::new('DigitalSignature', $true))
    $usage = [System.Security.Cryptography.OidCollection]::new()
    $null = $usage.Add([System.Security.Cryptography.Oid]::new($(if ($ServerAuthOnly) { '1.3.6.1.5.5.7.3.1' } else { '1.3.6.1.5.5.7.3.2' })))
    $request.CertificateExtensions.Add([System.Security.Cryptography.X509Certificates.X509EnhancedKeyUsageExtension]::new($usage, $false))
    $serial = [byte[]]::new(16)
    [System.Security.Cryptography.RandomNumberGenerator]::Fill($serial)
    $serial[0] = $serial[0] -band 0x7F
    $issuerKey = [System.Security.Cryptography.X509Certificates.ECDsaCertificateExtensions]::GetECDsaPrivateKey($Issuer)
    $generator = [System.Security.Cryptography.X509Certificates.X509SignatureGenerator]::CreateForECDsa($issuerKey)
    $certificate = $request.Create($Issuer.SubjectName, $generator, $NotBefore, $NotAfter, $serial)
    if ($key -is [System.Security.Cryptography.RSA]) {
        [System.Security.Cryptography.X509Certificates.RSACertificateExtensions]::CopyWithPrivateKey($certificate, $key)
    } else {
        [System.Security.Cryptography.X509Certificates.ECDsaCertificateExtensions]::CopyWithPrivateKey($certificate, $key)
    }
}

# Writes a certificate (and optionally its private key) as PEM files; returns the paths.
function Export-TestPem {
    param([Parameter(Mandatory)] $Certificate, [Parameter(Mandatory)] [string] $Directory, [string] $Name = 'client', [securestring] $Password)
    $certPath = Join-Path $Directory "$Name.pem"
    $keyPath = Join-Path $Directory "$Name.key"
    Set-Content -Path $certPath -Value $Certificate.ExportCertificatePem() -NoNewline
    $key = [System.Security.Cryptography.X509Certificates.RSACertificateExtensions]::GetRSAPrivateKey($Certificate)
    if (-not $key) { $key = [System.Security.Cryptography.X509Certificates.ECDsaCertificateExtensions]::GetECDsaPrivateKey($Certificate) }
    if ($Password) {
        $plain = [System.Net.NetworkCredential]::new('', $Password).Password
        $pbe = [System.Security.Cryptography.PbeParameters]::new('Aes256Cbc', [System.Security.Cryptography.HashAlgorithmName]::SHA256, 100000)
        Set-Content -Path $keyPath -Value $key.ExportEncryptedPkcs8PrivateKeyPem($plain, $pbe) -NoNewline
    } else {
        Set-Content -Path $keyPath -Value $key.ExportPkcs8PrivateKeyPem() -NoNewline
    }
    [pscustomobject]@{ Certificate = $certPath; Key = $keyPath }
}

function Add-TestStoreCertificate($Certificate) {
    $store = [System.Security.Cryptography.X509Certificates.X509Store]::new('My', 'CurrentUser')
    $store.Open('ReadWrite')
    # Round-trip through PFX so the stored entry keeps its private key on every platform.
    $pfx = $Certificate.Export('Pkcs12')
    $persisted = [System.Security.Cryptography.X509Certificates.X509Certificate2]::new($pfx, [string] $null, 'Exportable, PersistKeySet, UserKeySet')
    $store.Add($persisted)
    $store.Close()
    $persisted
}

function Remove-TestStoreCertificate([string] $Thumbprint) {
    $store = [System.Security.Cryptography.X509Certificates.X509Store]::new('My', 'CurrentUser')
    $store.Open('ReadWrite')
    foreach ($c in @($store.Certificates | Where-Object Thumbprint -EQ $Thumbprint)) { $store.Remove($c) }
    $store.Close()
}

# A free TCP port on 127.0.0.1.
function Get-FreePort {
    $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $listener.Start()
    try { $listener.LocalEndpoint.Port } finally { $listener.Stop() }
}

# Starts moto_server (the AWS API emulator) on a free loopback port and waits until it
# answers. In CI a missing moto_server is a failure; elsewhere the caller may skip.
function Start-MotoServer {
    $command = Get-Command moto_server -ErrorAction SilentlyContinue
    if (-not $command) { throw 'moto_server is not on PATH (pip install "moto[server]").' }
    $port = Get-FreePort
    $info = [System.Diagnostics.ProcessStartInfo]::new($command.Source)
    foreach ($a in '-H', '127.0.0.1', '-p', "$port") { $info.ArgumentList.Add($a) }
    $info.RedirectStandardOutput = $true
    $info.RedirectStandardError = $true
    $info.UseShellExecute = $false
    $process = [System.Diagnostics.Process]::Start($info)
    $null = $process.StandardOutput.ReadToEndAsync()
    $null = $process.StandardError.ReadToEndAsync()
    $deadline = [DateTime]::UtcNow.AddSeconds(30)
    while ([DateTime]::UtcNow -lt $deadline) {
        try {
            $client = [System.Net.Sockets.TcpClient]::new()
            $client.Connect('127.0.0.1', $port)
            $client.Dispose()
            return [pscustomobject]@{ Process = $process; Port = $port; Url = "http://127.0.0.1:$port" }
        } catch {
            if ($process.HasExited) { throw "moto_server exited with code $($process.ExitCode)." }
            Start-Sleep -Milliseconds 100
        }
    }
    $process.Kill($true)
    throw 'moto_server did not start listening within 30 s.'
}

function Stop-MotoServer($Moto) {
    if ($Moto -and -not $Moto.Process.HasExited) { $Moto.Process.Kill($true); $Moto.Process.WaitForExit(5000) | Out-Null }
}

# The native credential_process helper of the staged module for this platform
# (bin/native/<rid>/redshift-iamra-credential-process); the path, whether or not it was built.
function Get-NativeHelperPath {
    $os = if ($IsWindows) { 'win' } elseif ($IsMacOS) { 'osx' } else { 'linux' }
    $rid = "$os-$("$([System.Runtime.InteropServices.RuntimeInformation]::ProcessArchitecture)".ToLowerInvariant())"
    Join-Path (Split-Path $ModulePath) "bin/native/$rid/redshift-iamra-credential-process$(if ($IsWindows) { '.exe' })"
}

# A profile's credential_process as botocore reads it from $env:AWS_CONFIG_FILE, split as botocore splits it.
function Get-ProfileArgv([string] $Profile) {
    $json = & python3 -c "import json,shlex,botocore.session; print(json.dumps(shlex.split(botocore.session.Session(profile='$Profile').get_scoped_config()['credential_process'])))"
    if ($LASTEXITCODE -ne 0) { throw "botocore could not read the profile '$Profile' from $env:AWS_CONFIG_FILE." }
    , @($json | ConvertFrom-Json)
}

# Runs the native helper with these arguments: its exit code, standard output and standard error.
function Invoke-NativeHelper([string[]] $Arguments) {
    $info = [System.Diagnostics.ProcessStartInfo]::new((Get-NativeHelperPath))
    foreach ($a in $Arguments) { $info.ArgumentList.Add($a) }
    $info.RedirectStandardOutput = $true
    $info.RedirectStandardError = $true
    $info.UseShellExecute = $false
    $p = [System.Diagnostics.Process]::Start($info)
    $stdout = $p.StandardOutput.ReadToEndAsync()
    $stderr = $p.StandardError.ReadToEnd()
    $p.WaitForExit()
    [pscustomobject]@{ ExitCode = $p.ExitCode; Stdout = $stdout.Result; Stderr = $stderr }
}

# aws sts get-caller-identity with a profile, against moto_server, as a job would run it:
# exit code, output and standard error.
function Invoke-AwsCallerIdentity([string] $Profile, $Moto) {
    $stderrFile = [IO.Path]::GetTempFileName()
    try {
        $output = & aws sts get-caller-identity --profile $Profile --endpoint-url $Moto.Url --output json 2>$stderrFile
        [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = ($output | Out-String); Stderr = (Get-Content -Raw $stderrFile) }
    } finally {
        Remove-Item $stderrFile -ErrorAction SilentlyContinue
    }
}
