using System.Collections;
using System.Globalization;
using System.Numerics;
using System.Security;
using Npgsql;
using NpgsqlTypes;

namespace RedshiftIamra.Connections;

/// <summary>
/// How a query parameter's value is sent: always typed, never spliced into the SQL text. The
/// mapping (documented in Invoke-RedshiftQuery's help):
/// <list type="bullet">
/// <item>null / DBNull: NULL.</item>
/// <item>string, char: text. Guid: its text (Redshift has no uuid type). An enum value: its name as text (pass <c>[int]$value</c> for the number).</item>
/// <item>bool: boolean. sbyte, byte, short: smallint. ushort, int: integer. uint, long: bigint.
/// ulong, decimal, BigInteger: numeric, every digit kept. float: real. double: double precision.</item>
/// <item>DateTime: UTC kind as timestamptz; local kind converted to UTC, as timestamptz (the same
/// instant); unspecified kind as timestamp (the wall-clock time as written). DateTimeOffset: any
/// offset, converted to UTC, as timestamptz. DateOnly: date. TimeOnly: time. TimeSpan: interval.</item>
/// <item>byte[]: binary (bytea / varbyte).</item>
/// </list>
/// Refused before the query is sent, with what to pass instead: SecureString (decrypt it
/// explicitly), dictionaries and objects with properties (pass JSON text or one parameter per
/// property), lists and arrays (Redshift has no array parameters: one parameter per element),
/// and any other type.
/// </summary>
public static class QueryParameters
{
    /// <summary>A parameter for <paramref name="name"/> (with or without a leading @ or :) and its value, or a clear refusal.</summary>
    public static NpgsqlParameter Map(string? name, object? value)
    {
        var bare = name?.TrimStart('@', ':');
        if (string.IsNullOrWhiteSpace(bare))
        {
            throw Refuse(name ?? string.Empty, "has an empty name", "Use @{ name = value } and @name in the SQL.");
        }

        return value switch
        {
            null or DBNull => new NpgsqlParameter(bare, DBNull.Value),
            string s => Typed(bare, NpgsqlDbType.Text, s),
            char c => Typed(bare, NpgsqlDbType.Text, c.ToString()),
            bool b => Typed(bare, NpgsqlDbType.Boolean, b),
            sbyte n => Typed(bare, NpgsqlDbType.Smallint, (short)n),
            byte n => Typed(bare, NpgsqlDbType.Smallint, (short)n),
            short n => Typed(bare, NpgsqlDbType.Smallint, n),
            ushort n => Typed(bare, NpgsqlDbType.Integer, (int)n),
            int n => Typed(bare, NpgsqlDbType.Integer, n),
            uint n => Typed(bare, NpgsqlDbType.Bigint, (long)n),
            long n => Typed(bare, NpgsqlDbType.Bigint, n),
            ulong n => Typed(bare, NpgsqlDbType.Numeric, (decimal)n),
            decimal n => Typed(bare, NpgsqlDbType.Numeric, n),
            BigInteger n => Typed(bare, NpgsqlDbType.Numeric, n),
            float n => Typed(bare, NpgsqlDbType.Real, n),
            double n => Typed(bare, NpgsqlDbType.Double, n),
            DateTime { Kind: DateTimeKind.Utc } t => Typed(bare, NpgsqlDbType.TimestampTz, t),
            DateTime { Kind: DateTimeKind.Local } t => Typed(bare, NpgsqlDbType.TimestampTz, t.ToUniversalTime()),
            DateTime t => Typed(bare, NpgsqlDbType.Timestamp, t),
            DateTimeOffset t => Typed(bare, NpgsqlDbType.TimestampTz, t.ToUniversalTime()),
            DateOnly d => Typed(bare, NpgsqlDbType.Date, d),
            TimeOnly t => Typed(bare, NpgsqlDbType.Time, t),
            TimeSpan t => Typed(bare, NpgsqlDbType.Interval, t),
            Guid g => Typed(bare, NpgsqlDbType.Text, g.ToString("D", CultureInfo.InvariantCulture)),
            Enum e => Typed(bare, NpgsqlDbType.Text, e.ToString()),
            byte[] bytes => Typed(bare, NpgsqlDbType.Bytea, bytes),
            SecureString => throw Refuse(bare, "is a SecureString, which is never decrypted behind your back",
                $"Decrypt it explicitly if you mean to send it: @{{ {bare} = ($value | ConvertFrom-SecureString -AsPlainText) }}."),
            IDictionary => throw Refuse(bare, $"is a dictionary ({value.GetType().Name})",
                $"Pass one parameter per key (@{bare}_key), or JSON text: @{{ {bare} = ($value | ConvertTo-Json -Compress) }}."),
            IEnumerable => throw Refuse(bare, $"is a list ({value.GetType().Name}); Redshift has no array parameters",
                $"Pass one parameter per element (@{bare}1, @{bare}2, ...), or a single value."),
            _ => throw Refuse(bare, $"has the type {value.GetType().FullName}, which has no database type",
                $"Pass a string, number, boolean, date/time (DateTime, DateTimeOffset, DateOnly, TimeOnly, TimeSpan), Guid, enum or byte[]; for an object, one parameter per property or JSON text ($value | ConvertTo-Json -Compress)."),
        };
    }

    private static NpgsqlParameter Typed(string name, NpgsqlDbType type, object value) => new(name, type) { Value = value };

    private static IamraException Refuse(string name, string what, string todo) =>
        new(ErrorIds.Query.InvalidParameter, IamraErrorCategory.InvalidArgument, $"The query parameter @{name} {what}. {todo}", name);
}
