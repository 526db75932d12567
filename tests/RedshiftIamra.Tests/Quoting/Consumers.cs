using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using RedshiftIamra.Tests.Signing;

namespace RedshiftIamra.Tests.Quoting;

/// <summary>
/// The real programs that read what we write: Python's shlex and botocore's splitters,
/// configparser via botocore, libpq's PQconninfoParse (python/quoting_consumers.py), the
/// PowerShell parser and Invoke-Expression (pwsh/read_powershell.ps1, in a child pwsh) and sh.
/// Each call sends a whole batch, so one child process reads every case.
/// </summary>
internal static class Consumers
{
    /// <summary>One result per text: (true, value) or (false, error message).</summary>
    public sealed record Reading(bool Ok, JsonNode? Value, string? Error)
    {
        public JsonNode Expect(string because)
        {
            Assert.True(Ok, $"{because}: the consumer refused it: {Error}");
            return Value!;
        }
    }

    public static IReadOnlyList<Reading> Python(string kind, IReadOnlyList<string> texts)
    {
        var result = Signing.Python.Run("quoting_consumers.py", Request(kind, texts));
        Assert.True(result.ExitCode == 0, $"quoting_consumers.py failed: {result.Stderr}");
        return Readings(result.Stdout, texts.Count);
    }

    public static IReadOnlyList<Reading> PowerShell(string kind, IReadOnlyList<string> texts)
    {
        var input = Path.Combine(Path.GetTempPath(), $"iamra-pwsh-{Guid.NewGuid():N}.json");
        File.WriteAllText(input, Request(kind, texts), new UTF8Encoding(false));
        try
        {
            var pwsh = Environment.GetEnvironmentVariable("PWSH") is { Length: > 0 } p ? new[] { p } : new[] { "dotnet", "pwsh" };
            var (exit, stdout, stderr) = Run(pwsh[0], [.. pwsh[1..], "-NoProfile", "-NonInteractive", "-File", TestFiles.PathOf("pwsh", "read_powershell.ps1"), input], AppContext.BaseDirectory);
            Assert.True(exit == 0, $"read_powershell.ps1 failed ({exit}): {stderr}");
            return Readings(stdout, texts.Count);
        }
        finally
        {
            File.Delete(input);
        }
    }

    /// <summary>Runs <paramref name="script"/> with <c>sh -c</c>; its standard output.</summary>
    public static string Sh(string script)
    {
        var (exit, stdout, stderr) = Run("sh", ["-c", script], null);
        Assert.True(exit == 0, $"sh -c failed ({exit}): {stderr}");
        return stdout;
    }

    /// <summary>Runs sh -c with <paramref name="script"/> and splits what it prints into NUL-terminated words.</summary>
    public static IReadOnlyList<string> ShWords(string script) =>
        Sh(script).Split('\0').SkipLast(1).ToList();

    private static string Request(string kind, IReadOnlyList<string> texts) =>
        new JsonArray(texts.Select(t => (JsonNode)new JsonObject { ["kind"] = kind, ["text"] = t }).ToArray()).ToJsonString();

    private static List<Reading> Readings(string json, int count)
    {
        var array = JsonNode.Parse(json)!.AsArray();
        Assert.Equal(count, array.Count);
        return array.Select(n => n!["error"] is { } e ? new Reading(false, null, e.GetValue<string>()) : new Reading(true, n["ok"]?.DeepClone(), null)).ToList();
    }

    internal static (int Exit, string Stdout, string Stderr) Run(string file, IReadOnlyList<string> arguments, string? directory, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = new UTF8Encoding(false),
            StandardErrorEncoding = new UTF8Encoding(false),
        };
        if (directory is not null) start.WorkingDirectory = directory;
        foreach (var a in arguments) start.ArgumentList.Add(a);
        foreach (var (k, v) in environment ?? new Dictionary<string, string?>()) start.Environment[k] = v;
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("no process");
        }
        catch (Win32Exception e)
        {
            Assert.Fail($"'{file}' could not be started ({e.Message}); these round trips need it on PATH.");
            throw;
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromSeconds(120)))
            {
                process.Kill(entireProcessTree: true);
                Assert.Fail($"{file} did not finish within 120 s.");
            }

            return (process.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
        }
    }

    internal static string[] Strings(JsonNode node) => node.AsArray().Select(n => n!.GetValue<string>()).ToArray();
}

/// <summary>Inputs chosen to break quoting: every kind of quote, shell and PowerShell syntax, line breaks.</summary>
internal static class HostileCorpus
{
    /// <summary>Every hostile value, each also embedded in an ordinary path.</summary>
    public static IReadOnlyList<string> Values { get; } = Build();

    /// <summary>Values no line-based target can carry.</summary>
    public static IReadOnlyList<string> LineBreaks { get; } = ["a\nb", "a\rb", "a\r\nb", "\n", "x\n[profile evil]\ncredential_process = sh -c id"];

    private static List<string> Build()
    {
        var core = new List<string>
        {
            "’$(Write-Output PWNED)’", "‘$(Write-Output PWNED)‘", "‚$(Write-Output PWNED)‚", "‛$(Write-Output PWNED)‛",
            "'$(Write-Output PWNED)'", "'; Write-Output PWNED; '", "’; Write-Output PWNED; ’", "a’’b", "’", "‘’‚‛'",
            "$(id)", "$()", "${HOME}", "$HOME", "$env:HOME", "`id`", "``", "`", "a`nb", "@(1)", "--%", "-Command",
            ";", "a;b", "&", "a&&b", "|", "a|b", "<x>", "(x)", "{x}", "}}", "{{", "*?[]", "~", "^", "^&",
            "\"", "\"\"", "a\"b", "\\", "\\\\", "a\\", "a\\\\", "\\\"", "\\\\\"", "a\\\"b\\", "\"\\\"",
            "%PATH%", "%%", "!PATH!", "!", "#", "# comment", "; comment", "=", "a=b", "a:b", "==", "key = value",
            " ", "  lead", "trail  ", "\t", "a\tb", "", "é ü 中文 😀", "\u00a0", "\u2028", "\u0085",
            "[profile evil]", "]", "[", "\\'", "'\\''", "'\"'\"'", "\"'\"", "$'\\x41'", "\\n", "\\t", "\\x00",
        };
        var all = new List<string>(core);
        all.AddRange(core.Select(v => $"/tmp/dir with {v}/cert.pem"));
        return all.Distinct().ToList();
    }
}
