using System.Globalization;
using System.Text;
using RedshiftIamra.Sandbox.Front;

namespace RedshiftIamra.Sandbox.Bulk;

/// <summary>A token of a COPY or UNLOAD statement.</summary>
internal readonly record struct BulkToken(BulkTokenKind Kind, string Text)
{
    public bool IsWord(string word) => Kind == BulkTokenKind.Word && Text.Equals(word, StringComparison.OrdinalIgnoreCase);
}

internal enum BulkTokenKind
{
    Word,
    QuotedIdentifier,
    String,
    Number,
    Symbol,
}

/// <summary>The data format of a COPY or UNLOAD.</summary>
internal enum BulkFormat
{
    /// <summary>Delimited text (Redshift's default: <c>|</c>, no quoting).</summary>
    Text,
    Csv,
    Json,
    Parquet,
}

/// <summary>A parsed <c>COPY table [(columns)] FROM 's3://...' ...</c>.</summary>
internal sealed record CopyStatement
{
    public required string Table { get; init; }

    public IReadOnlyList<string>? Columns { get; init; }

    public required string Source { get; init; }

    public required BulkOptions Options { get; init; }
}

/// <summary>A parsed <c>UNLOAD ('select ...') TO 's3://...' ...</c>.</summary>
internal sealed record UnloadStatement
{
    public required string Query { get; init; }

    public required string Target { get; init; }

    public required BulkOptions Options { get; init; }
}

/// <summary>The options of a COPY or UNLOAD (Redshift Database Developer Guide: COPY parameters, UNLOAD parameters).</summary>
internal sealed class BulkOptions
{
    /// <summary>The role ARN of IAM_ROLE (or CREDENTIALS 'aws_iam_role=...'); null for <c>IAM_ROLE default</c>.</summary>
    public string? IamRole { get; set; }

    public bool HasAuthorization { get; set; }

    public BulkFormat Format { get; set; } = BulkFormat.Text;

    public string? JsonPaths { get; set; }

    public char? Delimiter { get; set; }

    public char Quote { get; set; } = '"';

    public int IgnoreHeader { get; set; }

    public string? NullAs { get; set; }

    public bool EmptyAsNull { get; set; }

    public bool BlanksAsNull { get; set; }

    public string? DateFormat { get; set; }

    public string? TimeFormat { get; set; }

    public bool Gzip { get; set; }

    public bool Manifest { get; set; }

    /// <summary>FILLRECORD: columns missing at the end of a record (for Parquet, of the file) load as NULL.</summary>
    public bool FillRecord { get; set; }

    /// <summary>EXPLICIT_IDS: IDENTITY columns take the file's values (without it, COPY leaves them out).</summary>
    public bool ExplicitIds { get; set; }

    public bool ManifestVerbose { get; set; }

    public string? Region { get; set; }

    public long MaxError { get; set; }

    public bool Header { get; set; }

    public bool Parallel { get; set; } = true;

    public long? MaxFileSizeBytes { get; set; }

    /// <summary>ROWGROUPSIZE (UNLOAD ... PARQUET): the row group size in bytes, 32 to 128 MB.</summary>
    public long? RowGroupBytes { get; set; }

    public bool AllowOverwrite { get; set; }

    public bool CleanPath { get; set; }

    public string? Extension { get; set; }

    public bool AddQuotes { get; set; }

    /// <summary>Every option keyword as written (upper case), so a format can refuse the ones it does not take.</summary>
    public HashSet<string> Given { get; } = new(StringComparer.OrdinalIgnoreCase);
}

/// <summary>
/// Reads Redshift's COPY and UNLOAD statements (the subset the sandbox runs): identifiers,
/// string literals (<c>''</c> doubled; in UNLOAD's query also <c>\'</c>), numbers, and the
/// options in any order, case-insensitive. An option the sandbox does not know is a syntax
/// error, as Redshift answers one.
/// </summary>
internal static class BulkStatementParser
{
    public static bool LooksLikeCopyFromS3(string sql)
    {
        var tokens = TryTokenize(sql);
        if (tokens is null || tokens.Count < 4 || !tokens[0].IsWord("copy"))
        {
            return false;
        }

        var from = tokens.FindIndex(t => t.IsWord("from"));
        return from > 0 && from + 1 < tokens.Count && tokens[from + 1].Kind == BulkTokenKind.String && tokens[from + 1].Text.StartsWith("s3://", StringComparison.OrdinalIgnoreCase);
    }

    public static bool LooksLikeUnload(string sql)
    {
        var tokens = TryTokenize(sql);
        return tokens is { Count: > 0 } && tokens[0].IsWord("unload");
    }

    public static CopyStatement ParseCopy(string sql)
    {
        // Redshift's lexer reads '\\' in a string constant as one backslash and '\'' as a quote, in
        // COPY's options as in UNLOAD's query (the UNLOAD page's examples escape quotes as \'): so
        // NULL AS '\\N' is the two characters \N, the COPY default null string ("NULL AS", COPY
        // data conversion parameters). Other escapes ('\t', '\0') stay as written for COPY to read.
        var tokens = Tokenize(sql, backslashEscapes: true);
        var i = 1;
        var table = QualifiedName(tokens, ref i);
        List<string>? columns = null;
        if (Peek(tokens, i) is { Kind: BulkTokenKind.Symbol, Text: "(" })
        {
            i++;
            columns = [];
            while (true)
            {
                columns.Add(Identifier(tokens, ref i));
                var next = Next(tokens, ref i);
                if (next.Text == ")")
                {
                    break;
                }

                if (next.Text != ",")
                {
                    throw Syntax(next);
                }
            }
        }

        Expect(tokens, ref i, "from");
        var source = String(tokens, ref i);
        var options = Options(tokens, ref i, unload: false);
        return new CopyStatement { Table = table, Columns = columns, Source = source, Options = options };
    }

    public static UnloadStatement ParseUnload(string sql)
    {
        var tokens = Tokenize(sql, backslashEscapes: true);
        var i = 1;
        if (Next(tokens, ref i) is not { Kind: BulkTokenKind.Symbol, Text: "(" } open)
        {
            throw Syntax(tokens[i - 1]);
        }

        var query = String(tokens, ref i);
        if (Next(tokens, ref i) is not { Text: ")" } close)
        {
            throw Syntax(tokens[i - 1]);
        }

        Expect(tokens, ref i, "to");
        var target = String(tokens, ref i);
        var options = Options(tokens, ref i, unload: true);
        return new UnloadStatement { Query = query, Target = target, Options = options };
    }

    private static BulkOptions Options(List<BulkToken> tokens, ref int i, bool unload)
    {
        var options = new BulkOptions();
        while (i < tokens.Count)
        {
            var token = Next(tokens, ref i);
            if (token is { Kind: BulkTokenKind.Symbol, Text: ";" })
            {
                if (i < tokens.Count)
                {
                    throw new RedshiftSqlException(SqlStates.FeatureNotSupported, "cannot insert multiple commands into a prepared statement");
                }

                break;
            }

            if (token.Kind != BulkTokenKind.Word)
            {
                throw Syntax(token);
            }

            options.Given.Add(token.Text.ToUpperInvariant());
            switch (token.Text.ToUpperInvariant())
            {
                case "WITH":
                    break;
                case "IAM_ROLE":
                    options.HasAuthorization = true;
                    if (Peek(tokens, i) is { Kind: BulkTokenKind.Word } word && word.IsWord("default"))
                    {
                        i++;
                        options.IamRole = null;
                    }
                    else
                    {
                        options.IamRole = String(tokens, ref i);
                    }

                    break;
                case "CREDENTIALS":
                    options.HasAuthorization = true;
                    SkipAs(tokens, ref i);
                    var credentials = String(tokens, ref i);
                    const string prefix = "aws_iam_role=";
                    if (!credentials.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                    {
                        throw new RedshiftSqlException(SqlStates.InternalError, "The sandbox takes CREDENTIALS 'aws_iam_role=<arn>' only (access keys in SQL are not supported here).");
                    }

                    options.IamRole = credentials[prefix.Length..];
                    break;
                case "FORMAT":
                    SkipAs(tokens, ref i);
                    var format = Next(tokens, ref i);
                    options.Format = FormatOf(format);
                    if (options.Format == BulkFormat.Json)
                    {
                        JsonArgument(tokens, ref i, options);
                    }

                    break;
                case "CSV":
                    options.Format = BulkFormat.Csv;
                    break;
                case "PARQUET":
                    options.Format = BulkFormat.Parquet;
                    break;
                case "JSON":
                    options.Format = BulkFormat.Json;
                    JsonArgument(tokens, ref i, options);
                    break;
                case "DELIMITER":
                    SkipAs(tokens, ref i);
                    options.Delimiter = SingleCharacter(String(tokens, ref i), "DELIMITER");
                    break;
                case "QUOTE":
                    SkipAs(tokens, ref i);
                    options.Quote = SingleCharacter(String(tokens, ref i), "QUOTE");
                    break;
                case "IGNOREHEADER":
                    SkipAs(tokens, ref i);
                    options.IgnoreHeader = (int)Number(tokens, ref i);
                    break;
                case "NULL":
                    SkipAs(tokens, ref i);
                    options.NullAs = String(tokens, ref i);
                    break;
                case "EMPTYASNULL":
                    options.EmptyAsNull = true;
                    break;
                case "FILLRECORD" when !unload:
                    options.FillRecord = true;
                    break;
                case "EXPLICIT_IDS" when !unload:
                    options.ExplicitIds = true;
                    break;
                case "BLANKSASNULL":
                    options.BlanksAsNull = true;
                    break;
                case "DATEFORMAT":
                    SkipAs(tokens, ref i);
                    options.DateFormat = String(tokens, ref i);
                    break;
                case "TIMEFORMAT":
                    SkipAs(tokens, ref i);
                    options.TimeFormat = String(tokens, ref i);
                    break;
                case "GZIP":
                    options.Gzip = true;
                    break;
                case "MANIFEST":
                    options.Manifest = true;
                    if (unload && Peek(tokens, i) is { } verbose && verbose.IsWord("verbose"))
                    {
                        i++;
                        options.ManifestVerbose = true;
                    }

                    break;
                case "REGION":
                    SkipAs(tokens, ref i);
                    options.Region = String(tokens, ref i);
                    break;
                case "MAXERROR":
                    SkipAs(tokens, ref i);
                    options.MaxError = Number(tokens, ref i);
                    break;
                case "COMPUPDATE":
                case "STATUPDATE":
                    if (Peek(tokens, i) is { Kind: BulkTokenKind.Word } flag && (flag.IsWord("on") || flag.IsWord("off") || flag.IsWord("true") || flag.IsWord("false") || flag.IsWord("preset")))
                    {
                        i++;
                    }

                    break;
                case "HEADER" when unload:
                    options.Header = true;
                    break;
                case "PARALLEL" when unload:
                    if (Peek(tokens, i) is { Kind: BulkTokenKind.Word } parallel)
                    {
                        if (parallel.IsWord("off") || parallel.IsWord("false"))
                        {
                            options.Parallel = false;
                            i++;
                        }
                        else if (parallel.IsWord("on") || parallel.IsWord("true"))
                        {
                            options.Parallel = true;
                            i++;
                        }
                    }

                    break;
                case "MAXFILESIZE" when unload:
                    options.MaxFileSizeBytes = Size(tokens, ref i);
                    if (options.MaxFileSizeBytes < 5L * 1024 * 1024 || options.MaxFileSizeBytes > 6200L * 1024 * 1024)
                    {
                        throw new RedshiftSqlException(SqlStates.InternalError, "MAXFILESIZE must be between 5 MB and 6.2 GB");
                    }

                    break;
                case "ROWGROUPSIZE" when unload:
                    var rowGroup = Size(tokens, ref i);
                    if (rowGroup % (1024 * 1024) != 0 || rowGroup < 32L * 1024 * 1024 || rowGroup > 128L * 1024 * 1024)
                    {
                        throw new RedshiftSqlException(SqlStates.InternalError, "ROWGROUPSIZE must be a whole number of MB between 32 MB and 128 MB");
                    }

                    options.RowGroupBytes = rowGroup;
                    break;
                case "ALLOWOVERWRITE" when unload:
                    options.AllowOverwrite = true;
                    break;
                case "CLEANPATH" when unload:
                    options.CleanPath = true;
                    break;
                case "ADDQUOTES" when unload:
                    options.AddQuotes = true;
                    break;
                case "EXTENSION" when unload:
                    SkipAs(tokens, ref i);
                    options.Extension = String(tokens, ref i).TrimStart('.');
                    break;
                default:
                    throw Syntax(token);
            }
        }

        if (!options.HasAuthorization)
        {
            throw new RedshiftSqlException(SqlStates.InternalError, unload
                ? "UNLOAD needs authorization: IAM_ROLE 'arn:aws:iam::<account>:role/<name>' or IAM_ROLE default."
                : "COPY from S3 needs authorization: IAM_ROLE 'arn:aws:iam::<account>:role/<name>' or IAM_ROLE default.");
        }

        return options;
    }

    private static void JsonArgument(List<BulkToken> tokens, ref int i, BulkOptions options)
    {
        SkipAs(tokens, ref i);
        if (Peek(tokens, i) is { Kind: BulkTokenKind.String } argument)
        {
            i++;
            options.JsonPaths = argument.Text;
        }
    }

    private static BulkFormat FormatOf(BulkToken token) => token.Text.ToUpperInvariant() switch
    {
        "CSV" => BulkFormat.Csv,
        "JSON" => BulkFormat.Json,
        "PARQUET" => BulkFormat.Parquet,
        _ => throw Syntax(token),
    };

    private static char SingleCharacter(string value, string option) =>
        value.Length == 1 ? value[0] : value == "\\t" ? '\t' : throw new RedshiftSqlException(SqlStates.SyntaxError, $"{option} must be a single character");

    /// <summary>A size: <c>[AS] n [MB | GB]</c>, MB when no unit is given (MAXFILESIZE, ROWGROUPSIZE).</summary>
    private static long Size(List<BulkToken> tokens, ref int i)
    {
        SkipAs(tokens, ref i);
        var size = Number(tokens, ref i);
        var unit = Peek(tokens, i);
        var multiplier = 1024L * 1024;
        if (unit is { Kind: BulkTokenKind.Word } && (unit.Value.IsWord("mb") || unit.Value.IsWord("gb")))
        {
            i++;
            multiplier = unit.Value.IsWord("gb") ? 1024L * 1024 * 1024 : 1024L * 1024;
        }

        return size * multiplier;
    }

    private static void SkipAs(List<BulkToken> tokens, ref int i)
    {
        if (Peek(tokens, i) is { } t && t.IsWord("as"))
        {
            i++;
        }
    }

    private static string QualifiedName(List<BulkToken> tokens, ref int i)
    {
        var name = QuoteIfNeeded(Identifier(tokens, ref i));
        while (Peek(tokens, i) is { Kind: BulkTokenKind.Symbol, Text: "." })
        {
            i++;
            name += "." + QuoteIfNeeded(Identifier(tokens, ref i));
        }

        return name;
    }

    /// <summary>An identifier folded as Redshift folds it (unquoted: lower case).</summary>
    private static string Identifier(List<BulkToken> tokens, ref int i)
    {
        var token = Next(tokens, ref i);
        return token.Kind switch
        {
            BulkTokenKind.Word => token.Text.ToLowerInvariant(),
            BulkTokenKind.QuotedIdentifier => token.Text,
            _ => throw Syntax(token),
        };
    }

    internal static string QuoteIdentifier(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static string QuoteIfNeeded(string name) => QuoteIdentifier(name);

    private static string String(List<BulkToken> tokens, ref int i)
    {
        var token = Next(tokens, ref i);
        return token.Kind == BulkTokenKind.String ? token.Text : throw Syntax(token);
    }

    private static long Number(List<BulkToken> tokens, ref int i)
    {
        var token = Next(tokens, ref i);
        return token.Kind == BulkTokenKind.Number && long.TryParse(token.Text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : throw Syntax(token);
    }

    private static void Expect(List<BulkToken> tokens, ref int i, string word)
    {
        var token = Next(tokens, ref i);
        if (!token.IsWord(word))
        {
            throw Syntax(token);
        }
    }

    private static BulkToken? Peek(List<BulkToken> tokens, int i) => i < tokens.Count ? tokens[i] : null;

    private static BulkToken Next(List<BulkToken> tokens, ref int i) =>
        i < tokens.Count ? tokens[i++] : throw new RedshiftSqlException(SqlStates.SyntaxError, "syntax error at end of input");

    private static RedshiftSqlException Syntax(BulkToken token) =>
        new(SqlStates.SyntaxError, $"syntax error at or near \"{token.Text}\"");

    private static List<BulkToken>? TryTokenize(string sql)
    {
        try
        {
            return Tokenize(sql, backslashEscapes: true);
        }
        catch (RedshiftSqlException)
        {
            return null;
        }
    }

    internal static List<BulkToken> Tokenize(string sql, bool backslashEscapes = false)
    {
        var tokens = new List<BulkToken>();
        var i = 0;
        while (i < sql.Length)
        {
            var c = sql[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (c == '-' && i + 1 < sql.Length && sql[i + 1] == '-')
            {
                while (i < sql.Length && sql[i] != '\n')
                {
                    i++;
                }
            }
            else if (c == '/' && i + 1 < sql.Length && sql[i + 1] == '*')
            {
                var end = sql.IndexOf("*/", i + 2, StringComparison.Ordinal);
                i = end < 0 ? sql.Length : end + 2;
            }
            else if (c == '\'')
            {
                var text = new StringBuilder();
                i++;
                while (true)
                {
                    if (i >= sql.Length)
                    {
                        throw new RedshiftSqlException(SqlStates.SyntaxError, "unterminated quoted string at or near \"'\"");
                    }

                    if (sql[i] == '\'' && i + 1 < sql.Length && sql[i + 1] == '\'')
                    {
                        text.Append('\'');
                        i += 2;
                    }
                    else if (sql[i] == '\'')
                    {
                        i++;
                        break;
                    }
                    else if (backslashEscapes && sql[i] == '\\' && i + 1 < sql.Length && sql[i + 1] is '\'' or '\\')
                    {
                        text.Append(sql[i + 1]);
                        i += 2;
                    }
                    else
                    {
                        text.Append(sql[i++]);
                    }
                }

                tokens.Add(new BulkToken(BulkTokenKind.String, text.ToString()));
            }
            else if (c == '"')
            {
                var text = new StringBuilder();
                i++;
                while (true)
                {
                    if (i >= sql.Length)
                    {
                        throw new RedshiftSqlException(SqlStates.SyntaxError, "unterminated quoted identifier at or near \"\"\"");
                    }

                    if (sql[i] == '"' && i + 1 < sql.Length && sql[i + 1] == '"')
                    {
                        text.Append('"');
                        i += 2;
                    }
                    else if (sql[i] == '"')
                    {
                        i++;
                        break;
                    }
                    else
                    {
                        text.Append(sql[i++]);
                    }
                }

                tokens.Add(new BulkToken(BulkTokenKind.QuotedIdentifier, text.ToString()));
            }
            else if (char.IsAsciiDigit(c))
            {
                var start = i;
                while (i < sql.Length && char.IsAsciiDigit(sql[i]))
                {
                    i++;
                }

                tokens.Add(new BulkToken(BulkTokenKind.Number, sql[start..i]));
            }
            else if (char.IsLetter(c) || c == '_')
            {
                var start = i;
                while (i < sql.Length && (char.IsLetterOrDigit(sql[i]) || sql[i] is '_' or '$'))
                {
                    i++;
                }

                tokens.Add(new BulkToken(BulkTokenKind.Word, sql[start..i]));
            }
            else
            {
                tokens.Add(new BulkToken(BulkTokenKind.Symbol, c.ToString()));
                i++;
            }
        }

        return tokens;
    }
}
