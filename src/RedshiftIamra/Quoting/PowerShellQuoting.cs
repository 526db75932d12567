using System.Text;

namespace RedshiftIamra.Quoting;

/// <summary>
/// PowerShell single-quoted string literals: the only PowerShell form in which nothing
/// (no <c>$</c>, backtick or sub-expression) is interpreted.
/// </summary>
/// <remarks>
/// PowerShell's tokenizer treats the ASCII apostrophe and the typographic single quotes
/// U+2018, U+2019, U+201A and U+201B alike: each opens and closes a single-quoted string, and
/// inside one each is escaped by doubling it (any two of them in a row stand for the second).
/// Doubling only the ASCII apostrophe lets <c>’$(...)’</c> close the string and run code.
/// </remarks>
public static class PowerShellQuoting
{
    /// <summary>True for every character PowerShell reads as a single quote.</summary>
    public static bool IsSingleQuote(char c) => c is '\'' or '\u2018' or '\u2019' or '\u201A' or '\u201B';

    /// <summary>
    /// <paramref name="value"/> as a PowerShell single-quoted literal that evaluates to exactly
    /// <paramref name="value"/>. Refuses NUL, which no PowerShell script text carries through
    /// a command line or the pipeline.
    /// </summary>
    public static string SingleQuoted(string value, string what = "value")
    {
        ArgumentNullException.ThrowIfNull(value);
        QuotingErrors.Refuse(value, what, "a PowerShell string", c => c == '\0', "no PowerShell script can carry");
        var builder = new StringBuilder(value.Length + 2).Append('\'');
        foreach (var c in value)
        {
            if (IsSingleQuote(c))
            {
                builder.Append(c);
            }

            builder.Append(c);
        }

        return builder.Append('\'').ToString();
    }

    /// <summary>A PowerShell statement that sets an environment variable: <c>$env:NAME = '...'</c>.</summary>
    public static string SetEnvironmentVariable(string name, string value, string what = "value") =>
        $"$env:{EnvironmentVariableName(name)} = {SingleQuoted(value, what)}";

    internal static string EnvironmentVariableName(string name)
    {
        if (name.Length == 0 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_') || char.IsAsciiDigit(name[0]))
        {
            throw new ArgumentException($"'{name}' is not an environment variable name this module writes.", nameof(name));
        }

        return name;
    }
}
