@{
    Synopsis    = 'Gets temporary AWS credentials from IAM Roles Anywhere, signed with a certificate''s private key; cached in-process and renewed before they expire.'
    Description = @'
Get-IamraSession calls IAM Roles Anywhere CreateSession in-process: the request is signed with the certificate's private key (SigV4 with AWS4-X509-RSA-SHA256 or AWS4-X509-ECDSA-SHA256), with the intermediate certificates in X-Amz-X509-Chain. No helper binary and no AWS CLI are needed.

The certificate comes from the pipeline (an IamraCertificate from Get-IamraCertificate, or an X509Certificate2), or from the same source parameters as Get-IamraCertificate (-Thumbprint, a -Subject/-Issuer/-SerialNumber selector, -Path files, or a key in a PKCS#11 token with -Pkcs11Uri or -TokenLabel/-KeyLabel/-KeyId, which then signs inside the token; the token session is logged in once and reused by every renewal). Exactly one usable certificate must match; -Latest picks the one expiring last.

Sessions are cached in the PowerShell process, keyed by everything that changes the answer (certificate, ARNs, region, endpoint, duration, session name). A cached session is returned until the renewal margin (New-IamraSessionOption -RenewalMargin; 5 minutes by default, at most a quarter of the session's lifetime) before it expires, then renewed. Concurrent callers in other runspaces or threads share one CreateSession request. -Force ignores the cache.

The region comes from the trust anchor ARN; the profile must be in the same region. The endpoint is -RolesAnywhereEndpointUrl, else AWS_ENDPOINT_URL_ROLESANYWHERE, else AWS_ENDPOINT_URL, else rolesanywhere.<region>.amazonaws.com (rolesanywhere-fips when AWS_USE_FIPS_ENDPOINT is true). The proxy comes from -SessionOption (New-IamraSessionOption -Proxy) or HTTPS_PROXY/NO_PROXY; extra trusted roots from -CaBundlePath or AWS_CA_BUNDLE. Throttling and server errors are retried with jittered backoff, each attempt signed anew; a clock that differs from the service's is detected from its Date header.

All input (ARNs, region, duration, session name, certificate validity and key) is checked before any network call. -Verbose tells which certificate, region and endpoint were used and where they came from; -Debug shows the canonical request and string to sign (no secret).

The secret access key and session token are SecureStrings. To hand the session to AWS Tools for PowerShell, prefer a credential_process profile (Set-IamraAwsProfile, then -ProfileName), which keeps secrets out of scripts; or convert at the call: -AccessKey $s.AccessKeyId -SecretKey ($s.SecretAccessKey | ConvertFrom-SecureString -AsPlainText) -SessionToken ($s.SessionToken | ConvertFrom-SecureString -AsPlainText).
'@
    Include     = @('_CertificateSource', '_Pkcs11', '_RolesAnywhere')
    Parameters  = @{
        Region                = 'The region. Optional: it must equal the trust anchor''s region.'
        Force                 = 'Ignores a cached session and calls CreateSession.'
    }
    Inputs      = @{
        'RedshiftIamra.IamraCertificate' = 'The signing certificate.'
        'System.Security.Cryptography.X509Certificates.X509Certificate2' = 'A certificate with its private key; converted to IamraCertificate.'
    }
    Outputs     = @{
        'RedshiftIamra.IamraSession' = 'The temporary credentials (secret key and token as SecureStrings), their expiration, the assumed role, the subject ARN, the region, the certificate used, and whether the session came from the cache.'
    }
    Examples    = @(
        @{
            Title   = 'From a store certificate to a session'
            Code    = "Get-IamraCertificate -Subject 'CN=etl-host-01*' | Get-IamraSession -TrustAnchorArn `$ta -ProfileArn `$pa -RoleArn `$ra"
            Remarks = 'Signs CreateSession with the certificate''s key and returns the temporary credentials. A second call within the session''s lifetime returns the cached session without a request.'
        }
        @{
            Title   = 'Files exported from AWS Certificate Manager'
            Code    = "Get-IamraSession -Path ./certificate.pem -PrivateKeyPath ./private_key.pem -ChainPath ./certificate_chain.pem -Password `$pw -TrustAnchorArn `$ta -ProfileArn `$pa -RoleArn `$ra -SessionDurationSeconds 900"
            Remarks = 'Reads the certificate and its encrypted PKCS#8 key directly and asks for a 15-minute session.'
        }
        @{
            Title   = 'Sign with a key that never leaves the HSM'
            Code    = "Get-IamraSession -Pkcs11Uri 'pkcs11:token=hsm1;object=etl-key?pin-source=file:/etc/iamra/hsm1.pin' -Pkcs11Library /opt/hsm/lib/libpkcs11.so -TrustAnchorArn `$ta -ProfileArn `$pa -RoleArn `$ra"
            Remarks = 'Reads the PIN from a file only the job''s account can read, logs in to the token once, and signs CreateSession inside it; renewals reuse the same token session.'
        }
        @{
            Title   = 'Hand the session to AWS Tools for PowerShell'
            Code    = @'
$s = Get-IamraSession -Thumbprint $t -TrustAnchorArn $ta -ProfileArn $pa -RoleArn $ra
Get-S3Object -BucketName staging -AccessKey $s.AccessKeyId -SecretKey ($s.SecretAccessKey | ConvertFrom-SecureString -AsPlainText) -SessionToken ($s.SessionToken | ConvertFrom-SecureString -AsPlainText)
'@
            Remarks = 'Converts the SecureStrings only at the call. For scripts, Set-IamraAwsProfile and -ProfileName keep secrets out of the script entirely.'
        }
        @{
            Title   = 'See what is signed'
            Code    = "Get-IamraSession -Thumbprint `$t -TrustAnchorArn `$ta -ProfileArn `$pa -RoleArn `$ra -Force -Verbose -Debug"
            Remarks = 'Shows the certificate, region and endpoint used and where each came from, and the canonical request and string to sign.'
        }
    )
    Notes       = 'No secret reaches output, logs or errors. ConvertTo-IamraCredentialProcess is the one deliberate exception: it writes the credential_process JSON that the AWS CLI and SDKs read.'
    Links       = @('Get-IamraCertificate', 'ConvertTo-IamraCredentialProcess', 'Set-IamraAwsProfile', 'about_RedshiftIamra')
}
