# The package build.ps1 writes installs with Install-PSResource from a local folder
# repository, and the installed module works by name, as a user would use it.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $work = Join-Path ([IO.Path]::GetTempPath()) "iamra-package-$([guid]::NewGuid().ToString('N'))"
    $repo = Join-Path $work 'repo'
    $fakeHome = Join-Path $work 'home'
    $null = New-Item -ItemType Directory $repo, $fakeHome
    $publish = Invoke-FreshPwsh "& '$RepoRoot/tools/Publish-LocalPackage.ps1' -ModulePath '$(Split-Path $ModulePath)' -Destination '$repo'" -Environment @{ HOME = $fakeHome }
    $root = New-TestRootCA
    $files = Export-TestPem -Certificate (New-TestClientCertificate -Issuer $root -Subject 'CN=package-test') -Directory $work
}

AfterAll {
    Remove-Item $work -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'The package' {
    It 'is a .nupkg with the module version' {
        $publish.ExitCode | Should -Be 0 -Because $publish.Error
        $version = (Import-PowerShellDataFile $ModulePath).ModuleVersion
        Test-Path (Join-Path $repo "RedshiftIamra.$version.nupkg") | Should -BeTrue
    }

    It 'installs with Install-PSResource and imports by name' {
        $script = @"
`$ErrorActionPreference = 'Stop'
Register-PSResourceRepository -Name LocalTest -Uri '$repo' -Trusted
Install-PSResource -Name RedshiftIamra -Repository LocalTest -Scope CurrentUser -TrustRepository
Import-Module RedshiftIamra
"INSTALLED=`$((Get-Module RedshiftIamra).ModuleBase)"
"SUBJECT=`$((Get-IamraCertificate -Path '$($files.Certificate)' -PrivateKeyPath '$($files.Key)').Subject)"
"HELP=`$((Get-Help Get-IamraCertificate).Synopsis)"
"@
        $result = Invoke-FreshPwsh $script -Environment @{ HOME = $fakeHome; PSModulePath = '' }
        $result.ExitCode | Should -Be 0 -Because ($result.Error + $result.Output)
        $result.Output | Should -Match ('INSTALLED=' + [regex]::Escape($fakeHome))
        $result.Output | Should -Match 'SUBJECT=CN=package-test'
        $result.Output | Should -Match 'HELP=Finds certificates'
    }
}
