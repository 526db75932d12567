# Keys that never leave a token: PKCS#11 certificate sources, driven as a user would drive them,
# against a throw-away SoftHSM2 token (its own SOFTHSM2_CONF and token folder) and the sandbox.
# In CI (CI=true) a missing SoftHSM2 or OpenSC is a failure, not a skip: tests/tools/install-peers.sh
# installs them.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force

    function Find-First([string[]] $Paths) { $Paths | Where-Object { Test-Path $_ } | Select-Object -First 1 }
    $softHsm = Find-First @('/usr/lib/softhsm/libsofthsm2.so', '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so',
        '/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so', '/usr/lib64/pkcs11/libsofthsm2.so', '/usr/local/lib/softhsm/libsofthsm2.so')
    $spy = Find-First @('/usr/lib/x86_64-linux-gnu/pkcs11-spy.so', '/usr/lib/aarch64-linux-gnu/pkcs11-spy.so',
        '/usr/lib/x86_64-linux-gnu/pkcs11/pkcs11-spy.so', '/usr/lib64/pkcs11-spy.so', '/usr/lib/pkcs11-spy.so')
    $missing = if ($IsWindows) { 'SoftHSM2 on Linux (these tests use Debian paths)' }
    elseif (-not (Get-Command softhsm2-util -ErrorAction SilentlyContinue)) { 'softhsm2-util' }
    elseif (-not (Get-Command pkcs11-tool -ErrorAction SilentlyContinue)) { 'pkcs11-tool (opensc)' }
    elseif (-not $softHsm) { 'libsofthsm2.so' }
    elseif (-not $spy) { 'pkcs11-spy.so (opensc)' }
    if ($missing -and $InCI) {
        throw "$missing is missing (CI=true: a missing peer is a failure). Run tests/tools/install-peers.sh."
    }

    # Returns $true (and marks the test skipped) when SoftHSM2 or OpenSC is not installed here.
    function Skip-WithoutSoftHsm {
        if ($missing) { Set-ItResult -Skipped -Because "$missing is not installed (tests/tools/install-peers.sh)"; return $true }
        return $false
    }

    $token = 'iamra-pester'
    $pin = '1234-pester'
    $work = Join-Path ([IO.Path]::GetTempPath()) "iamra-pkcs11-$([guid]::NewGuid().ToString('N').Substring(0, 8))"

    # A client certificate from the sandbox's org CA for an existing key, or for a bare public key.
    function New-SandboxCertificate($Subject, $Key, $PublicKey) {
        $type = $sandbox.GetType().Assembly.GetType('RedshiftIamra.Sandbox.SandboxCertificateRequest')
        $request = [Activator]::CreateInstance($type)
        $request.Subject = $Subject
        if ($Key) { $request.Key = $Key }
        if ($PublicKey) { $request.PublicKey = $PublicKey }
        $sandbox.IssueClientCertificate($request)
    }

    function Invoke-Pkcs11Tool([string[]] $Arguments) {
        $output = & pkcs11-tool --module $softHsm --token-label $token --login --pin $pin @Arguments 2>&1
        if ($LASTEXITCODE -ne 0) { throw "pkcs11-tool $($Arguments -join ' ') failed: $($output | Out-String)" }
    }

    function Import-TokenIdentity([string] $Id, [string] $Label, $Key, [string] $Subject) {
        $issued = New-SandboxCertificate $Subject $Key
        $keyFile = Join-Path $work "$Label.key.der"
        [IO.File]::WriteAllBytes($keyFile, $Key.ExportPkcs8PrivateKey())
        Invoke-Pkcs11Tool @('--write-object', $keyFile, '--type', 'privkey', '--id', $Id, '--label', $Label, '--usage-sign')
        Remove-Item $keyFile
        Write-TokenCertificate $Id $Label $issued.Certificate
        $issued.Certificate
    }

    function Write-TokenCertificate([string] $Id, [string] $Label, $Certificate) {
        $file = Join-Path $work "$Label.cert.der"
        [IO.File]::WriteAllBytes($file, $Certificate.RawData)
        Invoke-Pkcs11Tool @('--write-object', $file, '--type', 'cert', '--id', $Id, '--label', $Label)
    }

    function New-SoftHsmConfig([string] $Name, [string] $Mechanisms = 'ALL') {
        $path = Join-Path $work $Name
        Set-Content -Path $path -Value "directories.tokendir = $(Join-Path $work 'tokens')`nobjectstore.backend = file`nlog.level = ERROR`nslots.removable = false`nslots.mechanisms = $Mechanisms`n"
        $path
    }

    # A fresh pwsh with its own environment (the token's configuration, pkcs11-spy): output,
    # error, exit code and how long it took. -Interactive leaves out -NonInteractive; stdin is
    # redirected and closed either way, as under cron or a service.
    function Invoke-Child {
        param([string] $Script, [hashtable] $Environment = @{}, [switch] $Interactive, [int] $TimeoutSeconds = 90)
        $file = Join-Path $work "child-$([guid]::NewGuid().ToString('N')).ps1"
        Set-Content -Path $file -Value $Script
        $command = Get-PwshCommand
        $info = [System.Diagnostics.ProcessStartInfo]::new($command[0])
        foreach ($a in ($command | Select-Object -Skip 1)) { $info.ArgumentList.Add($a) }
        $info.ArgumentList.Add('-NoProfile')
        if (-not $Interactive) { $info.ArgumentList.Add('-NonInteractive') }
        foreach ($a in '-File', $file) { $info.ArgumentList.Add($a) }
        $info.RedirectStandardInput = $true
        $info.RedirectStandardOutput = $true
        $info.RedirectStandardError = $true
        $info.UseShellExecute = $false
        $info.Environment['NO_COLOR'] = '1'
        foreach ($key in $Environment.Keys) { $info.Environment[$key] = $Environment[$key] }
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $process = [System.Diagnostics.Process]::Start($info)
        $process.StandardInput.Close()
        $stdout = $process.StandardOutput.ReadToEndAsync()
        $stderr = $process.StandardError.ReadToEndAsync()
        if (-not $process.WaitForExit($TimeoutSeconds * 1000)) {
            $process.Kill($true)
            throw "The child pwsh did not finish within $TimeoutSeconds s (a hang)."
        }
        [pscustomobject]@{
            ExitCode = $process.ExitCode
            Output   = $stdout.GetAwaiter().GetResult()
            Error    = $stderr.GetAwaiter().GetResult()
            Seconds  = $watch.Elapsed.TotalSeconds
        }
    }

    function Get-ErrorId([scriptblock] $Script) {
        try { & $Script -ErrorAction Stop; return $null } catch { return $_.FullyQualifiedErrorId.Split(',')[0] }
    }

    if (-not $missing) {
        $null = New-Item -ItemType Directory -Path (Join-Path $work 'tokens') -Force
        $config = New-SoftHsmConfig 'softhsm2.conf'
        # The module copies $env: changes to the native environment the PKCS#11 module reads.
        $env:SOFTHSM2_CONF = $config
        $output = & softhsm2-util --init-token --free --label $token --pin $pin --so-pin 'so-5678' 2>&1
        if ($LASTEXITCODE -ne 0) { throw "softhsm2-util failed: $output" }

        $sandbox = Start-RedshiftIamraSandbox
        $sessionParameters = $sandbox.SessionParameters
        $certificates = @{}
        $rsa = [System.Security.Cryptography.RSA]::Create(2048)
        $certificates['rsa'] = Import-TokenIdentity '01' 'rsa' $rsa 'CN=pester-pkcs11-rsa, O=RedshiftIamra Tests'
        $p384 = [System.Security.Cryptography.ECDsa]::Create([System.Security.Cryptography.ECCurve+NamedCurves]::nistP384)
        $certificates['p384'] = Import-TokenIdentity '03' 'p384' $p384 'CN=pester-pkcs11-p384, O=RedshiftIamra Tests'

        # Generated inside the token: the sandbox certifies the public key it reads from there.
        Invoke-Pkcs11Tool @('--keypairgen', '--key-type', 'EC:prime256v1', '--id', '02', '--label', 'p256')
        $publicFile = Join-Path $work 'p256.pub.der'
        Invoke-Pkcs11Tool @('--read-object', '--type', 'pubkey', '--id', '02', '--output-file', $publicFile)
        $bytesRead = 0
        $publicKey = [System.Security.Cryptography.X509Certificates.PublicKey]::CreateFromSubjectPublicKeyInfo([IO.File]::ReadAllBytes($publicFile), [ref] $bytesRead)
        $certificates['p256'] = (New-SandboxCertificate 'CN=pester-pkcs11-p256, O=RedshiftIamra Tests' -PublicKey $publicKey).Certificate
        Write-TokenCertificate '02' 'p256' $certificates['p256']
        Write-TokenCertificate 'ca01' 'issuing-ca' $sandbox.Pki.OrgIntermediate.Certificate

        $base = "pkcs11:token=$token"
        $query = "?pin-value=$pin&module-path=$softHsm"
        $pinFile = Join-Path $work 'pin'
        Set-Content -Path $pinFile -Value $pin
    }
}

AfterAll {
    if (-not $missing) {
        Stop-RedshiftIamraSandbox
        Remove-Item Env:SOFTHSM2_CONF -ErrorAction SilentlyContinue
        Remove-Item $work -Recurse -Force -ErrorAction SilentlyContinue
    }
}

Describe 'Get-IamraCertificate -Pkcs11Uri' {
    It 'lists the identities of a token: label, id, subject, expiry, and a Source URI without the PIN' {
        if (Skip-WithoutSoftHsm) { return }
        $identities = @(Get-IamraCertificate -Pkcs11Uri "$base$query")
        $identities.Count | Should -Be 3
        $identities[0].GetType().FullName | Should -Be 'RedshiftIamra.IamraCertificate'
        $identities.KeyLabel | Should -Be @('p256', 'p384', 'rsa')
        $identities.KeyId | Should -Be @('02', '03', '01')
        $identities.Subject | Should -Be @('CN=pester-pkcs11-p256, O=RedshiftIamra Tests', 'CN=pester-pkcs11-p384, O=RedshiftIamra Tests', 'CN=pester-pkcs11-rsa, O=RedshiftIamra Tests')
        foreach ($identity in $identities) {
            $identity.Usable | Should -BeTrue -Because $identity.Reason
            $identity.TokenLabel | Should -Be $token
            $identity.NotAfter | Should -Be $certificates[$identity.KeyLabel].NotAfter
            $identity.Thumbprint | Should -Be $certificates[$identity.KeyLabel].Thumbprint
            $identity.Source | Should -Be "pkcs11:token=$token;object=$($identity.KeyLabel);id=%$($identity.KeyId.ToUpperInvariant());type=private?module-path=$softHsm"
            $identity.Source | Should -Not -Match 'pin'
            $identity.Certificate.HasPrivateKey | Should -BeFalse
            $identity.HasPrivateKey | Should -BeTrue
            $identity.Chain.Thumbprint | Should -Be $sandbox.Pki.OrgIntermediate.Certificate.Thumbprint
        }
        ($identities | Format-List | Out-String) | Should -Match 'KeyLabel\s+: rsa'
    }

    It 'signs through the engine''s own PKCS#11 binding in the private load context: no third-party PKCS#11 assembly is shipped or loaded' {
        if (Skip-WithoutSoftHsm) { return }
        $identity = Get-IamraCertificate -Pkcs11Uri "$base;object=rsa$query"
        [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($identity.SigningKey.GetType().Assembly).Name | Should -Be 'RedshiftIamra'
        $identity.SigningKey.SignSha256([byte[]] (1, 2, 3)).Length | Should -Be 256
        [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -like 'Pkcs11*' } | Should -BeNullOrEmpty
        Get-ChildItem (Split-Path $ModulePath) -Recurse -File -Filter 'Pkcs11*.dll' | Should -BeNullOrEmpty
    }

    It 'names one key with -TokenLabel and -KeyLabel or -KeyId, the PIN as a SecureString' {
        if (Skip-WithoutSoftHsm) { return }
        $secure = ConvertTo-SecureString $pin -AsPlainText -Force
        (Get-IamraCertificate -TokenLabel $token -KeyLabel rsa -Pin $secure -Pkcs11Library $softHsm).Subject | Should -Be 'CN=pester-pkcs11-rsa, O=RedshiftIamra Tests'
        (Get-IamraCertificate -TokenLabel $token -KeyId 03 -Pin $secure -Pkcs11Library $softHsm).KeyLabel | Should -Be 'p384'
    }

    It 'finds the library through $env:REDSHIFTIAMRA_PKCS11_MODULE' {
        if (Skip-WithoutSoftHsm) { return }
        $env:REDSHIFTIAMRA_PKCS11_MODULE = $softHsm
        try {
            (Get-IamraCertificate -Pkcs11Uri "$base;object=p256?pin-value=$pin").KeyLabel | Should -Be 'p256'
        } finally {
            Remove-Item Env:REDSHIFTIAMRA_PKCS11_MODULE
        }
    }

    It 'says what to fix: <Case>' -ForEach @(
        @{ Case = 'unknown token'; Uri = 'pkcs11:token=no-such-token'; Id = 'IamraPkcs11TokenNotFound'; Text = "'iamra-pester'" }
        @{ Case = 'unknown key'; Uri = 'pkcs11:token=iamra-pester;object=no-such-key'; Id = 'IamraPkcs11KeyNotFound'; Text = "'rsa' (id 01)" }
        @{ Case = 'malformed URI'; Uri = 'pkcs11:tokne=iamra-pester'; Id = 'IamraPkcs11UriInvalid'; Text = 'tokne' }
        @{ Case = 'missing library'; Uri = 'pkcs11:token=iamra-pester?module-path=/nonexistent/libpkcs11.so'; Id = 'IamraPkcs11LibraryNotFound'; Text = '/nonexistent/libpkcs11.so' }
    ) {
        if (Skip-WithoutSoftHsm) { return }
        $library = if ($Uri -match 'module-path') { @{} } else { @{ Pkcs11Library = $softHsm } }
        $err = $null
        Get-IamraCertificate -Pkcs11Uri $Uri @library -Pin (ConvertTo-SecureString $pin -AsPlainText -Force) -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike "$Id,*"
        $err[0].Exception.Message | Should -BeLike "*$Text*"
        $err[0].Exception.Message | Should -Not -Match ([regex]::Escape($pin))
    }

    It 'refuses a library that is not a PKCS#11 module' {
        if (Skip-WithoutSoftHsm) { return }
        $notPkcs11 = Get-ChildItem ([IO.Path]::GetDirectoryName([object].Assembly.Location)) -Filter 'libSystem.Native.*' | Select-Object -First 1
        Get-ErrorId { Get-IamraCertificate -TokenLabel $token -Pkcs11Library $notPkcs11.FullName } | Should -Be 'IamraPkcs11LibraryInvalid'
    }
}

Describe 'Get-IamraSession -Pkcs11Uri' {
    It 'gets a sandbox session signed inside the token with the <Label> key' -ForEach @(
        @{ Label = 'rsa' }, @{ Label = 'p256' }, @{ Label = 'p384' }
    ) {
        if (Skip-WithoutSoftHsm) { return }
        $session = Get-IamraSession -Pkcs11Uri "$base;object=$Label$query" @sessionParameters -Force
        $session.AccessKeyId | Should -Match '^ASIA'
        $session.CertificateThumbprint | Should -Be $certificates[$Label].Thumbprint
        $issued = $sandbox.GetAuditEvents() | Where-Object { $_.EventName -eq 'CreateSession' -and $_.Outcome -eq 'Success' } | Select-Object -Last 1
        $issued.AccessKeyId | Should -Be $session.AccessKeyId
        $issued.Subject | Should -Be $certificates[$Label].Subject
    }

    It 'takes a token identity from the pipeline and renews on the same login' {
        if (Skip-WithoutSoftHsm) { return }
        $identity = Get-IamraCertificate -Pkcs11Uri "$base;object=p384$query"
        $logins = $identity.SigningKey.Token.LoginAttempts
        $first = $identity | Get-IamraSession @sessionParameters -RoleSessionName pkcs11-renewal -Force
        $second = $identity | Get-IamraSession @sessionParameters -RoleSessionName pkcs11-renewal -Force
        $second.AccessKeyId | Should -Not -Be $first.AccessKeyId
        $identity.SigningKey.Token.LoginAttempts | Should -Be $logins
        $identity.SigningKey.Token.IsLoggedIn | Should -BeTrue
    }

    It 'never shows the PIN: output, verbose, debug, errors and the objects' {
        if (Skip-WithoutSoftHsm) { return }
        $DebugPreference = 'Continue'
        $seen = @(
            Get-IamraCertificate -Pkcs11Uri "$base$query" -Verbose -Debug *>&1
            Get-IamraSession -Pkcs11Uri "$base;object=p384$query" @sessionParameters -Force -Verbose -Debug *>&1
            Get-IamraCertificate -Pkcs11Uri "pkcs11:token=$token;object=nothing$query" -Verbose -ErrorAction Continue *>&1
        )
        $text = ($seen | ForEach-Object { $_ | Format-List * -Force | Out-String -Width 400; "$_" }) -join "`n"
        $text | Should -Match 'pkcs11:token='
        $text | Should -Not -Match ([regex]::Escape($pin))
    }

    It 'tells with -Verbose that the key is in the token' {
        if (Skip-WithoutSoftHsm) { return }
        $verbose = Get-IamraSession -Pkcs11Uri "$base;object=rsa$query" @sessionParameters -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        ($verbose.Message -join "`n") | Should -Match "key in PKCS#11 token '$token'"
    }
}

Describe 'Test-RedshiftIamraConnection -Pkcs11Uri' {
    It 'passes the certificate and session stages with a token key' {
        if (Skip-WithoutSoftHsm) { return }
        $result = Test-RedshiftIamraConnection -Pkcs11Uri "$base;object=p256$query" -TrustAnchorArn $sessionParameters.TrustAnchorArn -ProfileArn $sessionParameters.ProfileArn -RoleArn $sessionParameters.RoleArn -RolesAnywhereEndpointUrl $sessionParameters.RolesAnywhereEndpointUrl -CaBundlePath $sessionParameters.CaBundlePath -ClusterIdentifier no-such-cluster -DbUser analytics_user -RedshiftEndpointUrl $sandbox.RedshiftEndpoint -TimeoutSeconds 5
        ($result.Stages | Where-Object Name -EQ 'Certificate').Status | Should -Be 'Passed' -Because ($result | Out-String)
        ($result.Stages | Where-Object Name -EQ 'Session').Status | Should -Be 'Passed' -Because ($result | Out-String)
    }

    It 'reports a wrong PIN as the certificate stage''s failure' {
        if (Skip-WithoutSoftHsm) { return }
        # Log out first (the module keeps its token session logged in): the wrong PIN is then tried.
        $identity = Get-IamraCertificate -Pkcs11Uri "$base;object=p256$query"
        $tokens = $identity.SigningKey.GetType().Assembly.GetType('RedshiftIamra.Pkcs11.Pkcs11Tokens')
        $tokens::Close($identity.SigningKey.Token)
        $result = Test-RedshiftIamraConnection -Pkcs11Uri "$base;object=p256?pin-value=wrong&module-path=$softHsm" -TrustAnchorArn $sessionParameters.TrustAnchorArn -ProfileArn $sessionParameters.ProfileArn -RoleArn $sessionParameters.RoleArn -RolesAnywhereEndpointUrl $sessionParameters.RolesAnywhereEndpointUrl -CaBundlePath $sessionParameters.CaBundlePath -ClusterIdentifier no-such-cluster -DbUser analytics_user -TimeoutSeconds 5
        $result.FailedStage | Should -Be 'Certificate'
        ($result.Stages | Where-Object Name -EQ 'Certificate').ErrorId | Should -Be 'IamraPkcs11PinIncorrect'
    }
}

Describe 'PKCS#11 in a fresh process' {
    BeforeAll {
        if (-not $missing) {
            $childEnvironment = @{ SOFTHSM2_CONF = $config }
            $sessionArguments = "-TrustAnchorArn '$($sessionParameters.TrustAnchorArn)' -ProfileArn '$($sessionParameters.ProfileArn)' -RoleArn '$($sessionParameters.RoleArn)' -RolesAnywhereEndpointUrl '$($sessionParameters.RolesAnywhereEndpointUrl)' -CaBundlePath '$($sessionParameters.CaBundlePath)'"
        }
    }

    It 'fails at once with IamraPkcs11PinRequired when a non-interactive session has no PIN (<Mode>)' -ForEach @(
        @{ Mode = 'pwsh -NonInteractive'; Interactive = $false }
        @{ Mode = 'redirected input, no -NonInteractive'; Interactive = $true }
    ) {
        if (Skip-WithoutSoftHsm) { return }
        $result = Invoke-Child -Environment $childEnvironment -Interactive:$Interactive -TimeoutSeconds 60 -Script @"
Import-Module '$ModulePath'
try { Get-IamraCertificate -Pkcs11Uri '$base;object=rsa' -Pkcs11Library '$softHsm' -ErrorAction Stop; exit 0 }
catch { `$_.FullyQualifiedErrorId; `$_.Exception.Message; exit 3 }
"@
        $result.ExitCode | Should -Be 3 -Because ($result.Output + $result.Error)
        $result.Output | Should -Match 'IamraPkcs11PinRequired'
        $result.Output | Should -Match 'pin-source'
        $result.Seconds | Should -BeLessThan 45
    }

    It 'tries a wrong PIN exactly once per call (per pkcs11-spy) and the right PIN still works' {
        if (Skip-WithoutSoftHsm) { return }
        $spyLog = Join-Path $work 'spy-pin.log'
        $result = Invoke-Child -Environment @{ SOFTHSM2_CONF = $config; PKCS11SPY = $softHsm; PKCS11SPY_OUTPUT = $spyLog } -Script @"
Import-Module '$ModulePath'
foreach (`$wrong in 'wrong-1', 'wrong-2', 'wrong-3') {
    try { Get-IamraCertificate -Pkcs11Uri '$base;object=rsa' -Pkcs11Library '$spy' -Pin (ConvertTo-SecureString `$wrong -AsPlainText -Force) -ErrorAction Stop }
    catch { 'error: ' + `$_.FullyQualifiedErrorId.Split(',')[0] }
}
'subject: ' + (Get-IamraCertificate -Pkcs11Uri '$base;object=rsa' -Pkcs11Library '$spy' -Pin (ConvertTo-SecureString '$pin' -AsPlainText -Force)).Subject
"@
        $result.ExitCode | Should -Be 0 -Because ($result.Output + $result.Error)
        @([regex]::Matches($result.Output, 'error: IamraPkcs11PinIncorrect')).Count | Should -Be 3
        $result.Output | Should -Match 'subject: CN=pester-pkcs11-rsa'
        $logins = [regex]::Matches((Get-Content -Raw $spyLog), '(?m)^\d+: C_Login\s*$')
        $logins.Count | Should -Be 4 -Because 'three wrong PINs and one right one, each tried once'
    }

    It 'signs RSA with CKM_RSA_PKCS over a DigestInfo when the token lacks CKM_SHA256_RSA_PKCS' {
        if (Skip-WithoutSoftHsm) { return }
        $limited = New-SoftHsmConfig 'softhsm2-no-sha256-rsa.conf' 'CKM_RSA_PKCS,CKM_ECDSA,CKM_SHA256,CKM_RSA_PKCS_KEY_PAIR_GEN,CKM_EC_KEY_PAIR_GEN'
        $spyLog = Join-Path $work 'spy-rsa.log'
        $result = Invoke-Child -Environment @{ SOFTHSM2_CONF = $limited; PKCS11SPY = $softHsm; PKCS11SPY_OUTPUT = $spyLog } -Script @"
Import-Module '$ModulePath'
(Get-IamraSession -Pkcs11Uri '$base;object=rsa$query' -Pkcs11Library '$spy' $sessionArguments -Force -ErrorAction Stop).AccessKeyId
"@
        $result.ExitCode | Should -Be 0 -Because ($result.Output + $result.Error)
        $result.Output | Should -Match 'ASIA'
        $log = Get-Content -Raw $spyLog
        $log | Should -Match 'pMechanism->type = CKM_RSA_PKCS\s'
        $log | Should -Not -Match 'pMechanism->type = CKM_SHA256_RSA_PKCS'
    }

    It 'says the mechanism is missing when the token has no CKM_ECDSA' {
        if (Skip-WithoutSoftHsm) { return }
        $limited = New-SoftHsmConfig 'softhsm2-no-ecdsa.conf' 'CKM_RSA_PKCS,CKM_SHA256_RSA_PKCS,CKM_SHA256,CKM_RSA_PKCS_KEY_PAIR_GEN'
        $result = Invoke-Child -Environment @{ SOFTHSM2_CONF = $limited } -Script @"
Import-Module '$ModulePath'
`$listed = Get-IamraCertificate -Pkcs11Uri '$base;object=p256$query' -All
'usable: ' + `$listed.Usable
'problem: ' + `$listed.ProblemId
try { Get-IamraSession -Pkcs11Uri '$base;object=p256$query' $sessionArguments -ErrorAction Stop }
catch { 'error: ' + `$_.FullyQualifiedErrorId.Split(',')[0]; `$_.Exception.Message }
"@
        $result.ExitCode | Should -Be 0 -Because ($result.Output + $result.Error)
        $result.Output | Should -Match 'usable: False'
        $result.Output | Should -Match 'problem: IamraPkcs11MechanismNotSupported'
        $result.Output | Should -Match 'error: IamraPkcs11MechanismNotSupported'
        $result.Output | Should -Match 'CKM_ECDSA'
    }

    It 'logs out of the token when the module is removed' {
        if (Skip-WithoutSoftHsm) { return }
        $result = Invoke-Child -Environment $childEnvironment -Script @"
Import-Module '$ModulePath'
`$identity = Get-IamraCertificate -Pkcs11Uri '$base;object=p256$query'
'before: ' + `$identity.SigningKey.Token.IsLoggedIn
Remove-Module RedshiftIamra
'after: ' + `$identity.SigningKey.Token.IsLoggedIn
try { `$null = `$identity.SigningKey.SignSha256([byte[]] (1, 2, 3)) } catch { 'sign: ' + `$_.Exception.InnerException.ErrorId }
"@
        $result.ExitCode | Should -Be 0 -Because ($result.Output + $result.Error)
        $result.Output | Should -Match 'before: True'
        $result.Output | Should -Match 'after: False'
        $result.Output | Should -Match 'sign: IamraPkcs11SessionClosed'
    }
}

Describe 'Set-IamraAwsProfile -Pkcs11Uri' {
    It 'refuses a PIN in the URI, which would end up in the file' {
        if (Skip-WithoutSoftHsm) { return }
        $configPath = Join-Path $work 'aws-config-refused'
        Get-ErrorId { Set-IamraAwsProfile -ProfileName hsm -Pkcs11Uri "$base;object=rsa$query" @sessionParameters -ConfigPath $configPath } | Should -Be 'IamraProfileCannotHoldPassword'
        Test-Path $configPath | Should -BeFalse
    }

    It 'writes the native helper''s line for a token key, with pin-source and no PIN, and the AWS CLI gets credentials through it' -Skip:$IsWindows {
        if (Skip-WithoutSoftHsm) { return }
        $helper = Get-NativeHelperPath
        if (-not (Test-Path -LiteralPath $helper)) {
            if ($InCI) { throw "The native credential_process helper was not built: $helper is missing (build.ps1 build publishes it)." }
            Set-ItResult -Skipped -Because 'the native helper was not built for this platform'; return
        }
        if (-not (Get-Command aws -ErrorAction SilentlyContinue)) {
            if ($InCI) { throw 'The AWS CLI (aws) is not on PATH.' }
            Set-ItResult -Skipped -Because 'the AWS CLI is not installed'; return
        }
        $configPath = Join-Path $work 'aws-config-native'
        Set-IamraAwsProfile -ProfileName hsm-native -Pkcs11Uri "$base;object=p384?pin-source=file:$pinFile&module-path=$softHsm" @sessionParameters -ConfigPath $configPath
        Get-Content -Raw $configPath | Should -Not -Match ([regex]::Escape($pin))

        $moto = Start-MotoServer
        $saved = $env:AWS_CONFIG_FILE, $env:AWS_SHARED_CREDENTIALS_FILE, $env:REDSHIFTIAMRA_CACHE_DIR
        try {
            $env:AWS_CONFIG_FILE = $configPath
            $env:AWS_SHARED_CREDENTIALS_FILE = Join-Path $work 'no-credentials'
            $env:REDSHIFTIAMRA_CACHE_DIR = Join-Path $work 'native-cache'
            $argv = Get-ProfileArgv hsm-native
            $argv[0] | Should -Be (Resolve-Path -LiteralPath $helper).Path
            $argv[1] | Should -Be '--pkcs11-uri'
            $argv[2] | Should -Be "pkcs11:token=$token;object=p384;id=%03;type=private?module-path=$softHsm&pin-source=file:$pinFile"
            $before = $sandbox.CountCalls('CreateSession', 'Success')

            # SOFTHSM2_CONF reaches the helper through the environment, as any HSM client's configuration would.
            $r = Invoke-AwsCallerIdentity hsm-native $moto
            $r.ExitCode | Should -Be 0 -Because $r.Stderr
            ($r.Output | ConvertFrom-Json).Arn | Should -Match '^arn:aws:(sts|iam)::'
            $r.Stderr | Should -BeNullOrEmpty
            $sandbox.CountCalls('CreateSession', 'Success') | Should -Be ($before + 1) -Because 'the helper signed CreateSession with the token key'

            # The same line, run directly: the credential_process JSON and nothing else.
            Remove-Item $env:REDSHIFTIAMRA_CACHE_DIR -Recurse -Force -ErrorAction SilentlyContinue
            $direct = Invoke-NativeHelper $argv[1..($argv.Count - 1)]
            $direct.ExitCode | Should -Be 0 -Because $direct.Stderr
            ($direct.Stdout | ConvertFrom-Json).AccessKeyId | Should -Match '^ASIA'
            $direct.Stderr | Should -BeNullOrEmpty
            $sandbox.CountCalls('CreateSession', 'Success') | Should -Be ($before + 2)
        } finally {
            $env:AWS_CONFIG_FILE, $env:AWS_SHARED_CREDENTIALS_FILE, $env:REDSHIFTIAMRA_CACHE_DIR = $saved
            Stop-MotoServer $moto
        }
    }

    It 'with -UsePowerShell writes the pwsh line, which runs unattended with pin-source too' -Skip:$IsWindows {
        if (Skip-WithoutSoftHsm) { return }
        $configPath = Join-Path $work 'aws-config'
        Set-IamraAwsProfile -ProfileName hsm -Pkcs11Uri "$base;object=p256?pin-source=file:$pinFile&module-path=$softHsm" @sessionParameters -ConfigPath $configPath -UsePowerShell
        $text = Get-Content -Raw $configPath
        $text | Should -Not -Match ([regex]::Escape($pin))
        $line = ($text -split "`n" | Where-Object { $_ -like 'credential_process = *' }).Substring('credential_process = '.Length).Trim()
        # The script PowerShell runs, as botocore splits the line.
        $script = @(& python3 -c 'import json,shlex,sys; print(json.dumps(shlex.split(sys.argv[1])))' $line | ConvertFrom-Json)[-1]
        $script | Should -Match "-Pkcs11Uri 'pkcs11:token=$token;object=p256;id=%02;type=private"
        $output = & /bin/sh -c $line 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($output | Out-String)
        ($output | Out-String | ConvertFrom-Json).AccessKeyId | Should -Match '^ASIA'
    }
}
