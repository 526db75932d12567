using System.Numerics;
using System.Security.Cryptography.X509Certificates;

namespace RedshiftIamra;

/// <summary>
/// A certificate the module can sign IAM Roles Anywhere requests with, and the facts that
/// decide whether it is usable. Produced by <c>Get-IamraCertificate</c>; the
/// <see cref="Certificate"/> carries the private key handle (never the key itself), or
/// <see cref="SigningKey"/> names the key in a PKCS#11 token.
/// </summary>
public sealed class IamraCertificate
{
    /// <summary>Wraps a certificate (for example one from <c>Cert:\CurrentUser\My</c>).</summary>
    public IamraCertificate(X509Certificate2 certificate)
        : this(certificate, Array.Empty<X509Certificate2>(), "Certificate object", DateTimeOffset.UtcNow)
    {
    }

    internal IamraCertificate(X509Certificate2 certificate, IReadOnlyList<X509Certificate2> chain, string source, DateTimeOffset now)
        : this(certificate, chain, source, now, null, null)
    {
    }

    /// <summary>A certificate whose key is <paramref name="signingKey"/> (a token key), with the problem the key has, if any.</summary>
    internal IamraCertificate(X509Certificate2 certificate, IReadOnlyList<X509Certificate2> chain, string source, DateTimeOffset now, Pkcs11.Pkcs11SigningKey? signingKey, Certificates.CertificateProblem? keyProblem)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        Certificate = certificate;
        Chain = chain;
        Source = source;
        SigningKey = signingKey;
        TokenLabel = signingKey?.TokenLabel;
        KeyLabel = signingKey?.KeyLabel;
        KeyId = signingKey?.KeyIdHex;

        var facts = Certificates.CertificateInspector.Inspect(certificate, now, signingKey is not null, keyProblem);
        KeyAlgorithm = facts.KeyAlgorithm;
        KeySize = facts.KeySize;
        Curve = facts.Curve;
        ClientAuthentication = facts.ClientAuthentication;
        Usable = facts.Problem is null;
        Reason = facts.Problem?.Message;
        ProblemId = facts.Problem?.ErrorId;
        SerialNumberDecimal = ToDecimalSerial(certificate);
        DaysLeft = (int)Math.Floor((certificate.NotAfter.ToUniversalTime() - now.UtcDateTime).TotalDays);
    }

    public string Subject => Certificate.Subject;

    public string Issuer => Certificate.Issuer;

    public string Thumbprint => Certificate.Thumbprint;

    /// <summary>The serial number in hexadecimal, as certificate tools show it.</summary>
    public string SerialNumber => Certificate.SerialNumber;

    /// <summary>The serial number as an unsigned decimal integer, as Roles Anywhere names it.</summary>
    public string SerialNumberDecimal { get; }

    public DateTime NotBefore => Certificate.NotBefore;

    public DateTime NotAfter => Certificate.NotAfter;

    /// <summary>Whole days until the certificate expires (negative once it has).</summary>
    public int DaysLeft { get; }

    /// <summary><c>RSA</c> or <c>ECDSA</c>, or the algorithm's name or OID when unsupported.</summary>
    public string KeyAlgorithm { get; }

    /// <summary>The key size in bits (the curve size for ECDSA).</summary>
    public int KeySize { get; }

    /// <summary><c>P-256</c>, <c>P-384</c> or <c>P-521</c> for ECDSA keys.</summary>
    public string? Curve { get; }

    /// <summary>True when the certificate's private key is here: attached to it, or in a PKCS#11 token.</summary>
    public bool HasPrivateKey => Certificate.HasPrivateKey || SigningKey is not null;

    /// <summary>The key that signs when it is not attached to <see cref="Certificate"/>: a key in a PKCS#11 token (null otherwise).</summary>
    public Signing.ISigningKey? SigningKey { get; }

    /// <summary>The label of the PKCS#11 token that holds the key (null when the key is not in a token).</summary>
    public string? TokenLabel { get; }

    /// <summary>The PKCS#11 label (<c>CKA_LABEL</c>) of the key in the token.</summary>
    public string? KeyLabel { get; }

    /// <summary>The PKCS#11 id (<c>CKA_ID</c>) of the key in the token, in hexadecimal.</summary>
    public string? KeyId { get; }

    /// <summary>True when the certificate may be used for TLS client authentication (no extended key usage restricts it, or it names client authentication).</summary>
    public bool ClientAuthentication { get; }

    /// <summary>Where the certificate came from: a store (<c>Cert:\CurrentUser\My</c>), a file path, the pipeline, or a <c>pkcs11:</c> URI (without any PIN).</summary>
    public string Source { get; }

    /// <summary>True when the certificate can sign Roles Anywhere requests now.</summary>
    public bool Usable { get; }

    /// <summary>Why the certificate cannot be used, when <see cref="Usable"/> is false.</summary>
    public string? Reason { get; }

    /// <summary>The error id that explains <see cref="Reason"/>.</summary>
    public string? ProblemId { get; }

    /// <summary>The intermediate certificates sent with requests (<c>X-Amz-X509-Chain</c>), leaf first order excluded.</summary>
    public IReadOnlyList<X509Certificate2> Chain { get; }

    /// <summary>The certificate itself, with its private key handle.</summary>
    public X509Certificate2 Certificate { get; }

    public override string ToString() => $"{Subject} ({Thumbprint})";

    internal static string ToDecimalSerial(X509Certificate2 certificate)
    {
        // GetSerialNumber() is little-endian; read it as an unsigned integer.
        var serial = new BigInteger(certificate.GetSerialNumber(), isUnsigned: true, isBigEndian: false);
        return serial.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
