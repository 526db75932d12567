using System.ComponentModel;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace RedshiftIamra.Tests.Signing;

/// <summary>A clock that always says the same time.</summary>
internal sealed class FixedTimeProvider(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now.ToUniversalTime();
}

/// <summary>Files copied to the test output folder (python scripts, vectors).</summary>
internal static class TestFiles
{
    public static string PathOf(params string[] parts)
    {
        var path = Path.Combine([AppContext.BaseDirectory, .. parts]);
        if (!File.Exists(path))
        {
            Assert.Fail($"Test file '{path}' is missing: it should be copied to the output folder by RedshiftIamra.Tests.csproj.");
        }

        return path;
    }

    public static string ReadText(params string[] parts) => File.ReadAllText(PathOf(parts));
}

/// <summary>Runs a script from tests/RedshiftIamra.Tests/python with python3 (or $PYTHON).</summary>
internal static class Python
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public static Result Run(string script, string stdin)
    {
        var python = Environment.GetEnvironmentVariable("PYTHON") is { Length: > 0 } p ? p : "python3";
        var start = new ProcessStartInfo(python)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(TestFiles.PathOf("python", script));

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("no process");
        }
        catch (Exception e) when (e is Win32Exception or InvalidOperationException)
        {
            Assert.Fail($"'{python}' could not be started ({e.Message}). These cross-checks need Python 3 with the 'cryptography' and 'botocore' packages on PATH (or set PYTHON).");
            throw; // unreachable
        }

        using (process)
        {
            var stdoutTask = process.StandardOutput.ReadToEndAsync();
            var stderrTask = process.StandardError.ReadToEndAsync();
            process.StandardInput.Write(stdin);
            process.StandardInput.Close();
            if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
            {
                process.Kill();
                Assert.Fail($"{script} did not finish within 60 s.");
            }

            var result = new Result(process.ExitCode, stdoutTask.GetAwaiter().GetResult(), stderrTask.GetAwaiter().GetResult());
            if (result.ExitCode == 3)
            {
                Assert.Fail($"{script}: {result.Stderr.Trim()} (CI={Environment.GetEnvironmentVariable("CI")}). Install the package for '{python}'.");
            }

            return result;
        }
    }
}

/// <summary>Certificates made at test time.</summary>
internal static class TestCertificates
{
    public static X509Certificate2 CreateRsa(int bits, byte[]? serialBigEndian = null)
    {
        using var rsa = RSA.Create(bits);
        var request = new CertificateRequest($"CN=rsa{bits}.test.invalid", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var cert = request.Create(
            request.SubjectName,
            X509SignatureGenerator.CreateForRSA(rsa, RSASignaturePadding.Pkcs1),
            DateTimeOffset.UtcNow.AddMinutes(-5),
            DateTimeOffset.UtcNow.AddDays(1),
            serialBigEndian ?? RandomSerial());
        return cert.CopyWithPrivateKey(rsa);
    }

    public static X509Certificate2 CreateEcdsa(ECCurve curve, byte[]? serialBigEndian = null)
    {
        using var ecdsa = ECDsa.Create(curve);
        var request = new CertificateRequest("CN=ecdsa.test.invalid", ecdsa, HashAlgorithmName.SHA256);
        using var cert = request.Create(
            request.SubjectName,
            X509SignatureGenerator.CreateForECDsa(ecdsa),
            DateTimeOffset.UtcNow.AddMinutes(-5),
            DateTimeOffset.UtcNow.AddDays(1),
            serialBigEndian ?? RandomSerial());
        return cert.CopyWithPrivateKey(ecdsa);
    }

    public static X509Certificate2 Create(string kind) => kind switch
    {
        "rsa2048" => CreateRsa(2048),
        "rsa4096" => CreateRsa(4096),
        "p256" => CreateEcdsa(ECCurve.NamedCurves.nistP256),
        "p384" => CreateEcdsa(ECCurve.NamedCurves.nistP384),
        "p521" => CreateEcdsa(ECCurve.NamedCurves.nistP521),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    private static byte[] RandomSerial()
    {
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        serial[0] |= 0x01;
        return serial;
    }
}
