using System.Globalization;
using System.Text;

namespace RedshiftIamra.Loading;

/// <summary>
/// The CSV the staged path writes and COPY reads back exactly (RFC 4180 as Redshift's
/// <c>FORMAT AS CSV</c> reads it): comma-separated, <c>\n</c> line ends, a field quoted with
/// <c>"</c> when it is empty or holds a comma, a quote, CR or LF, leading or trailing spaces, or
/// the NULL marker (quotes inside doubled); NULL is the unquoted marker <c>\N</c>
/// (<c>NULL AS '\N'</c>), so an empty string (<c>""</c>) stays an empty string (EMPTYASNULL is
/// off). Numbers, booleans, dates and times are written culture-invariant in the forms COPY's
/// defaults read: <c>YYYY-MM-DD</c>, <c>YYYY-MM-DD HH:MI:SS.ffffff</c> and, for TIMESTAMPTZ,
/// the same in UTC with <c>+00</c>.
/// </summary>
public static class CsvFormat
{
    public const string NullMarker = "\\N";

    /// <summary>The COPY options that read this format back exactly.</summary>
    public const string CopyOptions = "format as csv delimiter ',' quote as '\"' null as '\\\\N' dateformat 'YYYY-MM-DD' timeformat 'auto'";

    public static void AppendRow(StringBuilder line, object[] values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            if (i > 0)
            {
                line.Append(',');
            }

            AppendValue(line, values[i]);
        }

        line.Append('\n');
    }

    public static void AppendValue(StringBuilder line, object? value)
    {
        switch (value)
        {
            case null or DBNull:
                line.Append(NullMarker);
                break;
            case string s:
                AppendText(line, s);
                break;
            case bool b:
                line.Append(b ? "true" : "false");
                break;
            case int i:
                line.Append(i);
                break;
            case long l:
                line.Append(l);
                break;
            case short sh:
                line.Append(sh);
                break;
            case decimal d:
                line.Append(d.ToString(CultureInfo.InvariantCulture));
                break;
            case double d:
                line.Append(d.ToString("R", CultureInfo.InvariantCulture));
                break;
            case float f:
                line.Append(f.ToString("R", CultureInfo.InvariantCulture));
                break;
            case DateOnly date:
                line.Append(date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
                break;
            case DateTime { Kind: DateTimeKind.Utc } utc:
                line.Append(utc.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture)).Append("+00");
                break;
            case DateTime dt:
                line.Append(dt.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture));
                break;
            case DateTimeOffset dto:
                line.Append(dto.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture)).Append("+00");
                break;
            case TimeOnly t:
                line.Append(t.ToString("HH:mm:ss.ffffff", CultureInfo.InvariantCulture));
                break;
            case TimeSpan ts:
                line.Append(ts.ToString("c", CultureInfo.InvariantCulture));
                break;
            case byte[] bytes:
                line.Append(Convert.ToHexString(bytes));
                break;
            default:
                AppendText(line, ValueConverter.AsText(value));
                break;
        }
    }

    public static void AppendText(StringBuilder line, string s)
    {
        if (!NeedsQuotes(s))
        {
            line.Append(s);
            return;
        }

        line.Append('"');
        foreach (var c in s)
        {
            if (c == '"')
            {
                line.Append('"');
            }

            line.Append(c);
        }

        line.Append('"');
    }

    internal static bool NeedsQuotes(string s)
    {
        if (s.Length == 0 || s == NullMarker || s[0] == ' ' || s[^1] == ' ' || s[0] == '\t' || s[^1] == '\t')
        {
            return true;
        }

        foreach (var c in s)
        {
            if (c is ',' or '"' or '\n' or '\r')
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The number of line ends in a formatted row (more than one when a quoted value holds line breaks).</summary>
    internal static int CountLines(StringBuilder text, int start)
    {
        var lines = 0;
        for (var i = start; i < text.Length; i++)
        {
            if (text[i] == '\n')
            {
                lines++;
            }
        }

        return lines;
    }
}
