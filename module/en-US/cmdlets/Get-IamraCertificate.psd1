@{
    Synopsis    = 'Finds certificates that can sign IAM Roles Anywhere requests: in a certificate store, in files, in a PKCS#11 token (HSM, smart card), or on the pipeline.'
    Description = @'
Get-IamraCertificate finds the X.509 certificate a workload signs IAM Roles Anywhere requests with, and tells whether each one can be used: valid now, with a private key of a supported type (RSA of 2048 bits or more, ECDSA P-256, P-384 or P-521), allowed to make digital signatures and, when its extended key usage is restricted, allowed for client authentication.

Certificates come from the certificate store (Cert:\CurrentUser\My unless -StoreLocation and -StoreName say otherwise), looked up by -Thumbprint or by a -Subject, -Issuer or -SerialNumber selector with wildcards; from files with -Path (PEM, DER or PFX/PKCS#12; the private key in the same PEM file or in -PrivateKeyPath as PKCS#1, SEC1, PKCS#8 or encrypted PKCS#8, the form AWS Certificate Manager exports); or from X509Certificate2 objects on the pipeline.

Keys that never leave a hardware security module or smart card are reached through PKCS#11: -Pkcs11Uri takes an RFC 7512 URI (pkcs11:token=...;object=...;id=...), or -TokenLabel with -KeyLabel or -KeyId names the same thing. Each private key that matches is listed with its certificate (the certificate object of the same CKA_ID on the token, or the file given with -Path), its TokenLabel, KeyLabel and KeyId, and a Source that is the identity's own pkcs11: URI (never with the PIN), ready to pass back to -Pkcs11Uri. The library is -Pkcs11Library, module-path in the URI, $env:REDSHIFTIAMRA_PKCS11_MODULE, or p11-kit-proxy. The module logs in once per token and keeps that session for every later signature until it is removed; the PIN comes from -Pin, pin-value or pin-source in the URI, or an interactive prompt (once), and a non-interactive session without a PIN gets the error IamraPkcs11PinRequired instead of a hang. Signing happens inside the token (CKM_SHA256_RSA_PKCS or CKM_RSA_PKCS, CKM_ECDSA).

By default only usable certificates are returned. -All returns every certificate with the reason it cannot be used. When a lookup finds certificates but none is usable, the error says why (for example the date it expired). -Latest returns the usable certificate that expires last.

The private key is never exported: signing later goes through the certificate's key handle, so non-exportable keys in the Windows store work.
'@
    Include     = @('_CertificateSource', '_Pkcs11')
    Parameters  = @{
        Certificate    = 'One or more X509Certificate2 objects, for example from Get-ChildItem Cert:\CurrentUser\My or Get-PfxCertificate.'
        All            = 'Returns unusable certificates too, each with the reason in its Reason property.'
        Latest         = 'Returns only the usable certificate that expires last.'
    }
    Inputs      = @{
        'System.Security.Cryptography.X509Certificates.X509Certificate2' = 'Certificates to inspect.'
        'System.String' = 'A thumbprint, by property name (Thumbprint).'
    }
    Outputs     = @{
        'RedshiftIamra.IamraCertificate' = 'The certificate and its facts: subject, issuer, serial (hex and decimal), validity, days left, key algorithm and size or curve, private key, client-auth usage, source, whether it is usable and why not, its chain, and the X509Certificate2 itself.'
    }
    Examples    = @(
        @{
            Title   = 'Find a certificate by subject'
            Code    = "Get-IamraCertificate -Subject 'CN=etl-host-01*'"
            Remarks = 'Lists the usable certificates in Cert:\CurrentUser\My whose subject starts with CN=etl-host-01.'
        }
        @{
            Title   = 'Use the files AWS Certificate Manager exports'
            Code    = "Get-IamraCertificate -Path ./certificate.pem -PrivateKeyPath ./private_key.pem -ChainPath ./certificate_chain.pem -Password (Read-Host -AsSecureString 'Passphrase')"
            Remarks = 'Reads the certificate, decrypts the encrypted PKCS#8 private key in memory (no openssl step), and attaches the chain.'
        }
        @{
            Title   = 'See why certificates cannot be used'
            Code    = 'Get-IamraCertificate -All | Where-Object { -not $_.Usable } | Format-Table Subject, NotAfter, Reason'
            Remarks = 'Shows every certificate in the store that cannot sign, and why.'
        }
        @{
            Title   = 'List the identities in an HSM or smart card'
            Code    = "Get-IamraCertificate -Pkcs11Uri 'pkcs11:token=hsm1' -Pkcs11Library /opt/hsm/lib/libpkcs11.so | Format-List Subject, TokenLabel, KeyLabel, KeyId, NotAfter, Source"
            Remarks = 'Asks for the token PIN once (interactive sessions only), then lists every private key that has a certificate on the token. Each Source is a pkcs11: URI naming exactly that key, without the PIN.'
        }
        @{
            Title   = 'Pick the newest of several renewed certificates'
            Code    = "Get-IamraCertificate -Subject 'CN=etl-host-01' -Latest | Get-IamraSession -TrustAnchorArn `$ta -ProfileArn `$pa -RoleArn `$ra"
            Remarks = 'After a renewal both certificates may be in the store; -Latest takes the one that expires last.'
        }
    )
    Notes       = 'The private key never leaves its store or the process; passwords are SecureStrings and never appear in output, logs or errors.'
    Links       = @('about_RedshiftIamra', 'Get-IamraSession')
}
