using System.Diagnostics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using RedshiftIamra.Sandbox;

namespace RedshiftIamra.Tests.Pkcs11;

/// <summary>
/// The tests that load a PKCS#11 module share one process-wide state (the module's environment,
/// its initialisation, the token sessions): they run one at a time, in this collection.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "An xunit collection definition; the suffix says what it is.")]
public sealed class SoftHsmCollection : ICollectionFixture<SoftHsmFixture>
{
    public const string Name = "SoftHSM";
}

/// <summary>
/// A throw-away SoftHSM2 token set (own SOFTHSM2_CONF and token folder in a temp folder) and a
/// running sandbox whose organisation CA certified the token keys:
/// <list type="bullet">
/// <item>token <see cref="Token"/>: RSA-2048 (id 01, imported), EC P-256 (id 02, generated inside
/// the token: the sandbox saw only its public key), EC P-384 (id 03, imported), each with its
/// certificate (same CKA_ID); the issuing CA certificate; and a key "orphan" (id 09) with no
/// certificate on the token (its certificate is the file <see cref="OrphanCertificatePath"/>).</item>
/// <item>token <see cref="PinToken"/>: one P-256 key, for the PIN tests.</item>
/// </list>
/// The tests load the token through OpenSC's pkcs11-spy, which logs every PKCS#11 call the
/// module makes (<see cref="CountCalls"/>): an independent count of logins and mechanisms.
/// </summary>
public sealed class SoftHsmFixture : IAsyncLifetime
{
    public const string Token = "iamra-xunit";
    public const string PinToken = "iamra-pin";
    public const string Pin = "1234-xunit";
    public const string OtherPin = "2468-pin";
    private const string SoPin = "so-5678";

    private static readonly string[] s_softHsmCandidates =
    [
        "/usr/lib/softhsm/libsofthsm2.so",
        "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
        "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
        "/usr/lib64/pkcs11/libsofthsm2.so",
        "/usr/local/lib/softhsm/libsofthsm2.so",
    ];

    private static readonly string[] s_spyCandidates =
    [
        "/usr/lib/x86_64-linux-gnu/pkcs11-spy.so",
        "/usr/lib/aarch64-linux-gnu/pkcs11-spy.so",
        "/usr/lib/x86_64-linux-gnu/pkcs11/pkcs11-spy.so",
        "/usr/lib64/pkcs11-spy.so",
        "/usr/lib/pkcs11-spy.so",
    ];

    public string Directory { get; } = Path.Combine(Path.GetTempPath(), "iamra-softhsm-" + Guid.NewGuid().ToString("N")[..8]);

    /// <summary>SoftHSM itself.</summary>
    public string SoftHsmLibrary { get; private set; } = null!;

    /// <summary>pkcs11-spy in front of SoftHSM: what the tests load.</summary>
    public string Library { get; private set; } = null!;

    public string SpyLogPath => Path.Combine(Directory, "pkcs11-spy.log");

    public SandboxHost Sandbox { get; private set; } = null!;

    /// <summary>The token certificates by key label (rsa, p256, p384).</summary>
    public Dictionary<string, X509Certificate2> Certificates { get; } = new();

    public string OrphanCertificatePath => Path.Combine(Directory, "orphan.pem");

    public string P384CertificatePath => Path.Combine(Directory, "p384.pem");

    public async Task InitializeAsync()
    {
        SoftHsmLibrary = s_softHsmCandidates.FirstOrDefault(File.Exists) ?? throw Missing("libsofthsm2.so");
        Library = s_spyCandidates.FirstOrDefault(File.Exists) ?? throw Missing("pkcs11-spy.so (OpenSC)");
        var tokens = Path.Combine(System.IO.Directory.CreateDirectory(Directory).FullName, "tokens");
        System.IO.Directory.CreateDirectory(tokens);
        var config = Path.Combine(Directory, "softhsm2.conf");
        File.WriteAllText(config, $"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\nslots.mechanisms = ALL\n");

        // Process-wide, and read by the modules with getenv when they initialise: the engine
        // copies .NET's environment to the native one before it loads a module.
        Environment.SetEnvironmentVariable("SOFTHSM2_CONF", config);
        Environment.SetEnvironmentVariable("PKCS11SPY", SoftHsmLibrary);
        Environment.SetEnvironmentVariable("PKCS11SPY_OUTPUT", SpyLogPath);

        Run("softhsm2-util", "--init-token", "--free", "--label", Token, "--pin", Pin, "--so-pin", SoPin);
        Run("softhsm2-util", "--init-token", "--free", "--label", PinToken, "--pin", OtherPin, "--so-pin", SoPin);

        Sandbox = await SandboxHost.StartAsync();

        using (var rsa = RSA.Create(2048))
        {
            Import(Token, Pin, "01", "rsa", rsa, "CN=pkcs11-rsa, O=RedshiftIamra Tests");
        }

        using (var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384))
        {
            Import(Token, Pin, "03", "p384", p384, "CN=pkcs11-p384, O=RedshiftIamra Tests");
            File.WriteAllText(P384CertificatePath, Certificates["p384"].ExportCertificatePem());
        }

        // Made inside the token, never extractable: the sandbox certifies its public key.
        Tool(Token, Pin, "--keypairgen", "--key-type", "EC:prime256v1", "--id", "02", "--label", "p256");
        var publicKeyFile = Path.Combine(Directory, "p256.pub.der");
        Tool(Token, Pin, "--read-object", "--type", "pubkey", "--id", "02", "--output-file", publicKeyFile);
        var publicKey = PublicKey.CreateFromSubjectPublicKeyInfo(File.ReadAllBytes(publicKeyFile), out _);
        using (var issued = Sandbox.IssueClientCertificate(new SandboxCertificateRequest { PublicKey = publicKey, Subject = "CN=pkcs11-p256, O=RedshiftIamra Tests" }))
        {
            WriteCertificate(Token, Pin, "02", "p256", issued.Certificate);
            Certificates["p256"] = X509CertificateLoader.LoadCertificate(issued.Certificate.RawData);
        }

        // The issuing CA on the token: the module sends it in X-Amz-X509-Chain.
        WriteCertificate(Token, Pin, "ca01", "issuing-ca", Sandbox.Pki.OrgIntermediate.Certificate);

        // A key whose certificate is kept beside the token, in a file.
        using (var orphan = ECDsa.Create(ECCurve.NamedCurves.nistP256))
        using (var issued = Sandbox.IssueClientCertificate(new SandboxCertificateRequest { Key = orphan, Subject = "CN=pkcs11-orphan, O=RedshiftIamra Tests" }))
        {
            WriteKey(Token, Pin, "09", "orphan", orphan);
            File.WriteAllText(OrphanCertificatePath, issued.Certificate.ExportCertificatePem());
        }

        using (var pinKey = ECDsa.Create(ECCurve.NamedCurves.nistP256))
        {
            Import(PinToken, OtherPin, "01", "pin-key", pinKey, "CN=pkcs11-pin, O=RedshiftIamra Tests");
        }
    }

    public async Task DisposeAsync()
    {
        RedshiftIamra.Pkcs11.Pkcs11Tokens.CloseAll();
        if (Sandbox is not null)
        {
            await Sandbox.DisposeAsync();
        }

        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>How many calls of <paramref name="function"/> (e.g. C_Login) pkcs11-spy logged so far.</summary>
    public int CountCalls(string function) =>
        Regex.Count(ReadSpyLog(), $@"^\d+: {Regex.Escape(function)}\s*$", RegexOptions.Multiline);

    /// <summary>How many signing operations used <paramref name="mechanism"/> (e.g. CKM_ECDSA).</summary>
    public int CountMechanism(string mechanism) =>
        Regex.Count(ReadSpyLog(), $@"pMechanism->type = {Regex.Escape(mechanism)}\s*$", RegexOptions.Multiline);

    public string ReadSpyLog()
    {
        if (!File.Exists(SpyLogPath))
        {
            return string.Empty;
        }

        using var stream = new FileStream(SpyLogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private void Import(string token, string pin, string id, string label, AsymmetricAlgorithm key, string subject)
    {
        using var issued = Sandbox.IssueClientCertificate(new SandboxCertificateRequest { Key = key, Subject = subject });
        WriteKey(token, pin, id, label, key);
        WriteCertificate(token, pin, id, label, issued.Certificate);
        if (token == Token)
        {
            Certificates[label] = X509CertificateLoader.LoadCertificate(issued.Certificate.RawData);
        }
    }

    private void WriteKey(string token, string pin, string id, string label, AsymmetricAlgorithm key)
    {
        var file = Path.Combine(Directory, $"{token}-{label}.key.der");
        File.WriteAllBytes(file, key.ExportPkcs8PrivateKey());
        try
        {
            Tool(token, pin, "--write-object", file, "--type", "privkey", "--id", id, "--label", label, "--usage-sign");
        }
        finally
        {
            File.Delete(file);
        }
    }

    private void WriteCertificate(string token, string pin, string id, string label, X509Certificate2 certificate)
    {
        var file = Path.Combine(Directory, $"{token}-{label}.cert.der");
        File.WriteAllBytes(file, certificate.RawData);
        Tool(token, pin, "--write-object", file, "--type", "cert", "--id", id, "--label", label);
    }

    private void Tool(string token, string pin, params string[] arguments) =>
        Run("pkcs11-tool", ["--module", SoftHsmLibrary, "--token-label", token, "--login", "--pin", pin, .. arguments]);

    private static void Run(string tool, params string[] arguments)
    {
        var start = new ProcessStartInfo(tool)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw Missing($"{tool} ({e.Message})");
        }

        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
            {
                process.Kill();
                throw new InvalidOperationException($"{tool} did not finish within 60 s.");
            }

            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"{tool} {string.Join(' ', arguments)} failed ({process.ExitCode}): {error.Result}{output.Result}");
            }
        }
    }

    private static InvalidOperationException Missing(string what) => new(
        $"{what} is missing (CI={Environment.GetEnvironmentVariable("CI") ?? "unset"}). The PKCS#11 tests need SoftHSM2 and OpenSC: run tests/tools/install-peers.sh (apt-get install softhsm2 opensc).");
}
