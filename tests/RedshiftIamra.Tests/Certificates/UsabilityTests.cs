using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using RedshiftIamra.Certificates;

namespace RedshiftIamra.Tests.Certificates;

/// <summary>Which certificates can sign Roles Anywhere requests, and what Select / FindSingle do with the rest.</summary>
public sealed class UsabilityTests : IDisposable
{
    private readonly TestDirectory _directory = new();

    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    [Fact]
    public void Expired_certificate_names_the_date()
    {
        using var pki = TestPki.CreateHierarchy();
        using var leaf = pki.IssueLeaf(new CertificateOptions { NotBefore = Now.AddDays(-100), NotAfter = Now.AddDays(-10) });
        var query = Objects(leaf);

        var candidate = Assert.Single(CertificateFinder.FindCandidates(query));
        Assert.False(candidate.Usable);
        Assert.Equal(ErrorIds.Certificate.Expired, candidate.ProblemId);
        var date = leaf.Certificate.NotAfter.ToUniversalTime().ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        Assert.Contains(date, candidate.Reason);
        Assert.InRange(candidate.DaysLeft, -11, -10);

        var error = CertificateLoading.SelectFails(ErrorIds.Certificate.Expired, query);
        Assert.Contains(date, error.Message);
        Assert.Contains("Get-IamraCertificate -All", error.RecommendedAction);
    }

    [Fact]
    public void Not_yet_valid_certificate_names_the_date()
    {
        using var leaf = TestPki.SelfSigned(new CertificateOptions { NotBefore = Now.AddDays(20), NotAfter = Now.AddDays(400) });
        var query = Objects(leaf);
        var date = leaf.Certificate.NotBefore.ToUniversalTime().ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

        var candidate = Assert.Single(CertificateFinder.FindCandidates(query));
        Assert.Equal(ErrorIds.Certificate.NotYetValid, candidate.ProblemId);
        Assert.Contains(date, candidate.Reason);
        Assert.Contains(date, CertificateLoading.SelectFails(ErrorIds.Certificate.NotYetValid, query).Message);
    }

    [Theory]
    [InlineData("th-TH")]
    [InlineData("ar-SA")]
    [InlineData("fa-IR")]
    [InlineData("de-DE")]
    public void Dates_in_messages_are_gregorian_whatever_the_culture(string culture)
    {
        using var expired = TestPki.SelfSigned(new CertificateOptions { NotBefore = Now.AddDays(-100), NotAfter = Now.AddDays(-10) });
        using var future = TestPki.SelfSigned(new CertificateOptions { NotBefore = Now.AddDays(20), NotAfter = Now.AddDays(400) });
        var original = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = new CultureInfo(culture);
            var expiredReason = Assert.Single(CertificateFinder.FindCandidates(Objects(expired))).Reason;
            var futureReason = Assert.Single(CertificateFinder.FindCandidates(Objects(future))).Reason;
            Assert.Contains(expired.Certificate.NotAfter.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture), expiredReason);
            Assert.Contains(future.Certificate.NotBefore.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture), futureReason);

            using var a = TestPki.SelfSigned(new CertificateOptions { Subject = "CN=Ambiguous A" });
            using var b = TestPki.SelfSigned(new CertificateOptions { Subject = "CN=Ambiguous B", NotAfter = Now.AddDays(50) });
            var ambiguous = Assert.Throws<IamraException>(() => CertificateFinder.FindSingle(Objects(a, b)));
            Assert.Contains(b.Certificate.NotAfter.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), ambiguous.Message);
        }
        finally
        {
            CultureInfo.CurrentCulture = original;
        }
    }

    [Fact]
    public void Validity_is_judged_at_the_time_given()
    {
        using var leaf = TestPki.SelfSigned(new CertificateOptions { NotBefore = Now.AddDays(-1), NotAfter = Now.AddDays(30) });
        Assert.True(Assert.Single(CertificateFinder.FindCandidates(Objects(leaf), Now)).Usable);
        Assert.Equal(ErrorIds.Certificate.Expired, Assert.Single(CertificateFinder.FindCandidates(Objects(leaf), Now.AddDays(31))).ProblemId);
        Assert.Equal(ErrorIds.Certificate.NotYetValid, Assert.Single(CertificateFinder.FindCandidates(Objects(leaf), Now.AddDays(-2))).ProblemId);
    }

    [Fact]
    public void Certificate_without_private_key()
    {
        using var leaf = TestPki.SelfSigned();
        var fromFile = CertificateLoading.Query(_directory.Write("leaf.crt", leaf.CertificatePem()));
        var candidate = Assert.Single(CertificateFinder.FindCandidates(fromFile));
        Assert.False(candidate.HasPrivateKey);
        Assert.Equal(ErrorIds.Certificate.NoPrivateKey, candidate.ProblemId);
        var error = CertificateLoading.SelectFails(ErrorIds.Certificate.NoPrivateKey, fromFile);
        Assert.Equal(IamraErrorCategory.SecurityError, error.Category);

        using var publicOnly = leaf.PublicOnly();
        CertificateLoading.SelectFails(ErrorIds.Certificate.NoPrivateKey, new CertificateQuery { Certificates = new[] { publicOnly } });
        CertificateLoading.SelectFails(ErrorIds.Certificate.NoPrivateKey, CertificateLoading.Query(_directory.Write("leaf.cer", leaf.Certificate.RawData)));
    }

    [Fact]
    public void Rsa_1024_is_unsupported()
    {
        using var leaf = TestPki.SelfSigned(new CertificateOptions { KeySpec = KeySpec.Rsa(1024) });
        var query = CertificateLoading.Query(_directory.Write("leaf.pem", leaf.CertificatePem() + leaf.KeyPem(KeyFormat.Pkcs8)));
        var candidate = Assert.Single(CertificateFinder.FindCandidates(query));
        Assert.Equal("RSA", candidate.KeyAlgorithm);
        Assert.Equal(1024, candidate.KeySize);
        Assert.Equal(ErrorIds.Certificate.UnsupportedKey, candidate.ProblemId);
        Assert.Contains("1024", CertificateLoading.SelectFails(ErrorIds.Certificate.UnsupportedKey, query).Message);
    }

    [Fact]
    public void Ca_certificate_is_not_usable()
    {
        using var pki = TestPki.CreateHierarchy();
        var error = CertificateLoading.SelectFails(ErrorIds.Certificate.NotUsable, Objects(pki.Intermediate));
        Assert.Contains("CA:TRUE", error.Message);
        CertificateLoading.SelectFails(ErrorIds.Certificate.NotUsable, Objects(pki.Root));

        using var caWithClientAuth = pki.IssueLeaf(new CertificateOptions { CertificateAuthority = true });
        CertificateLoading.SelectFails(ErrorIds.Certificate.NotUsable, Objects(caWithClientAuth));
    }

    [Fact]
    public void Key_usage_without_digital_signature_is_not_usable()
    {
        using var pki = TestPki.CreateHierarchy();
        using var leaf = pki.IssueLeaf(new CertificateOptions { KeySpec = KeySpec.Rsa2048, KeyUsage = X509KeyUsageFlags.KeyEncipherment | X509KeyUsageFlags.DataEncipherment });
        var error = CertificateLoading.SelectFails(ErrorIds.Certificate.NotUsable, Objects(leaf));
        Assert.Contains("digital signature", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Server_authentication_only_is_not_usable()
    {
        using var pki = TestPki.CreateHierarchy();
        using var leaf = pki.IssueLeaf(new CertificateOptions { ExtendedKeyUsages = new[] { CertificateOptions.ServerAuthOid } });
        var candidate = Assert.Single(CertificateFinder.FindCandidates(Objects(leaf)));
        Assert.False(candidate.ClientAuthentication);
        Assert.Equal(ErrorIds.Certificate.NotUsable, candidate.ProblemId);
        Assert.Contains("1.3.6.1.5.5.7.3.2", CertificateLoading.SelectFails(ErrorIds.Certificate.NotUsable, Objects(leaf)).Message);
    }

    public static TheoryData<string, string[]> UsableExtendedKeyUsages() => new()
    {
        { "clientAuth", new[] { CertificateOptions.ClientAuthOid } },
        { "serverAuth + clientAuth", new[] { CertificateOptions.ServerAuthOid, CertificateOptions.ClientAuthOid } },
        { "anyExtendedKeyUsage", new[] { "2.5.29.37.0" } },
        { "no EKU", Array.Empty<string>() },
    };

    [Theory]
    [MemberData(nameof(UsableExtendedKeyUsages))]
    public void Client_authentication_or_no_eku_is_usable(string name, string[] ekus)
    {
        using var pki = TestPki.CreateHierarchy();
        using var leaf = pki.IssueLeaf(new CertificateOptions { Subject = $"CN={name}", ExtendedKeyUsages = ekus });
        var selected = Assert.Single(CertificateFinder.Select(CertificateFinder.FindCandidates(Objects(leaf)), Objects(leaf), includeUnusable: false, latest: false));
        Assert.True(selected.Usable, selected.Reason);
        Assert.True(selected.ClientAuthentication);
        Assert.Null(selected.ProblemId);
    }

    [Fact]
    public void Leaf_without_key_usage_or_basic_constraints_is_usable()
    {
        using var leaf = TestPki.SelfSigned(new CertificateOptions { KeyUsage = X509KeyUsageFlags.None, CertificateAuthority = null, ExtendedKeyUsages = Array.Empty<string>() });
        Assert.True(Assert.Single(CertificateFinder.FindCandidates(Objects(leaf))).Usable);
    }

    [Fact]
    public void Include_unusable_returns_every_candidate_with_its_reason()
    {
        using var pki = TestPki.CreateHierarchy();
        using var good = pki.IssueLeaf(new CertificateOptions { Subject = "CN=good" });
        using var expired = pki.IssueLeaf(new CertificateOptions { Subject = "CN=expired", NotBefore = Now.AddDays(-60), NotAfter = Now.AddDays(-1) });
        using var server = pki.IssueLeaf(new CertificateOptions { Subject = "CN=server", ExtendedKeyUsages = new[] { CertificateOptions.ServerAuthOid } });
        using var publicOnly = good.PublicOnly();
        var query = new CertificateQuery { Certificates = new[] { good.Certificate, expired.Certificate, server.Certificate, publicOnly } };
        var candidates = CertificateFinder.FindCandidates(query);

        var all = CertificateFinder.Select(candidates, query, includeUnusable: true, latest: false);
        Assert.Equal(4, all.Count);
        Assert.Equal(new string?[] { null, ErrorIds.Certificate.Expired, ErrorIds.Certificate.NotUsable, ErrorIds.Certificate.NoPrivateKey }, all.Select(c => c.ProblemId));
        Assert.All(all.Skip(1), c => Assert.False(string.IsNullOrEmpty(c.Reason)));
        Assert.All(all.Skip(1), c => Assert.False(c.Usable));

        var usable = Assert.Single(CertificateFinder.Select(candidates, query, includeUnusable: false, latest: false));
        Assert.Equal(good.Thumbprint, usable.Thumbprint);
        Assert.Equal(good.Thumbprint, CertificateFinder.FindSingle(query).Thumbprint);
    }

    [Fact]
    public void None_usable_among_several_lists_each_reason()
    {
        using var expired = TestPki.SelfSigned(new CertificateOptions { Subject = "CN=expired", NotBefore = Now.AddDays(-60), NotAfter = Now.AddDays(-1) });
        using var server = TestPki.SelfSigned(new CertificateOptions { Subject = "CN=server", ExtendedKeyUsages = new[] { CertificateOptions.ServerAuthOid } });
        var query = Objects(expired, server);
        var error = CertificateLoading.SelectFails(ErrorIds.Certificate.NotUsable, query);
        Assert.Contains(expired.Thumbprint, error.Message);
        Assert.Contains(server.Thumbprint, error.Message);
        Assert.Contains("expired", error.Message);
        Assert.Contains("client authentication", error.Message);
    }

    [Fact]
    public void Latest_takes_the_usable_one_that_expires_last()
    {
        using var pki = TestPki.CreateHierarchy();
        using var soon = pki.IssueLeaf(new CertificateOptions { Subject = "CN=soon", NotAfter = Now.AddDays(10) });
        using var last = pki.IssueLeaf(new CertificateOptions { Subject = "CN=last", NotAfter = Now.AddDays(40) });
        using var middle = pki.IssueLeaf(new CertificateOptions { Subject = "CN=middle", NotAfter = Now.AddDays(20) });
        using var unusableButLater = pki.IssueLeaf(new CertificateOptions { Subject = "CN=server", NotAfter = Now.AddDays(90), ExtendedKeyUsages = new[] { CertificateOptions.ServerAuthOid } });
        var query = Objects(soon, last, unusableButLater, middle);
        var candidates = CertificateFinder.FindCandidates(query);

        var latest = Assert.Single(CertificateFinder.Select(candidates, query, includeUnusable: false, latest: true));
        Assert.Equal(last.Thumbprint, latest.Thumbprint);
        Assert.Equal(3, CertificateFinder.Select(candidates, query, includeUnusable: false, latest: false).Count);
        Assert.Equal(last.Thumbprint, CertificateFinder.FindSingle(query, latest: true).Thumbprint);
    }

    [Fact]
    public void Find_single_with_two_usable_matches_is_ambiguous()
    {
        using var pki = TestPki.CreateHierarchy();
        using var a = pki.IssueLeaf(new CertificateOptions { Subject = "CN=first" });
        using var b = pki.IssueLeaf(new CertificateOptions { Subject = "CN=second", KeySpec = KeySpec.Rsa2048 });
        var error = Assert.Throws<IamraException>(() => CertificateFinder.FindSingle(Objects(a, b)));
        Assert.Equal(ErrorIds.Certificate.Ambiguous, error.ErrorId);
        Assert.Contains(a.Thumbprint, error.Message);
        Assert.Contains(b.Thumbprint, error.Message);
        Assert.Contains("-Latest", error.Message);
    }

    [Fact]
    public void Find_single_with_no_certificate_is_not_found()
    {
        var error = Assert.Throws<IamraException>(() => CertificateFinder.FindSingle(new CertificateQuery { Certificates = Array.Empty<X509Certificate2>() }));
        Assert.Equal(ErrorIds.Certificate.NotFound, error.ErrorId);
    }

    [Fact]
    public void Public_constructor_wraps_a_certificate()
    {
        using var leaf = TestPki.SelfSigned(new CertificateOptions { KeySpec = KeySpec.Ecdsa(384) });
        var wrapped = new IamraCertificate(leaf.Certificate);
        Assert.True(wrapped.Usable, wrapped.Reason);
        Assert.Equal("P-384", wrapped.Curve);
        Assert.Empty(wrapped.Chain);
        Assert.InRange(wrapped.DaysLeft, 28, 30);
        Assert.Equal("Certificate object", wrapped.Source);
    }

    private static CertificateQuery Objects(params TestCertificate[] certificates) =>
        new() { Certificates = certificates.Select(c => c.Certificate).ToArray() };

    public void Dispose() => _directory.Dispose();
}
