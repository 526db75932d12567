namespace RedshiftIamra.Quoting;

/// <summary>
/// POSIX shell words (<c>sh -c</c>, bash, zsh, dash) and Python's <c>shlex.split</c> in POSIX
/// mode, which botocore uses to split <c>credential_process</c> on Linux and macOS.
/// </summary>
/// <remarks>
/// Inside single quotes a POSIX shell interprets nothing, and shlex (posix=True) the same; a
/// single quote itself is written <c>'"'"'</c> (close, a double-quoted quote, reopen), which both
/// read alike. Not <c>'\''</c>: the AWS SDK for .NET runs a <c>credential_process</c> on Linux
/// and macOS as <c>sh -c "..."</c> after doubling every backslash, and .NET's argument rules
/// keep a backslash doubled unless a double quote follows it, so <c>'\''</c> would reach the
/// shell as <c>'\\''</c>. A backslash in a value meets the same doubling there (botocore and
/// <c>sh</c> read it right). Double quotes would not do: the shell expands <c>$</c> and
/// backticks in them, and shlex keeps a backslash before any character but <c>"</c> and <c>\</c>.
/// </remarks>
public static class PosixShellQuoting
{
    /// <summary><paramref name="value"/> as one shell word. Refuses NUL, which no argument or environment value can hold.</summary>
    public static string SingleQuoted(string value, string what = "value")
    {
        ArgumentNullException.ThrowIfNull(value);
        QuotingErrors.Refuse(value, what, "a shell command", c => c == '\0', "no command-line argument or environment variable can hold");
        return "'" + value.Replace("'", "'\"'\"'", StringComparison.Ordinal) + "'";
    }

    /// <summary>A command line of words, each quoted.</summary>
    public static string Join(IEnumerable<string> words, string what = "value") => string.Join(' ', words.Select(w => SingleQuoted(w, what)));

    /// <summary>A shell statement that sets and exports an environment variable.</summary>
    public static string ExportEnvironmentVariable(string name, string value, string what = "value") =>
        $"export {PowerShellQuoting.EnvironmentVariableName(name)}={SingleQuoted(value, what)}";
}
