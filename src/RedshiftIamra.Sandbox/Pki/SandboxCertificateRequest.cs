using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace RedshiftIamra.Sandbox;

/// <summary>Key types the sandbox can issue certificates for (the ones IAM Roles Anywhere accepts).</summary>
public enum SandboxKeyType
{
    Rsa2048,
    Rsa3072,
    Rsa4096,
    EcP256,
    EcP384,
    EcP521,
}

/// <summary>Which sandbox CA signs a client certificate.</summary>
public enum SandboxIssuer
{
    /// <summary>The organisation's intermediate CA (clients then send it in <c>X-Amz-X509-Chain</c>).</summary>
    Intermediate,

    /// <summary>The organisation's root CA, the trust anchor itself.</summary>
    Root,
}

/// <summary>What a client (end-entity) certificate should look like. Every property has a usable default.</summary>
public sealed class SandboxCertificateRequest
{
    public const string ClientAuthenticationOid = "1.3.6.1.5.5.7.3.2";

    public string Subject { get; set; } = "CN=redshift-iamra-sandbox-client, O=RedshiftIamra Sandbox";

    public SandboxKeyType KeyType { get; set; } = SandboxKeyType.EcP256;

    /// <summary>Start of validity; default one hour before the sandbox's now (backdated, as CAs do, so a server clock a little off still accepts it).</summary>
    public DateTimeOffset? NotBefore { get; set; }

    /// <summary>End of validity; default <see cref="NotBefore"/> plus <see cref="Validity"/>.</summary>
    public DateTimeOffset? NotAfter { get; set; }

    public TimeSpan Validity { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Extended key usage OIDs; null or empty for no extension. Default: client authentication.</summary>
    public string[]? ExtendedKeyUsages { get; set; } = [ClientAuthenticationOid];

    /// <summary>The key usage extension; null for none. Default: digital signature.</summary>
    public X509KeyUsageFlags? KeyUsage { get; set; } = X509KeyUsageFlags.DigitalSignature;

    public SandboxIssuer Issuer { get; set; } = SandboxIssuer.Intermediate;

    /// <summary>The serial number, big-endian; default 16 random bytes (positive).</summary>
    public byte[]? SerialNumber { get; set; }

    /// <summary>An existing RSA or ECDsa key to certify (not disposed by the sandbox); default a new key of <see cref="KeyType"/>.</summary>
    public AsymmetricAlgorithm? Key { get; set; }

    /// <summary>
    /// Certify a public key whose private key the sandbox never sees (one made inside an HSM or
    /// a PKCS#11 token, for example). The certificate then has no private key attached. Not
    /// together with <see cref="Key"/>.
    /// </summary>
    public PublicKey? PublicKey { get; set; }

    /// <summary>Mark the certificate as a CA (basic constraints CA:TRUE), which Roles Anywhere refuses for signing.</summary>
    public bool CertificateAuthority { get; set; }

    /// <summary>DNS names for a subject alternative name extension (none by default).</summary>
    public string[]? DnsNames { get; set; }
}

/// <summary>Where <see cref="SandboxClientCertificate.WriteFiles"/> put a certificate, its key and its chain.</summary>
public sealed record SandboxCertificateFiles(string CertificatePath, string PrivateKeyPath, string ChainPath);
