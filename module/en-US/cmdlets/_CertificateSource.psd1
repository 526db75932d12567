# Parameter texts of the certificate source group (src/RedshiftIamra.PowerShell/CertificateSourceCmdlet.cs),
# shared by every cmdlet that takes it. Included with Include = @('_CertificateSource', '_Pkcs11').
@{
    Parameters = @{
        Thumbprint     = 'The SHA-1 thumbprint of the signing certificate in the store.'
        Subject        = 'Selects the store certificate by subject (wildcards allowed). Exactly one usable certificate must match, or use -Latest.'
        Issuer         = 'Selects the store certificate by issuer (wildcards allowed).'
        SerialNumber   = 'Selects the store certificate by serial number, hex or decimal (wildcards allowed).'
        StoreLocation  = 'The store location, CurrentUser by default.'
        StoreName      = 'The store name, My by default.'
        Path           = 'A certificate file: PEM, DER or PFX. With -Pkcs11Uri or -TokenLabel: the certificate of the token key, when the token does not hold it (by default the certificate object with the key''s CKA_ID is read from the token).'
        PrivateKeyPath = 'The private key file when it is not inside -Path (PEM or DER, PKCS#1, SEC1 or PKCS#8, encrypted or not).'
        Password       = 'The PFX password or key passphrase, as a SecureString. With -ConfigName, for a saved certificate file whose key is encrypted (a saved configuration never holds a password).'
        ChainPath      = 'A PEM bundle of intermediate certificates to send with the Roles Anywhere request (X-Amz-X509-Chain).'
        Latest         = 'When the source matches several usable certificates, takes the one that expires last (so a renewed certificate is picked up without a change).'
        ConfigName     = 'The name of settings saved with Save-RedshiftIamraConfig (Get-RedshiftIamraConfig lists them): the certificate source, and every other saved setting this cmdlet takes. The parameters given beside it override the saved values (naming a cluster, workgroup or host replaces the saved target). An unknown name is the error RedshiftIamraConfigNotFound, which lists the saved names.'
    }
}
