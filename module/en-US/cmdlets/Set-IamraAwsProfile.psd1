@{
    Synopsis    = 'Writes an AWS config profile whose credential_process runs this module, so the AWS CLI, the SDKs and AWS Tools for PowerShell get Roles Anywhere credentials.'
    Description = @'
Set-IamraAwsProfile writes a profile into the AWS config file (AWS_CONFIG_FILE, or ~/.aws/config) with a credential_process line that starts PowerShell, imports this module by its absolute path, and runs Get-IamraSession piped to ConvertTo-IamraCredentialProcess with the parameters given here. The line uses absolute paths only, so it works from any working directory and any shell; when PowerShell runs as a .NET tool, it names the dotnet host and pwsh.dll.

Before writing, it checks that the certificate source resolves to exactly one usable certificate and that the ARNs, duration and endpoint are valid, so a mistake shows now rather than in a scheduled job. The profile's region is set to the trust anchor's region.

Only the named profile's credential_process and region keys change; every other line of the file (other profiles, comments, order) is kept. The file is written atomically (a temporary file renamed over it), and a new file is readable by its owner only. -WhatIf shows what would be written; -Confirm asks first.

A profile cannot hold a password or a token PIN: use a certificate in the store (-Thumbprint or a selector), an unencrypted key file readable only by the job's account, or a PKCS#11 token key with the PIN in a file named by pin-source= in -Pkcs11Uri (the profile then names the exact identity checked here, as a pkcs11: URI without the PIN).
'@
    Include     = @('_CertificateSource', '_Pkcs11', '_RolesAnywhere')
    Parameters  = @{
        ProfileName     = 'The profile to write: ''default'' or a name (letters, digits and _.+@-).'
        ConfigPath      = 'The config file to write, instead of AWS_CONFIG_FILE or ~/.aws/config.'
        PassThru        = 'Returns the config file as a FileInfo.'
    }
    Inputs      = @{
        'System.String' = 'ARNs by property name (TrustAnchorArn, ProfileArn, RoleArn).'
    }
    Outputs     = @{
        'System.IO.FileInfo' = 'The config file, with -PassThru.'
    }
    Examples    = @(
        @{
            Title   = 'A profile for the AWS CLI'
            Code    = @'
Set-IamraAwsProfile -ProfileName onprem-redshift -Thumbprint $t -TrustAnchorArn $ta -ProfileArn $pa -RoleArn $ra
aws redshift describe-clusters --profile onprem-redshift
'@
            Remarks = 'The AWS CLI runs the credential process whenever it needs credentials.'
        }
        @{
            Title   = 'The same profile in AWS Tools for PowerShell'
            Code    = 'Get-RSCluster -ProfileName onprem-redshift'
            Remarks = 'AWS Tools for PowerShell reads credential_process profiles too.'
        }
        @{
            Title   = 'Preview the change'
            Code    = "Set-IamraAwsProfile -ProfileName onprem-redshift -Subject 'CN=etl-host-01' -Latest -TrustAnchorArn `$ta -ProfileArn `$pa -RoleArn `$ra -WhatIf -Verbose"
            Remarks = 'Shows the credential_process line and the file it would write, without writing.'
        }
    )
    Notes       = 'The config file never receives a secret: only the command line that fetches credentials when needed.'
    Links       = @('ConvertTo-IamraCredentialProcess', 'Get-IamraSession')
}
