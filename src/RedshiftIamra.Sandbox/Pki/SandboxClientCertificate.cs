using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace RedshiftIamra.Sandbox;

/// <summary>A client certificate the sandbox issued, with its private key and the intermediates to send with it.</summary>
public sealed class SandboxClientCertificate : IDisposable
{
    private readonly AsymmetricAlgorithm? _key;
    private readonly bool _ownsKey;

    internal SandboxClientCertificate(X509Certificate2 certificate, AsymmetricAlgorithm? key, bool ownsKey, SandboxKeyType keyType, IReadOnlyList<X509Certificate2> chain)
    {
        Certificate = certificate;
        _key = key;
        _ownsKey = ownsKey;
        KeyType = keyType;
        Chain = chain;
        SerialNumberDecimal = new BigInteger(certificate.GetSerialNumber(), isUnsigned: true, isBigEndian: false).ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The certificate, with its private key (none when a bare public key was certified).</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The intermediates a client sends in <c>X-Amz-X509-Chain</c> (empty when the root issued it).</summary>
    public IReadOnlyList<X509Certificate2> Chain { get; }

    public SandboxKeyType KeyType { get; }

    public string Subject => Certificate.Subject;

    public string Thumbprint => Certificate.Thumbprint;

    /// <summary>The serial number as an unsigned decimal integer (the credential id of the signature).</summary>
    public string SerialNumberDecimal { get; }

    public string CertificatePem => Certificate.ExportCertificatePem();

    /// <summary>The private key, PKCS#8 PEM, unencrypted. A throwaway sandbox key: still, keep it out of logs.</summary>
    public string PrivateKeyPem => _key?.ExportPkcs8PrivateKeyPem()
        ?? throw new InvalidOperationException("This certificate was issued for a bare public key: the sandbox has no private key for it.");

    /// <summary>The intermediates in PEM (empty text when none).</summary>
    public string ChainPem
    {
        get
        {
            var builder = new StringBuilder();
            foreach (var certificate in Chain)
            {
                builder.Append(certificate.ExportCertificatePem()).Append('\n');
            }

            return builder.ToString();
        }
    }

    /// <summary>
    /// Writes <c>{baseName}.pem</c> (the certificate), <c>{baseName}.key</c> (PKCS#8, owner-only on
    /// Unix; not written for a certificate of a bare public key) and <c>{baseName}-chain.pem</c> (the
    /// intermediates) into <paramref name="directory"/>.
    /// </summary>
    public SandboxCertificateFiles WriteFiles(string directory, string baseName = "client")
    {
        Directory.CreateDirectory(directory);
        var files = new SandboxCertificateFiles(
            Path.Combine(directory, baseName + ".pem"),
            Path.Combine(directory, baseName + ".key"),
            Path.Combine(directory, baseName + "-chain.pem"));
        SandboxKeys.WriteFile(files.CertificatePath, CertificatePem + "\n", secret: false);
        if (_key is not null)
        {
            SandboxKeys.WriteFile(files.PrivateKeyPath, PrivateKeyPem + "\n", secret: true);
        }

        SandboxKeys.WriteFile(files.ChainPath, ChainPem, secret: false);
        return files;
    }

    public override string ToString() => $"{Subject} ({KeyType}, serial {SerialNumberDecimal})";

    public void Dispose()
    {
        Certificate.Dispose();
        if (_ownsKey)
        {
            _key?.Dispose();
        }
    }
}
