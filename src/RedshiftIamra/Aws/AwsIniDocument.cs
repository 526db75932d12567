using System.Globalization;
using System.Text;

namespace RedshiftIamra.Aws;

/// <summary>
/// The AWS shared config and credentials files read exactly as botocore reads them, line by
/// line, so a change can be made to one profile without touching any other byte.
/// </summary>
/// <remarks>
/// botocore (configloader.raw_config_parse, build_profile_map) reads the files with Python's
/// <c>configparser.RawConfigParser()</c> defaults; this class follows CPython 3's
/// <c>RawConfigParser._read</c>:
/// <list type="bullet">
/// <item>Lines end at <c>\n</c>, <c>\r\n</c> or <c>\r</c>; each is stripped of Unicode white space
/// (<c>str.strip</c>); a line that then starts with <c>#</c> or <c>;</c> is a comment. There are no
/// inline comments: <c>region = us-east-1 # x</c> has the value <c>us-east-1 # x</c>.</item>
/// <item>A line indented deeper than the option line above it (comments and blank lines between
/// do not count) continues that option's value; blank lines inside a value are kept, trailing
/// ones dropped. botocore reads a value that starts with a line break as nested settings
/// (<c>s3 =</c> then indented <c>key = value</c> lines) and fails on a nested line without <c>=</c>.</item>
/// <item>Otherwise a stripped line starting with <c>[</c> and containing <c>]</c> at index 2 or later is
/// a section header, the name being everything up to the last <c>]</c>:
/// <c>[profile prod] # prod</c> is the section <c>profile prod</c>.</item>
/// <item>Otherwise the line is an option: the key is everything before the first <c>=</c> or <c>:</c>,
/// right-stripped and lower-cased; the value is the rest, stripped.</item>
/// <item>A repeated section name, a repeated key within one section (after lower-casing), an
/// option line before any section header, a line with no <c>=</c> or <c>:</c>, and an empty key make
/// the whole file unreadable: botocore raises ConfigParseError and the AWS CLI fails for every
/// profile.</item>
/// <item><c>[DEFAULT]</c> (upper case) is configparser's defaults section: its keys appear in every
/// section. It may be repeated.</item>
/// <item>Profiles (build_profile_map): <c>[default]</c> is the profile <c>default</c>; a section whose
/// name starts with <c>profile</c> and splits (POSIX <c>shlex.split</c>) into exactly two words is the
/// profile named by the second word (<c>[profile "my prod"]</c>, <c>[profile  prod]</c>); when several
/// sections name one profile, the last one in the file wins.</item>
/// </list>
/// The text is decoded as UTF-8 without dropping a byte order mark (Python does not drop it
/// either, and then finds no section header on the first line).
/// </remarks>
internal sealed class AwsIniDocument
{
    private AwsIniDocument(List<IniLine> lines, List<IniSection> sections, IniSection defaults)
    {
        Lines = lines;
        Sections = sections;
        Defaults = defaults;
    }

    public List<IniLine> Lines { get; }

    /// <summary>The sections in file order, without <c>[DEFAULT]</c>.</summary>
    public List<IniSection> Sections { get; }

    public IniSection Defaults { get; }

    /// <summary>The line break the file uses (its first), or <c>\n</c>.</summary>
    public string Newline => Lines.Select(l => l.Terminator).FirstOrDefault(t => t.Length > 0) ?? "\n";

    public static AwsIniDocument Parse(string text)
    {
        var lines = SplitLines(text);
        var sections = new List<IniSection>();
        var defaults = new IniSection("DEFAULT", -1);
        IniSection? current = null;
        IniOption? option = null;
        var indentLevel = 0;
        string? firstError = null;
        var sectionNames = new HashSet<string>(StringComparer.Ordinal);

        for (var i = 0; i < lines.Count; i++)
        {
            var line = lines[i];
            var stripped = PyStrip(line.Content);
            if (stripped.StartsWith('#') || stripped.StartsWith(';'))
            {
                line.Kind = IniLineKind.Comment;
                continue;
            }

            if (stripped.Length == 0)
            {
                line.Kind = IniLineKind.Blank;
                if (current is not null && option is not null)
                {
                    option.Parts.Add(string.Empty);
                }

                continue;
            }

            var indent = 0;
            while (indent < line.Content.Length && IsPySpace(line.Content[indent]))
            {
                indent++;
            }

            if (current is not null && option is not null && indent > indentLevel)
            {
                line.Kind = IniLineKind.Continuation;
                option.Parts.Add(stripped);
                option.LastLine = i;
                continue;
            }

            indentLevel = indent;
            var close = stripped.LastIndexOf(']');
            if (stripped[0] == '[' && close >= 2)
            {
                var name = stripped[1..close];
                line.Kind = IniLineKind.Section;
                option = null;
                if (name == "DEFAULT")
                {
                    current = defaults;
                    continue;
                }

                if (!sectionNames.Add(name))
                {
                    throw new AwsIniFormatException(i + 1, $"the section [{name}] appears twice");
                }

                current = new IniSection(name, i);
                sections.Add(current);
                continue;
            }

            if (current is null)
            {
                throw new AwsIniFormatException(i + 1, "a setting comes before any [section] header");
            }

            var delimiter = stripped.IndexOfAny(['=', ':']);
            if (delimiter < 0)
            {
                firstError ??= $"line {i + 1} is neither a [section], a key = value setting nor a comment";
                line.Kind = IniLineKind.Invalid;
                option = null;
                continue;
            }

            var key = PyRStrip(stripped[..delimiter]);
            if (key.Length == 0)
            {
                firstError ??= $"line {i + 1} has a setting without a key";
            }

            key = key.ToLowerInvariant();
            if (current.Options.Any(o => o.Key == key))
            {
                throw new AwsIniFormatException(i + 1, $"the key '{key}' appears twice in [{current.Name}] (keys are not case-sensitive)");
            }

            line.Kind = IniLineKind.Option;
            option = new IniOption(key, i) { LastLine = i };
            option.Parts.Add(PyStrip(stripped[(delimiter + 1)..]));
            current.Options.Add(option);
        }

        if (firstError is not null)
        {
            throw new AwsIniFormatException(null, firstError);
        }

        var document = new AwsIniDocument(lines, sections, defaults);
        foreach (var section in sections.Append(defaults))
        {
            foreach (var o in section.Options)
            {
                // botocore parses a value that starts with a line break as nested key = value lines.
                var value = o.Value;
                if (value.StartsWith('\n') && PySplitLines(value).Select(PyStrip).FirstOrDefault(l => l.Length > 0 && !l.Contains('=', StringComparison.Ordinal)) is { } bad)
                {
                    throw new AwsIniFormatException(o.FirstLine + 1, $"the nested setting '{bad}' under '{o.Key}' has no '='");
                }
            }
        }

        return document;
    }

    /// <summary>The section botocore reads as the profile <paramref name="profileName"/>, if any.</summary>
    public IniSection? ProfileSection(string profileName) => Sections.LastOrDefault(s => ProfileNameOf(s.Name) == profileName);

    /// <summary>The profile a section defines for botocore, or null.</summary>
    public static string? ProfileNameOf(string sectionName)
    {
        if (sectionName == "default")
        {
            return "default";
        }

        if (!sectionName.StartsWith("profile", StringComparison.Ordinal))
        {
            return null;
        }

        var words = ShlexSplit(sectionName);
        return words is { Count: 2 } ? words[1] : null;
    }

    /// <summary>The named second word of an <c>[sso-session NAME]</c> or <c>[services NAME]</c> header, as botocore reads it.</summary>
    public IniSection? NamedSection(string prefix, string name) =>
        Sections.LastOrDefault(s => s.Name.StartsWith(prefix, StringComparison.Ordinal) && ShlexSplit(s.Name) is { Count: 2 } w && w[1] == name);

    /// <summary>The section's keys and values, with the <c>[DEFAULT]</c> keys it does not override.</summary>
    public Dictionary<string, string> Values(IniSection section)
    {
        var values = Defaults.Options.ToDictionary(o => o.Key, o => o.Value, StringComparer.Ordinal);
        foreach (var o in section.Options)
        {
            values[o.Key] = o.Value;
        }

        return values;
    }

    /// <summary>Every profile botocore finds, by name.</summary>
    public Dictionary<string, Dictionary<string, string>> Profiles()
    {
        var profiles = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        foreach (var section in Sections)
        {
            if (ProfileNameOf(section.Name) is { } name)
            {
                profiles[name] = Values(section);
            }
        }

        return profiles;
    }

    public string Render()
    {
        var builder = new StringBuilder();
        foreach (var line in Lines)
        {
            builder.Append(line.Content).Append(line.Terminator);
        }

        return builder.ToString();
    }

    // ---- Python's rules ---------------------------------------------------------------------

    /// <summary>Python's <c>str.isspace</c>: .NET's white space plus the separators U+001C..U+001F.</summary>
    internal static bool IsPySpace(char c) => char.IsWhiteSpace(c) || c is >= '\x1c' and <= '\x1f';

    internal static string PyStrip(string s)
    {
        var start = 0;
        var end = s.Length;
        while (start < end && IsPySpace(s[start])) start++;
        while (end > start && IsPySpace(s[end - 1])) end--;
        return s[start..end];
    }

    private static string PyRStrip(string s)
    {
        var end = s.Length;
        while (end > 0 && IsPySpace(s[end - 1])) end--;
        return s[..end];
    }

    /// <summary>Python's <c>str.splitlines</c> line boundaries.</summary>
    private static string[] PySplitLines(string s) =>
        s.Replace("\r\n", "\n", StringComparison.Ordinal).Split(['\n', '\r', '\v', '\f', '\x1c', '\x1d', '\x1e', '\x85', '\u2028', '\u2029']);

    /// <summary>Lines as Python's universal newlines split them, each with its own line break.</summary>
    private static List<IniLine> SplitLines(string text)
    {
        var lines = new List<IniLine>();
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] is '\n' or '\r')
            {
                var terminator = text[i] == '\r' && i + 1 < text.Length && text[i + 1] == '\n' ? "\r\n" : text[i].ToString();
                lines.Add(new IniLine(text[start..i], terminator));
                i += terminator.Length - 1;
                start = i + 1;
            }
        }

        if (start < text.Length)
        {
            lines.Add(new IniLine(text[start..], string.Empty));
        }

        return lines;
    }

    /// <summary>Python's <c>shlex.split(s)</c> (POSIX mode, no comments); null where it raises.</summary>
    internal static List<string>? ShlexSplit(string s)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (c is ' ' or '\t' or '\r' or '\n')
            {
                if (inWord)
                {
                    words.Add(word.ToString());
                    word.Clear();
                    inWord = false;
                }
            }
            else if (c == '\\')
            {
                if (++i >= s.Length) return null;
                word.Append(s[i]);
                inWord = true;
            }
            else if (c == '\'')
            {
                var end = s.IndexOf('\'', i + 1);
                if (end < 0) return null;
                word.Append(s, i + 1, end - i - 1);
                i = end;
                inWord = true;
            }
            else if (c == '"')
            {
                inWord = true;
                for (i++; ; i++)
                {
                    if (i >= s.Length) return null;
                    if (s[i] == '"') break;
                    if (s[i] == '\\' && i + 1 < s.Length && s[i + 1] is '"' or '\\')
                    {
                        i++;
                    }

                    word.Append(s[i]);
                }
            }
            else
            {
                word.Append(c);
                inWord = true;
            }
        }

        if (inWord)
        {
            words.Add(word.ToString());
        }

        return words;
    }
}

internal enum IniLineKind
{
    Blank,
    Comment,
    Section,
    Option,
    Continuation,
    Invalid,
}

internal sealed class IniLine(string content, string terminator)
{
    public string Content { get; set; } = content;

    public string Terminator { get; set; } = terminator;

    public IniLineKind Kind { get; set; }
}

internal sealed class IniSection(string name, int headerLine)
{
    public string Name { get; } = name;

    /// <summary>The index of the header line (-1 for the defaults).</summary>
    public int HeaderLine { get; } = headerLine;

    public List<IniOption> Options { get; } = [];
}

internal sealed class IniOption(string key, int firstLine)
{
    public string Key { get; } = key;

    public int FirstLine { get; } = firstLine;

    /// <summary>The last line of the value (the option line or its last continuation line).</summary>
    public int LastLine { get; set; }

    public List<string> Parts { get; } = [];

    /// <summary>The value as configparser joins it: parts on line breaks, trailing white space dropped.</summary>
    public string Value
    {
        get
        {
            var joined = string.Join('\n', Parts);
            var end = joined.Length;
            while (end > 0 && AwsIniDocument.IsPySpace(joined[end - 1])) end--;
            return joined[..end];
        }
    }
}

/// <summary>The file is not one botocore can read.</summary>
internal sealed class AwsIniFormatException(int? line, string problem) : Exception(line is null ? problem : $"line {line.Value.ToString(CultureInfo.InvariantCulture)}: {problem}")
{
    public int? Line { get; } = line;
}
