using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace RedshiftIamra.Sandbox;

/// <summary>
/// A certificate authority held in memory: its certificate with its private key, and its
/// parent when it is an intermediate. Issues CA, server and client certificates.
/// </summary>
public sealed class SandboxCertificateAuthority : IDisposable
{
    private readonly AsymmetricAlgorithm _key;

    private SandboxCertificateAuthority(X509Certificate2 certificate, AsymmetricAlgorithm key, SandboxCertificateAuthority? parent)
    {
        Certificate = certificate;
        _key = key;
        Parent = parent;
    }

    /// <summary>The CA certificate (with its private key).</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The CA that issued this one, or null for a root.</summary>
    public SandboxCertificateAuthority? Parent { get; }

    public string Subject => Certificate.Subject;

    /// <summary>The CA certificate in PEM.</summary>
    public string CertificatePem => Certificate.ExportCertificatePem();

    /// <summary>
    /// The certificates a client sends in <c>X-Amz-X509-Chain</c> for a leaf this CA issued:
    /// this CA and its parents, without the root.
    /// </summary>
    public IReadOnlyList<X509Certificate2> Intermediates
    {
        get
        {
            var list = new List<X509Certificate2>();
            for (var ca = this; ca.Parent is not null; ca = ca.Parent)
            {
                list.Add(ca.Certificate);
            }

            return list;
        }
    }

    /// <summary>Creates a self-signed root CA.</summary>
    public static SandboxCertificateAuthority CreateRoot(string subject, SandboxKeyType keyType = SandboxKeyType.EcP256, DateTimeOffset? now = null, TimeSpan? validity = null)
    {
        var start = (now ?? DateTimeOffset.UtcNow).AddDays(-7);
        var key = SandboxKeys.Create(keyType);
        try
        {
            var request = SandboxKeys.NewRequest(subject, key, HashAlgorithmName.SHA256);
            AddCaExtensions(request, pathLength: null);
            // A self-signed certificate comes with its key attached.
            var certificate = request.CreateSelfSigned(start, start + (validity ?? TimeSpan.FromDays(5 * 365)));
            return new SandboxCertificateAuthority(certificate, key, null);
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    /// <summary>Creates an intermediate CA signed by this CA.</summary>
    public SandboxCertificateAuthority CreateIntermediate(string subject, SandboxKeyType keyType = SandboxKeyType.EcP256, DateTimeOffset? now = null, TimeSpan? validity = null)
    {
        var start = (now ?? DateTimeOffset.UtcNow).AddDays(-7);
        var key = SandboxKeys.Create(keyType);
        try
        {
            var request = SandboxKeys.NewRequest(subject, key, HashAlgorithmName.SHA256);
            AddCaExtensions(request, pathLength: 0);
            request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Certificate, includeKeyIdentifier: true, includeIssuerAndSerial: false));
            using var certificate = request.Create(Certificate.SubjectName, Generator(), start, start + (validity ?? TimeSpan.FromDays(3 * 365)), SandboxKeys.NewSerial());
            return new SandboxCertificateAuthority(SandboxKeys.WithKey(certificate, key), key, this);
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    /// <summary>Issues an end-entity certificate: with its private key, or for a bare public key (<see cref="SandboxCertificateRequest.PublicKey"/>).</summary>
    public SandboxClientCertificate Issue(SandboxCertificateRequest request, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.PublicKey is not null && request.Key is not null)
        {
            throw new ArgumentException("Give either Key or PublicKey, not both.", nameof(request));
        }

        var ownsKey = request.Key is null && request.PublicKey is null;
        var key = request.PublicKey is not null ? null : request.Key ?? SandboxKeys.Create(request.KeyType);
        try
        {
            var keyType = request.PublicKey is not null ? SandboxKeys.TypeOf(request.PublicKey)
                : request.Key is null ? request.KeyType : SandboxKeys.TypeOf(key!);
            var certificateRequest = request.PublicKey is not null
                ? new CertificateRequest(new X500DistinguishedName(request.Subject), request.PublicKey, HashAlgorithmName.SHA256)
                : SandboxKeys.NewRequest(request.Subject, key!, HashAlgorithmName.SHA256);
            certificateRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(request.CertificateAuthority, false, 0, true));
            if (request.KeyUsage is { } usage)
            {
                certificateRequest.CertificateExtensions.Add(new X509KeyUsageExtension(usage, critical: true));
            }

            if (request.ExtendedKeyUsages is { Length: > 0 } ekus)
            {
                var oids = new OidCollection();
                foreach (var oid in ekus)
                {
                    oids.Add(new Oid(oid));
                }

                certificateRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(oids, critical: false));
            }

            if (request.DnsNames is { Length: > 0 } names)
            {
                var san = new SubjectAlternativeNameBuilder();
                foreach (var name in names)
                {
                    san.AddDnsName(name);
                }

                certificateRequest.CertificateExtensions.Add(san.Build());
            }

            certificateRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(certificateRequest.PublicKey, false));
            certificateRequest.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Certificate, includeKeyIdentifier: true, includeIssuerAndSerial: false));
            var notBefore = request.NotBefore ?? now.AddHours(-1);
            var notAfter = request.NotAfter ?? notBefore + request.Validity;
            using var certificate = certificateRequest.Create(Certificate.SubjectName, Generator(), notBefore, notAfter, request.SerialNumber ?? SandboxKeys.NewSerial());
            var issued = key is null ? new X509Certificate2(certificate) : SandboxKeys.WithKey(certificate, key);
            return new SandboxClientCertificate(issued, key, ownsKey, keyType, Intermediates);
        }
        catch
        {
            if (ownsKey)
            {
                key?.Dispose();
            }

            throw;
        }
    }

    /// <summary>Issues a TLS server certificate for <c>localhost</c>, <c>127.0.0.1</c> and <c>::1</c>.</summary>
    internal X509Certificate2 IssueServerCertificate(DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost, O=RedshiftIamra Sandbox", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(IPAddress.Loopback);
        san.AddIpAddress(IPAddress.IPv6Loopback);
        request.CertificateExtensions.Add(san.Build(critical: false));
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(new OidCollection { new Oid("1.3.6.1.5.5.7.3.1") }, critical: false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Certificate, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        using var certificate = request.Create(Certificate.SubjectName, Generator(), now.AddHours(-1), now.AddDays(30), SandboxKeys.NewSerial());
        using var withKey = certificate.CopyWithPrivateKey(key);

        // SChannel (Windows) cannot serve TLS with an ephemeral key: give it a key from a PKCS#12 import.
        return OperatingSystem.IsWindows()
            ? new X509Certificate2(withKey.Export(X509ContentType.Pkcs12), (string?)null, X509KeyStorageFlags.Exportable)
            : new X509Certificate2(withKey);
    }

    public void Dispose()
    {
        Certificate.Dispose();
        _key.Dispose();
    }

    public override string ToString() => Subject;

    private X509SignatureGenerator Generator() => _key switch
    {
        RSA rsa => X509SignatureGenerator.CreateForRSA(rsa, RSASignaturePadding.Pkcs1),
        ECDsa ecdsa => X509SignatureGenerator.CreateForECDsa(ecdsa),
        _ => throw new NotSupportedException($"A CA key of type {_key.GetType().Name} is not supported."),
    };

    private static void AddCaExtensions(CertificateRequest request, int? pathLength)
    {
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, pathLength.HasValue, pathLength ?? 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
    }
}
