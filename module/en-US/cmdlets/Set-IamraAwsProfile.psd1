@{
    Synopsis    = 'Writes an AWS config profile whose credential_process runs this module, so the AWS CLI, the SDKs and AWS Tools for PowerShell get Roles Anywhere credentials.'
    Description = @'
Set-IamraAwsProfile writes a profile into the AWS config file (AWS_CONFIG_FILE, or ~/.aws/config) with a credential_process line.

Where the module ships its native helper for the running platform (bin/native/<rid>/redshift-iamra-credential-process, built Native AOT from the same engine), the line runs that helper: it starts in milliseconds instead of the second or two PowerShell takes, uses the same per-user session cache as ConvertTo-IamraCredentialProcess, and takes the same certificate sources as options spelled --kebab-case (--path and --private-key-path, --thumbprint, --subject/--issuer/--serial-number with --latest, --store-location, --store-name, --pkcs11-uri with --pkcs11-library, --chain-path, --trust-anchor-arn, --profile-arn, --role-arn, --session-duration-seconds, --role-session-name, --roles-anywhere-endpoint-url, --ca-bundle-path; --help lists them). It prints exactly the credential_process JSON on standard output; on an error it prints one line on standard error (the error id and what to do, never a secret) and exits with 1. The line is the same for every certificate source, PKCS#11 keys included: the helper signs inside the token through the engine's own PKCS#11 binding and reads the PIN from the URI's pin-source file, never from the command line or the config file. With -UsePowerShell, or where the module has no helper for the platform, the line is the PowerShell one below.

The PowerShell line starts PowerShell, imports this module by its absolute path, and runs ConvertTo-IamraCredentialProcess with the parameters given here, which takes the session from the per-user session cache (one CreateSession per session lifetime for all the processes that use the profile; see ConvertTo-IamraCredentialProcess). The line uses absolute paths only, so it works from any working directory and any shell; when PowerShell runs as a .NET tool, it names the dotnet host and pwsh.dll.

Before writing, it checks that the certificate source resolves to exactly one usable certificate and that the ARNs, duration and endpoint are valid, so a mistake shows now rather than in a scheduled job. The profile's region is set to the trust anchor's region.

Every value in the line is quoted for each program that reads it: PowerShell single quotes inside the command (all five characters PowerShell reads as a single quote are doubled), then POSIX single quotes around each word (botocore's shlex split, sh -c) or, on Windows, double quotes by the C runtime's rules. A path no layer can carry (a line break; on Windows also %, ! or a double quote, which cmd.exe would interpret) is an error, IamraValueCannotBeQuoted, and nothing is written.

The file is read exactly as botocore reads it (section headers with trailing text, keys in any case or written key: value, indented continuation lines, [DEFAULT]); only the section botocore uses for the profile changes, and only its credential_process and region keys; every other byte of the file (other profiles, comments, order, line endings) is kept. A file botocore cannot read (a key or section twice, a byte order mark, a line without =) is refused with IamraAwsConfigUnreadable and the line at fault. Writers are serialised between processes by a lock file beside the config file (config.lock), a symbolic link is followed (its target is updated, the link stays), and a read-only file or a directory in the file's place is an error (IamraAwsConfigFileReadOnly, IamraAwsConfigFileIsDirectory). The file is written atomically (a temporary file renamed over it), and a new file is readable by its owner only. -WhatIf shows what would be written; -Confirm asks first.

A profile cannot hold a password or a token PIN: use a certificate in the store (-Thumbprint or a selector), an unencrypted key file readable only by the job's account, or a PKCS#11 token key with the PIN in a file named by pin-source= in -Pkcs11Uri (the profile then names the exact identity checked here, as a pkcs11: URI without the PIN).
'@
    Include     = @('_CertificateSource', '_Pkcs11', '_RolesAnywhere')
    Parameters  = @{
        ProfileName     = 'The profile to write: ''default'' or a name (letters, digits and _.+@-).'
        ConfigPath      = 'The config file to write, instead of AWS_CONFIG_FILE or ~/.aws/config.'
        PassThru        = 'Returns the config file as a FileInfo.'
        UsePowerShell   = 'Writes the line that runs ConvertTo-IamraCredentialProcess in PowerShell even where the module ships its native credential_process helper for this platform (which is written by default).'
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
