using System.Globalization;

namespace RedshiftIamra.Quoting;

/// <summary>
/// The one error every quoting function gives for a value its target cannot carry. The
/// message names the character and its position, never the value (it may be a password).
/// </summary>
public static class QuotingErrors
{
    /// <summary>Fails when <paramref name="value"/> holds any of <paramref name="refused"/>.</summary>
    internal static void Refuse(string value, string what, string target, Func<char, bool> refused, string why)
    {
        for (var i = 0; i < value.Length; i++)
        {
            if (refused(value[i]))
            {
                throw Unquotable(what, target, $"character {Describe(value[i])} at position {i + 1}", why);
            }
        }
    }

    internal static IamraException Unquotable(string what, string target, string detail, string why) =>
        new(ErrorIds.Quoting.ValueCannotBeQuoted, IamraErrorCategory.InvalidArgument,
            $"The {what} cannot be written into {target}: it contains {detail}, which {why}. Use a value without it (for a path: move or rename the file).",
            what);

    /// <summary>A character as users can find it: <c>U+000A (line feed)</c>, <c>'%'</c>.</summary>
    public static string Describe(char c) => c switch
    {
        '\0' => "U+0000 (NUL)",
        '\n' => "U+000A (line feed)",
        '\r' => "U+000D (carriage return)",
        '\t' => "U+0009 (tab)",
        _ when char.IsControl(c) || char.IsWhiteSpace(c) || char.IsSurrogate(c) => "U+" + ((int)c).ToString("X4", CultureInfo.InvariantCulture),
        _ => $"'{c}' (U+{((int)c).ToString("X4", CultureInfo.InvariantCulture)})",
    };
}
