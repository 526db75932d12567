@{
    Synopsis    = 'Writes Roles Anywhere credentials as the credential_process JSON that the AWS CLI and SDKs read, from a session or from the per-user session cache.'
    Description = @'
ConvertTo-IamraCredentialProcess prints the compact JSON a credential_process must print: {"Version":1,"AccessKeyId":...,"SecretAccessKey":...,"SessionToken":...,"Expiration":"2026-11-26T20:00:00Z"}.

Given a session (-Session, or piped from Get-IamraSession) it converts that session. Given a certificate source (or a saved configuration with -ConfigName) and the ARNs instead, it takes the session from a cache shared by every process of the user, so back-to-back and concurrent AWS CLI calls make one CreateSession per session lifetime: this is what the profile Set-IamraAwsProfile writes runs. The cache hands out a session until 15 minutes before it expires (at most a quarter of its lifetime), since AWS clients ask again for credentials closer to expiry than that. A lock file per session makes concurrent callers wait for one CreateSession.

The cache lives in $env:REDSHIFTIAMRA_CACHE_DIR, else $XDG_CACHE_HOME/redshift-iamra/sessions or ~/.cache/redshift-iamra/sessions on Linux and macOS (folder 0700, files 0600), or %LOCALAPPDATA%\RedshiftIamra\sessions on Windows, where each file is encrypted for the user with DPAPI. One file per key; the key covers everything that changes the answer: certificate thumbprint, where the key lives, the three ARNs, region, endpoint, duration, session name, CA bundle and proxy. A file that is corrupt, not a plain file, owned by another user, open to group or others, or (Windows) not decryptable by this user is ignored, said so in a warning, and replaced. A cache folder owned by another user is not used at all.

The output holds the secret access key and session token in clear, by design: it is meant only for the standard output of a credential process.
'@
    Include     = @('_CertificateSource', '_Pkcs11', '_RolesAnywhere')
    Parameters  = @{
        Session         = 'The session from Get-IamraSession.'
        NoCache         = 'Does not read or write the per-user session cache: one CreateSession for this call.'
    }
    Inputs      = @{
        'RedshiftIamra.IamraSession' = 'The session to convert.'
        'RedshiftIamra.IamraCertificate' = 'The signing certificate of a session taken from the per-user cache.'
    }
    Outputs     = @{
        'System.String' = 'One line of JSON.'
    }
    Examples    = @(
        @{
            Title   = 'What a credential_process profile runs'
            Code    = "ConvertTo-IamraCredentialProcess -Thumbprint `$t -TrustAnchorArn `$ta -ProfileArn `$pa -RoleArn `$ra"
            Remarks = 'The first call makes a session and caches it; later calls (from any process of the user) reuse it. Set-IamraAwsProfile writes this command into a profile for you.'
        }
        @{
            Title   = 'A session you already have'
            Code    = "Get-IamraSession -Thumbprint `$t -TrustAnchorArn `$ta -ProfileArn `$pa -RoleArn `$ra | ConvertTo-IamraCredentialProcess"
            Remarks = 'Converts that session; the cache is not involved.'
        }
    )
    Notes       = 'Never redirect this output to a file: it contains the secret key and session token.'
    Links       = @('Set-IamraAwsProfile', 'Get-IamraSession')
}
