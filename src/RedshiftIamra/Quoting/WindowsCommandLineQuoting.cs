using System.Text;

namespace RedshiftIamra.Quoting;

/// <summary>
/// Windows command lines: the rules the Microsoft C runtime (and .NET, and PowerShell) use
/// to split a command line into arguments, which botocore's Windows splitter also follows;
/// and the extra restrictions when <c>cmd.exe</c> reads the line first.
/// </summary>
/// <remarks>
/// Splitting (learn.microsoft.com, "Parsing C++ command-line arguments"): only space and tab
/// separate arguments; double quotes group; 2n backslashes before a quote are n backslashes
/// and the quote groups, 2n+1 are n backslashes and a literal quote; backslashes not before
/// a quote are literal.
/// <c>cmd.exe</c> (learn.microsoft.com, "cmd" and "set" documentation): a double quote toggles
/// its quoting; outside quotes <c>&amp; | &lt; &gt; ( ) ^</c> are operators; <c>%NAME%</c> is
/// expanded everywhere, inside quotes too, and cannot be escaped on a <c>cmd /c</c> line;
/// <c>!NAME!</c> is expanded when delayed expansion is on (a registry setting the writer
/// cannot see). So for cmd every argument is quoted, and <c>%</c>, <c>!</c> and the double
/// quote (which would toggle cmd's quoting) are refused.
/// </remarks>
public static class WindowsCommandLineQuoting
{
    /// <summary>One argument, quoted for the C runtime's splitter.</summary>
    public static string Argument(string value, string what = "value")
    {
        ArgumentNullException.ThrowIfNull(value);
        QuotingErrors.Refuse(value, what, "a Windows command line", c => c is '\0' or '\r' or '\n', "a Windows command line cannot carry");
        var builder = new StringBuilder(value.Length + 2).Append('"');
        var backslashes = 0;
        foreach (var c in value)
        {
            if (c == '\\')
            {
                backslashes++;
                continue;
            }

            if (c == '"')
            {
                builder.Append('\\', (2 * backslashes) + 1).Append('"');
            }
            else
            {
                builder.Append('\\', backslashes).Append(c);
            }

            backslashes = 0;
        }

        return builder.Append('\\', 2 * backslashes).Append('"').ToString();
    }

    /// <summary>A command line for the C runtime's splitter.</summary>
    public static string Join(IEnumerable<string> arguments, string what = "value") => string.Join(' ', arguments.Select(a => Argument(a, what)));

    /// <summary>
    /// One argument that reads the same whether the line goes straight to the program or
    /// through <c>cmd.exe /c</c> first.
    /// </summary>
    public static string CmdSafeArgument(string value, string what = "value")
    {
        ArgumentNullException.ThrowIfNull(value);
        QuotingErrors.Refuse(value, what, "a command line that cmd.exe reads", c => c is '%' or '!' or '"',
            "cmd.exe expands or re-reads even inside quotes (%NAME%, !NAME!, a quote ends cmd's quoting)");
        return Argument(value, what);
    }

    /// <summary>A command line that reads the same through <c>cmd.exe /c</c> and without it.</summary>
    public static string JoinCmdSafe(IEnumerable<string> arguments, string what = "value") => string.Join(' ', arguments.Select(a => CmdSafeArgument(a, what)));
}
