# Our users run AWS Tools for PowerShell in the same session: other versions of AWSSDK.Core
# and Npgsql in the default load context must not break the module, in either order.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $otherAws = Join-Path $PackageRoot 'awssdk.core/3.7.402/lib/net8.0/AWSSDK.Core.dll'
    $otherNpgsql = Join-Path $PackageRoot 'npgsql/8.0.5/lib/net8.0/Npgsql.dll'
    $otherLogging = Join-Path $PackageRoot 'microsoft.extensions.logging.abstractions/8.0.0/lib/net8.0/Microsoft.Extensions.Logging.Abstractions.dll'
    foreach ($path in $otherAws, $otherNpgsql, $otherLogging) {
        if (-not (Test-Path $path)) { throw "Missing ${path}: restore tests/tools/tools.proj (build.ps1 test does)." }
    }

    $loadOthers = @"
Add-Type -Path '$otherLogging'
Add-Type -Path '$otherAws'
Add-Type -Path '$otherNpgsql'
# Use them, as AWS.Tools would: types resolve from the default context.
`$null = [Amazon.RegionEndpoint]::GetBySystemName('eu-west-1')
`$null = [Npgsql.NpgsqlConnectionStringBuilder]::new('Host=example;Database=dev')
"DEFAULT AWSSDK.Core=`$([Amazon.RegionEndpoint].Assembly.GetName().Version)"
"DEFAULT Npgsql=`$([Npgsql.NpgsqlConnectionStringBuilder].Assembly.GetName().Version)"
"@

    # Runs our cmdlets end to end, exercising both of our dependencies for real: AWSSDK.Core
    # resolves a credential_process profile (written by Set-IamraAwsProfile) and runs it;
    # Npgsql opens a TLS connection and queries the sandbox's PostgreSQL.
    $useOurs = @"
Import-Module '$ModulePath'
`$sb = Start-RedshiftIamraSandbox -Database
`$sb.AddDatabaseUser('iso_user')
`$p = `$sb.CertificateParameters; `$s = `$sb.SessionParameters; `$r = `$sb.RedshiftParameters
`$cfg = Join-Path `$sb.WorkingDirectory 'aws-config'
Set-IamraAwsProfile -ProfileName isolation @p @s -ConfigPath `$cfg
`$env:AWS_CONFIG_FILE = `$cfg
`$env:AWS_SHARED_CREDENTIALS_FILE = Join-Path `$sb.WorkingDirectory 'no-credentials'
`$c = Get-RedshiftDbCredential -ProfileName isolation @r -ClusterIdentifier `$sb.ClusterIdentifier -DbUser iso_user -DbName dev -Region us-east-1 -Force
`$conn = `$c | Connect-RedshiftIamra -RootCertificatePath `$sb.TlsCaBundlePath -NoDefault
"CMDLET=`$((Invoke-RedshiftQuery -Connection `$conn 'select current_user as u').u)"
Disconnect-RedshiftIamra `$conn
`$context = [System.Runtime.Loader.AssemblyLoadContext]::All | Where-Object Name -EQ 'RedshiftIamra'
`$aws = `$context.Assemblies | Where-Object { `$_.GetName().Name -eq 'AWSSDK.Core' }
`$npgsql = `$context.Assemblies | Where-Object { `$_.GetName().Name -eq 'Npgsql' }
"OURS AWSSDK.Core=`$(`$aws.GetName().Version)"
"OURS Npgsql=`$(`$npgsql.GetName().Version)"
Stop-RedshiftIamraSandbox
"@

    $dir = Join-Path ([IO.Path]::GetTempPath()) "iamra-isolation-$([guid]::NewGuid().ToString('N'))"
    $null = New-Item -ItemType Directory $dir
    $root = New-TestRootCA
    $files = Export-TestPem -Certificate (New-TestClientCertificate -Issuer $root -Subject 'CN=isolation-test') -Directory $dir

    function Assert-BothWork($Result) {
        $Result.ExitCode | Should -Be 0 -Because ($Result.Error + $Result.Output)
        $Result.Output | Should -Match 'DEFAULT AWSSDK\.Core=3\.'
        $Result.Output | Should -Match 'DEFAULT Npgsql=8\.'
        $Result.Output | Should -Match 'OURS AWSSDK\.Core=4\.'
        $Result.Output | Should -Match 'OURS Npgsql=10\.'
        $Result.Output | Should -Match 'CMDLET=IAM:iso_user'
    }
}

AfterAll {
    Remove-Item $dir -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Loading beside other versions of our dependencies' {
    It 'works when AWSSDK.Core 3.7 and Npgsql 8 are loaded first' {
        Assert-BothWork (Invoke-FreshPwsh ($loadOthers + "`n" + $useOurs))
    }

    It 'works when the module is imported first and the others after' {
        Assert-BothWork (Invoke-FreshPwsh ($useOurs + "`n" + $loadOthers + "`n" + $useOurs.Replace("Import-Module '$ModulePath'", '')))
    }

    It 'survives Remove-Module and Import-Module -Force in the same session' {
        $script = $loadOthers + "`n" + $useOurs + @"

`$engine = ([System.Runtime.Loader.AssemblyLoadContext]::All | Where-Object Name -EQ 'RedshiftIamra').Assemblies | Where-Object { `$_.GetName().Name -eq 'RedshiftIamra' }
"CACHED BEFORE REMOVE=`$(`$engine.GetType('RedshiftIamra.Sessions.DbCredentialSource')::Cache.Count)"
Remove-Module RedshiftIamra
"CACHED AFTER REMOVE=`$(`$engine.GetType('RedshiftIamra.Sessions.DbCredentialSource')::Cache.Count + `$engine.GetType('RedshiftIamra.Sessions.RolesAnywhereSessionSource')::Cache.Count)"
if (Get-Command Get-IamraCertificate -ErrorAction SilentlyContinue) { throw 'still exported after Remove-Module' }
Import-Module '$ModulePath' -Force
`$again = Get-IamraCertificate -Path '$($files.Certificate)' -PrivateKeyPath '$($files.Key)'
"REIMPORT=`$(`$again.Subject)"
$($useOurs.Replace("Import-Module '$ModulePath'", '').Replace('CMDLET=', 'AGAIN='))
Import-Module '$ModulePath' -Force
"COMMANDS=`$((Get-Command -Module RedshiftIamra).Count)"
"@
        $result = Invoke-FreshPwsh $script
        Assert-BothWork $result
        $result.Output | Should -Match 'REIMPORT=CN=isolation-test'
        $result.Output | Should -Match 'AGAIN=IAM:iso_user'
        $result.Output | Should -Match 'CACHED BEFORE REMOVE=[1-9]'
        $result.Output | Should -Match 'CACHED AFTER REMOVE=0\b' -Because 'removing the module drops every cached session and database password'
        $result.Output | Should -Match 'COMMANDS=[1-9]'
    }

    It 'keeps its dependencies out of the default load context' {
        $result = Invoke-FreshPwsh ($useOurs + @"

`$default = [System.Runtime.Loader.AssemblyLoadContext]::Default.Assemblies | ForEach-Object { `$_.GetName().Name }
"DEFAULTHAS=`$((`$default | Where-Object { `$_ -in 'AWSSDK.Core', 'Npgsql', 'RedshiftIamra', 'RedshiftIamra.PowerShell' }) -join ',')"
"@)
        $result.ExitCode | Should -Be 0 -Because $result.Error
        ($result.Output -split "`n" | Where-Object { $_ -like 'DEFAULTHAS=*' }).Trim() | Should -Be 'DEFAULTHAS='
    }
}
