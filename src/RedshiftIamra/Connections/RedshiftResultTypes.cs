using System.Data;
using System.Globalization;
using Npgsql;

namespace RedshiftIamra.Connections;

/// <summary>
/// Redshift's own column types (SUPER 4000, VARBYTE 6551, GEOMETRY 3000, ...) have no Npgsql
/// converter: Npgsql refuses to read them as they come. A query that returns such a column is
/// run again with those columns in text form: SUPER as its JSON text, VARBYTE as bytes.
/// </summary>
public static class RedshiftResultTypes
{
    /// <summary>Redshift's VARBYTE type OID.</summary>
    public const uint VarbyteOid = 6551;

    public const string UnreadableErrorId = ErrorIds.Query.UnreadableColumnType;

    /// <summary>
    /// Executes <paramref name="command"/>; when its first result has columns Npgsql cannot read
    /// and the command is one query (SELECT/WITH/SHOW: running it again changes nothing), runs it
    /// again reading those columns as text. A command with other statements is refused with a
    /// clear error instead of running twice.
    /// </summary>
    public static NpgsqlDataReader ExecuteReader(NpgsqlCommand command, CommandBehavior behavior = CommandBehavior.Default)
    {
        ArgumentNullException.ThrowIfNull(command);
        var reader = command.ExecuteReader(behavior);
        if (command.UnknownResultTypeList is not null || Unreadable(reader) is not { } columns)
        {
            return reader;
        }

        reader.Dispose();
        if (!IsSingleQuery(command.CommandText))
        {
            throw MultiStatement();
        }

        command.UnknownResultTypeList = columns;
        return command.ExecuteReader(behavior);
    }

    /// <summary>The error for a command of several statements whose first result the driver cannot read (it is not run twice).</summary>
    public static IamraException MultiStatement() =>
        new(UnreadableErrorId, IamraErrorCategory.InvalidData,
            "The result has a column of a Redshift type the driver cannot read (SUPER, VARBYTE, GEOMETRY, ...), and the command has more than one statement, so it is not run again as text. Run the query on its own, or cast the column (JSON_SERIALIZE(col), TO_HEX(col), ST_AsText(col)).");

    /// <summary>The error for a column the driver cannot read even as text (a later result of a multi-statement command).</summary>
    public static IamraException Unreadable(string column, uint typeOid) =>
        new(UnreadableErrorId, IamraErrorCategory.InvalidData,
            $"Column '{column}' has a Redshift type the driver cannot read (type OID {typeOid}: SUPER, VARBYTE, GEOMETRY, ...). Run the query on its own (it is then read as text), or cast the column (JSON_SERIALIZE(col), TO_HEX(col), ST_AsText(col)).");

    /// <summary>Which columns of the current result Npgsql cannot read (null when it can read all).</summary>
    public static bool[]? Unreadable(NpgsqlDataReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        bool[]? columns = null;
        for (var i = 0; i < reader.FieldCount; i++)
        {
            try
            {
                _ = reader.GetFieldType(i);
            }
            catch (InvalidCastException)
            {
                columns ??= new bool[reader.FieldCount];
                columns[i] = true;
            }
        }

        return columns;
    }

    /// <summary>A value read as text turned into what a user can use: VARBYTE as bytes (hex, with or without <c>\x</c>); anything else as it is.</summary>
    public static object ToValue(uint typeOid, object value)
    {
        if (typeOid == VarbyteOid && value is string hex)
        {
            var digits = hex.StartsWith("\\x", StringComparison.Ordinal) ? hex[2..] : hex;
            try
            {
                return Convert.FromHexString(digits);
            }
            catch (FormatException)
            {
                return hex;
            }
        }

        return value;
    }

    /// <summary>Whether the text is one query statement (SELECT, WITH, SHOW, VALUES), a trailing semicolon allowed.</summary>
    public static bool IsSingleQuery(string sql)
    {
        ArgumentNullException.ThrowIfNull(sql);
        var text = sql.Trim().TrimEnd(';').TrimStart('(', ' ', '\t', '\r', '\n');
        if (text.Contains(';', StringComparison.Ordinal))
        {
            return false;
        }

        var end = 0;
        while (end < text.Length && char.IsLetter(text[end]))
        {
            end++;
        }

        return text[..end].ToUpper(CultureInfo.InvariantCulture) is "SELECT" or "WITH" or "SHOW" or "VALUES";
    }
}
