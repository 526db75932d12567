using System.Globalization;
using System.Text;

namespace RedshiftIamra.Loading;

/// <summary>Why a value cannot go into its column (the writer adds the row and the column).</summary>
internal sealed class ValueRejectedException : Exception
{
    public ValueRejectedException(string errorId, string reason)
        : base(reason)
    {
        ErrorId = errorId;
    }

    public string ErrorId { get; }
}

/// <summary>
/// Checks and converts one input value to what its column holds, before anything is sent:
/// numbers and dates from their .NET types or from invariant-culture text, booleans from
/// true/false/t/f/1/0/yes/no, text measured in UTF-8 bytes (Redshift's VARCHAR length is in
/// bytes). An empty string into a non-text column is NULL, as Redshift's COPY reads an empty CSV
/// field. The result is what the direct path sends as a parameter and the staged path writes as CSV.
/// </summary>
internal static class ValueConverter
{
    private static readonly string[] DateFormats = { "yyyy-MM-dd", "yyyy/MM/dd", "yyyyMMdd" };

    public static object Convert(object? value, TableColumn column)
    {
        if (value is null or DBNull)
        {
            return Null(column);
        }

        if (value is string text && text.Length == 0 && column.Kind is not (ColumnKind.String or ColumnKind.Other))
        {
            return Null(column);
        }

        return column.Kind switch
        {
            ColumnKind.Int16 => (short)Integer(value, column, short.MinValue, short.MaxValue),
            ColumnKind.Int32 => (int)Integer(value, column, int.MinValue, int.MaxValue),
            ColumnKind.Int64 => Integer(value, column, long.MinValue, long.MaxValue),
            ColumnKind.Decimal => Decimal(value, column),
            ColumnKind.Single => (float)Floating(value, column),
            ColumnKind.Double => Floating(value, column),
            ColumnKind.Boolean => Boolean(value, column),
            ColumnKind.String => Text(value, column),
            ColumnKind.Date => Date(value, column),
            ColumnKind.Timestamp => Timestamp(value, column),
            ColumnKind.TimestampTz => TimestampTz(value, column),
            ColumnKind.Time => Time(value, column),
            _ => AsText(value),
        };
    }

    private static DBNull Null(TableColumn column) => column.Nullable
        ? DBNull.Value
        : throw new ValueRejectedException(ErrorIds.Loading.NullNotAllowed, "the column is NOT NULL and the value is empty (null)");

    private static ValueRejectedException Cannot(object value, TableColumn column, string? why = null) =>
        new(ErrorIds.Loading.ValueNotConvertible, $"{Describe(value)} cannot be converted to {column.SqlType}{(why is null ? string.Empty : ": " + why)}");

    internal static string Describe(object value) => value switch
    {
        string s => $"the text '{Abbreviate(s)}'",
        _ => $"the {value.GetType().Name} value '{Abbreviate(AsText(value))}'",
    };

    internal static string Abbreviate(string s) => s.Length <= 60 ? s : s[..57] + "...";

    private static long Integer(object value, TableColumn column, long min, long max)
    {
        long result;
        switch (value)
        {
            case int i: result = i; break;
            case long l: result = l; break;
            case short s: result = s; break;
            case byte b: result = b; break;
            case sbyte sb: result = sb; break;
            case ushort us: result = us; break;
            case uint ui: result = ui; break;
            case ulong ul when ul <= long.MaxValue: result = (long)ul; break;
            case bool flag: result = flag ? 1 : 0; break;
            case decimal d when d == decimal.Truncate(d) && d >= long.MinValue && d <= long.MaxValue: result = (long)d; break;
            case double d when d == Math.Truncate(d) && d >= long.MinValue && d < 9.2233720368547758E18: result = (long)d; break;
            case float f when f == MathF.Truncate(f) && f >= long.MinValue && f < 9.2233720368547758E18f: result = (long)f; break;
            case string s when long.TryParse(s.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed): result = parsed; break;
            case string s when decimal.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var dec) && dec == decimal.Truncate(dec):
                if (dec < min || dec > max)
                {
                    throw new ValueRejectedException(ErrorIds.Loading.ValueTooWide, $"{Describe(value)} is out of range for {column.SqlType} ({min} to {max})");
                }

                result = (long)dec;
                break;
            default: throw Cannot(value, column, "not a whole number");
        }

        if (result < min || result > max)
        {
            throw new ValueRejectedException(ErrorIds.Loading.ValueTooWide, $"{Describe(value)} is out of range for {column.SqlType} ({min} to {max})");
        }

        return result;
    }

    private static decimal Decimal(object value, TableColumn column)
    {
        decimal result;
        try
        {
            result = value switch
            {
                decimal d => d,
                int or long or short or byte or sbyte or ushort or uint or ulong => System.Convert.ToDecimal(value, CultureInfo.InvariantCulture),
                double d when double.IsFinite(d) => (decimal)d,
                float f when float.IsFinite(f) => (decimal)f,
                string s when decimal.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) => parsed,
                _ => throw Cannot(value, column, "not a number"),
            };
        }
        catch (OverflowException)
        {
            throw new ValueRejectedException(ErrorIds.Loading.ValueTooWide, $"{Describe(value)} is out of range for {column.SqlType}");
        }

        if (column.Precision is { } precision)
        {
            var scale = column.Scale ?? 0;
            var rounded = Math.Round(result, Math.Min(scale, 28), MidpointRounding.AwayFromZero);
            var integerDigits = IntegerDigits(rounded);
            if (integerDigits > precision - scale)
            {
                throw new ValueRejectedException(ErrorIds.Loading.ValueTooWide,
                    $"{Describe(value)} has {integerDigits} digits before the decimal point; {column.SqlType} holds {precision - scale}");
            }

            return rounded;
        }

        return result;
    }

    private static int IntegerDigits(decimal value)
    {
        var whole = decimal.Truncate(Math.Abs(value));
        var digits = 0;
        while (whole >= 1)
        {
            whole = decimal.Truncate(whole / 10);
            digits++;
        }

        return digits;
    }

    private static double Floating(object value, TableColumn column) => value switch
    {
        double d => d,
        float f => f,
        decimal d => (double)d,
        int or long or short or byte or sbyte or ushort or uint or ulong => System.Convert.ToDouble(value, CultureInfo.InvariantCulture),
        string s when double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) => parsed,
        string s when s.Trim() is "NaN" or "Infinity" or "-Infinity" => double.Parse(s.Trim(), CultureInfo.InvariantCulture),
        _ => throw Cannot(value, column, "not a number"),
    };

    private static bool Boolean(object value, TableColumn column) => value switch
    {
        bool b => b,
        int i when i is 0 or 1 => i == 1,
        long l when l is 0 or 1 => l == 1,
        short s when s is 0 or 1 => s == 1,
        byte b when b is 0 or 1 => b == 1,
        string s => s.Trim().ToLowerInvariant() switch
        {
            "true" or "t" or "1" or "yes" or "y" => true,
            "false" or "f" or "0" or "no" or "n" => false,
            _ => throw Cannot(value, column, "use true/false, t/f, 1/0 or yes/no"),
        },
        _ => throw Cannot(value, column),
    };

    private static string Text(object value, TableColumn column)
    {
        var text = AsText(value);
        if (text.Contains('\0', StringComparison.Ordinal))
        {
            throw Cannot(value, column, "the text holds a NUL character, which Redshift cannot store");
        }

        if (column.MaxLength is { } max && text.Length > max / 4)
        {
            // Cheap first test: four UTF-8 bytes per character at most.
            var bytes = Encoding.UTF8.GetByteCount(text);
            if (bytes > max)
            {
                throw new ValueRejectedException(ErrorIds.Loading.ValueTooWide,
                    $"{Describe(value)} is {bytes} bytes in UTF-8; {column.SqlType} holds {max} bytes (Redshift measures VARCHAR in bytes)");
            }
        }

        return text;
    }

    private static DateOnly Date(object value, TableColumn column) => value switch
    {
        DateOnly d => d,
        DateTime dt => DateOnly.FromDateTime(dt),
        DateTimeOffset dto => DateOnly.FromDateTime(dto.DateTime),
        string s when DateOnly.TryParseExact(s.Trim(), DateFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed) => parsed,
        string s when DateTime.TryParse(s.Trim(), CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed) && parsed.TimeOfDay == TimeSpan.Zero => DateOnly.FromDateTime(parsed),
        _ => throw Cannot(value, column, "use yyyy-MM-dd"),
    };

    private static DateTime Timestamp(object value, TableColumn column) => value switch
    {
        DateTime dt => DateTime.SpecifyKind(dt, DateTimeKind.Unspecified),
        DateTimeOffset dto => DateTime.SpecifyKind(dto.DateTime, DateTimeKind.Unspecified),
        DateOnly d => d.ToDateTime(TimeOnly.MinValue),
        string s when DateTime.TryParse(s.Trim(), CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed) => DateTime.SpecifyKind(parsed, DateTimeKind.Unspecified),
        _ => throw Cannot(value, column, "use yyyy-MM-dd HH:mm:ss[.ffffff]"),
    };

    private static DateTime TimestampTz(object value, TableColumn column) => value switch
    {
        DateTime { Kind: DateTimeKind.Utc } dt => dt,
        DateTime { Kind: DateTimeKind.Local } dt => dt.ToUniversalTime(),
        DateTime dt => DateTime.SpecifyKind(dt, DateTimeKind.Utc),
        DateTimeOffset dto => dto.UtcDateTime,
        DateOnly d => DateTime.SpecifyKind(d.ToDateTime(TimeOnly.MinValue), DateTimeKind.Utc),
        string s when DateTimeOffset.TryParse(s.Trim(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed) => parsed.UtcDateTime,
        _ => throw Cannot(value, column, "use yyyy-MM-dd HH:mm:ss[.ffffff][+hh:mm]"),
    };

    private static TimeOnly Time(object value, TableColumn column) => value switch
    {
        TimeOnly t => t,
        TimeSpan ts when ts >= TimeSpan.Zero && ts < TimeSpan.FromDays(1) => TimeOnly.FromTimeSpan(ts),
        DateTime dt => TimeOnly.FromDateTime(dt),
        string s when TimeOnly.TryParse(s.Trim(), CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed) => parsed,
        _ => throw Cannot(value, column, "use HH:mm:ss[.ffffff]"),
    };

    /// <summary>Text for a value of any type, culture-invariant (dates in ISO 8601).</summary>
    internal static string AsText(object value) => value switch
    {
        string s => s,
        DateTime dt => dt.ToString(dt.TimeOfDay == TimeSpan.Zero && dt.Kind != DateTimeKind.Utc ? "yyyy-MM-dd" : "yyyy-MM-dd HH:mm:ss.FFFFFF", CultureInfo.InvariantCulture),
        DateTimeOffset dto => dto.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFzzz", CultureInfo.InvariantCulture),
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };
}
