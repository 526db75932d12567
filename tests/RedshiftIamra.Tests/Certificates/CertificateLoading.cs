using RedshiftIamra.Certificates;

namespace RedshiftIamra.Tests.Certificates;

/// <summary>Loads certificates the way Get-IamraCertificate -Path does, for assertions.</summary>
internal static class CertificateLoading
{
    public static CertificateQuery Query(string path, string? keyPath = null, string? password = null, string? chainPath = null) => new()
    {
        Path = path,
        PrivateKeyPath = keyPath,
        Password = password is null ? null : TestPki.Secure(password),
        ChainPath = chainPath,
    };

    /// <summary>The single candidate the files give (usable or not).</summary>
    public static IamraCertificate Load(string path, string? keyPath = null, string? password = null, string? chainPath = null)
    {
        var candidates = CertificateFinder.FindCandidates(Query(path, keyPath, password, chainPath));
        return Assert.Single(candidates);
    }

    /// <summary>Loads and asserts the result is usable, has its key, and the key signs.</summary>
    public static IamraCertificate LoadUsable(string path, string? keyPath = null, string? password = null, string? chainPath = null)
    {
        var query = Query(path, keyPath, password, chainPath);
        var selected = CertificateFinder.Select(CertificateFinder.FindCandidates(query), query, includeUnusable: false, latest: false);
        var certificate = Assert.Single(selected);
        Assert.True(certificate.Usable, certificate.Reason);
        Assert.Null(certificate.Reason);
        Assert.True(certificate.HasPrivateKey);
        TestPki.AssertPrivateKeySigns(certificate.Certificate);
        return certificate;
    }

    /// <summary>Asserts that loading fails with an <see cref="IamraException"/> (not a raw .NET exception) carrying <paramref name="errorId"/>.</summary>
    public static IamraException LoadFails(string errorId, string path, string? keyPath = null, string? password = null, string? chainPath = null)
    {
        var query = Query(path, keyPath, password, chainPath);
        var exception = Assert.Throws<IamraException>(() => CertificateFinder.FindCandidates(query));
        Assert.True(errorId == exception.ErrorId, $"Expected {errorId}, got {exception.ErrorId}: {exception.Message}");
        Assert.False(string.IsNullOrWhiteSpace(exception.Message));
        return exception;
    }

    /// <summary>Asserts that FindCandidates + Select reject the certificate with <paramref name="errorId"/>.</summary>
    public static IamraException SelectFails(string errorId, CertificateQuery query, DateTimeOffset? now = null)
    {
        var candidates = CertificateFinder.FindCandidates(query, now);
        var exception = Assert.Throws<IamraException>(() => CertificateFinder.Select(candidates, query, includeUnusable: false, latest: false));
        Assert.True(errorId == exception.ErrorId, $"Expected {errorId}, got {exception.ErrorId}: {exception.Message}");
        return exception;
    }
}
