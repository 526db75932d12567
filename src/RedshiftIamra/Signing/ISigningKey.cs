namespace RedshiftIamra.Signing;

/// <summary>
/// A private key that signs IAM Roles Anywhere requests without handing the key out: the
/// certificate's own key (<see cref="CertificateSigningKey"/>) or a key inside a PKCS#11
/// token (<see cref="Pkcs11.Pkcs11SigningKey"/>).
/// </summary>
/// <remarks>Implementations must be safe to call from several threads at once.</remarks>
public interface ISigningKey
{
    /// <summary><see cref="SigningKeyAlgorithm.Rsa"/> or <see cref="SigningKeyAlgorithm.Ecdsa"/>.</summary>
    SigningKeyAlgorithm Algorithm { get; }

    /// <summary>Where the key is, for messages (never any secret): e.g. <c>PKCS#11 token 'hsm1', key 'app' (id 01)</c>.</summary>
    string Description { get; }

    /// <summary>
    /// Signs <paramref name="data"/> hashed with SHA-256: RSASSA-PKCS1-v1_5 for RSA keys; for
    /// ECDSA keys a DER <c>SEQUENCE { r, s }</c> (never the raw r‖s form).
    /// </summary>
    byte[] SignSha256(byte[] data);
}

/// <summary>The key types IAM Roles Anywhere accepts.</summary>
public enum SigningKeyAlgorithm
{
    Rsa,
    Ecdsa,
}
