using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using RedshiftIamra.Sandbox;

namespace RedshiftIamra.Tests.Sandbox;

/// <summary>The sandbox's certificates: the TLS server certificate, the organisation CAs, issued client certificates.</summary>
public sealed class SandboxPkiTests : IDisposable
{
    private readonly SandboxPki _pki = SandboxPki.Create();

    public void Dispose() => _pki.Dispose();

    [Fact]
    public void The_TLS_certificate_names_localhost_and_both_loopback_addresses_and_chains_to_the_TLS_root()
    {
        var server = _pki.ServerCertificate;
        Assert.True(server.HasPrivateKey);
        var san = server.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        Assert.Equal(["localhost"], san.EnumerateDnsNames());
        Assert.Equal(["127.0.0.1", "::1"], san.EnumerateIPAddresses().Select(a => a.ToString()));
        Assert.Contains(server.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single().EnhancedKeyUsages.Cast<Oid>(), o => o.Value == "1.3.6.1.5.5.7.3.1");
        Assert.True(Chains(server, _pki.TlsRoot.Certificate));
        Assert.False(Chains(server, _pki.OrgRoot.Certificate));
    }

    [Fact]
    public void The_organisation_intermediate_is_a_CA_signed_by_the_root()
    {
        var intermediate = _pki.OrgIntermediate.Certificate;
        Assert.True(intermediate.Extensions.OfType<X509BasicConstraintsExtension>().Single().CertificateAuthority);
        Assert.Equal(_pki.OrgRoot.Subject, intermediate.Issuer);
        Assert.Equal([intermediate.Thumbprint], _pki.OrgIntermediate.Intermediates.Select(c => c.Thumbprint));
        Assert.Empty(_pki.OrgRoot.Intermediates);
    }

    [Theory]
    [InlineData(SandboxKeyType.Rsa2048)]
    [InlineData(SandboxKeyType.EcP384)]
    public void A_bare_public_key_is_certified_without_any_private_key(SandboxKeyType keyType)
    {
        // As for a key made inside an HSM: the sandbox sees the public key only.
        using var key = keyType == SandboxKeyType.Rsa2048 ? (AsymmetricAlgorithm)RSA.Create(2048) : ECDsa.Create(ECCurve.NamedCurves.nistP384);
        var publicKey = key is RSA rsa ? new PublicKey(rsa) : new PublicKey((ECDsa)key);
        using var issued = _pki.IssueClientCertificate(new SandboxCertificateRequest { PublicKey = publicKey, Subject = "CN=hsm-key, O=Tests" });

        Assert.False(issued.Certificate.HasPrivateKey);
        Assert.Equal(keyType, issued.KeyType);
        Assert.Equal(publicKey.EncodedKeyValue.RawData, issued.Certificate.PublicKey.EncodedKeyValue.RawData);
        Assert.True(Chains(issued.Certificate, _pki.OrgRoot.Certificate, issued.Chain));
        Assert.Throws<InvalidOperationException>(() => issued.PrivateKeyPem);
        Assert.Throws<ArgumentException>(() => _pki.IssueClientCertificate(new SandboxCertificateRequest { PublicKey = publicKey, Key = key }));
    }

    [Theory]
    [InlineData(SandboxKeyType.Rsa2048, "RSA", 2048)]
    [InlineData(SandboxKeyType.Rsa3072, "RSA", 3072)]
    [InlineData(SandboxKeyType.Rsa4096, "RSA", 4096)]
    [InlineData(SandboxKeyType.EcP256, "ECDSA", 256)]
    [InlineData(SandboxKeyType.EcP384, "ECDSA", 384)]
    [InlineData(SandboxKeyType.EcP521, "ECDSA", 521)]
    public void A_client_certificate_of_each_key_type_has_its_key_and_chains_through_the_intermediate(SandboxKeyType keyType, string algorithm, int size)
    {
        using var issued = _pki.IssueClientCertificate(new SandboxCertificateRequest { KeyType = keyType, Key = SharedTestKeys.For(keyType), Subject = "CN=kind-test, O=Tests" });

        var certificate = issued.Certificate;
        Assert.True(certificate.HasPrivateKey);
        Assert.Equal(size, algorithm == "RSA" ? certificate.GetRSAPublicKey()!.KeySize : certificate.GetECDsaPublicKey()!.KeySize);
        Assert.Equal(keyType, issued.KeyType);
        Assert.Equal("CN=kind-test, O=Tests", certificate.Subject);
        Assert.Equal(_pki.OrgIntermediate.Subject, certificate.Issuer);
        Assert.Equal([_pki.OrgIntermediate.Certificate.Thumbprint], issued.Chain.Select(c => c.Thumbprint));
        Assert.True(Chains(certificate, _pki.OrgRoot.Certificate, issued.Chain));
        Assert.False(Chains(certificate, _pki.OrgRoot.Certificate)); // not without the intermediate
        Assert.Equal(X509KeyUsageFlags.DigitalSignature, certificate.Extensions.OfType<X509KeyUsageExtension>().Single().KeyUsages);
        Assert.Equal(["1.3.6.1.5.5.7.3.2"], certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single().EnhancedKeyUsages.Cast<Oid>().Select(o => o.Value));
        Assert.False(certificate.Extensions.OfType<X509BasicConstraintsExtension>().Single().CertificateAuthority);

        // The PKCS#8 PEM key and the PEM certificate load back together.
        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", issued.PrivateKeyPem);
        using var reloaded = X509Certificate2.CreateFromPem(issued.CertificatePem, issued.PrivateKeyPem);
        Assert.True(reloaded.HasPrivateKey);
    }

    [Fact]
    public void Subject_validity_serial_usages_and_issuer_can_be_chosen()
    {
        var notBefore = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        using var issued = _pki.IssueClientCertificate(new SandboxCertificateRequest
        {
            Subject = "CN=chosen, OU=Ops, O=Tests",
            NotBefore = notBefore,
            NotAfter = notBefore.AddDays(2),
            SerialNumber = [0x80, 0x01, 0x02], // high bit set: still an unsigned decimal
            ExtendedKeyUsages = ["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"],
            KeyUsage = X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.NonRepudiation,
            Issuer = SandboxIssuer.Root,
        });

        var certificate = issued.Certificate;
        Assert.Equal("CN=chosen, OU=Ops, O=Tests", certificate.Subject);
        Assert.Equal(notBefore.UtcDateTime, certificate.NotBefore.ToUniversalTime());
        Assert.Equal(notBefore.AddDays(2).UtcDateTime, certificate.NotAfter.ToUniversalTime());
        Assert.Equal("00800102", certificate.SerialNumber); // DER keeps it a positive INTEGER
        Assert.Equal("8388866", issued.SerialNumberDecimal);
        Assert.Equal(2, certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single().EnhancedKeyUsages.Count);
        Assert.Equal(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.NonRepudiation, certificate.Extensions.OfType<X509KeyUsageExtension>().Single().KeyUsages);
        Assert.Equal(_pki.OrgRoot.Subject, certificate.Issuer);
        Assert.Empty(issued.Chain);
        Assert.True(Chains(certificate, _pki.OrgRoot.Certificate));
    }

    [Fact]
    public void Extensions_can_be_left_out()
    {
        using var issued = _pki.IssueClientCertificate(new SandboxCertificateRequest { ExtendedKeyUsages = null, KeyUsage = null });

        Assert.Empty(issued.Certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>());
        Assert.Empty(issued.Certificate.Extensions.OfType<X509KeyUsageExtension>());
    }

    [Fact]
    public void WriteFiles_writes_certificate_owner_only_key_and_chain()
    {
        var directory = Path.Combine(Path.GetTempPath(), "pki-files-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            using var issued = _pki.IssueClientCertificate();
            var files = issued.WriteFiles(directory, "etl");

            Assert.Equal(Path.Combine(directory, "etl.pem"), files.CertificatePath);
            Assert.Equal(Path.Combine(directory, "etl.key"), files.PrivateKeyPath);
            Assert.Equal(Path.Combine(directory, "etl-chain.pem"), files.ChainPath);
            using var loaded = X509Certificate2.CreateFromPemFile(files.CertificatePath, files.PrivateKeyPath);
            Assert.Equal(issued.Thumbprint, loaded.Thumbprint);
            Assert.Contains(_pki.OrgIntermediate.CertificatePem, File.ReadAllText(files.ChainPath));
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(files.PrivateKeyPath));
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void A_foreign_CA_with_its_own_intermediate_issues_certificates_the_sandbox_root_does_not_trust()
    {
        using var root = SandboxCertificateAuthority.CreateRoot("CN=Foreign Root", SandboxKeyType.EcP384);
        using var intermediate = root.CreateIntermediate("CN=Foreign Issuing");
        using var issued = intermediate.Issue(new SandboxCertificateRequest { Subject = "CN=foreigner" }, DateTimeOffset.UtcNow);

        Assert.True(Chains(issued.Certificate, root.Certificate, issued.Chain));
        Assert.False(Chains(issued.Certificate, _pki.OrgRoot.Certificate, issued.Chain));
    }

    private static bool Chains(X509Certificate2 leaf, X509Certificate2 root, IEnumerable<X509Certificate2>? intermediates = null)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(root);
        chain.ChainPolicy.ExtraStore.AddRange((intermediates ?? []).ToArray());
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        chain.ChainPolicy.VerificationFlags = X509VerificationFlags.IgnoreNotTimeValid;
        return chain.Build(leaf);
    }
}
