using RedshiftIamra.Certificates;

namespace RedshiftIamra.Tests.Certificates;

/// <summary>Passwords never show up in objects or error messages.</summary>
public sealed class SecretTests : IDisposable
{
    private const string Secret = "S3cret-Pa55!";
    private const string WrongSecret = "Wr0ng-Pa55!";
    private readonly TestDirectory _directory = new();

    [Theory]
    [InlineData("pem")]
    [InlineData("der")]
    [InlineData("one-file")]
    [InlineData("pfx")]
    public void Loaded_certificate_does_not_show_the_password(string form)
    {
        using var leaf = TestPki.SelfSigned(new CertificateOptions { KeySpec = KeySpec.Rsa2048 });
        var query = Query(leaf, form, Secret);

        var certificate = Assert.Single(CertificateFinder.FindCandidates(query));
        Assert.True(certificate.Usable, certificate.Reason);
        foreach (var text in new[] { certificate.ToString(), certificate.Source, certificate.Subject, query.Describe(), query.ToString() })
        {
            Assert.DoesNotContain(Secret, text);
        }

        Assert.DoesNotContain(Secret, string.Join("|", typeof(IamraCertificate).GetProperties().Select(p => p.GetValue(certificate)?.ToString())));
    }

    [Theory]
    [InlineData("pem")]
    [InlineData("der")]
    [InlineData("one-file")]
    [InlineData("pfx")]
    public void Wrong_password_errors_do_not_show_either_password(string form)
    {
        using var leaf = TestPki.SelfSigned(new CertificateOptions { KeySpec = KeySpec.EcP256 });
        var query = Query(leaf, form, WrongSecret);

        var error = Assert.Throws<IamraException>(() => CertificateFinder.FindCandidates(query));
        Assert.Equal(ErrorIds.Certificate.PasswordInvalid, error.ErrorId);
        foreach (var text in new[] { error.ToString(), error.Message, error.RecommendedAction ?? string.Empty, error.Target?.ToString() ?? string.Empty })
        {
            Assert.DoesNotContain(Secret, text);
            Assert.DoesNotContain(WrongSecret, text);
        }
    }

    private CertificateQuery Query(TestCertificate leaf, string form, string password)
    {
        var certificatePem = _directory.Write("leaf.crt", leaf.CertificatePem());
        return form switch
        {
            "pem" => CertificateLoading.Query(certificatePem, _directory.Write("leaf.key", leaf.KeyPem(KeyFormat.EncryptedPkcs8, Secret)), password),
            "der" => CertificateLoading.Query(certificatePem, _directory.Write("leaf.p8", leaf.KeyDer(KeyFormat.EncryptedPkcs8, Secret)), password),
            "one-file" => CertificateLoading.Query(_directory.Write("both.pem", leaf.CertificatePem() + leaf.KeyPem(KeyFormat.EncryptedPkcs8, Secret)), password: password),
            "pfx" => CertificateLoading.Query(_directory.Write("leaf.pfx", leaf.ExportPfx(Secret)), password: password),
            _ => throw new ArgumentOutOfRangeException(nameof(form)),
        };
    }

    public void Dispose() => _directory.Dispose();
}
