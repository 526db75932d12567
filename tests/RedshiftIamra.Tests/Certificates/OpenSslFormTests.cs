using RedshiftIamra.Certificates;

namespace RedshiftIamra.Tests.Certificates;

/// <summary>
/// Keys and certificates made by the openssl command line tool, the way OpenSSL users and AWS
/// Certificate Manager exports make them. Fails (does not skip) when openssl is missing.
/// </summary>
public sealed class OpenSslFormTests : IClassFixture<OpenSslFormTests.Keys>, IDisposable
{
    private const string Password = "Pa55-word";
    private readonly Keys _keys;
    private readonly TestDirectory _directory = new();

    public OpenSslFormTests(Keys keys) => _keys = keys;

    /// <summary>An RSA 2048 and an EC P-256 key (PKCS#8, from openssl genpkey) with self-signed certificates (openssl req -x509), made once per class.</summary>
    public sealed class Keys : IDisposable
    {
        private readonly TestDirectory _directory = new();

        public Keys()
        {
            var d = _directory.Path;
            try
            {
                OpenSsl.Run(d, "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "rsa.key");
                OpenSsl.Run(d, "req", "-x509", "-key", "rsa.key", "-out", "rsa.crt", "-subj", "/CN=openssl rsa/O=RedshiftIamra Tests", "-days", "30", "-sha256",
                    "-addext", "extendedKeyUsage=clientAuth", "-addext", "keyUsage=critical,digitalSignature", "-addext", "basicConstraints=critical,CA:FALSE");
                OpenSsl.Run(d, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "ec.key");
                OpenSsl.Run(d, "req", "-x509", "-key", "ec.key", "-out", "ec.crt", "-subj", "/CN=openssl ec/O=RedshiftIamra Tests", "-days", "30", "-sha256",
                    "-addext", "basicConstraints=critical,CA:FALSE");
            }
            catch
            {
                // xunit does not dispose a fixture whose constructor throws (e.g. openssl missing).
                _directory.Dispose();
                throw;
            }
        }

        public string Directory => _directory.Path;

        public string KeyPath(string algorithm) => _directory.File(algorithm == "RSA" ? "rsa.key" : "ec.key");

        public string CertificatePath(string algorithm) => _directory.File(algorithm == "RSA" ? "rsa.crt" : "ec.crt");

        public void Dispose() => _directory.Dispose();
    }

    [Theory]
    [InlineData("RSA")]
    [InlineData("ECDSA")]
    public void Genpkey_pkcs8_key_with_req_x509_certificate(string algorithm)
    {
        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", File.ReadAllText(_keys.KeyPath(algorithm)));
        var certificate = CertificateLoading.LoadUsable(_keys.CertificatePath(algorithm), _keys.KeyPath(algorithm));
        Assert.Equal(algorithm, certificate.KeyAlgorithm);
    }

    [Theory]
    [InlineData("RSA", "aes-256-cbc", "hmacWithSHA256", "PEM")]
    [InlineData("RSA", "aes-256-cbc", "hmacWithSHA1", "PEM")]
    [InlineData("RSA", "aes-128-cbc", "hmacWithSHA256", "PEM")]
    [InlineData("RSA", "aes-128-cbc", "hmacWithSHA1", "PEM")]
    [InlineData("RSA", "aes-256-cbc", "hmacWithSHA256", "DER")]
    [InlineData("ECDSA", "aes-256-cbc", "hmacWithSHA256", "PEM")]
    [InlineData("ECDSA", "aes-256-cbc", "hmacWithSHA1", "PEM")]
    [InlineData("ECDSA", "aes-128-cbc", "hmacWithSHA256", "PEM")]
    [InlineData("ECDSA", "aes-256-cbc", "hmacWithSHA1", "DER")]
    public void Encrypted_pkcs8_from_openssl_pkcs8_topk8(string algorithm, string cipher, string prf, string outform)
    {
        var key = _directory.File("key.p8");
        OpenSsl.Run(_directory.Path, "pkcs8", "-topk8", "-in", _keys.KeyPath(algorithm), "-out", key, "-outform", outform,
            "-v2", cipher, "-v2prf", prf, "-passout", "pass:" + Password);
        if (outform == "PEM")
        {
            Assert.StartsWith("-----BEGIN ENCRYPTED PRIVATE KEY-----", File.ReadAllText(key));
        }

        var certificate = CertificateLoading.LoadUsable(_keys.CertificatePath(algorithm), key, Password);
        Assert.Equal(algorithm, certificate.KeyAlgorithm);

        CertificateLoading.LoadFails(ErrorIds.Certificate.PasswordInvalid, _keys.CertificatePath(algorithm), key, "not the password");
        CertificateLoading.LoadFails(ErrorIds.Certificate.PasswordRequired, _keys.CertificatePath(algorithm), key);
    }

    [Fact]
    public void Encrypted_pkcs8_in_one_file_with_the_certificate()
    {
        var key = OpenSsl.Run(_directory.Path, "pkcs8", "-topk8", "-in", _keys.KeyPath("RSA"), "-v2", "aes-256-cbc", "-v2prf", "hmacWithSHA256", "-passout", "pass:" + Password);
        var both = _directory.Write("both.pem", File.ReadAllText(_keys.CertificatePath("RSA")) + key);
        CertificateLoading.LoadUsable(both, password: Password);
    }

    [Fact]
    public void Traditional_rsa_private_key()
    {
        var key = _directory.File("rsa1.key");
        OpenSsl.Run(_directory.Path, "rsa", "-in", _keys.KeyPath("RSA"), "-traditional", "-out", key);
        Assert.StartsWith("-----BEGIN RSA PRIVATE KEY-----", File.ReadAllText(key));
        CertificateLoading.LoadUsable(_keys.CertificatePath("RSA"), key);
    }

    [Fact]
    public void Genrsa_traditional_key_with_certificate_in_one_file()
    {
        OpenSsl.Run(_directory.Path, "genrsa", "-traditional", "-out", "genrsa.key", "2048");
        ReqX509("genrsa.key", "genrsa.crt", "/CN=genrsa");
        CertificateLoading.LoadUsable(_directory.Write("both.pem", _directory.Read("genrsa.key") + _directory.Read("genrsa.crt")));
        CertificateLoading.LoadUsable(_directory.Write("both2.pem", _directory.Read("genrsa.crt") + _directory.Read("genrsa.key")));
    }

    [Fact]
    public void Ec_private_key_from_openssl_ec()
    {
        var key = _directory.File("ec1.key");
        OpenSsl.Run(_directory.Path, "ec", "-in", _keys.KeyPath("ECDSA"), "-out", key);
        Assert.StartsWith("-----BEGIN EC PRIVATE KEY-----", File.ReadAllText(key));
        CertificateLoading.LoadUsable(_keys.CertificatePath("ECDSA"), key);
    }

    [Theory]
    [InlineData("prime256v1", 256, false)]
    [InlineData("prime256v1", 256, true)]
    [InlineData("secp384r1", 384, false)]
    [InlineData("secp521r1", 521, true)]
    public void Ec_private_key_from_ecparam_genkey_with_and_without_ec_parameters(string curve, int size, bool withParameters)
    {
        var arguments = new List<string> { "ecparam", "-name", curve, "-genkey", "-out", "ecparam.key" };
        if (!withParameters)
        {
            arguments.Add("-noout");
        }

        OpenSsl.Run(_directory.Path, arguments.ToArray());
        var keyText = _directory.Read("ecparam.key");
        Assert.Equal(withParameters, keyText.StartsWith("-----BEGIN EC PARAMETERS-----", StringComparison.Ordinal));
        Assert.Contains("-----BEGIN EC PRIVATE KEY-----", keyText);
        ReqX509("ecparam.key", "ecparam.crt", "/CN=ecparam");

        var separate = CertificateLoading.LoadUsable(_directory.File("ecparam.crt"), _directory.File("ecparam.key"));
        Assert.Equal(size, separate.KeySize);
        Assert.Equal($"P-{size}", separate.Curve);

        CertificateLoading.LoadUsable(_directory.Write("key-first.pem", keyText + _directory.Read("ecparam.crt")));
        CertificateLoading.LoadUsable(_directory.Write("cert-first.pem", _directory.Read("ecparam.crt") + keyText));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Pfx_from_openssl_pkcs12_export_with_chain(bool legacy)
    {
        if (legacy && !OpenSsl.SupportsLegacyPkcs12)
        {
            // OpenSSL before 3.0 has no -legacy: its default already is the legacy form, tested by the other case.
            return;
        }

        using var pki = TestPki.CreateHierarchy("openssl pkcs12", KeySpec.Rsa2048);
        using var leaf = pki.IssueLeaf(new CertificateOptions { KeySpec = KeySpec.Rsa2048 });
        _directory.Write("leaf.crt", leaf.CertificatePem());
        _directory.Write("leaf.key", leaf.KeyPem(KeyFormat.Pkcs8));
        _directory.Write("chain.pem", pki.Intermediate.CertificatePem() + pki.Root.CertificatePem());
        var arguments = new List<string> { "pkcs12", "-export", "-inkey", "leaf.key", "-in", "leaf.crt", "-certfile", "chain.pem", "-name", "iamra", "-passout", "pass:" + Password, "-out", "leaf.pfx" };
        if (legacy)
        {
            arguments.Add("-legacy");
        }

        OpenSsl.Run(_directory.Path, arguments.ToArray());
        var infoArguments = new List<string> { "pkcs12", "-info", "-noout", "-in", "leaf.pfx", "-passin", "pass:" + Password };
        if (legacy)
        {
            infoArguments.Add("-legacy");
        }

        var info = OpenSsl.RunCapturing(_directory.Path, infoArguments.ToArray());
        if (OpenSsl.SupportsLegacyPkcs12)
        {
            // OpenSSL 3: the default is PBES2/AES-256-CBC, -legacy gives RC2-40 certificates and a 3DES key.
            Assert.Contains(legacy ? "pbeWithSHA1And3-KeyTripleDES-CBC" : "AES-256-CBC", info.Stdout + info.Stderr);
        }

        var certificate = CertificateLoading.LoadUsable(_directory.File("leaf.pfx"), password: Password);
        Assert.Equal(leaf.Thumbprint, certificate.Thumbprint);
        Assert.Equal(new[] { pki.Intermediate.Thumbprint }, certificate.Chain.Select(c => c.Thumbprint));

        CertificateLoading.LoadFails(ErrorIds.Certificate.PasswordInvalid, _directory.File("leaf.pfx"), password: "wrong");
        CertificateLoading.LoadFails(ErrorIds.Certificate.PasswordRequired, _directory.File("leaf.pfx"));
    }

    [Theory]
    [InlineData("RSA", "rsa", "RSA PRIVATE KEY")]
    [InlineData("ECDSA", "ec", "EC PRIVATE KEY")]
    public void Legacy_encrypted_pem_is_rejected_with_a_conversion_hint(string algorithm, string command, string label)
    {
        var key = _directory.File("legacy.key");
        var arguments = new List<string> { command, "-in", _keys.KeyPath(algorithm), "-aes256", "-passout", "pass:" + Password, "-out", key };
        if (command == "rsa")
        {
            arguments.Add("-traditional");
        }

        OpenSsl.Run(_directory.Path, arguments.ToArray());
        var keyText = File.ReadAllText(key);
        Assert.StartsWith($"-----BEGIN {label}-----", keyText);
        Assert.Contains("Proc-Type: 4,ENCRYPTED", keyText);

        foreach (var (certificatePath, keyPath) in new[]
        {
            (_keys.CertificatePath(algorithm), key),
            (_directory.Write("cert-first.pem", File.ReadAllText(_keys.CertificatePath(algorithm)) + keyText), null),
            (_directory.Write("key-first.pem", keyText + File.ReadAllText(_keys.CertificatePath(algorithm))), null),
        })
        {
            foreach (var password in new[] { Password, null })
            {
                var error = CertificateLoading.LoadFails(ErrorIds.Certificate.KeyFormatInvalid, certificatePath, keyPath, password);
                Assert.Contains("openssl pkcs8 -topk8", error.Message);
                Assert.Contains("legacy", error.Message);
            }
        }
    }

    [Fact]
    public void Text_dump_from_openssl_x509_text_before_the_pem_block()
    {
        using var leaf = TestPki.SelfSigned(new CertificateOptions { KeySpec = KeySpec.Rsa(4096), Subject = "CN=Easy-RSA style issued certificate, O=RedshiftIamra Tests, OU=Platform" });
        _directory.Write("plain.crt", leaf.CertificatePem());
        OpenSsl.Run(_directory.Path, "x509", "-in", "plain.crt", "-text", "-out", "issued.crt");
        var text = _directory.Read("issued.crt");
        Assert.True(text.IndexOf("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal) > 4096, "the text dump should be longer than 4 KiB");

        var certificate = CertificateLoading.LoadUsable(_directory.File("issued.crt"), _directory.Write("issued.key", leaf.KeyPem(KeyFormat.Pkcs8)));
        Assert.Equal(4096, certificate.KeySize);
    }

    [Fact]
    public void Dsa_certificate_is_unsupported()
    {
        OpenSsl.Run(_directory.Path, "dsaparam", "-out", "dsa.param", "2048");
        OpenSsl.Run(_directory.Path, "gendsa", "-out", "dsa.key", "dsa.param");
        OpenSsl.Run(_directory.Path, "req", "-x509", "-key", "dsa.key", "-out", "dsa.crt", "-subj", "/CN=dsa", "-days", "2", "-sha256");
        AssertUnsupported("dsa.crt", "dsa.key", "DSA");
    }

    [Fact]
    public void Ed25519_certificate_is_unsupported()
    {
        OpenSsl.Run(_directory.Path, "genpkey", "-algorithm", "ed25519", "-out", "ed.key");
        OpenSsl.Run(_directory.Path, "req", "-x509", "-key", "ed.key", "-out", "ed.crt", "-subj", "/CN=ed25519", "-days", "2");
        AssertUnsupported("ed.crt", "ed.key", "Ed25519");
    }

    [Fact]
    public void Req_x509_default_self_signed_certificate_is_a_ca_and_not_usable()
    {
        // OpenSSL's default configuration makes `req -x509` certificates CA:TRUE (v3_ca).
        OpenSsl.Run(_directory.Path, "req", "-x509", "-key", _keys.KeyPath("ECDSA"), "-out", "ca.crt", "-subj", "/CN=default req", "-days", "2");
        var query = CertificateLoading.Query(_directory.File("ca.crt"), _keys.KeyPath("ECDSA"));
        var error = CertificateLoading.SelectFails(ErrorIds.Certificate.NotUsable, query);
        Assert.Contains("CA:TRUE", error.Message);
    }

    /// <summary>A self-signed end-entity certificate (CA:FALSE) for <paramref name="keyFile"/>.</summary>
    private void ReqX509(string keyFile, string certificateFile, string subject) =>
        OpenSsl.Run(_directory.Path, "req", "-x509", "-key", keyFile, "-out", certificateFile, "-subj", subject, "-days", "2", "-addext", "basicConstraints=critical,CA:FALSE");

    private void AssertUnsupported(string certificateFile, string keyFile, string algorithm)
    {
        // The certificate alone is found, described, and rejected by Select with the reason.
        var query = CertificateLoading.Query(_directory.File(certificateFile));
        var candidate = Assert.Single(CertificateFinder.FindCandidates(query));
        Assert.Equal(algorithm, candidate.KeyAlgorithm);
        Assert.False(candidate.Usable);
        Assert.Equal(ErrorIds.Certificate.UnsupportedKey, candidate.ProblemId);
        Assert.Contains(algorithm, candidate.Reason);
        var error = CertificateLoading.SelectFails(ErrorIds.Certificate.UnsupportedKey, query);
        Assert.Contains("RSA", error.Message);

        // With its key (separate or in one file) loading says the same.
        CertificateLoading.LoadFails(ErrorIds.Certificate.UnsupportedKey, _directory.File(certificateFile), _directory.File(keyFile));
        CertificateLoading.LoadFails(ErrorIds.Certificate.UnsupportedKey, _directory.Write("both.pem", _directory.Read(certificateFile) + _directory.Read(keyFile)));
    }

    public void Dispose() => _directory.Dispose();
}
