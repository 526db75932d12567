using System.Globalization;
using System.Text;

namespace RedshiftIamra.Loading;

/// <summary>
/// Infers Redshift column types for <c>-CreateTable</c>: from the input's declared .NET types
/// (a DataTable's or a data reader's schema) where there are some, else from the values of the
/// first rows. Text becomes <c>VARCHAR(n)</c> with headroom (twice the longest value seen in
/// UTF-8 bytes, rounded up to a power of two, at least 64, at most 65535: Redshift's limit);
/// text that is all whole numbers, decimals, booleans or ISO dates/timestamps becomes that type.
/// </summary>
public static class TypeInference
{
    public const int MaxVarchar = 65535;

    /// <summary>The SQL type for one input column.</summary>
    public static string Infer(Type? declared, IEnumerable<object?> sample)
    {
        var values = sample.Where(v => v is not null and not DBNull).ToList();
        var type = declared is null || declared == typeof(object) || declared == typeof(string) ? null : Nullable.GetUnderlyingType(declared) ?? declared;
        if (type is null)
        {
            var kinds = values.Select(v => v!.GetType()).Distinct().ToList();
            if (kinds.Count == 1 && kinds[0] != typeof(string))
            {
                type = kinds[0];
            }
            else if (kinds.Count > 1 && kinds.All(IsInteger))
            {
                type = typeof(long);
            }
        }

        if (type is not null && type != typeof(string))
        {
            return FromType(type, values);
        }

        var texts = values.Select(v => ValueConverter.AsText(v!)).Where(t => t.Length > 0).ToList();
        return FromText(texts);
    }

    private static bool IsInteger(Type t) => t == typeof(int) || t == typeof(long) || t == typeof(short) || t == typeof(byte);

    private static string FromType(Type type, List<object?> values)
    {
        if (type == typeof(int) || type == typeof(short) || type == typeof(byte) || type == typeof(sbyte) || type == typeof(ushort))
        {
            return type == typeof(short) || type == typeof(byte) || type == typeof(sbyte) ? "SMALLINT" : "INTEGER";
        }

        if (type == typeof(long) || type == typeof(uint))
        {
            return "BIGINT";
        }

        if (type == typeof(ulong))
        {
            return "NUMERIC(20,0)";
        }

        if (type == typeof(decimal))
        {
            return DecimalType(values.Select(v => Convert.ToDecimal(v, CultureInfo.InvariantCulture)));
        }

        if (type == typeof(double))
        {
            return "DOUBLE PRECISION";
        }

        if (type == typeof(float))
        {
            return "REAL";
        }

        if (type == typeof(bool))
        {
            return "BOOLEAN";
        }

        if (type == typeof(DateOnly))
        {
            return "DATE";
        }

        if (type == typeof(DateTime))
        {
            return values.Count > 0 && values.All(v => ((DateTime)v!).Kind == DateTimeKind.Utc) ? "TIMESTAMPTZ" : "TIMESTAMP";
        }

        if (type == typeof(DateTimeOffset))
        {
            return "TIMESTAMPTZ";
        }

        if (type == typeof(TimeSpan) || type == typeof(TimeOnly))
        {
            return "TIME";
        }

        return Varchar(values.Select(v => ValueConverter.AsText(v!)));
    }

    private static string FromText(List<string> texts)
    {
        if (texts.Count == 0)
        {
            return "VARCHAR(256)";
        }

        if (texts.All(t => long.TryParse(t, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _)))
        {
            return texts.All(t => int.TryParse(t, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _)) ? "INTEGER" : "BIGINT";
        }

        if (texts.All(t => t.Contains('.', StringComparison.Ordinal) || long.TryParse(t, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
            && texts.All(t => decimal.TryParse(t, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out _)))
        {
            return DecimalType(texts.Select(t => decimal.Parse(t, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture)));
        }

        if (texts.All(t => t.ToLowerInvariant() is "true" or "false"))
        {
            return "BOOLEAN";
        }

        if (texts.All(t => t.Length == 10 && DateOnly.TryParseExact(t, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _)))
        {
            return "DATE";
        }

        if (texts.All(t => t.Length >= 19 && t[4] == '-' && t[10] is ' ' or 'T' && DateTime.TryParse(t, CultureInfo.InvariantCulture, DateTimeStyles.None, out _)))
        {
            return texts.Any(HasOffset) ? "TIMESTAMPTZ" : "TIMESTAMP";
        }

        return Varchar(texts);
    }

    private static readonly System.Buffers.SearchValues<char> s_offsetSigns = System.Buffers.SearchValues.Create("+-");

    private static bool HasOffset(string t) => t.EndsWith('Z') || (t.Length > 19 && t.AsSpan(19).IndexOfAny(s_offsetSigns) >= 0);

    private static string DecimalType(IEnumerable<decimal> values)
    {
        var integerDigits = 1;
        var scale = 0;
        foreach (var v in values)
        {
            var text = Math.Abs(v).ToString(CultureInfo.InvariantCulture);
            var dot = text.IndexOf('.', StringComparison.Ordinal);
            integerDigits = Math.Max(integerDigits, dot < 0 ? text.Length : dot);
            scale = Math.Max(scale, dot < 0 ? 0 : text.Length - dot - 1);
        }

        // Headroom: room for numbers ten times larger, and at least the customary (18, s).
        var precision = Math.Min(38, Math.Max(18, integerDigits + 1 + scale));
        scale = Math.Min(scale, precision - 1);
        return $"NUMERIC({precision.ToString(CultureInfo.InvariantCulture)},{scale.ToString(CultureInfo.InvariantCulture)})";
    }

    internal static string Varchar(IEnumerable<string> texts)
    {
        var longest = 0;
        foreach (var t in texts)
        {
            longest = Math.Max(longest, Encoding.UTF8.GetByteCount(t));
        }

        return $"VARCHAR({VarcharLength(longest).ToString(CultureInfo.InvariantCulture)})";
    }

    /// <summary>Twice the longest value, rounded up to a power of two; 64 to 65535.</summary>
    public static int VarcharLength(int longestBytes)
    {
        var wanted = Math.Max(64, (long)longestBytes * 2);
        long n = 64;
        while (n < wanted)
        {
            n *= 2;
        }

        return (int)Math.Min(MaxVarchar, n);
    }

    /// <summary><c>CREATE TABLE</c> for the inferred columns; <c>DISTSTYLE AUTO</c> on Redshift.</summary>
    public static string CreateTableSql(TableName table, IReadOnlyList<(string Name, string Type)> columns, bool redshift)
    {
        var sql = new StringBuilder("create table ").Append(table.Quoted).Append(" (");
        sql.AppendJoin(", ", columns.Select(c => SqlText.QuoteIdentifier(c.Name) + " " + c.Type));
        sql.Append(')');
        if (redshift)
        {
            sql.Append(" diststyle auto");
        }

        return sql.ToString();
    }
}
