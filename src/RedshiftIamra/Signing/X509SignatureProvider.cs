using System.Globalization;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace RedshiftIamra.Signing;

/// <summary>
/// SigV4 with an X.509 certificate's private key, as IAM Roles Anywhere wants it:
/// <c>AWS4-X509-RSA-SHA256</c> (RSASSA-PKCS1-v1_5 over SHA-256) or
/// <c>AWS4-X509-ECDSA-SHA256</c> (SHA-256, DER-encoded signature; P-256, P-384 and P-521 alike).
/// The key is used in place and never exported: the certificate's own key, or any
/// <see cref="ISigningKey"/> (a key inside a PKCS#11 token) whose public key is the certificate's.
/// </summary>
/// <remarks>
/// Disposing the provider releases the key handle it opened; it does not dispose the certificate
/// nor a signing key it was given.
/// </remarks>
public sealed class X509SignatureProvider : ISignatureProvider, IDisposable
{
    /// <summary>The algorithm name for RSA keys.</summary>
    public const string RsaAlgorithm = "AWS4-X509-RSA-SHA256";

    /// <summary>The algorithm name for ECDSA keys.</summary>
    public const string EcdsaAlgorithm = "AWS4-X509-ECDSA-SHA256";

    /// <summary>The header with the leaf certificate (base64 DER).</summary>
    public const string CertificateHeader = "X-Amz-X509";

    /// <summary>The header with the intermediates (base64 DER each, joined with <c>,</c>).</summary>
    public const string ChainHeader = "X-Amz-X509-Chain";

    private const string RsaOid = "1.2.840.113549.1.1.1";
    private const string EcPublicKeyOid = "1.2.840.10045.2.1";

    private readonly ISigningKey _key;
    private readonly CertificateSigningKey? _ownedKey;
    private readonly KeyValuePair<string, string>[] _headers;
    private readonly string _subject;
    private bool _disposed;

    /// <summary>Creates a provider for a certificate that has its private key, or whose key is <paramref name="signingKey"/>.</summary>
    /// <param name="certificate">The leaf certificate, with an RSA or ECDSA private key (unless <paramref name="signingKey"/> is given).</param>
    /// <param name="intermediates">Intermediate CA certificates to send in <c>X-Amz-X509-Chain</c>, the leaf's issuer first; none for a leaf issued by the trust anchor.</param>
    /// <param name="signingKey">The key that signs, when it is not attached to the certificate (e.g. in a PKCS#11 token); not disposed by the provider.</param>
    /// <exception cref="ArgumentException">The certificate has no private key and none is given, or the given key is of another type than the certificate's.</exception>
    /// <exception cref="NotSupportedException">The key is neither RSA nor ECDSA (e.g. DSA, Ed25519).</exception>
    public X509SignatureProvider(X509Certificate2 certificate, IEnumerable<X509Certificate2>? intermediates = null, ISigningKey? signingKey = null)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var keyOid = certificate.PublicKey.Oid.Value;
        if (keyOid is not (RsaOid or EcPublicKeyOid))
        {
            throw new NotSupportedException(
                $"The certificate '{certificate.Subject}' (thumbprint {certificate.Thumbprint}) has a {DescribeKeyAlgorithm(certificate.PublicKey.Oid)} key. IAM Roles Anywhere signing needs an RSA or ECDSA (P-256, P-384, P-521) key.");
        }

        var algorithm = keyOid == RsaOid ? SigningKeyAlgorithm.Rsa : SigningKeyAlgorithm.Ecdsa;
        Algorithm = algorithm == SigningKeyAlgorithm.Rsa ? RsaAlgorithm : EcdsaAlgorithm;
        if (signingKey is not null)
        {
            if (signingKey.Algorithm != algorithm)
            {
                throw new ArgumentException(
                    $"The certificate '{certificate.Subject}' (thumbprint {certificate.Thumbprint}) has a {DescribeKeyAlgorithm(certificate.PublicKey.Oid)} key but {signingKey.Description} is {signingKey.Algorithm}: they are not a pair.",
                    nameof(signingKey));
            }

            _key = signingKey;
        }
        else
        {
            if (!certificate.HasPrivateKey)
            {
                throw new ArgumentException(
                    $"The certificate '{certificate.Subject}' (thumbprint {certificate.Thumbprint}) has no private key; IAM Roles Anywhere signing needs it.",
                    nameof(certificate));
            }

            _ownedKey = CertificateSigningKey.Open(certificate, algorithm)
                ?? throw new NotSupportedException(
                    $"The private key of the certificate '{certificate.Subject}' (thumbprint {certificate.Thumbprint}) cannot be opened for {DescribeKeyAlgorithm(certificate.PublicKey.Oid)} signing.");
            _key = _ownedKey;
        }

        Certificate = certificate;
        _subject = certificate.Subject;
        CredentialId = GetSerialNumberDecimal(certificate);

        var chain = intermediates is null
            ? string.Empty
            : string.Join(',', intermediates.Select(static c => Convert.ToBase64String(c.RawData)));
        _headers = chain.Length == 0
            ? [new(CertificateHeader, Convert.ToBase64String(certificate.RawData))]
            : [new(CertificateHeader, Convert.ToBase64String(certificate.RawData)), new(ChainHeader, chain)];
    }

    /// <summary>The leaf certificate.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The key that signs: the certificate's own, or the one given.</summary>
    public ISigningKey SigningKey => _key;

    /// <summary><see cref="RsaAlgorithm"/> or <see cref="EcdsaAlgorithm"/>, after the key type.</summary>
    public string Algorithm { get; }

    /// <summary>The certificate serial number as an unsigned decimal integer.</summary>
    public string CredentialId { get; }

    /// <summary><c>X-Amz-X509</c>, and <c>X-Amz-X509-Chain</c> when there are intermediates.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers => _headers;

    /// <summary>The serial number of <paramref name="certificate"/> as an unsigned decimal integer.</summary>
    public static string GetSerialNumberDecimal(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return SerialNumberToDecimal(certificate.GetSerialNumber());
    }

    /// <summary>
    /// A serial number as returned by <see cref="X509Certificate.GetSerialNumber"/> (little-endian)
    /// as an unsigned decimal integer: a set high bit does not make it negative.
    /// </summary>
    internal static string SerialNumberToDecimal(ReadOnlySpan<byte> littleEndian) =>
        new BigInteger(littleEndian, isUnsigned: true, isBigEndian: false).ToString(CultureInfo.InvariantCulture);

    /// <inheritdoc />
    /// <remarks>The scope arguments are not used: the certificate key signs the string itself.</remarks>
    public string Sign(string stringToSign, string scopeDate, string region, string service)
    {
        ArgumentNullException.ThrowIfNull(stringToSign);
        ObjectDisposedException.ThrowIf(_disposed, this);

        var signature = _key.SignSha256(Encoding.UTF8.GetBytes(stringToSign));
        return SigV4Text.ToLowerHex(signature);
    }

    /// <summary>Shows the algorithm, the serial and the subject.</summary>
    public override string ToString() => $"{Algorithm} serial {CredentialId} {_subject}";

    private static string DescribeKeyAlgorithm(Oid oid)
    {
        var name = oid.Value switch
        {
            RsaOid => "RSA",
            EcPublicKeyOid => "ECDSA",
            "1.2.840.10040.4.1" => "DSA",
            "1.3.101.112" => "Ed25519",
            "1.3.101.113" => "Ed448",
            "1.2.840.113549.1.1.10" => "RSASSA-PSS",
            _ => oid.FriendlyName,
        };
        return string.IsNullOrEmpty(name) ? $"unknown ({oid.Value})" : $"{name} ({oid.Value})";
    }

    /// <summary>Releases the private key handle (not the certificate).</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _ownedKey?.Dispose();
    }
}
