using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace RedshiftIamra.Signing;

/// <summary>
/// The private key attached to an <see cref="X509Certificate2"/> (store, PFX, PEM key file),
/// used in place through .NET's <see cref="RSA"/> or <see cref="ECDsa"/>; never exported.
/// Disposing it releases the key handle, not the certificate.
/// </summary>
public sealed class CertificateSigningKey : ISigningKey, IDisposable
{
    private readonly RSA? _rsa;
    private readonly ECDsa? _ecdsa;
    private bool _disposed;

    private CertificateSigningKey(RSA? rsa, ECDsa? ecdsa, string description)
    {
        _rsa = rsa;
        _ecdsa = ecdsa;
        Algorithm = rsa is not null ? SigningKeyAlgorithm.Rsa : SigningKeyAlgorithm.Ecdsa;
        Description = description;
    }

    public SigningKeyAlgorithm Algorithm { get; }

    public string Description { get; }

    /// <summary>Opens the private key of <paramref name="certificate"/>, or returns null when it has none that .NET can use for RSA or ECDSA.</summary>
    public static CertificateSigningKey? Open(X509Certificate2 certificate, SigningKeyAlgorithm algorithm)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var description = $"the private key of certificate {certificate.Thumbprint}";
        if (algorithm == SigningKeyAlgorithm.Rsa)
        {
            var rsa = certificate.GetRSAPrivateKey();
            return rsa is null ? null : new CertificateSigningKey(rsa, null, description);
        }

        var ecdsa = certificate.GetECDsaPrivateKey();
        return ecdsa is null ? null : new CertificateSigningKey(null, ecdsa, description);
    }

    public byte[] SignSha256(byte[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _rsa is not null
            ? _rsa.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            : _ecdsa!.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
    }

    public override string ToString() => Description;

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _rsa?.Dispose();
        _ecdsa?.Dispose();
    }
}
