using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace RedshiftIamra.Tests.Certificates;

/// <summary>The key type of a test certificate: RSA with a modulus size, or ECDSA on a NIST curve.</summary>
public readonly record struct KeySpec(string Algorithm, int Size)
{
    public static KeySpec Rsa(int bits) => new("RSA", bits);

    /// <summary>ECDSA on P-256, P-384 or P-521 (give 256, 384 or 521).</summary>
    public static KeySpec Ecdsa(int curveBits) => new("ECDSA", curveBits);

    public static KeySpec Rsa2048 => Rsa(2048);

    public static KeySpec EcP256 => Ecdsa(256);

    public bool IsRsa => Algorithm == "RSA";

    /// <summary><c>P-256</c>, <c>P-384</c> or <c>P-521</c> for ECDSA, else null (as IamraCertificate.Curve names it).</summary>
    public string? CurveName => IsRsa ? null : $"P-{Size}";

    public ECCurve Curve => Size switch
    {
        256 => ECCurve.NamedCurves.nistP256,
        384 => ECCurve.NamedCurves.nistP384,
        521 => ECCurve.NamedCurves.nistP521,
        _ => throw new ArgumentOutOfRangeException(nameof(Size), Size, "ECDSA test keys use P-256, P-384 or P-521."),
    };

    /// <summary>A new key of this type (RSA 4096 takes a while: prefer <see cref="TestKeys.Shared"/>).</summary>
    public AsymmetricAlgorithm Generate() => IsRsa ? RSA.Create(Size) : ECDsa.Create(Curve);

    public override string ToString() => IsRsa ? $"RSA {Size}" : $"ECDSA P-{Size}";
}

/// <summary>
/// Keys shared by the whole test run, generated once per (type, slot): RSA 4096 generation is
/// slow. Every call returns a new key object, so tests may dispose it and use it concurrently.
/// Use a different <c>slot</c> when two certificates must have different keys.
/// </summary>
public static class TestKeys
{
    private static readonly ConcurrentDictionary<(KeySpec, string), Lazy<byte[]>> s_keys = new();

    public static AsymmetricAlgorithm Shared(KeySpec spec, string slot = "leaf")
    {
        var pkcs8 = s_keys.GetOrAdd((spec, slot), key => new Lazy<byte[]>(() =>
        {
            using var generated = key.Item1.Generate();
            return generated.ExportPkcs8PrivateKey();
        })).Value;
        return Import(spec, pkcs8);
    }

    internal static AsymmetricAlgorithm Import(KeySpec spec, byte[] pkcs8)
    {
        AsymmetricAlgorithm key = spec.IsRsa ? RSA.Create() : ECDsa.Create();
        key.ImportPkcs8PrivateKey(pkcs8, out _);
        return key;
    }

    internal static KeySpec SpecOf(AsymmetricAlgorithm key) => key switch
    {
        RSA rsa => KeySpec.Rsa(rsa.KeySize),
        ECDsa ecdsa => KeySpec.Ecdsa(ecdsa.KeySize),
        _ => throw new ArgumentException($"Test keys are RSA or ECDSA, not {key.GetType().Name}.", nameof(key)),
    };
}

/// <summary>How a private key is written to a file.</summary>
public enum KeyFormat
{
    /// <summary>PKCS#8 PrivateKeyInfo ("PRIVATE KEY").</summary>
    Pkcs8,

    /// <summary>PKCS#8 EncryptedPrivateKeyInfo ("ENCRYPTED PRIVATE KEY").</summary>
    EncryptedPkcs8,

    /// <summary>PKCS#1 RSAPrivateKey ("RSA PRIVATE KEY"), RSA only.</summary>
    Pkcs1,

    /// <summary>SEC1 ECPrivateKey ("EC PRIVATE KEY"), ECDSA only.</summary>
    Sec1,
}

/// <summary>What to put in a certificate <see cref="TestPki"/> issues. The defaults make a usable client leaf.</summary>
public sealed record CertificateOptions
{
    public const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";
    public const string ServerAuthOid = "1.3.6.1.5.5.7.3.1";

    public string Subject { get; init; } = "CN=RedshiftIamra Test Leaf";

    public KeySpec KeySpec { get; init; } = KeySpec.EcP256;

    /// <summary>Which shared key of <see cref="KeySpec"/> to use (see <see cref="TestKeys"/>); ignored when <see cref="Key"/> is set.</summary>
    public string KeySlot { get; init; } = "leaf";

    /// <summary>A specific key (copied; the caller keeps ownership).</summary>
    public AsymmetricAlgorithm? Key { get; init; }

    /// <summary>Defaults to one day ago.</summary>
    public DateTimeOffset? NotBefore { get; init; }

    /// <summary>Defaults to 30 days from now.</summary>
    public DateTimeOffset? NotAfter { get; init; }

    /// <summary>Basic constraints CA:TRUE/FALSE; null leaves the extension out.</summary>
    public bool? CertificateAuthority { get; init; } = false;

    public int? PathLength { get; init; }

    /// <summary>Key usage; <see cref="X509KeyUsageFlags.None"/> leaves the extension out.</summary>
    public X509KeyUsageFlags KeyUsage { get; init; } = X509KeyUsageFlags.DigitalSignature;

    /// <summary>Extended key usage OIDs; empty leaves the extension out.</summary>
    public IReadOnlyList<string> ExtendedKeyUsages { get; init; } = new[] { ClientAuthOid };

    /// <summary>Big-endian serial number bytes; random when null.</summary>
    public byte[]? SerialNumber { get; init; }

    /// <summary>Options for a CA certificate (CA:TRUE, keyCertSign + cRLSign, no EKU).</summary>
    public static CertificateOptions Authority(string subject, KeySpec? keySpec = null, string keySlot = "ca") => new()
    {
        Subject = subject,
        KeySpec = keySpec ?? KeySpec.EcP256,
        KeySlot = keySlot,
        CertificateAuthority = true,
        KeyUsage = X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature,
        ExtendedKeyUsages = Array.Empty<string>(),
        NotBefore = DateTimeOffset.UtcNow.AddDays(-30),
        NotAfter = DateTimeOffset.UtcNow.AddYears(5),
    };
}

/// <summary>A certificate with its private key, able to issue further certificates and write itself to files.</summary>
public sealed class TestCertificate : IDisposable
{
    internal TestCertificate(X509Certificate2 certificate, AsymmetricAlgorithm key)
    {
        Certificate = certificate;
        Key = key;
        KeySpec = TestKeys.SpecOf(key);
    }

    /// <summary>The certificate with its private key attached.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The private key (exportable).</summary>
    public AsymmetricAlgorithm Key { get; }

    public KeySpec KeySpec { get; }

    public string Thumbprint => Certificate.Thumbprint;

    /// <summary>A new copy of the certificate without its private key.</summary>
    public X509Certificate2 PublicOnly()
    {
#pragma warning disable SYSLIB0057 // the engine targets .NET 8 and loads this way too
        return new X509Certificate2(Certificate.RawData);
#pragma warning restore SYSLIB0057
    }

    public string CertificatePem() => PemEncoding.WriteString("CERTIFICATE", Certificate.RawData) + "\n";

    /// <summary>The private key in <paramref name="format"/>, DER.</summary>
    public byte[] KeyDer(KeyFormat format, string? password = null, PbeParameters? pbe = null) => format switch
    {
        KeyFormat.Pkcs8 => Key.ExportPkcs8PrivateKey(),
        KeyFormat.EncryptedPkcs8 => Key.ExportEncryptedPkcs8PrivateKey(
            password ?? throw new ArgumentNullException(nameof(password), "An encrypted key needs a password."),
            pbe ?? new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 2048)),
        KeyFormat.Pkcs1 => ((RSA)Key).ExportRSAPrivateKey(),
        KeyFormat.Sec1 => ((ECDsa)Key).ExportECPrivateKey(),
        _ => throw new ArgumentOutOfRangeException(nameof(format)),
    };

    /// <summary>The private key in <paramref name="format"/>, PEM.</summary>
    public string KeyPem(KeyFormat format, string? password = null, PbeParameters? pbe = null)
    {
        var label = format switch
        {
            KeyFormat.Pkcs8 => "PRIVATE KEY",
            KeyFormat.EncryptedPkcs8 => "ENCRYPTED PRIVATE KEY",
            KeyFormat.Pkcs1 => "RSA PRIVATE KEY",
            KeyFormat.Sec1 => "EC PRIVATE KEY",
            _ => throw new ArgumentOutOfRangeException(nameof(format)),
        };
        return PemEncoding.WriteString(label, KeyDer(format, password, pbe)) + "\n";
    }

    /// <summary>
    /// A PKCS#12 file holding this certificate with its key and <paramref name="chain"/> without
    /// keys. <paramref name="aes"/> uses PBES2 AES-256/SHA-256 (.NET 9+ ExportPkcs12); otherwise
    /// the classic Export(Pkcs12) form (3DES, SHA-1).
    /// </summary>
    public byte[] ExportPfx(string? password, IEnumerable<TestCertificate>? chain = null, bool aes = false, bool leafLast = false)
    {
        var collection = new X509Certificate2Collection();
        var others = (chain ?? Array.Empty<TestCertificate>()).Select(c => c.PublicOnly()).ToArray();
        if (!leafLast)
        {
            collection.Add(Certificate);
        }

        collection.AddRange(others);
        if (leafLast)
        {
            collection.Add(Certificate);
        }

        return aes
            ? collection.ExportPkcs12(Pkcs12ExportPbeParameters.Pbes2Aes256Sha256, password)
            : collection.Export(X509ContentType.Pkcs12, password)!;
    }

    /// <summary>Issues a certificate signed by this one.</summary>
    public TestCertificate Issue(CertificateOptions options) => TestPki.Create(options, this);

    public void Dispose()
    {
        Certificate.Dispose();
        Key.Dispose();
    }
}

/// <summary>
/// A small test PKI: a root CA, an intermediate CA under it, and leaves issued by the
/// intermediate with the key type, validity, key usage, extended key usage and basic
/// constraints the test asks for. Also issues self-signed certificates. Everything in memory;
/// write files with <see cref="TestDirectory"/>.
/// </summary>
public sealed class TestPki : IDisposable
{
    private TestPki(TestCertificate root, TestCertificate intermediate)
    {
        Root = root;
        Intermediate = intermediate;
    }

    public TestCertificate Root { get; }

    public TestCertificate Intermediate { get; }

    /// <summary>
    /// A root and an intermediate. <paramref name="name"/> goes into both subjects (use a GUID
    /// when certificates land in a shared store).
    /// </summary>
    public static TestPki CreateHierarchy(string? name = null, KeySpec? caKey = null)
    {
        name ??= "RedshiftIamra Test";
        var root = SelfSigned(CertificateOptions.Authority($"CN={name} Root CA, O=RedshiftIamra Tests", caKey, "root"));
        var intermediate = root.Issue(CertificateOptions.Authority($"CN={name} Intermediate CA, O=RedshiftIamra Tests", caKey, "intermediate") with
        {
            PathLength = 0,
        });
        return new TestPki(root, intermediate);
    }

    /// <summary>A leaf issued by the intermediate (defaults: usable client certificate, ECDSA P-256).</summary>
    public TestCertificate IssueLeaf(CertificateOptions? options = null) => Intermediate.Issue(options ?? new CertificateOptions());

    public static TestCertificate SelfSigned(CertificateOptions? options = null) => Create(options ?? new CertificateOptions(), issuer: null);

    internal static TestCertificate Create(CertificateOptions options, TestCertificate? issuer)
    {
        var key = options.Key is null ? TestKeys.Shared(options.KeySpec, options.KeySlot) : Copy(options.Key);
        try
        {
            var subject = new X500DistinguishedName(options.Subject);
            var request = key switch
            {
                RSA rsa => new CertificateRequest(subject, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
                ECDsa ecdsa => new CertificateRequest(subject, ecdsa, HashAlgorithmName.SHA256),
                _ => throw new ArgumentException("RSA or ECDSA keys only."),
            };

            if (options.CertificateAuthority is { } ca)
            {
                request.CertificateExtensions.Add(new X509BasicConstraintsExtension(ca, options.PathLength is not null, options.PathLength ?? 0, critical: true));
            }

            if (options.KeyUsage != X509KeyUsageFlags.None)
            {
                request.CertificateExtensions.Add(new X509KeyUsageExtension(options.KeyUsage, critical: true));
            }

            if (options.ExtendedKeyUsages.Count > 0)
            {
                var oids = new OidCollection();
                foreach (var oid in options.ExtendedKeyUsages)
                {
                    oids.Add(new Oid(oid));
                }

                request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(oids, critical: false));
            }

            var ski = new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false);
            request.CertificateExtensions.Add(ski);
            var signer = issuer?.Key ?? key;
            if (issuer is not null)
            {
                request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer.Certificate, includeKeyIdentifier: true, includeIssuerAndSerial: false));
            }

            var notBefore = options.NotBefore ?? DateTimeOffset.UtcNow.AddDays(-1);
            var notAfter = options.NotAfter ?? DateTimeOffset.UtcNow.AddDays(30);
            var serial = options.SerialNumber ?? RandomSerial();
            using var certificate = request.Create(issuer?.Certificate.SubjectName ?? subject, Generator(signer), notBefore, notAfter, serial);
            var withKey = key switch
            {
                RSA rsa => certificate.CopyWithPrivateKey(rsa),
                ECDsa ecdsa => certificate.CopyWithPrivateKey(ecdsa),
                _ => throw new ArgumentException("RSA or ECDSA keys only."),
            };
            return new TestCertificate(withKey, key);
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    private static AsymmetricAlgorithm Copy(AsymmetricAlgorithm key) => TestKeys.Import(TestKeys.SpecOf(key), key.ExportPkcs8PrivateKey());

    private static X509SignatureGenerator Generator(AsymmetricAlgorithm key) => key switch
    {
        RSA rsa => X509SignatureGenerator.CreateForRSA(rsa, RSASignaturePadding.Pkcs1),
        ECDsa ecdsa => X509SignatureGenerator.CreateForECDsa(ecdsa),
        _ => throw new ArgumentException("RSA or ECDSA keys only."),
    };

    private static byte[] RandomSerial()
    {
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] = (byte)((serial[0] & 0x7F) | 0x01);
        return serial;
    }

    /// <summary>Asserts that the certificate's private key signs data its public key verifies.</summary>
    public static void AssertPrivateKeySigns(X509Certificate2 certificate)
    {
        Assert.True(certificate.HasPrivateKey, $"{certificate.Subject} has no private key.");
        var data = RandomNumberGenerator.GetBytes(100);
        using var rsa = certificate.GetRSAPrivateKey();
        if (rsa is not null)
        {
            var signature = rsa.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            using var publicKey = certificate.GetRSAPublicKey()!;
            Assert.True(publicKey.VerifyData(data, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1), "RSA signature does not verify with the certificate's public key.");
            Assert.False(publicKey.VerifyData(data.Append((byte)0).ToArray(), signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
            return;
        }

        using var ecdsa = certificate.GetECDsaPrivateKey();
        Assert.True(ecdsa is not null, $"{certificate.Subject} has neither an RSA nor an ECDSA private key.");
        var ecSignature = ecdsa!.SignData(data, HashAlgorithmName.SHA256);
        using var ecPublic = certificate.GetECDsaPublicKey()!;
        Assert.True(ecPublic.VerifyData(data, ecSignature, HashAlgorithmName.SHA256), "ECDSA signature does not verify with the certificate's public key.");
        Assert.False(ecPublic.VerifyData(data.Append((byte)0).ToArray(), ecSignature, HashAlgorithmName.SHA256));
    }

    /// <summary>A read-only SecureString holding <paramref name="value"/>.</summary>
    public static SecureString Secure(string value)
    {
        var secure = new SecureString();
        foreach (var c in value)
        {
            secure.AppendChar(c);
        }

        secure.MakeReadOnly();
        return secure;
    }

    public void Dispose()
    {
        Intermediate.Dispose();
        Root.Dispose();
    }
}

/// <summary>A temporary directory for test files, deleted on dispose.</summary>
public sealed class TestDirectory : IDisposable
{
    public TestDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "iamra-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public string Write(string name, string text)
    {
        var path = File(name);
        System.IO.File.WriteAllText(path, text, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        return path;
    }

    public string Write(string name, byte[] bytes)
    {
        var path = File(name);
        System.IO.File.WriteAllBytes(path, bytes);
        return path;
    }

    public string Read(string name) => System.IO.File.ReadAllText(File(name));

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

/// <summary>
/// Runs the machine's <c>openssl</c> to make inputs the way OpenSSL (and tools built on it)
/// make them. A test that needs it fails, with a message saying so, when it is missing.
/// </summary>
public static class OpenSsl
{
    private static readonly Lazy<string?> s_path = new(Locate);
    private static readonly Lazy<bool> s_legacyPkcs12 = new(() => Run(System.IO.Path.GetTempPath(), "pkcs12", "-help").Contains("-legacy", StringComparison.Ordinal));

    /// <summary>The openssl executable; fails the test when there is none.</summary>
    public static string Executable => s_path.Value ?? throw new Xunit.Sdk.XunitException(
        "This test needs the openssl command line tool, which was not found (looked at $OPENSSL, /usr/bin/openssl and PATH). " +
        "Install OpenSSL (e.g. apt-get install openssl) or set OPENSSL to its path.");

    /// <summary>True when <c>openssl pkcs12</c> knows <c>-legacy</c> (OpenSSL 3), i.e. its default is the AES-based PKCS#12.</summary>
    public static bool SupportsLegacyPkcs12 => s_legacyPkcs12.Value;

    /// <summary>Runs openssl in <paramref name="workingDirectory"/>; fails the test on a non-zero exit. Returns stdout.</summary>
    public static string Run(string workingDirectory, params string[] arguments) => RunCapturing(workingDirectory, arguments).Stdout;

    /// <summary>Like <see cref="Run"/>, returning stderr too (where <c>pkcs12 -info</c> and friends write).</summary>
    public static (string Stdout, string Stderr) RunCapturing(string workingDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo(Executable)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new Xunit.Sdk.XunitException("openssl did not start.");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(60_000))
        {
            process.Kill(entireProcessTree: true);
            throw new Xunit.Sdk.XunitException($"openssl {string.Join(' ', arguments)} did not finish within 60 s.");
        }

        if (process.ExitCode != 0)
        {
            throw new Xunit.Sdk.XunitException($"openssl {string.Join(' ', arguments)} failed with exit code {process.ExitCode}: {stderr.Result}");
        }

        return (stdout.Result, stderr.Result);
    }

    private static string? Locate()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("OPENSSL");
        if (!string.IsNullOrEmpty(fromEnvironment) && File.Exists(fromEnvironment))
        {
            return fromEnvironment;
        }

        if (File.Exists("/usr/bin/openssl"))
        {
            return "/usr/bin/openssl";
        }

        var names = OperatingSystem.IsWindows() ? new[] { "openssl.exe" } : new[] { "openssl" };
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            foreach (var name in names)
            {
                var candidate = System.IO.Path.Combine(directory, name);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
    }
}
