using System.Security.Cryptography;

namespace RedshiftIamra.Tests.Certificates;

/// <summary>Certificate and key files in every form the loader reads, made with .NET.</summary>
public sealed class FileFormTests : IDisposable
{
    private const string Password = "correct horse";
    private readonly TestDirectory _directory = new();

    public static TheoryData<string, string> KeyFiles() => new()
    {
        { "RSA", "pkcs1" },
        { "RSA", "pkcs8" },
        { "RSA", "encrypted-aes256-sha256" },
        { "RSA", "encrypted-aes128-sha1" },
        { "RSA", "encrypted-aes192-sha512" },
        { "RSA", "encrypted-3des-pkcs12" },
        { "ECDSA", "sec1" },
        { "ECDSA", "pkcs8" },
        { "ECDSA", "encrypted-aes256-sha256" },
        { "ECDSA", "encrypted-aes128-sha1" },
        { "ECDSA", "encrypted-3des-pkcs12" },
    };

    [Theory]
    [MemberData(nameof(KeyFiles))]
    public void Pem_certificate_with_separate_pem_key(string algorithm, string keyForm)
    {
        using var leaf = Leaf(algorithm);
        var (format, pbe) = Form(keyForm);
        var certificate = CertificateLoading.LoadUsable(
            _directory.Write("leaf.crt", leaf.CertificatePem()),
            _directory.Write("leaf.key", leaf.KeyPem(format, Password, pbe)),
            format == KeyFormat.EncryptedPkcs8 ? Password : null);
        Assert.Equal(leaf.Thumbprint, certificate.Thumbprint);
    }

    [Theory]
    [MemberData(nameof(KeyFiles))]
    public void Der_certificate_with_separate_der_key(string algorithm, string keyForm)
    {
        using var leaf = Leaf(algorithm);
        var (format, pbe) = Form(keyForm);
        var certificate = CertificateLoading.LoadUsable(
            _directory.Write("leaf.cer", leaf.Certificate.RawData),
            _directory.Write("leaf.der", leaf.KeyDer(format, Password, pbe)),
            format == KeyFormat.EncryptedPkcs8 ? Password : null);
        Assert.Equal(leaf.Thumbprint, certificate.Thumbprint);
    }

    [Theory]
    [MemberData(nameof(KeyFiles))]
    public void Pem_certificate_with_der_key_and_der_certificate_with_pem_key(string algorithm, string keyForm)
    {
        using var leaf = Leaf(algorithm);
        var (format, pbe) = Form(keyForm);
        var password = format == KeyFormat.EncryptedPkcs8 ? Password : null;
        CertificateLoading.LoadUsable(_directory.Write("leaf.crt", leaf.CertificatePem()), _directory.Write("leaf.der", leaf.KeyDer(format, Password, pbe)), password);
        CertificateLoading.LoadUsable(_directory.Write("leaf.cer", leaf.Certificate.RawData), _directory.Write("leaf.key", leaf.KeyPem(format, Password, pbe)), password);
    }

    [Theory]
    [InlineData("RSA", "pkcs1", true)]
    [InlineData("RSA", "pkcs1", false)]
    [InlineData("RSA", "pkcs8", true)]
    [InlineData("RSA", "pkcs8", false)]
    [InlineData("RSA", "encrypted-aes256-sha256", true)]
    [InlineData("RSA", "encrypted-aes256-sha256", false)]
    [InlineData("ECDSA", "sec1", true)]
    [InlineData("ECDSA", "sec1", false)]
    [InlineData("ECDSA", "pkcs8", true)]
    [InlineData("ECDSA", "encrypted-aes128-sha1", false)]
    public void One_pem_file_holding_certificate_and_key(string algorithm, string keyForm, bool keyFirst)
    {
        using var leaf = Leaf(algorithm);
        var (format, pbe) = Form(keyForm);
        var key = leaf.KeyPem(format, Password, pbe);
        var text = keyFirst ? key + leaf.CertificatePem() : leaf.CertificatePem() + key;
        var certificate = CertificateLoading.LoadUsable(_directory.Write("both.pem", text), password: format == KeyFormat.EncryptedPkcs8 ? Password : null);
        Assert.Equal(leaf.Thumbprint, certificate.Thumbprint);
        Assert.Empty(certificate.Chain);
    }

    [Fact]
    public void One_pem_file_with_intermediate_before_leaf_picks_the_leaf_by_its_key()
    {
        using var pki = TestPki.CreateHierarchy();
        using var leaf = pki.IssueLeaf();
        var text = pki.Intermediate.CertificatePem() + leaf.CertificatePem() + leaf.KeyPem(KeyFormat.Pkcs8);
        var certificate = CertificateLoading.LoadUsable(_directory.Write("bundle.pem", text));
        Assert.Equal(leaf.Thumbprint, certificate.Thumbprint);
        Assert.Equal(new[] { pki.Intermediate.Thumbprint }, certificate.Chain.Select(c => c.Thumbprint));
    }

    [Theory]
    [InlineData("ECDSA")]
    [InlineData("RSA")]
    public void One_pem_file_with_intermediate_before_leaf_and_encrypted_key(string algorithm)
    {
        using var pki = TestPki.CreateHierarchy();
        using var leaf = pki.IssueLeaf(new CertificateOptions { KeySpec = algorithm == "RSA" ? KeySpec.Rsa2048 : KeySpec.EcP256 });
        var path = _directory.Write("bundle.pem", pki.Intermediate.CertificatePem() + leaf.CertificatePem() + leaf.KeyPem(KeyFormat.EncryptedPkcs8, Password));

        var certificate = CertificateLoading.LoadUsable(path, password: Password);
        Assert.Equal(leaf.Thumbprint, certificate.Thumbprint);
        Assert.Equal(new[] { pki.Intermediate.Thumbprint }, certificate.Chain.Select(c => c.Thumbprint));
        CertificateLoading.LoadFails(ErrorIds.Certificate.PasswordInvalid, path, password: "wrong");
        CertificateLoading.LoadFails(ErrorIds.Certificate.PasswordRequired, path);
    }

    [Fact]
    public void Pem_with_crlf_line_endings_and_text_around_the_blocks()
    {
        using var leaf = Leaf("ECDSA");
        var text = ("subject=" + leaf.Certificate.Subject + "\n" + leaf.CertificatePem() + "Bag Attributes\n" + leaf.KeyPem(KeyFormat.Sec1)).Replace("\n", "\r\n");
        CertificateLoading.LoadUsable(_directory.Write("crlf.pem", text));
    }

    [Fact]
    public void Pem_preceded_by_a_long_text_dump_is_still_pem()
    {
        // `openssl x509 -text` output and Easy-RSA's issued certificates put several KiB of
        // text (modulus, signature in hex) before the PEM block; RSA 4096 makes it over 4 KiB.
        using var pki = TestPki.CreateHierarchy();
        using var leaf = pki.IssueLeaf(new CertificateOptions { KeySpec = KeySpec.Rsa2048 });
        var dump = "Certificate:\n" + string.Concat(Enumerable.Repeat("                    " + Convert.ToHexString(RandomNumberGenerator.GetBytes(15)) + ":\n", 200));
        Assert.True(dump.Length > 8192);

        var separate = CertificateLoading.LoadUsable(
            _directory.Write("issued.crt", dump + leaf.CertificatePem()),
            _directory.Write("issued.key", leaf.KeyPem(KeyFormat.Pkcs8)));
        Assert.Equal(leaf.Thumbprint, separate.Thumbprint);

        var combined = CertificateLoading.LoadUsable(_directory.Write("combined.pem", dump + leaf.CertificatePem() + dump + pki.Intermediate.CertificatePem() + leaf.KeyPem(KeyFormat.Pkcs8)));
        Assert.Equal(leaf.Thumbprint, combined.Thumbprint);
        Assert.Equal(new[] { pki.Intermediate.Thumbprint }, combined.Chain.Select(c => c.Thumbprint));

        var chain = CertificateLoading.LoadUsable(
            _directory.Write("leaf.pem", leaf.CertificatePem() + leaf.KeyPem(KeyFormat.Pkcs8)),
            chainPath: _directory.Write("chain.pem", dump + pki.Root.CertificatePem() + dump + pki.Intermediate.CertificatePem()));
        Assert.Equal(new[] { pki.Intermediate.Thumbprint }, chain.Chain.Select(c => c.Thumbprint));
    }

    [Theory]
    [InlineData("RSA", false)]
    [InlineData("RSA", true)]
    [InlineData("ECDSA", false)]
    [InlineData("ECDSA", true)]
    public void Pfx_with_password(string algorithm, bool aes)
    {
        using var leaf = Leaf(algorithm);
        var certificate = CertificateLoading.LoadUsable(_directory.Write("leaf.pfx", leaf.ExportPfx(Password, aes: aes)), password: Password);
        Assert.Equal(leaf.Thumbprint, certificate.Thumbprint);
        Assert.Empty(certificate.Chain);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void Pfx_with_chain_gives_the_intermediate_only(bool aes, bool leafLast)
    {
        using var pki = TestPki.CreateHierarchy();
        using var leaf = pki.IssueLeaf(new CertificateOptions { KeySpec = KeySpec.Rsa2048 });
        var pfx = leaf.ExportPfx(Password, new[] { pki.Root, pki.Intermediate }, aes, leafLast);
        var certificate = CertificateLoading.LoadUsable(_directory.Write("chain.pfx", pfx), password: Password);

        Assert.Equal(leaf.Thumbprint, certificate.Thumbprint);
        Assert.Equal(new[] { pki.Intermediate.Thumbprint }, certificate.Chain.Select(c => c.Thumbprint));
        Assert.False(certificate.Chain[0].HasPrivateKey);
    }

    [Fact]
    public void Chain_path_bundle_with_root_and_intermediate_gives_the_intermediate_only()
    {
        using var pki = TestPki.CreateHierarchy();
        using var leaf = pki.IssueLeaf();
        var certificate = CertificateLoading.LoadUsable(
            _directory.Write("leaf.pem", leaf.CertificatePem()),
            _directory.Write("leaf.key", leaf.KeyPem(KeyFormat.Sec1)),
            chainPath: _directory.Write("chain.pem", pki.Root.CertificatePem() + pki.Intermediate.CertificatePem()));

        Assert.Equal(new[] { pki.Intermediate.Thumbprint }, certificate.Chain.Select(c => c.Thumbprint));
    }

    [Fact]
    public void Chain_path_as_single_der_intermediate()
    {
        using var pki = TestPki.CreateHierarchy();
        using var leaf = pki.IssueLeaf();
        var certificate = CertificateLoading.LoadUsable(
            _directory.Write("leaf.pem", leaf.CertificatePem() + leaf.KeyPem(KeyFormat.Pkcs8)),
            chainPath: _directory.Write("intermediate.cer", pki.Intermediate.Certificate.RawData));

        Assert.Equal(new[] { pki.Intermediate.Thumbprint }, certificate.Chain.Select(c => c.Thumbprint));
    }

    [Fact]
    public void Chain_path_applies_to_certificate_objects_too()
    {
        using var pki = TestPki.CreateHierarchy();
        using var leaf = pki.IssueLeaf();
        var query = new RedshiftIamra.Certificates.CertificateQuery
        {
            Certificates = new[] { leaf.Certificate },
            ChainPath = _directory.Write("chain.pem", pki.Intermediate.CertificatePem() + pki.Root.CertificatePem()),
        };
        var certificate = Assert.Single(RedshiftIamra.Certificates.CertificateFinder.FindCandidates(query));
        Assert.True(certificate.Usable, certificate.Reason);
        Assert.Equal(new[] { pki.Intermediate.Thumbprint }, certificate.Chain.Select(c => c.Thumbprint));
    }

    [Fact]
    public void Source_is_the_full_path_of_the_file()
    {
        using var leaf = Leaf("ECDSA");
        var path = _directory.Write("leaf.pem", leaf.CertificatePem() + leaf.KeyPem(KeyFormat.Pkcs8));
        Assert.Equal(Path.GetFullPath(path), CertificateLoading.Load(path).Source);
    }

    private static TestCertificate Leaf(string algorithm) =>
        TestPki.SelfSigned(new CertificateOptions { KeySpec = algorithm == "RSA" ? KeySpec.Rsa2048 : KeySpec.EcP256 });

    private static (KeyFormat Format, PbeParameters? Pbe) Form(string form) => form switch
    {
        "pkcs1" => (KeyFormat.Pkcs1, null),
        "sec1" => (KeyFormat.Sec1, null),
        "pkcs8" => (KeyFormat.Pkcs8, null),
        "encrypted-aes256-sha256" => (KeyFormat.EncryptedPkcs8, new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 2048)),
        "encrypted-aes128-sha1" => (KeyFormat.EncryptedPkcs8, new PbeParameters(PbeEncryptionAlgorithm.Aes128Cbc, HashAlgorithmName.SHA1, 2048)),
        "encrypted-aes192-sha512" => (KeyFormat.EncryptedPkcs8, new PbeParameters(PbeEncryptionAlgorithm.Aes192Cbc, HashAlgorithmName.SHA512, 1000)),
        "encrypted-3des-pkcs12" => (KeyFormat.EncryptedPkcs8, new PbeParameters(PbeEncryptionAlgorithm.TripleDes3KeyPkcs12, HashAlgorithmName.SHA1, 2048)),
        _ => throw new ArgumentOutOfRangeException(nameof(form)),
    };

    public void Dispose() => _directory.Dispose();
}
