# A script that ends without Stop-RedshiftIamraSandbox must not leave PostgreSQL running, the
# client certificate and CA in the user's stores, or a working directory with private keys.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')

    # Starts a sandbox in a child pwsh and returns what it put on the machine; the child then
    # exits normally (-Then exit) or waits to be killed (-Then wait).
    function Start-ChildSandbox([ValidateSet('exit', 'wait')] [string] $Then) {
        $info = Join-Path ([IO.Path]::GetTempPath()) "iamra-leftover-$([guid]::NewGuid().ToString('N')).json"
        $script = @"
Import-Module '$ModulePath'
`$sb = Start-RedshiftIamraSandbox -Database -ImportClientCertificate
`$postmaster = [int] (Get-Content (Join-Path `$sb.WorkingDirectory 'postgres/data/postmaster.pid') -TotalCount 1)
@{ Directory = `$sb.WorkingDirectory; Thumbprint = `$sb.ClientCertificate.Thumbprint; Ca = @(`$sb.ClientCertificate.Chain | ForEach-Object Thumbprint); Postmaster = `$postmaster } | ConvertTo-Json | Set-Content '$info.tmp'
Move-Item '$info.tmp' '$info'
if ('$Then' -eq 'wait') { Start-Sleep -Seconds 600 }
exit 0
"@
        $file = Join-Path ([IO.Path]::GetTempPath()) "iamra-leftover-$([guid]::NewGuid().ToString('N')).ps1"
        Set-Content $file $script
        $pwsh = Get-PwshCommand
        $arguments = @($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-File', $file)
        $child = Start-Process -FilePath $pwsh[0] -ArgumentList $arguments -PassThru -RedirectStandardError "$file.err" -RedirectStandardOutput "$file.out"
        $deadline = [DateTime]::UtcNow.AddSeconds(120)
        while (-not (Test-Path $info) -and -not $child.HasExited -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 200 }
        if (-not (Test-Path $info)) { throw "The child sandbox did not start: $(Get-Content -Raw "$file.err" -ErrorAction SilentlyContinue)" }
        $result = Get-Content -Raw $info | ConvertFrom-Json
        Remove-Item $info, $file -ErrorAction SilentlyContinue
        $result | Add-Member -NotePropertyName Process -NotePropertyValue $child -PassThru
    }

    function Test-InStore([string] $StoreName, [string] $Thumbprint) {
        $store = [System.Security.Cryptography.X509Certificates.X509Store]::new($StoreName, 'CurrentUser')
        try {
            $store.Open('ReadOnly')
            $store.Certificates.Find('FindByThumbprint', $Thumbprint, $false).Count -gt 0
        } finally { $store.Dispose() }
    }

    function Test-Running([int] $ProcessId) { $null -ne (Get-Process -Id $ProcessId -ErrorAction SilentlyContinue) }
}

Describe 'Sandbox leftovers' {
    It 'cleans up at exit when the script ends without Stop-RedshiftIamraSandbox' {
        $left = Start-ChildSandbox -Then exit
        $left.Process.WaitForExit(60000) | Should -BeTrue
        Test-Path $left.Directory | Should -BeFalse -Because 'the working directory holds private keys'
        # pg_ctl returns once the pid file is gone; the postmaster process itself ends moments later.
        $deadline = [DateTime]::UtcNow.AddSeconds(15)
        while ((Test-Running $left.Postmaster) -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 200 }
        Test-Running $left.Postmaster | Should -BeFalse -Because 'PostgreSQL stops with the sandbox'
        Test-InStore 'My' $left.Thumbprint | Should -BeFalse -Because 'the client certificate and key leave CurrentUser\My'
        foreach ($ca in $left.Ca) { Test-InStore 'CertificateAuthority' $ca | Should -BeFalse }
    }

    It 'removes what a killed sandbox left (kill -9) at the next sandbox start' {
        $left = Start-ChildSandbox -Then wait
        try {
            Test-Running $left.Postmaster | Should -BeTrue
            Test-InStore 'My' $left.Thumbprint | Should -BeTrue
        } finally {
            & kill -9 $left.Process.Id
            $left.Process.WaitForExit(30000) | Out-Null
        }

        # Nothing could clean up: everything is still there...
        Test-Path $left.Directory | Should -BeTrue
        Test-Running $left.Postmaster | Should -BeTrue
        Test-InStore 'My' $left.Thumbprint | Should -BeTrue

        # ...until the next sandbox starts (in another process, as a user's next run would).
        $next = Invoke-FreshPwsh @"
Import-Module '$ModulePath'
`$sb = Start-RedshiftIamraSandbox
Stop-RedshiftIamraSandbox
'STARTED'
"@
        $next.ExitCode | Should -Be 0 -Because $next.Error
        $next.Output | Should -Match 'STARTED'
        Test-Path $left.Directory | Should -BeFalse
        $deadline = [DateTime]::UtcNow.AddSeconds(15)
        while ((Test-Running $left.Postmaster) -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 200 }
        Test-Running $left.Postmaster | Should -BeFalse
        Test-InStore 'My' $left.Thumbprint | Should -BeFalse
        foreach ($ca in $left.Ca) { Test-InStore 'CertificateAuthority' $ca | Should -BeFalse }
    }
}
