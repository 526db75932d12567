@{
    RootModule             = 'RedshiftIamra.psm1'
    ModuleVersion          = '0.1.0'
    GUID                   = '5b0f3c53-6f5e-4f6e-9d55-3c1d7c3a9e21'
    Author                 = 'RedshiftIamra contributors'
    CompanyName            = 'RedshiftIamra'
    Copyright              = '(c) RedshiftIamra contributors. Apache License 2.0.'
    Description            = 'Connect to Amazon Redshift from on-premises machines with an X.509 certificate: IAM Roles Anywhere sessions, short-lived Redshift database credentials and TLS-verified connections that renew their own password. No static secret anywhere.'
    PowerShellVersion      = '7.4'
    CompatiblePSEditions   = @('Core')
    CmdletsToExport        = @(
        'Get-IamraCertificate'
        'Get-IamraSession'
        'ConvertTo-IamraCredentialProcess'
        'Set-IamraAwsProfile'
        'New-IamraSessionOption'
        'Start-RedshiftIamraSandbox'
        'Stop-RedshiftIamraSandbox'
        'Get-RedshiftDbCredential'
        'ConvertTo-RedshiftConnectionString'
        'Connect-RedshiftIamra'
        'Invoke-RedshiftQuery'
        'Write-RedshiftTable'
        'Export-RedshiftQuery'
        'Disconnect-RedshiftIamra'
        'Test-RedshiftIamraConnection'
        'Get-RedshiftIamraStack'
        'Save-RedshiftIamraConfig'
        'Get-RedshiftIamraConfig'
        'Remove-RedshiftIamraConfig'
        'Start-IamraCredentialServer'
        'Get-IamraCredentialServer'
        'Stop-IamraCredentialServer'
        'Update-IamraCredentialFile'
    )
    FunctionsToExport      = @()
    VariablesToExport      = @()
    AliasesToExport        = @()
    PrivateData            = @{
        PSData = @{
            Tags         = @('AWS', 'Redshift', 'IAMRolesAnywhere', 'RolesAnywhere', 'X509', 'Certificate', 'PostgreSQL', 'Linux', 'Windows', 'PSEdition_Core')
            LicenseUri   = 'https://www.apache.org/licenses/LICENSE-2.0'
            ReleaseNotes = 'See CHANGELOG.md.'
        }
    }
}
