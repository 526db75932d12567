# Everything the module keeps between commands belongs to one context, and removing the module
# releases all of it: a census of the context after Remove-Module finds nothing alive, and a scan
# of every static field of the module's assemblies finds no state the context does not own (so a
# new cache cannot be forgotten). Both run in a fresh pwsh, as a user's session would.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')

    $softHsm = @('/usr/lib/softhsm/libsofthsm2.so', '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so',
        '/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so', '/usr/lib64/pkcs11/libsofthsm2.so', '/usr/local/lib/softhsm/libsofthsm2.so') |
        Where-Object { Test-Path $_ } | Select-Object -First 1
    $hsmMissing = if ($IsWindows) { 'SoftHSM2 on Linux' }
    elseif (-not (Get-Command softhsm2-util -ErrorAction SilentlyContinue)) { 'softhsm2-util' }
    elseif (-not $softHsm) { 'libsofthsm2.so' }
    if ($hsmMissing -and $InCI) {
        throw "$hsmMissing is missing (CI=true: a missing peer is a failure). Run tests/tools/install-peers.sh."
    }

    $work = Join-Path ([IO.Path]::GetTempPath()) "iamra-context-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
    $null = New-Item -ItemType Directory -Path (Join-Path $work 'tokens') -Force
    $childEnvironment = @{}
    if (-not $hsmMissing) {
        $config = Join-Path $work 'softhsm2.conf'
        Set-Content -Path $config -Value "directories.tokendir = $(Join-Path $work 'tokens')`nobjectstore.backend = file`nlog.level = ERROR`nslots.removable = false`n"
        $childEnvironment['SOFTHSM2_CONF'] = $config
        $env:SOFTHSM2_CONF = $config
        $output = & softhsm2-util --init-token --free --label iamra-context --pin 1234-context --so-pin so-5678 2>&1
        Remove-Item Env:SOFTHSM2_CONF
        if ($LASTEXITCODE -ne 0) { throw "softhsm2-util failed: $output" }
    }

    # Uses every part of the context: a sandbox (with PostgreSQL), a session and an HTTP client
    # and the clock offsets it learns, database credentials, a default connection, a credential
    # server and a PKCS#11 token session.
    $exercise = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$ModulePath'
`$sb = Start-RedshiftIamraSandbox -Database
# The engine loads with the first command that needs it.
`$engine = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -eq 'RedshiftIamra' }
`$context = `$engine.GetType('RedshiftIamra.IamraContext')::Current
function Write-Census([string] `$Label) { foreach (`$pair in `$context.Census().GetEnumerator()) { "`$Label `$(`$pair.Key)=`$(`$pair.Value)" } }
`$sb.AddDatabaseUser('context_user')
`$p = `$sb.CertificateParameters; `$s = `$sb.SessionParameters; `$r = `$sb.RedshiftParameters
`$session = Get-IamraSession @p @s
`$credential = `$session | Get-RedshiftDbCredential @r -ClusterIdentifier `$sb.ClusterIdentifier -DbUser context_user -DbName dev
`$null = `$credential | Connect-RedshiftIamra -RootCertificatePath `$sb.TlsCaBundlePath
"QUERY=`$((Invoke-RedshiftQuery 'select current_user as u').u)"
`$null = `$session | Start-IamraCredentialServer
if ('$softHsm') {
    try { `$null = Get-IamraCertificate -Pkcs11Uri 'pkcs11:token=iamra-context;object=none?pin-value=1234-context&module-path=$softHsm' }
    catch { "TOKEN ERROR=`$(`$_.FullyQualifiedErrorId)" }
}

# A connection opened in a runspace of its own is closed when that runspace closes.
`$before = `$context.Census()['Connections']
`$runspace = [runspacefactory]::CreateRunspace()
`$runspace.Open()
`$ps = [powershell]::Create()
`$ps.Runspace = `$runspace
`$null = `$ps.AddScript('Import-Module ''$ModulePath''; `$null = `$args[0] | Connect-RedshiftIamra -RootCertificatePath `$args[1]').AddArgument(`$credential).AddArgument(`$sb.TlsCaBundlePath)
`$null = `$ps.Invoke()
if (`$ps.HadErrors) { "RUNSPACE ERRORS=`$(`$ps.Streams.Error | Out-String)" }
"RUNSPACE OPEN=`$(`$context.Census()['Connections'] - `$before)"
`$runspace.Close()
`$ps.Dispose()
"RUNSPACE CLOSED=`$(`$context.Census()['Connections'] - `$before)"

Write-Census 'BEFORE'
Remove-Module RedshiftIamra
Write-Census 'AFTER'
"@

    function Read-Census($Output, [string] $Label) {
        $census = [ordered]@{}
        foreach ($line in $Output -split "`n") {
            if ($line -match "^$Label (\w+)=(\d+)") { $census[$Matches[1]] = [int] $Matches[2] }
        }
        $census
    }
}

AfterAll {
    Remove-Item $work -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'The module context' {
    BeforeAll {
        $result = Invoke-FreshPwsh $exercise -Environment $childEnvironment -TimeoutSeconds 300
    }

    It 'runs the commands that fill every part' {
        $result.ExitCode | Should -Be 0 -Because ($result.Error + $result.Output)
        $result.Output | Should -Match 'QUERY=IAM:context_user'
    }

    It 'holds something in every part while the module is in use' {
        $before = Read-Census $result.Output 'BEFORE'
        $expected = 'Sessions', 'DbCredentials', 'HttpClients', 'Clocks', 'Connections', 'CredentialServers', 'Sandboxes'
        if (-not $hsmMissing) { $expected += 'Tokens' }
        foreach ($name in $expected) {
            $before[$name] | Should -BeGreaterThan 0 -Because "the census names $name and the commands used it ($(($before.GetEnumerator() | ForEach-Object { "$($_.Key)=$($_.Value)" }) -join ', '))"
        }
    }

    It 'releases the connections of a runspace when that runspace closes' {
        $result.Output | Should -Match 'RUNSPACE OPEN=2\b' -Because 'the connection and the watch on its runspace are counted'
        $result.Output | Should -Match 'RUNSPACE CLOSED=0\b'
    }

    It 'has nothing alive after Remove-Module' {
        $after = Read-Census $result.Output 'AFTER'
        $after.Count | Should -BeGreaterOrEqual 8 -Because $result.Output
        foreach ($pair in $after.GetEnumerator()) {
            $pair.Value | Should -Be 0 -Because "$($pair.Key) must be released with the module"
        }
    }
}

Describe 'Static state of the module''s assemblies' {
    BeforeAll {
        # Loads every assembly of the module by using it (the sandbox assembly loads with the
        # first sandbox), then classifies every static field of each. State is allowed only in
        # the context; everything else must be a constant, an immutable table, a compiler cache
        # of a stateless delegate, or an entry of the allowlist below with its reason.
        $scan = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$ModulePath'
`$sb = Start-RedshiftIamraSandbox
`$p = `$sb.CertificateParameters; `$s = `$sb.SessionParameters
`$null = Get-IamraSession @p @s
Stop-RedshiftIamraSandbox

`$allowed = @{
    'RedshiftIamra.IamraContext.<Current>k__BackingField' = 'the context itself, the one owner of the module''s state'
    'RedshiftIamra.Pkcs11.Pkcs11Library.s_loaded' = 'loaded native PKCS#11 libraries: a library is loaded and initialised once per process and cannot be unloaded safely'
    'RedshiftIamra.Pkcs11.Pkcs11Library.s_gate' = 'the lock of the loaded libraries'
    'RedshiftIamra.Pkcs11.Pkcs11Library.<DefaultCandidates>k__BackingField' = 'the default library paths (a test replaces them)'
    'RedshiftIamra.Credentials.IamraCredentialServer.s_nextId' = 'a counter that numbers credential servers; it holds nothing'
    'RedshiftIamra.Aws.AwsRequestSender.<Default>k__BackingField' = 'a stateless sender (system clock and signer); its clock offsets are in the context'
    'RedshiftIamra.Aws.NullOperationLog.Instance' = 'a stateless log that discards everything'
    'RedshiftIamra.Sandbox.HmacCanonicalForm.<Default>k__BackingField' = 'an immutable record (init-only properties)'
    'RedshiftIamra.Credentials.SessionFileCache.s_json' = 'serializer options: read-only once first used'
    'RedshiftIamra.Configuration.RedshiftIamraConfigStore.s_write' = 'serializer options: read-only once first used'
    'RedshiftIamra.Sandbox.SandboxLeftovers.s_gate' = 'the lock of the sandbox owner files (the files are the state)'
    'RedshiftIamra.Loader.ModuleLoadContext.s_instance' = 'the module''s assembly load context: one per process, its assemblies cannot be unloaded'
    'RedshiftIamra.Loader.ModuleLoadContext.s_frameworkAssemblies' = 'the framework''s assembly names, read once when the loader starts and only read afterwards'
}
# Whole types whose static fields are allowed, with the reason.
`$allowedTypes = @{
    'RedshiftIamra.Credentials.SessionFileCache+CacheJson' = 'the session cache file''s source-generated JSON context: metadata built at compile time, options read-only once used'
}
`$immutable = @([string], [timespan], [datetimeoffset], [datetime], [guid], [System.Numerics.BigInteger], [regex], [System.Xml.Linq.XNamespace])
`$instanceFlags = [System.Reflection.BindingFlags]'Instance,Public,NonPublic'
function Test-Immutable([type] `$Type, [int] `$Depth = 0) {
    if (`$Type.IsPrimitive -or `$Type.IsEnum -or `$immutable -contains `$Type) { return `$true }
    # A sealed type (or struct) of this module or System.Text.Json whose every field is read-only
    # and itself immutable (a record of constant ids, an encoded property name) holds no state.
    if (`$Depth -lt 3 -and (`$Type.IsValueType -or `$Type.IsSealed) -and (`$Type.FullName -like 'RedshiftIamra.*' -or `$Type.FullName -eq 'System.Text.Json.JsonEncodedText')) {
        `$fields = `$Type.GetFields(`$instanceFlags)
        if (-not (`$fields | Where-Object { -not `$_.IsInitOnly -or -not (Test-Immutable `$_.FieldType (`$Depth + 1)) })) { return `$true }
    }
    for (`$t = `$Type; `$t; `$t = `$t.BaseType) {
        if (`$t.IsGenericType -and `$t.GetGenericTypeDefinition().FullName -in 'System.Collections.Frozen.FrozenSet``1', 'System.Collections.Frozen.FrozenDictionary``2', 'System.Buffers.SearchValues``1') { return `$true }
    }
    if (`$Type.IsArray) { return (Test-Immutable `$Type.GetElementType()) }
    return `$false
}
function Test-CompilerGenerated([type] `$Type) {
    for (`$t = `$Type; `$t; `$t = `$t.DeclaringType) { if (`$t.Name.StartsWith('<')) { return `$true } }
    return `$false
}

`$flags = [System.Reflection.BindingFlags]'Static,Public,NonPublic,DeclaredOnly'
`$assemblies = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -like 'RedshiftIamra*' } | Sort-Object { `$_.GetName().Name }
foreach (`$assembly in `$assemblies) {
    `$counts = [ordered]@{ fields = 0; const = 0; compiler = 0; immutable = 0; lock = 0; allowlisted = 0; state = 0 }
    foreach (`$type in `$assembly.GetTypes()) {
        foreach (`$field in `$type.GetFields(`$flags)) {
            `$counts.fields++
            `$name = "`$(`$type.FullName).`$(`$field.Name)"
            if (`$field.IsLiteral) { `$counts.const++; continue }
            if (`$allowed.ContainsKey(`$name)) { `$counts.allowlisted++; "ALLOWED `$name -- `$(`$allowed[`$name])"; continue }
            if (`$allowedTypes.ContainsKey(`$type.FullName)) { `$counts.allowlisted++; "ALLOWED `$name -- `$(`$allowedTypes[`$type.FullName])"; continue }
            if (Test-CompilerGenerated `$type) {
                # Caches of stateless lambdas and method groups, compile-time data, generated regexes.
                if ([Delegate].IsAssignableFrom(`$field.FieldType) -or `$field.FieldType -eq `$type -or `$type.Name -eq '<PrivateImplementationDetails>' -or `$type.Namespace -eq 'System.Text.RegularExpressions.Generated' -or (`$field.IsInitOnly -and (Test-Immutable `$field.FieldType))) { `$counts.compiler++; continue }
            }
            elseif (`$field.IsInitOnly) {
                `$value = `$field.GetValue(`$null)
                `$runtime = if (`$null -ne `$value) { `$value.GetType() } else { `$field.FieldType }
                if (`$runtime -eq [object]) { `$counts.lock++; continue }
                if (Test-Immutable `$runtime) { `$counts.immutable++; continue }
            }
            `$counts.state++
            "STATE `$name (`$(`$field.FieldType.Name)`$(if (-not `$field.IsInitOnly) { ', writable' }))"
        }
    }
    "SCAN `$(`$assembly.GetName().Name) `$((`$counts.GetEnumerator() | ForEach-Object { "`$(`$_.Key)=`$(`$_.Value)" }) -join ' ')"
}
"@
        $result = Invoke-FreshPwsh $scan -TimeoutSeconds 240
        $scanned = @{}
        foreach ($line in $result.Output -split "`n" | Where-Object { $_ -like 'SCAN *' }) {
            $parts = $line.Trim().Split(' ')
            $scanned[$parts[1]] = @{}
            foreach ($pair in $parts | Select-Object -Skip 2) { $k, $v = $pair.Split('='); $scanned[$parts[1]][$k] = [int] $v }
        }
        Write-Host ($result.Output -split "`n" | Where-Object { $_ -like 'SCAN *' } | Out-String)
    }

    It 'scans every assembly of the module, each with its fields' {
        $result.ExitCode | Should -Be 0 -Because ($result.Error + $result.Output)
        foreach ($name in 'RedshiftIamra', 'RedshiftIamra.PowerShell', 'RedshiftIamra.Sandbox') {
            $scanned.ContainsKey($name) | Should -BeTrue -Because "$name must be loaded before the scan ($($result.Output))"
        }
        # A scan that sees only a handful of fields did not look at the module.
        $scanned['RedshiftIamra'].fields | Should -BeGreaterThan 150
        $scanned['RedshiftIamra.PowerShell'].fields | Should -BeGreaterThan 20
        $scanned['RedshiftIamra.Sandbox'].fields | Should -BeGreaterThan 80
    }

    It 'finds no static state outside the context' {
        $state = $result.Output -split "`n" | Where-Object { $_ -like 'STATE *' }
        $state | Should -BeNullOrEmpty -Because "state kept in a static field outlives Remove-Module; make it a part of IamraContext:`n$($state -join "`n")"
        ($scanned.Values | ForEach-Object { $_.state } | Measure-Object -Sum).Sum | Should -Be 0
    }
}
