using System.Globalization;
using System.Text;

namespace RedshiftIamra.Quoting;

/// <summary>
/// Values inside the connection strings of libpq (psql), ODBC and JDBC. Npgsql's own
/// <c>NpgsqlConnectionStringBuilder</c> quotes Npgsql strings.
/// </summary>
public static class ConnectionStringQuoting
{
    /// <summary>
    /// <c>keyword='value'</c> for a libpq conninfo string (PostgreSQL documentation, "Connection
    /// Strings", keyword/value form): in single quotes every character stands for itself except
    /// <c>\</c> and <c>'</c>, each written with a backslash before it. libpq strings end at NUL,
    /// so NUL is refused.
    /// </summary>
    public static string LibpqPair(string keyword, string value, string what = "value")
    {
        ArgumentNullException.ThrowIfNull(value);
        if (keyword.Length == 0 || !keyword.All(c => char.IsAsciiLetterLower(c) || c == '_'))
        {
            throw new ArgumentException($"'{keyword}' is not a libpq keyword.", nameof(keyword));
        }

        QuotingErrors.Refuse(value, what, "a libpq connection string", c => c == '\0', "libpq cannot carry");
        var builder = new StringBuilder(keyword).Append("='");
        foreach (var c in value)
        {
            if (c is '\\' or '\'')
            {
                builder.Append('\\');
            }

            builder.Append(c);
        }

        return builder.Append('\'').ToString();
    }

    /// <summary>
    /// An ODBC attribute value (ODBC reference, SQLDriverConnect connection-string grammar):
    /// always in braces, a closing brace doubled, so <c>; = { }</c> and spaces are literal.
    /// NUL is refused.
    /// </summary>
    public static string OdbcValue(string value, string what = "value")
    {
        ArgumentNullException.ThrowIfNull(value);
        QuotingErrors.Refuse(value, what, "an ODBC connection string", c => c == '\0', "ODBC cannot carry");
        return "{" + value.Replace("}", "}}", StringComparison.Ordinal) + "}";
    }

    /// <summary>
    /// A value inside a JDBC URL (path segment or query parameter): UTF-8 percent-encoded
    /// (RFC 3986 unreserved characters kept), so <c>&amp; = ? / # + %</c> and spaces are data. The
    /// Redshift and PostgreSQL JDBC drivers decode parameters with <c>URLDecoder</c>, which
    /// reads <c>%2B</c> as '+' (a bare '+' would be a space).
    /// </summary>
    public static string UrlComponent(string value, string what = "value")
    {
        ArgumentNullException.ThrowIfNull(value);
        QuotingErrors.Refuse(value, what, "a JDBC URL", c => c == '\0' || char.IsSurrogate(c) && !IsWellFormed(value), "cannot be encoded");
        return Uri.EscapeDataString(value);
    }

    private static bool IsWellFormed(string value)
    {
        try
        {
            _ = new UTF8Encoding(false, throwOnInvalidBytes: true).GetByteCount(value);
            return true;
        }
        catch (EncoderFallbackException)
        {
            return false;
        }
    }

    /// <summary>
    /// A host name or IP address for a URL authority: refused unless it is one (a host that
    /// came back from a service is data, and <c>@ / ? #</c> in it would change the URL).
    /// </summary>
    public static string UrlHost(string host, string what = "host")
    {
        ArgumentNullException.ThrowIfNull(host);
        if (Uri.CheckHostName(host) is UriHostNameType.Dns or UriHostNameType.IPv4)
        {
            return host;
        }

        if (Uri.CheckHostName(host) == UriHostNameType.IPv6)
        {
            return host.StartsWith('[') ? host : "[" + host + "]";
        }

        throw QuotingErrors.Unquotable(what, "a URL", $"'{host}', which is not a host name or IP address", "a URL authority cannot hold");
    }

    internal static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);
}
