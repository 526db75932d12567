using System.Text;

namespace RedshiftIamra.Loading;

/// <summary>A table named by the user: an optional schema and a table, unquoted as the catalog stores them.</summary>
public sealed record TableName(string? Schema, string Table)
{
    /// <summary>The name quoted for SQL: <c>"schema"."table"</c>.</summary>
    public string Quoted => Schema is null ? SqlText.QuoteIdentifier(Table) : SqlText.QuoteIdentifier(Schema) + "." + SqlText.QuoteIdentifier(Table);

    public override string ToString() => Schema is null ? Table : Schema + "." + Table;

    /// <summary>
    /// Parses <c>table</c>, <c>schema.table</c> or double-quoted parts (<c>"My Schema"."t"</c>).
    /// Unquoted parts fold to lower case, as Redshift folds identifiers.
    /// </summary>
    public static TableName Parse(string text)
    {
        var parts = SqlText.SplitQualified(text ?? string.Empty);
        return parts.Count switch
        {
            1 => new TableName(null, parts[0]),
            2 => new TableName(parts[0], parts[1]),
            _ => throw Invalid(text),
        };
    }

    /// <summary>A table given as a name and, separately, its schema (<c>-Table t -Schema s</c>); the schema may also be in the name, not in both.</summary>
    public static TableName Parse(string text, string? schema)
    {
        var name = Parse(text);
        if (schema is null)
        {
            return name;
        }

        if (name.Schema is not null)
        {
            throw new IamraException(ErrorIds.Loading.InvalidTableName, IamraErrorCategory.InvalidArgument,
                $"'{text}' already names its schema; give the schema either in the table name or as -Schema '{schema}', not both.", text);
        }

        var parts = SqlText.SplitQualified(schema);
        return parts.Count == 1 ? name with { Schema = parts[0] } : throw Invalid(schema);
    }

    internal static IamraException Invalid(string? text) => new(ErrorIds.Loading.InvalidTableName, IamraErrorCategory.InvalidArgument,
        $"'{text}' is not a table name: give table or schema.table (quote a part with \" when it holds a dot, a space or capitals).", text);
}

/// <summary>
/// The one place SQL text is quoted: identifiers (double quotes, doubled inside) and string
/// literals (single quotes, doubled inside; Redshift also treats backslash as an escape in
/// literals, so backslashes are doubled too). Values never go into SQL text: they are parameters.
/// </summary>
public static class SqlText
{
    /// <summary>Redshift's limit for an identifier, in bytes.</summary>
    public const int MaxIdentifierBytes = 127;

    public static string QuoteIdentifier(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length == 0 || name.Contains('\0', StringComparison.Ordinal))
        {
            throw new IamraException(ErrorIds.Loading.InvalidTableName, IamraErrorCategory.InvalidArgument, "An identifier is empty or holds a NUL character.", name);
        }

        return "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }

    /// <summary>A string literal for the parts of a statement that cannot be parameters (COPY's S3 URL, role, UNLOAD's query).</summary>
    public static string QuoteLiteral(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException("A SQL literal cannot hold a NUL character.", nameof(value));
        }

        return "'" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "''", StringComparison.Ordinal) + "'";
    }

    /// <summary>Splits <c>a.b</c> / <c>"A.x"."b"</c> into its parts; unquoted parts are lower-cased and must be plain identifiers.</summary>
    internal static List<string> SplitQualified(string text)
    {
        var parts = new List<string>();
        var i = 0;
        while (true)
        {
            if (i >= text.Length)
            {
                throw TableName.Invalid(text);
            }

            var part = new StringBuilder();
            if (text[i] == '"')
            {
                i++;
                while (true)
                {
                    if (i >= text.Length)
                    {
                        throw TableName.Invalid(text);
                    }

                    if (text[i] == '"')
                    {
                        if (i + 1 < text.Length && text[i + 1] == '"')
                        {
                            part.Append('"');
                            i += 2;
                            continue;
                        }

                        i++;
                        break;
                    }

                    part.Append(text[i++]);
                }
            }
            else
            {
                while (i < text.Length && text[i] != '.')
                {
                    var c = text[i];
                    if (!(char.IsLetterOrDigit(c) || c == '_' || c == '$') || (part.Length == 0 && char.IsDigit(c)))
                    {
                        throw TableName.Invalid(text);
                    }

                    part.Append(char.ToLowerInvariant(c));
                    i++;
                }
            }

            if (part.Length == 0 || Encoding.UTF8.GetByteCount(part.ToString()) > MaxIdentifierBytes)
            {
                throw TableName.Invalid(text);
            }

            parts.Add(part.ToString());
            if (i == text.Length)
            {
                return parts;
            }

            if (text[i] != '.')
            {
                throw TableName.Invalid(text);
            }

            i++;
        }
    }
}
