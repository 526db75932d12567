using System.Globalization;
using System.Text;

namespace RedshiftIamra.Sandbox.Bulk;

/// <summary>A target column as COPY sees it.</summary>
internal sealed record TargetColumn(string Name, string TypeName, string FormattedType, bool NotNull, int TypeModifier, bool Identity = false)
{
    /// <summary>The declared length of CHAR/VARCHAR, in bytes as Redshift counts (null: unbounded).</summary>
    public int? CharacterLength => TypeName is "varchar" or "bpchar" && TypeModifier > 4 ? TypeModifier - 4 : null;

    public bool IsCharacter => TypeName is "varchar" or "bpchar" or "text";

    /// <summary>The type as STL_LOAD_ERRORS names it (char(10)).</summary>
    public string LoadErrorType => FormattedType.Length <= 10 ? FormattedType : FormattedType[..10];
}

/// <summary>Why a field or record could not be loaded: Redshift's load error code and reason.</summary>
internal sealed record LoadProblem(int Code, string Reason, TargetColumn? Column = null, string? RawValue = null, int Position = 0);

/// <summary>
/// Checks and converts one field for its target column the way Redshift's COPY does, so a bad
/// value becomes a load error row (STL_LOAD_ERRORS) instead of a PostgreSQL error. Codes and
/// reasons: Redshift Database Developer Guide, "Load error reference".
/// </summary>
internal static class RedshiftFieldChecker
{
    private static readonly string[] s_autoDateFormats =
    [
        "yyyy-MM-dd", "yyyy/MM/dd", "yyyyMMdd", "MM/dd/yyyy", "MM-dd-yyyy", "dd MMM yyyy", "MMM dd yyyy", "yyyy.MM.dd", "MMMM dd, yyyy", "MMM dd, yyyy",
    ];

    private static readonly string[] s_autoTimestampFormats =
    [
        "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm:ss.FFFFFF", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss.FFFFFF", "yyyy-MM-dd'T'HH:mm:ssK",
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFK", "yyyy-MM-dd HH:mm:ssK", "yyyy-MM-dd HH:mm:ss.FFFFFFK", "yyyy-MM-dd HH:mm", "yyyy/MM/dd HH:mm:ss", "MM/dd/yyyy HH:mm:ss",
        "yyyyMMdd HHmmss", "yyyy-MM-dd",
    ];

    /// <summary>
    /// Null (SQL NULL) or the value in PostgreSQL's text input form; a <see cref="LoadProblem"/> when the value cannot be loaded.
    /// </summary>
    /// <param name="value">The field as read (null: SQL NULL from the file format).</param>
    /// <param name="quoted">Whether it was quoted (a quoted empty string is an empty string, not NULL).</param>
    public static string? Convert(string? value, bool quoted, TargetColumn column, BulkOptions options, out LoadProblem? problem)
    {
        problem = null;
        if (value is not null && !quoted && options.NullAs is { } nullAs && value == nullAs)
        {
            value = null;
        }

        if (value is not null && column.IsCharacter)
        {
            if ((options.EmptyAsNull && value.Length == 0) || (options.BlanksAsNull && value.Length > 0 && string.IsNullOrWhiteSpace(value)))
            {
                value = null;
            }
        }
        else if (value is not null && value.Length == 0 && !quoted)
        {
            // Empty fields of other types always load NULL (COPY parameter EMPTYASNULL).
            value = null;
        }
        else if (value is not null && !column.IsCharacter && string.IsNullOrWhiteSpace(value))
        {
            value = null;
        }

        if (value is null)
        {
            if (column.NotNull)
            {
                problem = new LoadProblem(1213, "Missing data for not-null field", column, string.Empty);
            }

            return null;
        }

        switch (column.TypeName)
        {
            case "int2":
            case "int4":
            case "int8":
            {
                var text = value.Trim();
                var typeName = column.TypeName switch { "int2" => "Short", "int4" => "Integer", _ => "Long" };
                for (var p = 0; p < text.Length; p++)
                {
                    if (!char.IsAsciiDigit(text[p]) && !(p == 0 && text[p] is '-' or '+'))
                    {
                        problem = new LoadProblem(1207, $"Invalid digit, Value '{text[p]}', Pos {p}, Type: {typeName}", column, value, p);
                        return null;
                    }
                }

                var ok = column.TypeName switch
                {
                    "int2" => short.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _),
                    "int4" => int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _),
                    _ => long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _),
                };
                if (!ok)
                {
                    problem = new LoadProblem(1204, $"Overflow, Value '{Short(text)}', Type: {typeName}", column, value);
                    return null;
                }

                return text;
            }

            case "numeric":
            {
                var text = value.Trim();
                if (!decimal.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
                {
                    var bad = text.Select((ch, p) => (ch, p)).FirstOrDefault(x => !char.IsAsciiDigit(x.ch) && x.ch != '.' && !(x.p == 0 && x.ch is '-' or '+'));
                    problem = new LoadProblem(1207, $"Invalid digit, Value '{(bad.ch == default ? '.' : bad.ch)}', Pos {bad.p}, Type: Decimal", column, value, bad.p);
                    return null;
                }

                if (column.TypeModifier > 4)
                {
                    var precision = ((column.TypeModifier - 4) >> 16) & 0xFFFF;
                    var scale = (column.TypeModifier - 4) & 0xFFFF;
                    var integerDigits = Math.Truncate(Math.Abs(number)).ToString(CultureInfo.InvariantCulture).TrimStart('0').Length;
                    if (integerDigits > precision - scale)
                    {
                        problem = new LoadProblem(1204, $"Numeric data overflow (result precision), Value '{Short(text)}'", column, value);
                        return null;
                    }
                }

                return text;
            }

            case "float4":
            case "float8":
            {
                var text = value.Trim();
                if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _) && !text.Equals("NaN", StringComparison.OrdinalIgnoreCase)
                    && !text.Equals("Infinity", StringComparison.OrdinalIgnoreCase) && !text.Equals("-Infinity", StringComparison.OrdinalIgnoreCase))
                {
                    problem = new LoadProblem(1208, $"Invalid float value '{Short(text)}'", column, value);
                    return null;
                }

                return text;
            }

            case "bool":
            {
                var text = value.Trim().ToLowerInvariant();
                if (text is "t" or "true" or "1" or "y" or "yes" or "on")
                {
                    return "true";
                }

                if (text is "f" or "false" or "0" or "n" or "no" or "off")
                {
                    return "false";
                }

                problem = new LoadProblem(1210, $"Invalid boolean value '{Short(value)}'", column, value);
                return null;
            }

            case "date":
            {
                var text = value.Trim();
                var formats = options.DateFormat is null ? ["yyyy-MM-dd"] : options.DateFormat.Equals("auto", StringComparison.OrdinalIgnoreCase) ? s_autoDateFormats : [DotNetFormat(options.DateFormat)];
                if (!DateTime.TryParseExact(text, formats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
                {
                    problem = new LoadProblem(1205, text.Length < 10 && options.DateFormat is null
                        ? "Invalid Date Format - length must be 10 or more"
                        : $"Invalid date format or value [{options.DateFormat ?? "YYYY-MM-DD"}]", column, value);
                    return null;
                }

                return date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            }

            case "timestamp":
            case "timestamptz":
            {
                var text = value.Trim();
                var formats = options.TimeFormat is null ? ["yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm:ss.FFFFFF", "yyyy-MM-dd HH:mm:ssK", "yyyy-MM-dd HH:mm:ss.FFFFFFK"]
                    : options.TimeFormat.Equals("auto", StringComparison.OrdinalIgnoreCase) ? s_autoTimestampFormats : [DotNetFormat(options.TimeFormat)];
                if (!DateTimeOffset.TryParseExact(text, formats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
                {
                    problem = new LoadProblem(1206, $"Invalid timestamp format or value [{options.TimeFormat ?? "YYYY-MM-DD HH24:MI:SS"}]", column, value);
                    return null;
                }

                return column.TypeName == "timestamp"
                    ? time.DateTime.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture)
                    : time.ToString("yyyy-MM-dd HH:mm:ss.ffffffzzz", CultureInfo.InvariantCulture);
            }

            case "varchar":
            case "bpchar":
            {
                if (column.CharacterLength is { } length && Encoding.UTF8.GetByteCount(value) > length)
                {
                    problem = new LoadProblem(1204, "String length exceeds DDL length", column, value);
                    return null;
                }

                return value;
            }

            default:
                return value;
        }
    }

    /// <summary>A Redshift datetime format (YYYY, MM, DD, HH24, HH, MI, SS, MON) as a .NET format.</summary>
    private static string DotNetFormat(string redshift) => redshift
        .Replace("YYYY", "yyyy", StringComparison.Ordinal)
        .Replace("HH24", "HH", StringComparison.Ordinal)
        .Replace("MI", "mm", StringComparison.Ordinal)
        .Replace("SS", "ss", StringComparison.Ordinal)
        .Replace("MON", "MMM", StringComparison.Ordinal)
        .Replace("DD", "dd", StringComparison.Ordinal);

    private static string Short(string text) => text.Length <= 40 ? text : text[..40];
}
