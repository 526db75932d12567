using System.Security.Cryptography;
using System.Text;
using RedshiftIamra.Certificates;

namespace RedshiftIamra.Tests.Certificates;

/// <summary>Every way loading can fail ends in an IamraException with the right error id, never a raw .NET exception.</summary>
public sealed class LoadErrorTests : IDisposable
{
    private const string Password = "right password";
    private readonly TestDirectory _directory = new();

    [Theory]
    [InlineData("RSA", "PEM")]
    [InlineData("RSA", "DER")]
    [InlineData("ECDSA", "PEM")]
    [InlineData("ECDSA", "DER")]
    public void Encrypted_key_with_wrong_or_no_password(string algorithm, string encoding)
    {
        using var leaf = Leaf(algorithm);
        var certificate = _directory.Write("leaf.crt", leaf.CertificatePem());
        var key = encoding == "PEM"
            ? _directory.Write("leaf.key", leaf.KeyPem(KeyFormat.EncryptedPkcs8, Password))
            : _directory.Write("leaf.p8", leaf.KeyDer(KeyFormat.EncryptedPkcs8, Password));

        CertificateLoading.LoadFails(ErrorIds.Certificate.PasswordInvalid, certificate, key, "wrong password");
        var required = CertificateLoading.LoadFails(ErrorIds.Certificate.PasswordRequired, certificate, key);
        Assert.Contains("-Password", required.Message);
        CertificateLoading.LoadFails(ErrorIds.Certificate.PasswordRequired, certificate, key, string.Empty);
        CertificateLoading.LoadUsable(certificate, key, Password);
    }

    [Fact]
    public void Encrypted_key_in_one_file_with_wrong_or_no_password()
    {
        using var leaf = Leaf("ECDSA");
        var both = _directory.Write("both.pem", leaf.CertificatePem() + leaf.KeyPem(KeyFormat.EncryptedPkcs8, Password));
        CertificateLoading.LoadFails(ErrorIds.Certificate.PasswordInvalid, both, password: "wrong password");
        CertificateLoading.LoadFails(ErrorIds.Certificate.PasswordRequired, both);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Pfx_with_wrong_or_no_password(bool aes)
    {
        using var leaf = Leaf("RSA");
        var pfx = _directory.Write("leaf.pfx", leaf.ExportPfx(Password, aes: aes));
        CertificateLoading.LoadFails(ErrorIds.Certificate.PasswordInvalid, pfx, password: "wrong password");
        var required = CertificateLoading.LoadFails(ErrorIds.Certificate.PasswordRequired, pfx);
        Assert.Contains("-Password", required.Message);
        CertificateLoading.LoadFails(ErrorIds.Certificate.PasswordRequired, pfx, password: string.Empty);
    }

    [Fact]
    public void Pfx_without_a_password_loads_without_one()
    {
        using var leaf = Leaf("ECDSA");
        CertificateLoading.LoadUsable(_directory.Write("open.pfx", leaf.ExportPfx(null)));
    }

    [Theory]
    [InlineData("RSA", KeyFormat.Pkcs8)]
    [InlineData("RSA", KeyFormat.Pkcs1)]
    [InlineData("RSA", KeyFormat.EncryptedPkcs8)]
    [InlineData("ECDSA", KeyFormat.Pkcs8)]
    [InlineData("ECDSA", KeyFormat.Sec1)]
    [InlineData("ECDSA", KeyFormat.EncryptedPkcs8)]
    public void Key_of_the_same_type_that_is_not_the_certificates(string algorithm, KeyFormat format)
    {
        using var leaf = Leaf(algorithm);
        using var other = TestPki.SelfSigned(new CertificateOptions { KeySpec = leaf.KeySpec, KeySlot = "someone else" });
        var password = format == KeyFormat.EncryptedPkcs8 ? Password : null;
        var certificate = _directory.Write("leaf.crt", leaf.CertificatePem());

        var error = CertificateLoading.LoadFails(ErrorIds.Certificate.KeyMismatch, certificate, _directory.Write("other.key", other.KeyPem(format, Password)), password);
        Assert.Contains(leaf.Thumbprint, error.Message);
        CertificateLoading.LoadFails(ErrorIds.Certificate.KeyMismatch, certificate, _directory.Write("other.der", other.KeyDer(format, Password)), password);
        CertificateLoading.LoadFails(ErrorIds.Certificate.KeyMismatch, _directory.Write("both.pem", leaf.CertificatePem() + other.KeyPem(format, Password)), password: password);
    }

    [Fact]
    public void Ecdsa_key_on_another_curve()
    {
        using var leaf = TestPki.SelfSigned(new CertificateOptions { KeySpec = KeySpec.Ecdsa(256) });
        using var other = TestPki.SelfSigned(new CertificateOptions { KeySpec = KeySpec.Ecdsa(384) });
        CertificateLoading.LoadFails(ErrorIds.Certificate.KeyMismatch, _directory.Write("leaf.crt", leaf.CertificatePem()), _directory.Write("other.key", other.KeyPem(KeyFormat.Sec1)));
    }

    [Theory]
    [InlineData("ECDSA", "RSA", KeyFormat.Pkcs1)]
    [InlineData("ECDSA", "RSA", KeyFormat.Pkcs8)]
    [InlineData("ECDSA", "RSA", KeyFormat.EncryptedPkcs8)]
    [InlineData("RSA", "ECDSA", KeyFormat.Sec1)]
    [InlineData("RSA", "ECDSA", KeyFormat.Pkcs8)]
    [InlineData("RSA", "ECDSA", KeyFormat.EncryptedPkcs8)]
    public void Key_of_the_other_algorithm(string certificateAlgorithm, string keyAlgorithm, KeyFormat format)
    {
        using var leaf = Leaf(certificateAlgorithm);
        using var other = Leaf(keyAlgorithm);
        var password = format == KeyFormat.EncryptedPkcs8 ? Password : null;
        var certificate = _directory.Write("leaf.crt", leaf.CertificatePem());

        CertificateLoading.LoadFails(ErrorIds.Certificate.KeyMismatch, certificate, _directory.Write("other.key", other.KeyPem(format, Password)), password);
        CertificateLoading.LoadFails(ErrorIds.Certificate.KeyMismatch, certificate, _directory.Write("other.der", other.KeyDer(format, Password)), password);
        CertificateLoading.LoadFails(ErrorIds.Certificate.KeyMismatch, _directory.Write("both.pem", other.KeyPem(format, Password) + leaf.CertificatePem()), password: password);
    }

    [Fact]
    public void Key_given_twice_is_refused()
    {
        using var leaf = Leaf("ECDSA");
        var pfx = _directory.Write("leaf.pfx", leaf.ExportPfx(Password));
        var error = CertificateLoading.LoadFails(ErrorIds.Certificate.FormatInvalid, pfx, _directory.Write("leaf.key", leaf.KeyPem(KeyFormat.Pkcs8)), Password);
        Assert.Contains("-PrivateKeyPath", error.Message);
    }

    [Fact]
    public void Missing_files()
    {
        using var leaf = Leaf("ECDSA");
        var certificate = _directory.Write("leaf.crt", leaf.CertificatePem());
        var missing = _directory.File("does-not-exist.pem");

        var error = CertificateLoading.LoadFails(ErrorIds.Certificate.FileNotFound, missing);
        Assert.Contains(missing, error.Message);
        Assert.Equal(missing, error.Target);
        CertificateLoading.LoadFails(ErrorIds.Certificate.FileNotFound, certificate, missing);
        CertificateLoading.LoadFails(ErrorIds.Certificate.FileNotFound, certificate, _directory.Write("leaf.key", leaf.KeyPem(KeyFormat.Pkcs8)), chainPath: missing);
        CertificateLoading.LoadFails(ErrorIds.Certificate.FileNotFound, _directory.File("no-such-directory/leaf.pem"));
    }

    public static TheoryData<string> BrokenCertificateFiles() => new()
    {
        "empty",
        "whitespace",
        "pem cut in the middle of the base64",
        "pem cut in the middle of the base64, END line added",
        "pem without END line",
        "pem with damaged base64",
        "pem with a broken block before a good one",
        "pem holding only a key",
        "pem holding only EC parameters",
        "der cut in half",
        "garbage bytes",
        "garbage text",
        "a BEGIN line and nothing else",
        "truncated pfx",
    };

    [Theory]
    [MemberData(nameof(BrokenCertificateFiles))]
    public void Broken_certificate_file(string kind)
    {
        using var leaf = Leaf("RSA");
        var pem = leaf.CertificatePem();
        var body = pem.IndexOf("-----END", StringComparison.Ordinal);
        var content = kind switch
        {
            "empty" => Array.Empty<byte>(),
            "whitespace" => Encoding.ASCII.GetBytes(" \n\n \r\n"),
            "pem cut in the middle of the base64" => Encoding.ASCII.GetBytes(pem[..(body / 2)]),
            "pem cut in the middle of the base64, END line added" => Encoding.ASCII.GetBytes(pem[..(body / 2 / 4 * 4)] + "\n-----END CERTIFICATE-----\n"),
            "pem without END line" => Encoding.ASCII.GetBytes(pem[..body]),
            "pem with damaged base64" => Encoding.ASCII.GetBytes(pem[..40] + "*#!" + pem[43..]),
            "pem with a broken block before a good one" => Encoding.ASCII.GetBytes(pem[..(body / 2)] + "\n" + pem),
            "pem holding only a key" => Encoding.ASCII.GetBytes(leaf.KeyPem(KeyFormat.Pkcs8)),
            "pem holding only EC parameters" => Encoding.ASCII.GetBytes(PemEncoding.WriteString("EC PARAMETERS", new byte[] { 0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07 })),
            "der cut in half" => leaf.Certificate.RawData[..(leaf.Certificate.RawData.Length / 2)],
            "garbage bytes" => Garbage(2000),
            "garbage text" => Encoding.ASCII.GetBytes("This is not a certificate.\nNor is this line.\n"),
            "a BEGIN line and nothing else" => Encoding.ASCII.GetBytes("-----BEGIN CERTIFICATE-----\n"),
            "truncated pfx" => leaf.ExportPfx(Password)[..300],
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
        var path = _directory.Write("broken.crt", content);

        var error = CertificateLoading.LoadFails(ErrorIds.Certificate.FormatInvalid, path);
        Assert.Contains(path, error.Message);

        // The same file as a -PrivateKeyPath or -ChainPath fails as cleanly.
        var certificate = _directory.Write("leaf.crt", pem);
        if (kind != "pem holding only a key")
        {
            var keyError = Assert.Throws<IamraException>(() => CertificateFinder.FindCandidates(CertificateLoading.Query(certificate, path)));
            Assert.Contains(keyError.ErrorId, new[] { ErrorIds.Certificate.FormatInvalid, ErrorIds.Certificate.KeyFormatInvalid, ErrorIds.Certificate.KeyMismatch });
        }

        var chainError = Assert.Throws<IamraException>(() => CertificateFinder.FindCandidates(CertificateLoading.Query(certificate, _directory.Write("leaf.key", leaf.KeyPem(KeyFormat.Pkcs8)), chainPath: path)));
        Assert.Equal(ErrorIds.Certificate.FormatInvalid, chainError.ErrorId);
    }

    [Theory]
    [InlineData("empty")]
    [InlineData("pem cut in the middle of the base64")]
    [InlineData("garbage bytes")]
    [InlineData("pem holding only a certificate")]
    public void Broken_key_file(string kind)
    {
        using var leaf = Leaf("RSA");
        var keyPem = leaf.KeyPem(KeyFormat.Pkcs1);
        var content = kind switch
        {
            "empty" => Array.Empty<byte>(),
            "pem cut in the middle of the base64" => Encoding.ASCII.GetBytes(keyPem[..(keyPem.Length / 2)]),
            "garbage bytes" => Garbage(1200),
            "pem holding only a certificate" => Encoding.ASCII.GetBytes(leaf.CertificatePem()),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
        var certificate = _directory.Write("leaf.crt", leaf.CertificatePem());
        var error = Assert.Throws<IamraException>(() => CertificateFinder.FindCandidates(CertificateLoading.Query(certificate, _directory.Write("broken.key", content))));
        var expected = kind switch
        {
            "empty" or "pem cut in the middle of the base64" => ErrorIds.Certificate.FormatInvalid,
            "pem holding only a certificate" => ErrorIds.Certificate.KeyFormatInvalid,
            _ => ErrorIds.Certificate.KeyMismatch,
        };
        Assert.Equal(expected, error.ErrorId);
        if (kind == "garbage bytes")
        {
            Assert.Contains("not a readable RSA key", error.Message);
        }
    }

    private static byte[] Garbage(int length)
    {
        var bytes = new byte[length];
        new Random(20240229).NextBytes(bytes);
        bytes[0] = 0x30; // looks like the start of a DER SEQUENCE, to get past the cheapest checks
        return bytes;
    }

    private static TestCertificate Leaf(string algorithm) =>
        TestPki.SelfSigned(new CertificateOptions { KeySpec = algorithm == "RSA" ? KeySpec.Rsa2048 : KeySpec.EcP256 });

    public void Dispose() => _directory.Dispose();
}
