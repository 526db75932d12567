BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
    $script:cmdlets = @(Get-Command -Module RedshiftIamra -CommandType Cmdlet | ForEach-Object { @{ Name = $_.Name } })
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
    $manifest = Import-PowerShellDataFile $ModulePath
}

Describe 'The module manifest' {
    It 'targets PowerShell 7.4 and later, Core edition only' {
        $manifest.PowerShellVersion | Should -Be '7.4'
        $manifest.CompatiblePSEditions | Should -Be @('Core')
    }

    It 'exports exactly the cmdlets it lists' {
        $exported = (Get-Module RedshiftIamra).ExportedCmdlets.Keys | Sort-Object
        $exported | Should -Be ($manifest.CmdletsToExport | Sort-Object)
    }

    It 'exports no functions, variables or aliases by wildcard' {
        $manifest.FunctionsToExport | Should -BeNullOrEmpty
        $manifest.VariablesToExport | Should -BeNullOrEmpty
        $manifest.AliasesToExport | Should -BeNullOrEmpty
    }

    It 'passes Test-ModuleManifest' {
        { Test-ModuleManifest -Path $ModulePath -ErrorAction Stop } | Should -Not -Throw
    }
}

Describe 'Every cmdlet' {
    It '<Name> uses an approved verb' -ForEach $cmdlets {
        (Get-Command $Name).Verb | Should -BeIn (Get-Verb).Verb
    }

    It '<Name> declares its output type, and that type has a default view' -ForEach $cmdlets {
        $outputTypes = (Get-Command $Name).OutputType
        $outputTypes | Should -Not -BeNullOrEmpty
        foreach ($type in $outputTypes) {
            if ($type.Name -like 'RedshiftIamra.*') {
                Get-FormatData -TypeName $type.Name | Should -Not -BeNullOrEmpty -Because "$($type.Name) needs a format view"
            }
        }
    }
}

Describe 'Importing the module' {
    It 'loads no dependency and does no heavy work at import (measured in a fresh process)' {
        $result = Invoke-FreshPwsh @"
`$watched = 'AWSSDK.Core', 'Npgsql', 'Microsoft.Extensions.Logging.Abstractions', 'RedshiftIamra', 'RedshiftIamra.Sandbox', 'Pkcs11Interop'
`$before = [System.AppDomain]::CurrentDomain.GetAssemblies() | ForEach-Object { `$_.GetName().Name }
`$sw = [System.Diagnostics.Stopwatch]::StartNew()
Import-Module '$ModulePath'
`$elapsed = `$sw.Elapsed.TotalMilliseconds
`$after = [System.AppDomain]::CurrentDomain.GetAssemblies() | ForEach-Object { `$_.GetName().Name }
`$added = `$after | Where-Object { `$_ -in `$watched -and `$_ -notin `$before }
"ELAPSED=`$elapsed"
"ADDED=`$(`$added -join ',')"
"@
        $result.ExitCode | Should -Be 0 -Because $result.Error
        $lines = $result.Output -split "`r?`n"
        $elapsed = [double] (($lines | Where-Object { $_ -like 'ELAPSED=*' }) -replace 'ELAPSED=')
        Write-Host ("      import time: {0:N0} ms (measured, not asserted)" -f $elapsed)
        $added = ($lines | Where-Object { $_ -like 'ADDED=*' }) -replace 'ADDED='
        $added | Should -BeNullOrEmpty -Because 'AWSSDK.Core, Npgsql, Pkcs11Interop and the network stack load only when a cmdlet needs them'
    }

    It 'fails with a clear message on Windows PowerShell (the manifest requires 7.4, Core)' {
        $manifest.PowerShellVersion | Should -BeGreaterOrEqual ([version] '7.4')
        (Get-Content -Raw (Join-Path (Split-Path $ModulePath) 'RedshiftIamra.psd1')) | Should -Match "CompatiblePSEditions\s*=\s*@\('Core'\)"
    }
}
