@{
    Synopsis    = 'Writes a Roles Anywhere session into one profile of the AWS shared credentials file, atomically, and keeps it fresh ahead of expiry.'
    Description = @'
Update-IamraCredentialFile writes aws_access_key_id, aws_secret_access_key, aws_session_token and x_security_token_expires (the expiration, in UTC; AWS tools ignore the key) into one profile of the shared credentials file: -CredentialsPath, else AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials. Only that profile's keys change; other profiles, comments and line endings stay as they were. The file is written to a temporary file and renamed over the old one, so readers see the old or the new file, never half of one; a new file (and a new folder) is readable by its owner only. A lock file beside it (.credentials.lock) keeps two writers from losing each other's profiles.

The session comes from the pipeline, or is created from a certificate source (or a saved configuration with -ConfigName) and the Roles Anywhere settings, as Get-IamraSession takes them. With -Once it writes that session and returns. Without it, it keeps running until Ctrl+C or SIGTERM: it renews the session 15 minutes before it expires (at most a quarter of its lifetime) and rewrites the profile each time. A failed renewal or write is retried with jittered exponential backoff (1 s doubling to 1 minute) and reported as a warning without secrets; it never exits on an error and never writes expired credentials.

Prefer Start-IamraCredentialServer or Set-IamraAwsProfile where the tools allow it: this cmdlet puts a secret in a file (by design, the file the user names).
'@
    Include     = @('_CertificateSource', '_Pkcs11', '_RolesAnywhere')
    Parameters  = @{
        Session     = 'The session from Get-IamraSession. It is written first; renewals go through its certificate and settings.'
        ProfileName = 'The profile to write (the section [name] of the credentials file): letters, digits and _.+@-.'
        CredentialsPath = 'The credentials file, instead of AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials.'
        Once        = 'Writes once and returns the file.'
    }
    Inputs      = @{
        'RedshiftIamra.IamraSession' = 'The session to write.'
        'RedshiftIamra.IamraCertificate' = 'The signing certificate of a new session.'
    }
    Outputs     = @{
        'System.IO.FileInfo' = 'The credentials file, after the first write.'
    }
    Examples    = @(
        @{
            Title   = 'One write for a tool that reads only the credentials file'
            Code    = "Get-IamraSession @session | Update-IamraCredentialFile -ProfileName onprem -Once`naws s3 ls --profile onprem"
            Remarks = 'The profile holds the session until it expires.'
        }
        @{
            Title   = 'Keep the profile fresh as a service'
            Code    = 'Update-IamraCredentialFile -ConfigName prod-etl -ProfileName onprem'
            Remarks = 'Runs until Ctrl+C or SIGTERM, rewriting the profile ahead of each expiry.'
        }
    )
    Notes       = 'Error ids: IamraInvalidProfileName, IamraFileLocked (another process held the lock for more than 30 s).'
    Links       = @('Start-IamraCredentialServer', 'Set-IamraAwsProfile', 'Get-IamraSession')
}
