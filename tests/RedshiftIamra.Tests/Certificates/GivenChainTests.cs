using System.Security.Cryptography.X509Certificates;
using RedshiftIamra.Certificates;

namespace RedshiftIamra.Tests.Certificates;

/// <summary>
/// A certificate from files (or a PKCS#11 token) travels with the chain those files hold, built
/// without opening a certificate store or reading the system trust store (which costs the first
/// call of every process 100-150 ms on Linux).
/// </summary>
public sealed class GivenChainTests : IDisposable
{
    private readonly TestDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void Chain_from_files_is_in_chain_order_whatever_the_file_order()
    {
        using var pki = TestPki.CreateHierarchy($"iamra-given-{Guid.NewGuid():N}");
        using var second = pki.Intermediate.Issue(CertificateOptions.Authority($"CN=iamra-given-second-{Guid.NewGuid():N}", keySlot: "second"));
        using var leaf = second.Issue(new CertificateOptions());
        var path = _directory.Write("leaf.pem", leaf.CertificatePem() + leaf.KeyPem(KeyFormat.Pkcs8));
        var chain = _directory.Write("chain.pem", pki.Root.CertificatePem() + pki.Intermediate.CertificatePem() + second.CertificatePem());

        var certificate = CertificateLoading.Load(path, chainPath: chain);

        Assert.Equal(new[] { second.Thumbprint, pki.Intermediate.Thumbprint }, certificate.Chain.Select(c => c.Thumbprint));
    }

    [Fact]
    public void Given_intermediates_that_do_not_chain_still_travel_after_the_chain()
    {
        using var pki = TestPki.CreateHierarchy($"iamra-given-{Guid.NewGuid():N}");
        using var other = TestPki.CreateHierarchy($"iamra-other-{Guid.NewGuid():N}");
        using var leaf = pki.IssueLeaf();

        var sent = CertificateFinder.GivenIntermediates(leaf.Certificate, new[] { other.Intermediate.Certificate, pki.Root.Certificate, pki.Intermediate.Certificate });

        Assert.Equal(new[] { pki.Intermediate.Thumbprint, other.Intermediate.Thumbprint }, sent.Select(c => c.Thumbprint));
        Assert.Equal(new[] { pki.Intermediate.Thumbprint }, CertificateFinder.ChainElements(leaf.Certificate, new[] { other.Intermediate.Certificate, pki.Intermediate.Certificate }).Select(c => c.Thumbprint));
    }

    [Fact]
    public void An_issuer_with_the_same_name_but_another_key_is_not_taken()
    {
        var name = $"iamra-twin-{Guid.NewGuid():N}";
        using var pki = TestPki.CreateHierarchy(name);
        using var twin = TestPki.CreateHierarchy(name, KeySpec.Ecdsa(384));
        using var leaf = pki.IssueLeaf();

        var chain = CertificateFinder.ChainElements(leaf.Certificate, new[] { twin.Intermediate.Certificate, pki.Intermediate.Certificate });

        Assert.Equal(new[] { pki.Intermediate.Thumbprint }, chain.Select(c => c.Thumbprint));
    }
}

/// <summary>
/// The same leaf, its intermediate only in Cert:\CurrentUser\CA: a certificate object (chain built by
/// the platform from the stores) gets it, the files do not, so the file path demonstrably reads no store.
/// </summary>
[Collection(CurrentUserStoreCollection.Name)]
public sealed class GivenChainStoreTests : IDisposable
{
    private readonly TestDirectory _directory = new();
    private readonly TestPki _pki = TestPki.CreateHierarchy($"iamra-castore-{Guid.NewGuid():N}");
    private readonly X509Certificate2 _stored;

    public GivenChainStoreTests()
    {
        _stored = _pki.Intermediate.PublicOnly();
        using var store = new X509Store(StoreName.CertificateAuthority, StoreLocation.CurrentUser);
        store.Open(OpenFlags.ReadWrite);
        store.Add(_stored);
    }

    public void Dispose()
    {
        using (var store = new X509Store(StoreName.CertificateAuthority, StoreLocation.CurrentUser))
        {
            store.Open(OpenFlags.ReadWrite);
            store.Remove(_stored);
        }

        _stored.Dispose();
        _pki.Dispose();
        _directory.Dispose();
    }

    [Fact]
    public void Files_use_their_own_chain_and_never_the_store()
    {
        using var leaf = _pki.IssueLeaf();
        var path = _directory.Write("leaf.pem", leaf.CertificatePem() + leaf.KeyPem(KeyFormat.Pkcs8));

        var fromObject = Assert.Single(CertificateFinder.FindCandidates(new CertificateQuery { Certificates = new[] { leaf.Certificate } }));
        var fromFiles = CertificateLoading.Load(path);
        var fromFilesWithChain = CertificateLoading.Load(path, chainPath: _directory.Write("chain.pem", _pki.Intermediate.CertificatePem()));

        Assert.Equal(new[] { _pki.Intermediate.Thumbprint }, fromObject.Chain.Select(c => c.Thumbprint));
        Assert.Empty(fromFiles.Chain);
        Assert.Equal(new[] { _pki.Intermediate.Thumbprint }, fromFilesWithChain.Chain.Select(c => c.Thumbprint));
    }
}
