using System.Globalization;
using System.Numerics;
using System.Runtime.Versioning;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using RedshiftIamra.Certificates;

namespace RedshiftIamra.Tests.Certificates;

/// <summary>
/// Tests that write to the real Cert:\CurrentUser\My store (on Linux ~/.dotnet/corefx/cryptography/x509stores/my).
/// They run alone (no other test in parallel) and their certificates carry a GUID so concurrent runs elsewhere do not collide.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "An xunit collection definition; the suffix says what it is.")]
public sealed class CurrentUserStoreCollection : ICollectionFixture<CurrentUserStoreFixture>
{
    public const string Name = @"Cert:\CurrentUser\My";
}

/// <summary>Two usable client certificates (with keys) from one test CA, added to CurrentUser\My and removed again on dispose.</summary>
public sealed class CurrentUserStoreFixture : IDisposable
{
    private readonly List<X509Certificate2> _added = new();

    public CurrentUserStoreFixture()
    {
        Tag = Guid.NewGuid().ToString("N");
        Pki = TestPki.CreateHierarchy($"iamra-store-{Tag}");
        First = Pki.IssueLeaf(new CertificateOptions
        {
            Subject = $"CN=iamra-store-{Tag}-first, O=RedshiftIamra Tests",
            KeySpec = KeySpec.EcP256,
            NotAfter = DateTimeOffset.UtcNow.AddDays(20),
            SerialNumber = HighBitSerial(),
        });
        Second = Pki.IssueLeaf(new CertificateOptions
        {
            Subject = $"CN=iamra-store-{Tag}-second, O=RedshiftIamra Tests",
            KeySpec = KeySpec.Rsa2048,
            NotAfter = DateTimeOffset.UtcNow.AddDays(60),
        });

        try
        {
            using var store = new X509Store(StoreName.My, StoreLocation.CurrentUser);
            store.Open(OpenFlags.ReadWrite);
            foreach (var certificate in new[] { First, Second })
            {
                var persisted = Persistable(certificate);
                _added.Add(persisted);
                store.Add(persisted);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Tag { get; }

    public TestPki Pki { get; }

    /// <summary>ECDSA P-256, expires in 20 days, serial with the high bit set.</summary>
    public TestCertificate First { get; }

    /// <summary>RSA 2048, expires in 60 days.</summary>
    public TestCertificate Second { get; }

    public void Dispose()
    {
        try
        {
            using var store = new X509Store(StoreName.My, StoreLocation.CurrentUser);
            store.Open(OpenFlags.ReadWrite);
            foreach (var certificate in _added)
            {
                foreach (var found in store.Certificates.Find(X509FindType.FindByThumbprint, certificate.Thumbprint, validOnly: false))
                {
                    store.Remove(found);
                    found.Dispose();
                }
            }
        }
        finally
        {
            if (OperatingSystem.IsWindows())
            {
                foreach (var certificate in _added)
                {
                    DeletePersistedKey(certificate);
                }
            }

            foreach (var certificate in _added)
            {
                certificate.Dispose();
            }

            First.Dispose();
            Second.Dispose();
            Pki.Dispose();
        }
    }

    private static byte[] HighBitSerial()
    {
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] = 0x80;
        serial[1] = 0x01;
        return serial;
    }

    /// <summary>On Linux the store keeps the key with the certificate; on Windows the key must be persisted first.</summary>
    private static X509Certificate2 Persistable(TestCertificate certificate)
    {
        if (!OperatingSystem.IsWindows())
        {
            using var publicOnly = certificate.PublicOnly();
            return certificate.Key switch
            {
                RSA rsa => publicOnly.CopyWithPrivateKey(rsa),
                ECDsa ecdsa => publicOnly.CopyWithPrivateKey(ecdsa),
                _ => throw new ArgumentException("RSA or ECDSA keys only."),
            };
        }

#pragma warning disable SYSLIB0057
        return new X509Certificate2(certificate.ExportPfx(null), (string?)null, X509KeyStorageFlags.PersistKeySet | X509KeyStorageFlags.UserKeySet);
#pragma warning restore SYSLIB0057
    }

    [SupportedOSPlatform("windows")]
    private static void DeletePersistedKey(X509Certificate2 certificate)
    {
        try
        {
            using var rsa = certificate.GetRSAPrivateKey();
            using var ecdsa = certificate.GetECDsaPrivateKey();
            switch ((AsymmetricAlgorithm?)rsa ?? ecdsa)
            {
                case RSACng cng:
                    cng.Key.Delete();
                    break;
                case ECDsaCng cng:
                    cng.Key.Delete();
                    break;
                case RSACryptoServiceProvider csp:
                    csp.PersistKeyInCsp = false;
                    csp.Clear();
                    break;
            }
        }
        catch (CryptographicException)
        {
        }
    }
}

/// <summary>A fact that only means something on Linux and macOS (skipped on Windows).</summary>
public sealed class UnixFactAttribute : FactAttribute
{
    public UnixFactAttribute()
    {
        if (OperatingSystem.IsWindows())
        {
            Skip = "Tests .NET's Unix certificate store behaviour.";
        }
    }
}

[Collection(CurrentUserStoreCollection.Name)]
public sealed class StoreTests : IDisposable
{
    private readonly CurrentUserStoreFixture _store;
    private readonly TestDirectory _directory = new();

    public StoreTests(CurrentUserStoreFixture store) => _store = store;

    [Fact]
    public void Finds_by_thumbprint_with_its_key()
    {
        var found = CertificateFinder.FindSingle(new CertificateQuery { Thumbprint = _store.First.Thumbprint });
        Assert.Equal(_store.First.Thumbprint, found.Thumbprint);
        Assert.Equal(@"Cert:\CurrentUser\My", found.Source);
        Assert.True(found.Usable, found.Reason);
        Assert.Equal("ECDSA", found.KeyAlgorithm);
        TestPki.AssertPrivateKeySigns(found.Certificate);

        var second = CertificateFinder.FindSingle(new CertificateQuery { Thumbprint = _store.Second.Thumbprint });
        Assert.Equal("RSA", second.KeyAlgorithm);
        TestPki.AssertPrivateKeySigns(second.Certificate);
    }

    public static TheoryData<string> ThumbprintSpellings() => new()
    {
        "lower",
        "spaces",
        "colons",
        "hyphens",
        "left-to-right mark",
        "padded",
    };

    [Theory]
    [MemberData(nameof(ThumbprintSpellings))]
    public void Thumbprint_spelling_does_not_matter(string spelling)
    {
        var thumbprint = _store.Second.Thumbprint;
        var pairs = Enumerable.Range(0, 20).Select(i => thumbprint.Substring(i * 2, 2)).ToArray();
        var given = spelling switch
        {
            "lower" => thumbprint.ToLowerInvariant(),
            "spaces" => string.Join(' ', pairs).ToLowerInvariant(),
            "colons" => string.Join(':', pairs),
            "hyphens" => string.Join('-', pairs),
            "left-to-right mark" => "\u200e" + string.Join(' ', pairs),
            "padded" => "  " + thumbprint + " ",
            _ => throw new ArgumentOutOfRangeException(nameof(spelling)),
        };
        Assert.Equal(thumbprint, CertificateFinder.FindSingle(new CertificateQuery { Thumbprint = given }).Thumbprint);
    }

    [Theory]
    [InlineData("")]
    [InlineData("ABCDEF")]
    [InlineData("0123456789ABCDEF0123456789ABCDEF0123456")]
    [InlineData("0123456789ABCDEF0123456789ABCDEF012345678")]
    [InlineData("0123456789ABCDEF0123456789ABCDEF0123456G")]
    [InlineData("CN=iamra")]
    public void Malformed_thumbprint(string thumbprint)
    {
        var error = Assert.Throws<IamraException>(() => CertificateFinder.FindCandidates(new CertificateQuery { Thumbprint = thumbprint }));
        Assert.Equal(ErrorIds.Certificate.ThumbprintInvalid, error.ErrorId);
        Assert.Equal(IamraErrorCategory.InvalidArgument, error.Category);
        Assert.Contains("40", error.Message);
    }

    [Fact]
    public void Subject_wildcard_finds_both_latest_takes_the_later_and_find_single_is_ambiguous()
    {
        var query = new CertificateQuery { Subject = $"*{_store.Tag}*" };
        var candidates = CertificateFinder.FindCandidates(query);
        Assert.Equal(
            new[] { _store.First.Thumbprint, _store.Second.Thumbprint }.OrderBy(t => t),
            candidates.Select(c => c.Thumbprint).OrderBy(t => t));
        Assert.All(candidates, c => Assert.True(c.Usable, c.Reason));

        Assert.Equal(_store.Second.Thumbprint, Assert.Single(CertificateFinder.Select(candidates, query, includeUnusable: false, latest: true)).Thumbprint);
        Assert.Equal(_store.Second.Thumbprint, CertificateFinder.FindSingle(query, latest: true).Thumbprint);

        var error = Assert.Throws<IamraException>(() => CertificateFinder.FindSingle(query));
        Assert.Equal(ErrorIds.Certificate.Ambiguous, error.ErrorId);
        Assert.Contains(_store.First.Thumbprint, error.Message);
        Assert.Contains(_store.Second.Thumbprint, error.Message);
    }

    [Theory]
    [InlineData("CN=iamra-store-{0}-first, O=RedshiftIamra Tests")]
    [InlineData("cn=IAMRA-STORE-{0}-FIRST, o=redshiftiamra tests")]
    [InlineData("CN=iamra-store-{0}-f*")]
    [InlineData("iamra-store-{0}-first")]
    [InlineData("iamra-store-{0}-fir?t")]
    [InlineData("iamra-store-{0}-[f]irst")]
    public void Subject_by_distinguished_name_or_common_name(string pattern)
    {
        var query = new CertificateQuery { Subject = string.Format(CultureInfo.InvariantCulture, pattern, _store.Tag) };
        Assert.Equal(_store.First.Thumbprint, CertificateFinder.FindSingle(query).Thumbprint);
    }

    [Fact]
    public void Subject_common_name_without_wildcard_is_a_whole_match()
    {
        var query = new CertificateQuery { Subject = $"iamra-store-{_store.Tag}" };
        Assert.Empty(CertificateFinder.FindCandidates(query));
    }

    [Fact]
    public void Issuer_by_distinguished_name_or_common_name()
    {
        var byCommonName = new CertificateQuery { Issuer = $"iamra-store-{_store.Tag} Intermediate CA" };
        Assert.Equal(2, CertificateFinder.FindCandidates(byCommonName).Count);

        var byDistinguishedName = new CertificateQuery { Issuer = _store.Pki.Intermediate.Certificate.Subject };
        Assert.Equal(2, CertificateFinder.FindCandidates(byDistinguishedName).Count);

        var narrowed = byCommonName with { Subject = "*-second*" };
        Assert.Equal(_store.Second.Thumbprint, CertificateFinder.FindSingle(narrowed).Thumbprint);

        var byRoot = new CertificateQuery { Issuer = $"iamra-store-{_store.Tag} Root CA" };
        Assert.Empty(CertificateFinder.FindCandidates(byRoot));
    }

    public static TheoryData<string> SerialSpellings() => new()
    {
        "hex as .NET shows it",
        "hex with colons",
        "hex with spaces, lower case",
        "hex without the leading 00, as openssl shows it",
        "hex without the leading 00, with colons",
        "decimal",
    };

    [Theory]
    [MemberData(nameof(SerialSpellings))]
    public void Finds_by_serial_number(string spelling)
    {
        var hex = _store.First.Certificate.SerialNumber;
        Assert.StartsWith("0080", hex);
        var pairs = Enumerable.Range(0, hex.Length / 2).Select(i => hex.Substring(i * 2, 2)).ToArray();
        var given = spelling switch
        {
            "hex as .NET shows it" => hex,
            "hex with colons" => string.Join(':', pairs),
            "hex with spaces, lower case" => string.Join(' ', pairs).ToLowerInvariant(),
            "hex without the leading 00, as openssl shows it" => hex[2..],
            "hex without the leading 00, with colons" => string.Join(':', pairs.Skip(1)),
            "decimal" => BigInteger.Parse("00" + hex, NumberStyles.HexNumber, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture),
            _ => throw new ArgumentOutOfRangeException(nameof(spelling)),
        };

        var found = CertificateFinder.FindSingle(new CertificateQuery { SerialNumber = given });
        Assert.Equal(_store.First.Thumbprint, found.Thumbprint);
        if (spelling == "decimal")
        {
            Assert.Equal(given, found.SerialNumberDecimal);
        }
    }

    [Fact]
    public void Finds_second_by_decimal_serial()
    {
        var serial = new IamraCertificate(_store.Second.Certificate).SerialNumberDecimal;
        Assert.Equal(_store.Second.Thumbprint, CertificateFinder.FindSingle(new CertificateQuery { SerialNumber = serial }).Thumbprint);
    }

    [Fact]
    public void Chain_path_adds_the_intermediate_to_a_store_certificate()
    {
        var query = new CertificateQuery
        {
            Thumbprint = _store.First.Thumbprint,
            ChainPath = _directory.Write("chain.pem", _store.Pki.Root.CertificatePem() + _store.Pki.Intermediate.CertificatePem()),
        };
        var found = CertificateFinder.FindSingle(query);
        Assert.Equal(new[] { _store.Pki.Intermediate.Thumbprint }, found.Chain.Select(c => c.Thumbprint));
    }

    [Fact]
    public void Selector_that_matches_nothing()
    {
        foreach (var query in new[]
        {
            new CertificateQuery { Subject = $"CN=nothing-{Guid.NewGuid():N}" },
            new CertificateQuery { Issuer = $"nothing-{Guid.NewGuid():N}" },
            new CertificateQuery { SerialNumber = "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:01" },
            new CertificateQuery { Thumbprint = Convert.ToHexString(RandomNumberGenerator.GetBytes(20)) },
            new CertificateQuery { Subject = $"*{_store.Tag}*", Issuer = "someone else" },
        })
        {
            var candidates = CertificateFinder.FindCandidates(query);
            Assert.Empty(candidates);
            var error = Assert.Throws<IamraException>(() => CertificateFinder.Select(candidates, query, includeUnusable: true, latest: false));
            Assert.Equal(ErrorIds.Certificate.NotFound, error.ErrorId);
            Assert.Equal(IamraErrorCategory.ObjectNotFound, error.Category);
            Assert.Equal(ErrorIds.Certificate.NotFound, Assert.Throws<IamraException>(() => CertificateFinder.FindSingle(query)).ErrorId);
        }
    }

    [UnixFact]
    public void Local_machine_my_is_not_supported_on_unix()
    {
        var error = Assert.Throws<IamraException>(() => CertificateFinder.FindCandidates(new CertificateQuery { StoreLocation = StoreLocation.LocalMachine, Subject = "*" }));
        Assert.Equal(ErrorIds.Certificate.StoreNotSupported, error.ErrorId);
        Assert.Contains("-Path", error.Message);
    }

    [Fact]
    public void Custom_store_that_does_not_exist()
    {
        var name = $"IamraNoSuchStore{Guid.NewGuid():N}";
        var error = Assert.Throws<IamraException>(() => CertificateFinder.FindCandidates(new CertificateQuery { StoreName = name, Subject = "*" }));
        Assert.Equal(ErrorIds.Certificate.StoreNotFound, error.ErrorId);
        Assert.Contains(name, error.Message);
    }

    public void Dispose() => _directory.Dispose();
}
