using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace RedshiftIamra.Tests.Certificates;

/// <summary>Every key type Roles Anywhere accepts loads, is usable, is described right, and signs.</summary>
public sealed class KeyTypeTests : IDisposable
{
    private readonly TestDirectory _directory = new();

    public static TheoryData<string, int, string> KeyTypesAndForms()
    {
        var data = new TheoryData<string, int, string>();
        foreach (var (algorithm, size) in new[] { ("RSA", 2048), ("RSA", 3072), ("RSA", 4096), ("ECDSA", 256), ("ECDSA", 384), ("ECDSA", 521) })
        {
            foreach (var form in new[] { "pem+pkcs8", "pem+native", "pem+encrypted", "pfx" })
            {
                data.Add(algorithm, size, form);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(KeyTypesAndForms))]
    public void Loads_usable_with_right_facts_and_a_working_key(string algorithm, int size, string form)
    {
        var spec = new KeySpec(algorithm, size);
        using var pki = TestPki.CreateHierarchy();
        using var leaf = pki.IssueLeaf(new CertificateOptions { Subject = $"CN=Key type {spec}", KeySpec = spec });

        var certificate = form switch
        {
            "pem+pkcs8" => CertificateLoading.LoadUsable(
                _directory.Write("cert.pem", leaf.CertificatePem()),
                _directory.Write("key.pem", leaf.KeyPem(KeyFormat.Pkcs8))),
            "pem+native" => CertificateLoading.LoadUsable(
                _directory.Write("cert.pem", leaf.CertificatePem()),
                _directory.Write("key.pem", leaf.KeyPem(spec.IsRsa ? KeyFormat.Pkcs1 : KeyFormat.Sec1))),
            "pem+encrypted" => CertificateLoading.LoadUsable(
                _directory.Write("cert.pem", leaf.CertificatePem()),
                _directory.Write("key.pem", leaf.KeyPem(KeyFormat.EncryptedPkcs8, "pw")),
                password: "pw"),
            "pfx" => CertificateLoading.LoadUsable(_directory.Write("cert.pfx", leaf.ExportPfx("pw")), password: "pw"),
            _ => throw new ArgumentOutOfRangeException(nameof(form)),
        };

        Assert.Equal(algorithm, certificate.KeyAlgorithm);
        Assert.Equal(size, certificate.KeySize);
        Assert.Equal(spec.CurveName, certificate.Curve);
        Assert.True(certificate.HasPrivateKey);
        Assert.Equal(leaf.Thumbprint, certificate.Thumbprint);
        Assert.True(certificate.ClientAuthentication);
        Assert.Equal(spec.IsRsa, certificate.Certificate.GetRSAPrivateKey() is not null);
        Assert.Equal(!spec.IsRsa, certificate.Certificate.GetECDsaPrivateKey() is not null);
    }

    [Fact]
    public void The_loaded_key_is_the_one_issued_with_the_certificate()
    {
        // Signing with the loaded key verifies with the ORIGINAL key object, not only the certificate.
        using var leaf = TestPki.SelfSigned(new CertificateOptions { KeySpec = KeySpec.Rsa2048 });
        var loaded = CertificateLoading.LoadUsable(
            _directory.Write("cert.pem", leaf.CertificatePem()),
            _directory.Write("key.pem", leaf.KeyPem(KeyFormat.Pkcs1)));
        var data = RandomNumberGenerator.GetBytes(32);
        using var rsa = loaded.Certificate.GetRSAPrivateKey()!;
        var signature = rsa.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pss);
        Assert.True(((RSA)leaf.Key).VerifyData(data, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pss));
    }

    public void Dispose() => _directory.Dispose();
}
