# Parameter texts shared by every cmdlet that takes a certificate source (Get-IamraCertificate,
# Get-IamraSession, Set-IamraAwsProfile, Connect-RedshiftIamra, Test-RedshiftIamraConnection):
# the PKCS#11 token parameter sets. Included with Include = @('_Pkcs11').
@{
    Parameters = @{
        Pkcs11Uri     = 'An RFC 7512 PKCS#11 URI that names the token and the key, e.g. ''pkcs11:token=hsm1;object=etl-key?pin-source=file:/etc/iamra/pin''. Path attributes: token (label), serial, manufacturer, model, slot-id, object (the key''s or its certificate''s label), id (the CKA_ID as percent-encoded bytes, e.g. id=%01), type (private or cert). Query attributes: pin-source (a file holding the PIN), pin-value (the PIN itself; avoid outside tests, a URI is easily logged), module-path (the PKCS#11 library). The key never leaves the token: it signs inside it.'
        Pkcs11Library = 'The PKCS#11 library (module) of the token, e.g. /usr/lib/softhsm/libsofthsm2.so or the HSM vendor''s library. Default: module-path in the URI, then the REDSHIFTIAMRA_PKCS11_MODULE environment variable, then p11-kit-proxy (e.g. /usr/lib/x86_64-linux-gnu/p11-kit-proxy.so) where it is installed.'
        TokenLabel    = 'The label of the PKCS#11 token (HSM partition, smart card, SoftHSM token) that holds the key, as pkcs11-tool --list-slots shows it.'
        KeyLabel      = 'The label (CKA_LABEL) of the private key in the token, or of its certificate. Without -KeyLabel and -KeyId every key of the token with a certificate is considered.'
        KeyId         = 'The id (CKA_ID) of the private key and its certificate, in hexadecimal as pkcs11-tool shows it (e.g. 01 or 0a1b2c).'
        Pin           = 'The token''s user PIN, as a SecureString. Without it (or pin-value / pin-source in the URI) an interactive session asks for it once; a non-interactive one fails with IamraPkcs11PinRequired instead of waiting. A wrong PIN is reported once and never retried, so the token is not locked by the module.'
    }
}
