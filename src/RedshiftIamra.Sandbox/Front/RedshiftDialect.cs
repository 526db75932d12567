using System.Globalization;
using System.Text;

namespace RedshiftIamra.Sandbox.Front;

/// <summary>
/// What the front says and refuses as Redshift does (sources in the sandbox README, section
/// "Redshift front").
/// </summary>
public static class RedshiftDialect
{
    /// <summary>The <c>server_version</c> Redshift reports at start-up.</summary>
    public const string ServerVersion = "8.0.2";

    /// <summary>The cluster version number the sandbox plays (the tail of <see cref="VersionString"/>).</summary>
    public const string ClusterVersion = "1.0.77467";

    /// <summary>What <c>select version()</c> returns, in the shape AWS documents for VERSION().</summary>
    public const string VersionString = "PostgreSQL 8.0.2 on i686-pc-linux-gnu, compiled by GCC gcc (GCC) 3.4.2 20041017 (Red Hat 3.4.2-6.fc3), Redshift " + ClusterVersion;

    /// <summary>Redshift's type OIDs (redshift_connector and the Redshift JDBC driver's OID tables).</summary>
    public const uint SuperOid = 4000;

    public const uint VarbyteOid = 6551;

    public const uint GeometryOid = 3000;

    public const uint TimeTzOid = 1266;

    /// <summary>PostgreSQL's OIDs of the base types the sandbox's SUPER and VARBYTE domains are made over (Redshift has neither json nor bytea).</summary>
    internal const uint PostgresJsonOid = 114;

    internal const uint PostgresByteaOid = 17;

    /// <summary>The SQL that makes Redshift's types and VERSION() in the sandbox database (run once at start).</summary>
    internal static string SetupSql(string databaseName) => $"""
        create domain public.super as json;
        create domain public.varbyte as bytea;
        create domain public.geometry as bytea;
        create domain public.hllsketch as jsonb;
        create function public.version() returns text language sql immutable as $v$select {Postgres.SandboxPostgres.QuoteLiteral(VersionString)}$v$;
        create function public.json_parse(text) returns public.super language sql immutable strict as $f$select $1::json::public.super$f$;
        create function public.json_serialize(public.super) returns text language sql immutable strict as $f$select $1::text$f$;
        alter database {Postgres.SandboxPostgres.QuoteIdentifier(databaseName)} set search_path to "$user", public, pg_catalog;
        """;

    /// <summary>
    /// The error Redshift answers for <paramref name="sql"/> when it refuses it (a statement in it
    /// that Redshift does not have), else null.
    /// </summary>
    public static RedshiftSqlException? Refusal(string sql)
    {
        foreach (var statement in Statements(sql))
        {
            var words = Words(statement, 3);
            if (words.Count == 0)
            {
                continue;
            }

            var first = words[0].ToUpperInvariant();
            switch (first)
            {
                case "LISTEN":
                case "NOTIFY":
                case "UNLISTEN":
                    return new RedshiftSqlException(SqlStates.FeatureNotSupported, $"SQL command \"{statement.Trim()}\" not supported");
                case "DISCARD":
                    return SyntaxError(words[0]);
                case "COPY":
                    // Redshift's parser stops at the first word it does not know: "(" of COPY (query), else STDIN/STDOUT.
                    if (words.Count > 1 && words[1].StartsWith('('))
                    {
                        return SyntaxError("(");
                    }

                    if (CopyStdToken(statement) is { } token)
                    {
                        return SyntaxError(token);
                    }

                    break;
                case "CREATE":
                    var second = words.Count > 1 ? words[1].ToUpperInvariant() : string.Empty;
                    var third = words.Count > 2 ? words[2].ToUpperInvariant() : string.Empty;
                    if (second is "INDEX" || (second is "UNIQUE" && third is "INDEX"))
                    {
                        return new RedshiftSqlException(SqlStates.FeatureNotSupported, "CREATE INDEX is not supported");
                    }

                    if (second is "SEQUENCE" or "TRIGGER" or "TABLESPACE" or "EXTENSION" || (second is "TEMP" or "TEMPORARY" && third is "SEQUENCE"))
                    {
                        return new RedshiftSqlException(SqlStates.FeatureNotSupported, $"CREATE {(second is "TEMP" or "TEMPORARY" ? third : second)} is not supported");
                    }

                    break;
            }
        }

        return null;
    }

    /// <summary>
    /// <paramref name="sql"/> with Redshift's table design clauses taken out of its
    /// <c>CREATE TABLE</c> statements (PostgreSQL has none of them; on Redshift they choose
    /// distribution, sort order and compression, which change no result), and Redshift's
    /// <c>IDENTITY(seed, step)</c> column written as PostgreSQL's identity column; null when
    /// nothing changes. Sources: AWS, "CREATE TABLE" and "CREATE TABLE AS" (Redshift Database
    /// Developer Guide).
    /// </summary>
    public static string? Translate(string sql)
    {
        if (sql.IndexOf("table", StringComparison.OrdinalIgnoreCase) < 0)
        {
            return null;
        }

        List<string>? statements = null;
        var index = 0;
        foreach (var statement in Statements(sql))
        {
            var translated = TranslateCreateTable(statement);
            if (translated is not null && statements is null)
            {
                statements = Statements(sql).ToList();
            }

            if (translated is not null)
            {
                statements![index] = translated;
            }

            index++;
        }

        if (statements is null)
        {
            return null;
        }

        var joined = string.Join(';', statements);
        return sql.TrimEnd().EndsWith(';') ? joined + ";" : joined;
    }

    private readonly record struct Token(int Start, int End, string Text, int Depth, bool Word);

    /// <summary>The tokens of a statement outside comments (quoted names and literals are one token each, not words).</summary>
    private static List<Token> Tokens(string statement)
    {
        var tokens = new List<Token>();
        var depth = 0;
        var i = 0;
        while (i < statement.Length)
        {
            var c = statement[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (c == '-' && i + 1 < statement.Length && statement[i + 1] == '-')
            {
                var end = statement.IndexOf('\n', i);
                i = end < 0 ? statement.Length : end + 1;
            }
            else if (c == '/' && i + 1 < statement.Length && statement[i + 1] == '*')
            {
                var end = statement.IndexOf("*/", i + 2, StringComparison.Ordinal);
                i = end < 0 ? statement.Length : end + 2;
            }
            else if (c == '\'' || c == '"')
            {
                var close = statement.IndexOf(c, i + 1);
                while (close >= 0 && close + 1 < statement.Length && statement[close + 1] == c)
                {
                    close = statement.IndexOf(c, close + 2);
                }

                var end = close < 0 ? statement.Length : close + 1;
                tokens.Add(new Token(i, end, statement[i..end], depth, Word: false));
                i = end;
            }
            else if (c == '$' && DollarTag(statement, i) is { } tag)
            {
                var close = statement.IndexOf(tag, i + tag.Length, StringComparison.Ordinal);
                var end = close < 0 ? statement.Length : close + tag.Length;
                tokens.Add(new Token(i, end, statement[i..end], depth, Word: false));
                i = end;
            }
            else if (char.IsLetterOrDigit(c) || c == '_')
            {
                var start = i;
                while (i < statement.Length && (char.IsLetterOrDigit(statement[i]) || statement[i] == '_' || statement[i] == '$'))
                {
                    i++;
                }

                tokens.Add(new Token(start, i, statement[start..i], depth, Word: true));
            }
            else
            {
                if (c == ')')
                {
                    depth--;
                }

                tokens.Add(new Token(i, i + 1, c.ToString(), depth, Word: false));
                if (c == '(')
                {
                    depth++;
                }

                i++;
            }
        }

        return tokens;
    }

    private static bool Is(List<Token> tokens, int i, string word) =>
        i < tokens.Count && tokens[i].Word && tokens[i].Text.Equals(word, StringComparison.OrdinalIgnoreCase);

    /// <summary>The index after the parenthesised list that starts at <paramref name="open"/>.</summary>
    private static int AfterParentheses(List<Token> tokens, int open)
    {
        var depth = tokens[open].Depth;
        for (var i = open + 1; i < tokens.Count; i++)
        {
            if (tokens[i].Text == ")" && tokens[i].Depth == depth)
            {
                return i + 1;
            }
        }

        return tokens.Count;
    }

    private static string? TranslateCreateTable(string statement)
    {
        var tokens = Tokens(statement);
        // CREATE [LOCAL] [TEMP | TEMPORARY] TABLE [IF NOT EXISTS] name ...
        if (!Is(tokens, 0, "CREATE"))
        {
            return null;
        }

        var at = 1;
        while (Is(tokens, at, "LOCAL") || Is(tokens, at, "TEMP") || Is(tokens, at, "TEMPORARY"))
        {
            at++;
        }

        if (!Is(tokens, at, "TABLE"))
        {
            return null;
        }

        var cuts = new List<(int Start, int End, string With)>();
        for (var i = at + 1; i < tokens.Count; i++)
        {
            var token = tokens[i];
            if (!token.Word)
            {
                continue;
            }

            // CREATE TABLE ... AS query: the table's clauses come before AS, the query is left alone.
            if (token.Depth == 0 && Is(tokens, i, "AS"))
            {
                break;
            }

            var upper = token.Text.ToUpperInvariant();
            if (token.Depth == 1)
            {
                // Column attributes: ENCODE encoding, DISTKEY, SORTKEY, COLLATE CASE_SENSITIVE|CASE_INSENSITIVE, IDENTITY(seed, step).
                if (upper == "ENCODE" && i + 1 < tokens.Count && tokens[i + 1].Word)
                {
                    cuts.Add((token.Start, tokens[i + 1].End, string.Empty));
                    i++;
                }
                else if ((upper is "DISTKEY" or "SORTKEY") && !(i + 1 < tokens.Count && tokens[i + 1].Text == "("))
                {
                    cuts.Add((token.Start, token.End, string.Empty));
                }
                else if (upper == "COLLATE" && (Is(tokens, i + 1, "CASE_SENSITIVE") || Is(tokens, i + 1, "CASE_INSENSITIVE")))
                {
                    cuts.Add((token.Start, tokens[i + 1].End, string.Empty));
                    i++;
                }
                else if (upper == "IDENTITY" && i + 5 < tokens.Count && tokens[i + 1].Text == "(" && tokens[i + 3].Text == "," && tokens[i + 5].Text == ")"
                    && !(i > 0 && Is(tokens, i - 1, "AS")))
                {
                    // IDENTITY(seed, step): values made by the table; an INSERT may not give one.
                    cuts.Add((token.Start, tokens[i + 5].End,
                        $"generated always as identity (start with {tokens[i + 2].Text} increment by {tokens[i + 4].Text})"));
                    i += 5;
                }
                else if (upper == "IDENTITY" && i + 5 < tokens.Count && tokens[i + 1].Text == "(" && tokens[i + 3].Text == "," && tokens[i + 5].Text == ")")
                {
                    // GENERATED BY DEFAULT AS IDENTITY(seed, step): an INSERT may give its own value.
                    cuts.Add((token.Start, tokens[i + 5].End, $"identity (start with {tokens[i + 2].Text} increment by {tokens[i + 4].Text})"));
                    i += 5;
                }
            }
            else if (token.Depth == 0)
            {
                // Table attributes: BACKUP YES|NO, DISTSTYLE AUTO|EVEN|KEY|ALL, DISTKEY (column),
                // [COMPOUND | INTERLEAVED] SORTKEY (column, ...) | SORTKEY AUTO, ENCODE AUTO.
                if ((upper is "BACKUP" or "DISTSTYLE") && i + 1 < tokens.Count && tokens[i + 1].Word)
                {
                    cuts.Add((token.Start, tokens[i + 1].End, string.Empty));
                    i++;
                }
                else if (upper == "ENCODE" && Is(tokens, i + 1, "AUTO"))
                {
                    cuts.Add((token.Start, tokens[i + 1].End, string.Empty));
                    i++;
                }
                else if (upper is "DISTKEY" or "SORTKEY" or "COMPOUND" or "INTERLEAVED")
                {
                    var key = upper is "COMPOUND" or "INTERLEAVED" ? i + 1 : i;
                    if (key != i && !Is(tokens, key, "SORTKEY"))
                    {
                        continue;
                    }

                    if (Is(tokens, key + 1, "AUTO"))
                    {
                        cuts.Add((token.Start, tokens[key + 1].End, string.Empty));
                        i = key + 1;
                    }
                    else if (key + 1 < tokens.Count && tokens[key + 1].Text == "(")
                    {
                        var after = AfterParentheses(tokens, key + 1);
                        cuts.Add((token.Start, tokens[after - 1].End, string.Empty));
                        i = after - 1;
                    }
                }
            }
        }

        if (cuts.Count == 0)
        {
            return null;
        }

        var builder = new StringBuilder(statement.Length);
        var from = 0;
        foreach (var (start, end, with) in cuts)
        {
            builder.Append(statement, from, start - from).Append(with);
            from = end;
        }

        return builder.Append(statement, from, statement.Length - from).ToString();
    }

    private static RedshiftSqlException SyntaxError(string token) => new(SqlStates.SyntaxError, $"syntax error at or near \"{token}\"");

    /// <summary>The STDIN/STDOUT word of a COPY statement, as written, or null.</summary>
    private static string? CopyStdToken(string statement)
    {
        foreach (var word in Words(statement, 64))
        {
            var upper = word.ToUpperInvariant();
            if (upper is "STDIN" or "STDOUT")
            {
                return word;
            }
        }

        return null;
    }

    /// <summary>The statements of a query string: split at semicolons outside quotes, dollar quotes and comments.</summary>
    public static IEnumerable<string> Statements(string sql)
    {
        var start = 0;
        var i = 0;
        while (i < sql.Length)
        {
            var c = sql[i];
            if (c == '\'' || c == '"')
            {
                var close = sql.IndexOf(c, i + 1);
                while (close >= 0 && close + 1 < sql.Length && sql[close + 1] == c)
                {
                    close = sql.IndexOf(c, close + 2);
                }

                i = close < 0 ? sql.Length : close + 1;
            }
            else if (c == '-' && i + 1 < sql.Length && sql[i + 1] == '-')
            {
                var end = sql.IndexOf('\n', i);
                i = end < 0 ? sql.Length : end + 1;
            }
            else if (c == '/' && i + 1 < sql.Length && sql[i + 1] == '*')
            {
                var end = sql.IndexOf("*/", i + 2, StringComparison.Ordinal);
                i = end < 0 ? sql.Length : end + 2;
            }
            else if (c == '$' && DollarTag(sql, i) is { } tag)
            {
                var end = sql.IndexOf(tag, i + tag.Length, StringComparison.Ordinal);
                i = end < 0 ? sql.Length : end + tag.Length;
            }
            else if (c == ';')
            {
                yield return sql[start..i];
                start = i + 1;
                i++;
            }
            else
            {
                i++;
            }
        }

        if (start < sql.Length)
        {
            yield return sql[start..];
        }
    }

    private static string? DollarTag(string sql, int at)
    {
        var j = at + 1;
        while (j < sql.Length && (char.IsLetterOrDigit(sql[j]) || sql[j] == '_'))
        {
            j++;
        }

        return j < sql.Length && sql[j] == '$' && (j == at + 1 || !char.IsDigit(sql[at + 1])) ? sql[at..(j + 1)] : null;
    }

    /// <summary>The first <paramref name="count"/> words of a statement, skipping comments (a word: letters, digits, _; or one other character).</summary>
    internal static List<string> Words(string statement, int count)
    {
        var words = new List<string>(count);
        var i = 0;
        while (i < statement.Length && words.Count < count)
        {
            var c = statement[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (c == '-' && i + 1 < statement.Length && statement[i + 1] == '-')
            {
                var end = statement.IndexOf('\n', i);
                i = end < 0 ? statement.Length : end + 1;
            }
            else if (c == '/' && i + 1 < statement.Length && statement[i + 1] == '*')
            {
                var end = statement.IndexOf("*/", i + 2, StringComparison.Ordinal);
                i = end < 0 ? statement.Length : end + 2;
            }
            else if (c == '\'' || c == '"')
            {
                var close = statement.IndexOf(c, i + 1);
                i = close < 0 ? statement.Length : close + 1;
                words.Add(c.ToString());
            }
            else if (char.IsLetterOrDigit(c) || c == '_')
            {
                var start = i;
                while (i < statement.Length && (char.IsLetterOrDigit(statement[i]) || statement[i] == '_'))
                {
                    i++;
                }

                words.Add(statement[start..i]);
            }
            else
            {
                words.Add(c.ToString());
                i++;
            }
        }

        return words;
    }

    /// <summary>A statement PostgreSQL runs to fail with exactly this error (so the backend's transaction state follows, as Redshift's would).</summary>
    internal static string RaiseSql(RedshiftSqlException error)
    {
        var builder = new StringBuilder("DO $front$BEGIN RAISE EXCEPTION USING ERRCODE = ")
            .Append(Postgres.SandboxPostgres.QuoteLiteral(error.SqlState))
            .Append(", MESSAGE = ").Append(Postgres.SandboxPostgres.QuoteLiteral(error.Message));
        if (error.Detail is not null)
        {
            builder.Append(", DETAIL = ").Append(Postgres.SandboxPostgres.QuoteLiteral(error.Detail));
        }

        if (error.Hint is not null)
        {
            builder.Append(", HINT = ").Append(Postgres.SandboxPostgres.QuoteLiteral(error.Hint));
        }

        return builder.Append("; END$front$").ToString();
    }

    /// <summary>The context PostgreSQL adds to an error raised by <see cref="RaiseSql"/> (the front removes it).</summary>
    internal const string RaiseContext = "PL/pgSQL function inline_code_block line 1 at RAISE";

    internal static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);
}
