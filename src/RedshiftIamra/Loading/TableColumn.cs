using System.Globalization;
using Npgsql;

namespace RedshiftIamra.Loading;

/// <summary>How a column's values are checked, converted and sent.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1720:Identifier contains type name", Justification = "Each member names the .NET type the column's values convert to; the names are public (module output, saved settings) and read best as they are.")]
public enum ColumnKind
{
    Int16,
    Int32,
    Int64,
    Decimal,
    Single,
    Double,
    Boolean,
    String,
    Date,
    Timestamp,
    TimestampTz,
    Time,

    /// <summary>Any other type (SUPER, GEOMETRY, VARBYTE, ...): sent as text for the server to convert.</summary>
    Other,
}

/// <summary>A column of the target table, as the catalog describes it.</summary>
public sealed record TableColumn(string Name, string DataType, int? MaxLength, int? Precision, int? Scale, bool Nullable, bool HasDefault)
{
    public ColumnKind Kind { get; } = KindOf(DataType);

    /// <summary>The column's type as SQL (<c>character varying(20)</c>, <c>numeric(10,2)</c>).</summary>
    public string SqlType => Kind switch
    {
        ColumnKind.String when MaxLength is { } n => $"{DataType}({n.ToString(CultureInfo.InvariantCulture)})",
        ColumnKind.Decimal when Precision is { } p => $"{DataType}({p.ToString(CultureInfo.InvariantCulture)},{(Scale ?? 0).ToString(CultureInfo.InvariantCulture)})",
        _ => DataType,
    };

    public static ColumnKind KindOf(string dataType) => dataType.ToLowerInvariant() switch
    {
        "smallint" or "int2" => ColumnKind.Int16,
        "integer" or "int" or "int4" => ColumnKind.Int32,
        "bigint" or "int8" => ColumnKind.Int64,
        "numeric" or "decimal" => ColumnKind.Decimal,
        "real" or "float4" => ColumnKind.Single,
        "double precision" or "float8" or "float" => ColumnKind.Double,
        "boolean" or "bool" => ColumnKind.Boolean,
        "character varying" or "varchar" or "character" or "char" or "bpchar" or "text" or "nchar" or "nvarchar" => ColumnKind.String,
        "date" => ColumnKind.Date,
        "timestamp without time zone" or "timestamp" => ColumnKind.Timestamp,
        "timestamp with time zone" or "timestamptz" => ColumnKind.TimestampTz,
        "time without time zone" or "time" => ColumnKind.Time,
        _ => ColumnKind.Other,
    };
}

/// <summary>Reads a table's columns from the catalog (information_schema.columns, which Redshift and PostgreSQL both have).</summary>
internal static class TableCatalog
{
    private const string ColumnsSql = """
        select column_name, data_type, character_maximum_length, numeric_precision, numeric_scale, is_nullable, column_default
        from information_schema.columns
        where table_schema = coalesce($1, current_schema()) and table_name = $2
        order by ordinal_position
        """;

    public static List<TableColumn> ReadColumns(NpgsqlConnection connection, NpgsqlTransaction? transaction, TableName table)
    {
        using var command = new NpgsqlCommand(ColumnsSql, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)table.Schema ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Varchar });
        command.Parameters.Add(new NpgsqlParameter { Value = table.Table, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Varchar });
        var columns = new List<TableColumn>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            int? Number(int i) => reader.IsDBNull(i) ? null : Convert.ToInt32(reader.GetValue(i), CultureInfo.InvariantCulture);
            columns.Add(new TableColumn(
                reader.GetString(0),
                reader.GetString(1),
                Number(2),
                Number(3),
                Number(4),
                !string.Equals(reader.GetString(5), "NO", StringComparison.OrdinalIgnoreCase),
                !reader.IsDBNull(6)));
        }

        return columns;
    }

    /// <summary>Whether the server is Redshift (its version() says so), for the statements only Redshift has (DISTSTYLE).</summary>
    public static bool IsRedshift(NpgsqlConnection connection, NpgsqlTransaction? transaction)
    {
        using var command = new NpgsqlCommand("select version()", connection, transaction);
        return command.ExecuteScalar() is string version && version.Contains("Redshift", StringComparison.OrdinalIgnoreCase);
    }
}
