using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace RedshiftIamra.Sandbox;

/// <summary>Key and certificate plumbing shared by the sandbox CAs.</summary>
internal static class SandboxKeys
{
    public static AsymmetricAlgorithm Create(SandboxKeyType type) => type switch
    {
        SandboxKeyType.Rsa2048 => RSA.Create(2048),
        SandboxKeyType.Rsa3072 => RSA.Create(3072),
        SandboxKeyType.Rsa4096 => RSA.Create(4096),
        SandboxKeyType.EcP256 => ECDsa.Create(ECCurve.NamedCurves.nistP256),
        SandboxKeyType.EcP384 => ECDsa.Create(ECCurve.NamedCurves.nistP384),
        SandboxKeyType.EcP521 => ECDsa.Create(ECCurve.NamedCurves.nistP521),
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Unknown key type."),
    };

    public static SandboxKeyType TypeOf(AsymmetricAlgorithm key) => key switch
    {
        RSA { KeySize: 2048 } => SandboxKeyType.Rsa2048,
        RSA { KeySize: 3072 } => SandboxKeyType.Rsa3072,
        RSA { KeySize: 4096 } => SandboxKeyType.Rsa4096,
        ECDsa { KeySize: 256 } => SandboxKeyType.EcP256,
        ECDsa { KeySize: 384 } => SandboxKeyType.EcP384,
        ECDsa { KeySize: 521 } => SandboxKeyType.EcP521,
        _ => throw new ArgumentException($"A {key.GetType().Name} key of {key.KeySize} bits is not one of the sandbox's key types.", nameof(key)),
    };

    public static SandboxKeyType TypeOf(PublicKey publicKey)
    {
        using var rsa = publicKey.GetRSAPublicKey();
        if (rsa is not null)
        {
            return TypeOf(rsa);
        }

        using var ecdsa = publicKey.GetECDsaPublicKey();
        if (ecdsa is not null)
        {
            return TypeOf(ecdsa);
        }

        throw new ArgumentException($"A {publicKey.Oid.FriendlyName ?? publicKey.Oid.Value} public key is not one of the sandbox's key types.", nameof(publicKey));
    }

    public static CertificateRequest NewRequest(string subject, AsymmetricAlgorithm key, HashAlgorithmName hash) => key switch
    {
        RSA rsa => new CertificateRequest(subject, rsa, hash, RSASignaturePadding.Pkcs1),
        ECDsa ecdsa => new CertificateRequest(subject, ecdsa, hash),
        _ => throw new ArgumentException($"A {key.GetType().Name} key is not supported; use RSA or ECDsa.", nameof(key)),
    };

    public static X509Certificate2 WithKey(X509Certificate2 certificate, AsymmetricAlgorithm key) => key switch
    {
        RSA rsa => certificate.CopyWithPrivateKey(rsa),
        ECDsa ecdsa => certificate.CopyWithPrivateKey(ecdsa),
        _ => throw new ArgumentException($"A {key.GetType().Name} key is not supported.", nameof(key)),
    };

    /// <summary>A positive 16-byte serial number (big-endian), never starting with a zero byte.</summary>
    public static byte[] NewSerial()
    {
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] = (byte)((serial[0] & 0x7F) | 0x01);
        return serial;
    }

    /// <summary>Writes a text file; a secret one is readable by its owner only (on Unix, from its creation on).</summary>
    public static void WriteFile(string path, string text, bool secret)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
        if (secret && !OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(path, options))
        using (var writer = new StreamWriter(stream, new System.Text.UTF8Encoding(false)))
        {
            writer.Write(text);
        }

        if (secret && !OperatingSystem.IsWindows())
        {
            // An existing file keeps its mode on open: set it explicitly.
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }
}
