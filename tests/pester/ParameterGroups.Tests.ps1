# The cmdlet layer says each thing one way. A parameter group (certificate source, Roles
# Anywhere session and AWS HTTP settings, AWS credentials, Redshift target, TLS) is declared
# once, on a shared base class; every cmdlet that takes one parameter of a group takes all of
# it; and a parameter name means the same thing (type, aliases, validation) on every cmdlet.
# These tests read the built module, so a cmdlet that redeclares a parameter its own way, or
# takes half a group, fails here.

BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
    $common = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters
    $commands = @(Get-Command -Module RedshiftIamra -CommandType Cmdlet)

    # The groups: the parameters each abstract base class declares itself.
    $script:groups = @($commands.ImplementingType | ForEach-Object {
            $t = $_.BaseType
            while ($t -and $t.Name -ne 'PSCmdlet') { $t; $t = $t.BaseType }
        } | Sort-Object FullName -Unique | ForEach-Object {
            $declared = @($_.GetProperties([System.Reflection.BindingFlags]'Public,Instance,DeclaredOnly') |
                    Where-Object { $_.GetCustomAttributes([System.Management.Automation.ParameterAttribute], $true) } | ForEach-Object Name)
            if ($declared) { @{ Group = $_.Name; Parameters = $declared } }
        })

    # Every parameter name used by more than one cmdlet.
    $script:shared = @($commands | ForEach-Object { $_.Parameters.Keys } | Where-Object { $_ -notin $common } |
            Group-Object | Where-Object Count -GT 1 | ForEach-Object { @{ Parameter = $_.Name } })
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
    $commands = @(Get-Command -Module RedshiftIamra -CommandType Cmdlet)

    # What a parameter means to a user: its type, aliases and validation (attribute type and settings).
    function Get-ParameterShape([System.Management.Automation.ParameterMetadata] $Parameter) {
        $validation = @($Parameter.Attributes | Where-Object {
                $_ -is [System.Management.Automation.ValidateArgumentsAttribute] -or $_ -is [System.Management.Automation.ArgumentTransformationAttribute] -or $_ -is [System.Management.Automation.ArgumentCompleterAttribute]
            } | ForEach-Object {
                $a = $_
                $settings = @($a.GetType().GetProperties() | Where-Object { $_.Name -notin 'TypeId', 'ErrorMessage', 'TransformNullOptionalParameters' } | Sort-Object Name | ForEach-Object {
                        $v = $_.GetValue($a); "$($_.Name)=$(if ($v -is [array]) { $v -join '|' } else { $v })"
                    })
                "$($a.GetType().Name)($($settings -join ';'))"
            } | Sort-Object)
        "type $($Parameter.ParameterType.FullName); aliases $(@($Parameter.Aliases | Sort-Object) -join ','); validation $($validation -join ' ')"
    }

    # Parameters whose name another cmdlet uses for another thing, and why. Everything else
    # that shares a name must share its meaning.
    $otherMeaning = @{
        # The sandbox's parameters name what it creates (its cluster, workgroup, port, durations), not what to connect to.
        'Start-RedshiftIamraSandbox'         = '*'
        # X509Certificate2 objects to judge; the Roles Anywhere group takes the judged IamraCertificate.
        'Get-IamraCertificate'               = @('Certificate')
        # The session to convert, mandatory input rather than a credential source.
        'ConvertTo-IamraCredentialProcess'   = @('Session')
        'Start-IamraCredentialServer'        = @('Session')
        'Update-IamraCredentialFile'         = @('Session', 'ProfileName')
        # Connection strings always ask for full verification: only the roots are a choice.
        'ConvertTo-RedshiftConnectionString' = @('RootCertificatePath')
        # Closes several connections at once.
        'Disconnect-RedshiftIamra'           = @('Connection')
        # Names the one configuration to write.
        'Save-RedshiftIamraConfig'           = @('Name')
        # Names the profile to write, in the character set the AWS config and credentials files allow.
        'Set-IamraAwsProfile'                = @('ProfileName')
        # The data files to load or write, as Import-Csv's and Export-Csv's -Path; the rows on the pipeline, as every data cmdlet's -InputObject.
        'Write-RedshiftTable'                = @('Path', 'InputObject')
        'Export-RedshiftQuery'               = @('Path')
    }
    function Test-OtherMeaning([string] $Cmdlet, [string] $Parameter) {
        $names = $otherMeaning[$Cmdlet]
        return $names -and ($names -eq '*' -or $Parameter -in $names)
    }
}

Describe 'Parameter group <Group>' -ForEach $groups {
    It 'is taken whole by every cmdlet that takes part of it' {
        foreach ($command in $commands) {
            $has = @($Parameters | Where-Object { $command.Parameters.ContainsKey($_) -and -not (Test-OtherMeaning $command.Name $_) })
            if ($has.Count -gt 0) {
                $missing = @($Parameters | Where-Object { -not $command.Parameters.ContainsKey($_) })
                $missing | Should -BeNullOrEmpty -Because "$($command.Name) takes $($has -join ', ') of $Group, so it must take all of it"
            }
        }
    }

    It 'is declared once: no cmdlet redeclares its parameters' {
        foreach ($command in $commands) {
            foreach ($name in $Parameters | Where-Object { $command.Parameters.ContainsKey($_) -and -not (Test-OtherMeaning $command.Name $_) }) {
                $declaring = $command.ImplementingType.GetProperty($name).DeclaringType.Name
                $declaring | Should -Be $Group -Because "$($command.Name) -$name must come from $Group, not be declared again"
            }
        }
    }
}

Describe 'The parameter name -<Parameter>' -ForEach $shared {
    It 'has the same type, aliases and validation on every cmdlet' {
        $shapes = @($commands | Where-Object { $_.Parameters.ContainsKey($Parameter) -and -not (Test-OtherMeaning $_.Name $Parameter) } | ForEach-Object {
                [pscustomobject]@{ Cmdlet = $_.Name; Shape = Get-ParameterShape $_.Parameters[$Parameter] }
            })
        $distinct = @($shapes.Shape | Sort-Object -Unique)
        $distinct.Count | Should -Be 1 -Because "-$Parameter differs: $(($shapes | ForEach-Object { "$($_.Cmdlet): $($_.Shape)" }) -join ' / ')"
    }
}

Describe 'One name for each thing' {
    It 'has one name for each AWS endpoint, and one for each duration' {
        $names = @($commands | ForEach-Object { $_.Parameters.Keys } | Sort-Object -Unique)
        $names | Should -Not -Contain 'EndpointUrl' -Because 'endpoints are -RolesAnywhereEndpointUrl, -RedshiftEndpointUrl and -CloudFormationEndpointUrl'
        foreach ($command in $commands | Where-Object { $_.Parameters.ContainsKey('TrustAnchorArn') }) {
            $command.Parameters.Keys | Should -Contain 'SessionDurationSeconds' -Because "$($command.Name) names the session's duration -SessionDurationSeconds"
        }
    }

    It 'takes a SecureString or a plain string for -SecretKey and -SessionToken, and never echoes a refused value' {
        $secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'
        foreach ($command in $commands | Where-Object { $_.Parameters.ContainsKey('SecretKey') }) {
            $command.Parameters['SecretKey'].ParameterType | Should -Be ([securestring])
            $command.Parameters['SessionToken'].ParameterType | Should -Be ([securestring])
        }
        # A plain string binds (the failure is then about the unreachable endpoint's input, not the type).
        $err = $null
        Get-RedshiftDbCredential -AccessKey AKIAEXAMPLEEXAMPLE00 -SecretKey $secret -SessionToken $secret -Region us-east-1 -ClusterIdentifier 'Bad_Cluster' -DbUser a -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'RedshiftInvalidClusterIdentifier,*' -Because 'a plain-string -SecretKey binds'
        ($err | Out-String) | Should -Not -Match ([regex]::Escape($secret))
        # Another type is refused with a message that names the type, not the value.
        $refused = $null
        $notAString = [guid]::NewGuid()
        try {
            Get-RedshiftDbCredential -AccessKey AKIAEXAMPLEEXAMPLE00 -SecretKey $notAString -Region us-east-1 -ClusterIdentifier c -DbUser a -ErrorAction Stop
        } catch {
            $refused = $_
        }
        $refused | Should -Not -BeNullOrEmpty
        $refused.FullyQualifiedErrorId | Should -BeLike 'ParameterArgumentTransformationError,*'
        ($refused | Out-String) | Should -Match 'SecureString or a string'
        ($refused | Out-String) | Should -Not -Match $notAString.ToString()
    }
}
