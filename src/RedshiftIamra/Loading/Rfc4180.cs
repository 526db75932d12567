using System.Text;

namespace RedshiftIamra.Loading;

/// <summary>
/// The one place exported CSV fields are quoted (RFC 4180, as PostgreSQL's and psql's CSV output
/// quote them): a field is enclosed in double quotes when it holds a comma, a double quote, CR or
/// LF, quotes inside are doubled; everything else is written as is (spaces included). NULL is an
/// empty unquoted field and an empty string is <c>""</c>, so the two stay apart for a reader that
/// cares (PostgreSQL's <c>COPY ... CSV</c>, Redshift's <c>COPY ... CSV</c>). Lines end with
/// <c>\n</c>. Unlike <see cref="CsvFormat"/> (what COPY reads from staged parts, NULL as <c>\N</c>),
/// this is for files people and other tools read.
/// </summary>
public static class Rfc4180
{
    /// <summary>The field as it goes into the file.</summary>
    public static string Field(string? value)
    {
        if (value is null)
        {
            return string.Empty;
        }

        if (value.Length == 0)
        {
            return "\"\"";
        }

        return NeedsQuotes(value) ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }

    /// <summary>Writes one record: the fields, comma-separated, then <c>\n</c>.</summary>
    public static void WriteRecord(TextWriter writer, IReadOnlyList<string?> fields)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(fields);
        for (var i = 0; i < fields.Count; i++)
        {
            if (i > 0)
            {
                writer.Write(',');
            }

            WriteField(writer, fields[i]);
        }

        writer.Write('\n');
    }

    /// <summary>Writes one field (see <see cref="Field"/>) without building a string for it.</summary>
    public static void WriteField(TextWriter writer, string? value)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (value is null)
        {
            return;
        }

        if (value.Length == 0)
        {
            writer.Write("\"\"");
            return;
        }

        if (!NeedsQuotes(value))
        {
            writer.Write(value);
            return;
        }

        writer.Write('"');
        var start = 0;
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] == '"')
            {
                writer.Write(value.AsSpan(start, i - start + 1));
                writer.Write('"');
                start = i + 1;
            }
        }

        writer.Write(value.AsSpan(start));
        writer.Write('"');
    }

    private static bool NeedsQuotes(string value) => value.AsSpan().IndexOfAny(",\"\r\n") >= 0;

    /// <summary>Reads the records of RFC 4180 text back (an empty unquoted field is null); for tests and checks of what was written.</summary>
    public static List<string?[]> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var records = new List<string?[]>();
        var fields = new List<string?>();
        var field = new StringBuilder();
        var quoted = false;
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"')
                {
                    field.Append('"');
                    i += 2;
                    continue;
                }

                if (c == '"')
                {
                    quoted = false;
                    i++;
                    continue;
                }

                field.Append(c);
                i++;
                continue;
            }

            switch (c)
            {
                case '"':
                    quoted = true;
                    field.Append('\0');
                    break;
                case ',':
                    fields.Add(Take(field));
                    break;
                case '\n':
                    fields.Add(Take(field));
                    records.Add(fields.ToArray());
                    fields.Clear();
                    break;
                case '\r':
                    break;
                default:
                    field.Append(c);
                    break;
            }

            i++;
        }

        if (field.Length > 0 || fields.Count > 0)
        {
            fields.Add(Take(field));
            records.Add(fields.ToArray());
        }

        return records;

        // A field that was quoted starts with a '\0' marker: it is a string even when empty.
        static string? Take(StringBuilder field)
        {
            var s = field.ToString();
            field.Clear();
            return s.Length == 0 ? null : s[0] == '\0' ? s[1..] : s;
        }
    }
}
