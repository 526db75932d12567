# Every cmdlet's help has a synopsis, a description, at least one example, and a text
# for every parameter; the help's parameters are exactly the cmdlet's.
BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
    $script:cmdlets = @(Get-Command -Module RedshiftIamra -CommandType Cmdlet | ForEach-Object { @{ Name = $_.Name } })
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
    $common = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters
}

Describe '<Name> help' -ForEach $cmdlets {
    BeforeAll {
        $help = Get-Help $Name -Full
        $command = Get-Command $Name
        $codeParameters = @($command.Parameters.Keys | Where-Object { $_ -notin $common } | Sort-Object)
        $helpParameters = @($help.parameters.parameter | Where-Object { $_.name -notin $common } | ForEach-Object name | Sort-Object)
    }

    It 'comes from the MAML file, not auto-generated' {
        $help.GetType().Name | Should -Not -Be 'String'
        $help.PSObject.TypeNames | Should -Not -Contain 'HelpInfoShort'
        $help.description | Should -Not -BeNullOrEmpty
    }

    It 'has a synopsis that is not the syntax' {
        $help.Synopsis | Should -Not -BeNullOrEmpty
        $help.Synopsis | Should -Not -Match "^\s*$Name\s"
    }

    It 'has at least one example with code and remarks' {
        @($help.examples.example).Count | Should -BeGreaterThan 0
        foreach ($example in $help.examples.example) {
            $example.code | Should -Not -BeNullOrEmpty
            ($example.remarks | Out-String).Trim() | Should -Not -BeNullOrEmpty
        }
    }

    It 'documents exactly the parameters the cmdlet has' {
        $helpParameters | Should -Be $codeParameters
    }

    It 'describes every parameter' {
        foreach ($parameter in $help.parameters.parameter | Where-Object { $_.name -notin $common }) {
            ($parameter.description | Out-String).Trim() | Should -Not -BeNullOrEmpty -Because "-$($parameter.name) needs a description"
        }
    }

    It 'states mandatory parameters and types as the code does' {
        foreach ($parameter in $help.parameters.parameter | Where-Object { $_.name -notin $common }) {
            $code = $command.Parameters[$parameter.name]
            $mandatoryEverywhere = -not ($code.ParameterSets.Values | Where-Object { -not $_.IsMandatory })
            if ($mandatoryEverywhere) { $parameter.required | Should -Be 'true' -Because "-$($parameter.name) is mandatory" }
            $parameter.type.name | Should -BeLike "*$($code.ParameterType.Name.TrimEnd('[]'))*"
        }
    }
}

Describe 'about_RedshiftIamra' {
    It 'is found by Get-Help' {
        (Get-Help about_RedshiftIamra | Out-String) | Should -Match 'Roles Anywhere'
    }
}
