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
`$watched = 'AWSSDK.Core', 'Npgsql', 'Microsoft.Extensions.Logging.Abstractions', 'RedshiftIamra', 'RedshiftIamra.Sandbox'
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
        $added | Should -BeNullOrEmpty -Because 'AWSSDK.Core, Npgsql and the network stack load only when a cmdlet needs them'
    }

    It 'auto-loads no other module at import (scheduled jobs and credential_process pay every import)' {
        $result = Invoke-FreshPwsh @"
Import-Module '$ModulePath'
"MODULES=`$(@(Microsoft.PowerShell.Core\Get-Module).Name -join ',')"
"@
        $result.ExitCode | Should -Be 0 -Because $result.Error
        ($result.Output -split "`r?`n" | Where-Object { $_ -like 'MODULES=*' }) | Should -Be 'MODULES=RedshiftIamra' -Because 'a pipeline cmdlet such as Where-Object or Select-Object in the psm1 would load Microsoft.PowerShell.Utility (~150-200 ms)'
    }

    It 'exports every cmdlet again after Import-Module -Force, with or without Remove-Module first' {
        $result = Invoke-FreshPwsh @"
Import-Module '$ModulePath'
"FIRST=`$((Get-Command -Module RedshiftIamra).Count)"
Import-Module '$ModulePath' -Force
"FORCE=`$((Get-Command -Module RedshiftIamra).Count)"
Remove-Module RedshiftIamra
Import-Module '$ModulePath' -Force
"REMOVED=`$((Get-Command -Module RedshiftIamra).Count)"
"TYPES=`$([bool](Get-TypeData RedshiftIamra.RedshiftDbCredential))"
"@
        $result.ExitCode | Should -Be 0 -Because $result.Error
        $expected = $manifest.CmdletsToExport.Count
        $result.Output | Should -Match "FIRST=$expected\b"
        $result.Output | Should -Match "FORCE=$expected\b"
        $result.Output | Should -Match "REMOVED=$expected\b"
        $result.Output | Should -Match 'TYPES=True'
    }

    It 'imports in 16 runspaces of one RunspacePool at once, each with every cmdlet, its type data and views' {
        # Runspaces of a pool share one InitialSessionState; importing a manifest's types and formats
        # there in parallel threw "Collection was modified" in about a third of processes and left
        # some runspaces without type data or views in most. Five processes catch either defect.
        $script = @"
`$pool = [runspacefactory]::CreateRunspacePool(1, 16)
`$pool.Open()
`$jobs = foreach (`$i in 1..16) {
    `$ps = [powershell]::Create()
    `$ps.RunspacePool = `$pool
    `$null = `$ps.AddScript({
        param(`$Path)
        try {
            Import-Module `$Path -ErrorAction Stop
            '{0}/{1}/{2}' -f (Get-Command -Module RedshiftIamra).Count, [bool](Get-TypeData RedshiftIamra.RedshiftDbCredential), [bool](Get-FormatData RedshiftIamra.RedshiftDbCredential)
        }
        catch { "ERROR: `$(`$_.Exception.Message)" }
    }).AddArgument('$ModulePath')
    [pscustomobject]@{ PowerShell = `$ps; Handle = `$ps.BeginInvoke() }
}
foreach (`$job in `$jobs) { "RESULT=`$(`$job.PowerShell.EndInvoke(`$job.Handle))"; `$job.PowerShell.Dispose() }
`$pool.Close()
"@
        $expected = "RESULT=$($manifest.CmdletsToExport.Count)/True/True"
        foreach ($run in 1..5) {
            $result = Invoke-FreshPwsh $script
            $result.ExitCode | Should -Be 0 -Because $result.Error
            $results = @($result.Output -split "`r?`n" | Where-Object { $_ -like 'RESULT=*' })
            $results.Count | Should -Be 16 -Because $result.Output
            $results | Where-Object { $_ -ne $expected } | Should -BeNullOrEmpty -Because "every runspace imports the whole module (process $run)"
        }
    }

    It 'fails with a clear message on Windows PowerShell (the manifest requires 7.4, Core)' {
        $manifest.PowerShellVersion | Should -BeGreaterOrEqual ([version] '7.4')
        (Get-Content -Raw (Join-Path (Split-Path $ModulePath) 'RedshiftIamra.psd1')) | Should -Match "CompatiblePSEditions\s*=\s*@\('Core'\)"
    }
}
