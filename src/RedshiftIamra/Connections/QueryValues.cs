using System.Buffers.Binary;
using System.Collections.Frozen;
using System.Globalization;
using System.Numerics;
using Npgsql;
using NpgsqlTypes;

namespace RedshiftIamra.Connections;

/// <summary>
/// An interval with months (Redshift's <c>INTERVAL YEAR TO MONTH</c>, PostgreSQL's general interval):
/// months, days and time kept apart, because a month has no fixed length. Intervals without
/// months come back as <see cref="TimeSpan"/>.
/// </summary>
public readonly record struct RedshiftInterval(int Months, int Days, TimeSpan Time)
{
    /// <summary>The server's own text form, e.g. <c>1 year 2 mons 3 days 04:05:06.789</c>.</summary>
    public override string ToString()
    {
        var parts = new List<string>();
        var years = Months / 12;
        var months = Months % 12;
        if (years != 0)
        {
            parts.Add(years + (Math.Abs(years) == 1 ? " year" : " years"));
        }

        if (months != 0)
        {
            parts.Add(months + (Math.Abs(months) == 1 ? " mon" : " mons"));
        }

        if (Days != 0)
        {
            parts.Add(Days + (Math.Abs(Days) == 1 ? " day" : " days"));
        }

        if (Time != TimeSpan.Zero || parts.Count == 0)
        {
            var sign = Time < TimeSpan.Zero ? "-" : string.Empty;
            var t = Time.Duration();
            var text = $"{sign}{(long)t.TotalHours:00}:{t.Minutes:00}:{t.Seconds:00}";
            var fraction = t.Ticks % TimeSpan.TicksPerSecond;
            if (fraction != 0)
            {
                text += "." + (fraction / 10).ToString("000000", CultureInfo.InvariantCulture).TrimEnd('0');
            }

            parts.Add(text);
        }

        return string.Join(' ', parts);
    }
}

/// <summary>
/// How a column value comes back, losslessly, for every type a Redshift column can hold.
/// <list type="bullet">
/// <item><c>numeric</c>/<c>decimal</c>: <see cref="decimal"/> when the value fits exactly (up to 28-29
/// significant digits, scale up to 28); otherwise <see cref="BigInteger"/> for a whole number and a
/// string with every digit (<c>12345678901234567890123456789.123456789</c>) for a fraction.</item>
/// <item><c>interval</c>: <see cref="TimeSpan"/> without months; <see cref="RedshiftInterval"/> with months.</item>
/// <item><c>date</c>, <c>timestamp</c>, <c>timestamptz</c>: <see cref="DateTime"/> (UTC kind for
/// timestamptz); <c>infinity</c>, <c>-infinity</c> and dates before year 1 (BC) as the server's text,
/// e.g. <c>infinity</c> or <c>0044-03-15 BC</c> — never a stand-in date such as 9999-12-31.</item>
/// <item><c>time</c>: <see cref="TimeSpan"/>; everything else as Npgsql reads it.</item>
/// </list>
/// </summary>
public static class QueryValues
{
    private const uint NumericOid = 1700;
    private const uint DateOid = 1082;
    private const uint TimestampOid = 1114;
    private const uint TimestampTzOid = 1184;
    private const uint IntervalOid = 1186;

    /// <summary>Days from 4714-11-24 BC (Julian day 0) to 2000-01-01, PostgreSQL's epoch.</summary>
    private const int PostgresEpochJulianDay = 2451545;

    private const long MicrosecondsPerDay = 86_400_000_000L;

    /// <summary>Member names PowerShell reserves on every object; a column of that name is renamed (<c>psobject</c> becomes <c>psobject_</c>).</summary>
    public static readonly IReadOnlySet<string> PowerShellReservedNames =
        new[] { "psobject", "psbase", "psadapted", "psextended", "pstypenames" }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Property names for a result's columns: unnamed columns become Column1, Column2...; a name
    /// PowerShell reserves gets a trailing underscore; repeated names (compared without case) get 2, 3...
    /// </summary>
    public static string[] ColumnNames(IReadOnlyList<string?> names)
    {
        var result = new string[names.Count];
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < names.Count; i++)
        {
            var name = names[i];
            if (string.IsNullOrEmpty(name) || name == "?column?")
            {
                name = $"Column{i + 1}";
            }

            if (PowerShellReservedNames.Contains(name))
            {
                name += "_";
            }

            var unique = name;
            for (var n = 2; !seen.Add(unique); n++)
            {
                unique = $"{name}{n}";
            }

            result[i] = unique;
        }

        return result;
    }

    /// <summary>The type a column's values have (object where it depends on the value, e.g. a numeric that may not fit decimal).</summary>
    public static Type ColumnType(NpgsqlDataReader reader, int ordinal)
    {
        var oid = reader.GetDataTypeOID(ordinal);
        if (oid is NumericOid or IntervalOid or DateOid or TimestampOid or TimestampTzOid)
        {
            return typeof(object);
        }

        if (oid == RedshiftResultTypes.VarbyteOid)
        {
            return typeof(byte[]);
        }

        Type type;
        try
        {
            type = reader.GetFieldType(ordinal);
        }
        catch (InvalidCastException)
        {
            // A Redshift type of a later result set (not read as text): its values fail clearly in Read.
            return typeof(object);
        }

        return type == typeof(DateOnly) ? typeof(DateTime) : type == typeof(TimeOnly) ? typeof(TimeSpan) : type;
    }

    /// <summary>
    /// The type of a DataTable column from its values: the one type all its values have (e.g.
    /// decimal for a numeric column whose values all fit), otherwise object, so that no value is
    /// changed to fit the column.
    /// </summary>
    public static Type CommonType(IReadOnlyList<object?[]> rows, int ordinal, Type declared)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(declared);
        Type? common = null;
        foreach (var row in rows)
        {
            var type = row[ordinal]?.GetType();
            if (type is null || type == common)
            {
                continue;
            }

            if (common is not null)
            {
                return typeof(object);
            }

            common = type;
        }

        return common ?? declared;
    }

    /// <summary>Reads one value of the current row (null for SQL NULL), losslessly.</summary>
    public static object? Read(NpgsqlDataReader reader, int ordinal)
    {
        ArgumentNullException.ThrowIfNull(reader);
        if (reader.IsDBNull(ordinal))
        {
            return null;
        }

        try
        {
            return reader.GetDataTypeOID(ordinal) switch
            {
                NumericOid => Numeric(Raw(reader, ordinal)),
                IntervalOid => Interval(reader.GetFieldValue<NpgsqlInterval>(ordinal)),
                DateOid => Date(reader.GetFieldValue<int>(ordinal)),
                TimestampOid => Timestamp(reader.GetFieldValue<long>(ordinal), utc: false),
                TimestampTzOid => Timestamp(reader.GetFieldValue<long>(ordinal), utc: true),
                _ => reader.GetValue(ordinal) switch
                {
                    // PowerShell compares dates with [datetime]: DateOnly and TimeOnly as DateTime and TimeSpan.
                    DateOnly date => date.ToDateTime(TimeOnly.MinValue),
                    TimeOnly time => time.ToTimeSpan(),
                    // A Redshift type read as text: SUPER as its JSON, VARBYTE as bytes.
                    string text => RedshiftResultTypes.ToValue(reader.GetDataTypeOID(ordinal), text),
                    var value => value,
                },
            };
        }
        catch (Exception e) when (e is InvalidCastException or NotSupportedException or OverflowException or ArgumentOutOfRangeException)
        {
            throw new IamraException(ErrorIds.Query.UnreadableValue, IamraErrorCategory.InvalidData,
                $"The value in column '{reader.GetName(ordinal)}' (type {reader.GetDataTypeName(ordinal)}) cannot be read: {e.Message} Cast it to varchar in the query to get its text.",
                reader.GetName(ordinal), e);
        }
    }

    private static byte[] Raw(NpgsqlDataReader reader, int ordinal)
    {
        using var stream = reader.GetStream(ordinal);
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }

    /// <summary>A numeric in PostgreSQL's binary form (base-10000 digits) as decimal, BigInteger or exact text.</summary>
    internal static object Numeric(ReadOnlySpan<byte> raw)
    {
        var count = BinaryPrimitives.ReadInt16BigEndian(raw);
        var weight = BinaryPrimitives.ReadInt16BigEndian(raw[2..]);
        var sign = BinaryPrimitives.ReadUInt16BigEndian(raw[4..]);
        var scale = BinaryPrimitives.ReadUInt16BigEndian(raw[6..]);
        switch (sign)
        {
            case 0xC000:
                return double.NaN;
            case 0xD000:
                return double.PositiveInfinity;
            case 0xF000:
                return double.NegativeInfinity;
        }

        var digits = BigInteger.Zero;
        for (var i = 0; i < count; i++)
        {
            digits = (digits * 10000) + BinaryPrimitives.ReadInt16BigEndian(raw[(8 + (2 * i))..]);
        }

        // value = digits * 10^exponent; unscaled = value * 10^scale.
        var exponent = 4 * (weight - count + 1);
        var shift = exponent + scale;
        var unscaled = shift >= 0 ? digits * BigInteger.Pow(10, shift) : digits / BigInteger.Pow(10, -shift);
        if (sign == 0x4000)
        {
            unscaled = -unscaled;
        }

        return Numeric(unscaled, scale);
    }

    /// <summary>An exact value (unscaled digits and scale) as decimal when it fits, else BigInteger (whole) or exact text.</summary>
    internal static object Numeric(BigInteger unscaled, int scale)
    {
        if (ToDecimal(unscaled, scale) is { } exact)
        {
            return exact;
        }

        // Trailing zeros of the scale do not change the value: 1.000...0 (30 places) is still 1.
        var trimmed = unscaled;
        var trimmedScale = scale;
        while (trimmedScale > 0 && !trimmed.IsZero && trimmed % 10 == 0)
        {
            trimmed /= 10;
            trimmedScale--;
        }

        if (trimmed.IsZero)
        {
            trimmedScale = 0;
        }

        if (ToDecimal(trimmed, trimmedScale) is { } fits)
        {
            return fits;
        }

        if (trimmedScale == 0)
        {
            return trimmed;
        }

        var text = BigInteger.Abs(unscaled).ToString(CultureInfo.InvariantCulture).PadLeft(scale + 1, '0');
        return (unscaled.Sign < 0 ? "-" : string.Empty) + text[..^scale] + "." + text[^scale..];
    }

    private static readonly BigInteger MaxMantissa = (BigInteger.One << 96) - 1;

    private static decimal? ToDecimal(BigInteger unscaled, int scale)
    {
        if (scale > 28 || BigInteger.Abs(unscaled) > MaxMantissa)
        {
            return null;
        }

        var magnitude = BigInteger.Abs(unscaled);
        var lo = (int)(uint)(magnitude & uint.MaxValue);
        var mid = (int)(uint)((magnitude >> 32) & uint.MaxValue);
        var hi = (int)(uint)((magnitude >> 64) & uint.MaxValue);
        return new decimal(lo, mid, hi, unscaled.Sign < 0, (byte)scale);
    }

    internal static object Interval(NpgsqlInterval interval) =>
        interval.Months == 0
            ? TimeSpan.FromDays(interval.Days) + TimeSpan.FromTicks(interval.Time * 10)
            : new RedshiftInterval(interval.Months, interval.Days, TimeSpan.FromTicks(interval.Time * 10));

    /// <summary>A date as days since 2000-01-01 (PostgreSQL's binary form).</summary>
    internal static object Date(int days)
    {
        if (days == int.MaxValue)
        {
            return "infinity";
        }

        if (days == int.MinValue)
        {
            return "-infinity";
        }

        var (year, month, day) = FromJulianDay(days + PostgresEpochJulianDay);
        if (year >= 1 && year <= 9999)
        {
            return new DateTime(year, month, day, 0, 0, 0, DateTimeKind.Unspecified);
        }

        return DateText(year, month, day, string.Empty);
    }

    /// <summary>A timestamp as microseconds since 2000-01-01 00:00 (PostgreSQL's binary form).</summary>
    internal static object Timestamp(long microseconds, bool utc)
    {
        if (microseconds == long.MaxValue)
        {
            return "infinity";
        }

        if (microseconds == long.MinValue)
        {
            return "-infinity";
        }

        var days = microseconds / MicrosecondsPerDay;
        var ofDay = microseconds % MicrosecondsPerDay;
        if (ofDay < 0)
        {
            days--;
            ofDay += MicrosecondsPerDay;
        }

        var (year, month, day) = FromJulianDay((int)days + PostgresEpochJulianDay);
        var time = TimeSpan.FromTicks(ofDay * 10);
        if (year >= 1 && year <= 9999)
        {
            return new DateTime(year, month, day, 0, 0, 0, utc ? DateTimeKind.Utc : DateTimeKind.Unspecified) + time;
        }

        var clock = time.ToString(time.Ticks % TimeSpan.TicksPerSecond == 0 ? @"hh\:mm\:ss" : @"hh\:mm\:ss\.ffffff", CultureInfo.InvariantCulture).TrimEnd('0').TrimEnd('.');
        return DateText(year, month, day, " " + clock + (utc ? "+00" : string.Empty));
    }

    /// <summary>PostgreSQL's text form: <c>0044-03-15 BC</c>, and years past 9999 in full.</summary>
    private static string DateText(int year, int month, int day, string time)
    {
        var bc = year <= 0;
        var shown = bc ? 1 - year : year;
        return string.Create(CultureInfo.InvariantCulture, $"{shown:0000}-{month:00}-{day:00}{time}{(bc ? " BC" : string.Empty)}");
    }

    /// <summary>The proleptic Gregorian date of a Julian day number (year 0 is 1 BC), as PostgreSQL computes it.</summary>
    internal static (int Year, int Month, int Day) FromJulianDay(int julianDay)
    {
        var julian = (uint)julianDay + 32044u;
        var quad = julian / 146097u;
        var extra = ((julian - (quad * 146097u)) * 4u) + 3u;
        julian += 60u + (quad * 3u) + (extra / 146097u);
        quad = julian / 1461u;
        julian -= quad * 1461u;
        var y = (int)(julian * 4u / 1461u);
        julian = (uint)((y != 0 ? (julian + 305u) % 365u : (julian + 306u) % 366u) + 123u);
        y += (int)quad * 4;
        var year = y - 4800;
        var q = (int)(julian * 2141u / 65536u);
        var day = (int)julian - (7834 * q / 256);
        var month = ((q + 10) % 12) + 1;
        return (year, month, day);
    }

}
