@{
    Synopsis    = 'Writes Roles Anywhere credentials as the credential_process JSON that the AWS CLI and SDKs read, from a session or from the per-user session cache.'
    Description = @'
ConvertTo-IamraCredentialProcess prints the compact JSON a credential_process must print: {"Version":1,"AccessKeyId":...,"SecretAccessKey":...,"SessionToken":...,"Expiration":"2026-11-26T20:00:00Z"}.

Given a session (-Session, or piped from Get-IamraSession) it converts that session. Given a certificate source and the ARNs instead, it takes the session from a cache shared by every process of the user, so back-to-back and concurrent AWS CLI calls make one CreateSession per session lifetime: this is what the profile Set-IamraAwsProfile writes runs. The cache hands out a session until 15 minutes before it expires (at most a quarter of its lifetime), since AWS clients ask again for credentials closer to expiry than that. A lock file per session makes concurrent callers wait for one CreateSession.

The cache lives in $env:REDSHIFTIAMRA_CACHE_DIR, else $XDG_CACHE_HOME/redshift-iamra/sessions or ~/.cache/redshift-iamra/sessions on Linux and macOS (folder 0700, files 0600), or %LOCALAPPDATA%\RedshiftIamra\sessions on Windows, where each file is encrypted for the user with DPAPI. One file per key; the key covers everything that changes the answer: certificate thumbprint, where the key lives, the three ARNs, region, endpoint, duration, session name, CA bundle and proxy. A file that is corrupt, not a plain file, owned by another user, open to group or others, or (Windows) not decryptable by this user is ignored, said so in a warning, and replaced. A cache folder owned by another user is not used at all.

The output holds the secret access key and session token in clear, by design: it is meant only for the standard output of a credential process.
'@
    Include     = @('_Pkcs11')
    Parameters  = @{
        Session         = 'The session from Get-IamraSession.'
        Thumbprint      = 'The SHA-1 thumbprint of the certificate in the store.'
        Subject         = 'Selects the store certificate by subject (wildcards allowed).'
        Issuer          = 'Selects the store certificate by issuer (wildcards allowed).'
        SerialNumber    = 'Selects the store certificate by serial number (wildcards allowed).'
        StoreLocation   = 'The store location, CurrentUser by default.'
        StoreName       = 'The store name, My by default.'
        Path            = 'A certificate file (PEM, DER or PFX). With -Pkcs11Uri or -TokenLabel: the certificate of the token key, when the token does not hold it.'
        PrivateKeyPath  = 'The private key file for -Path.'
        Password        = 'The password of an encrypted key or PFX file.'
        ChainPath       = 'A PEM bundle of intermediate certificates.'
        Latest          = 'With a selector, takes the certificate that expires last.'
        TrustAnchorArn  = 'The Roles Anywhere trust anchor ARN.'
        ProfileArn      = 'The Roles Anywhere profile ARN.'
        RoleArn         = 'The IAM role ARN.'
        DurationSeconds = 'The session duration, 900 to 43200 seconds (3600 by default).'
        RoleSessionName = 'The role session name, when the profile accepts one.'
        EndpointUrl     = 'A Roles Anywhere endpoint to use instead of the regional one.'
        CaBundlePath    = 'A PEM file of extra trusted root certificates for the Roles Anywhere endpoint.'
        NoCache         = 'Does not read or write the per-user session cache: one CreateSession for this call.'
    }
    Inputs      = @{
        'RedshiftIamra.IamraSession' = 'The session to convert.'
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
