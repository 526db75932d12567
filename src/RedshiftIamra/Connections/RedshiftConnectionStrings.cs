using Npgsql;
using RedshiftIamra.Quoting;
using RedshiftIamra.Sessions;

namespace RedshiftIamra.Connections;

/// <summary>
/// A database credential as the connection strings and environment settings other tools read,
/// always with full TLS verification against <c>RootCertificatePath</c>. Every value (host,
/// database, user, password, path) goes through the quoting function of its target, so no
/// character in it can end a value or add a setting.
/// </summary>
public sealed record RedshiftConnectionSettings
{
    public required string Host { get; init; }

    public required int Port { get; init; }

    public required string Database { get; init; }

    public required string User { get; init; }

    /// <summary>The password, or null to leave it out.</summary>
    public string? Password { get; init; }

    public required string RootCertificatePath { get; init; }

    /// <summary>The settings of a credential; the password only when <paramref name="includePassword"/>.</summary>
    public static RedshiftConnectionSettings From(RedshiftDbCredential credential, string rootCertificatePath, bool includePassword) => new()
    {
        Host = credential.Host,
        Port = credential.Port,
        Database = credential.Database,
        User = credential.DbUser,
        Password = includePassword ? credential.Password : null,
        RootCertificatePath = rootCertificatePath,
    };
}

/// <summary>Builds connection strings and environment settings from <see cref="RedshiftConnectionSettings"/>.</summary>
public static class RedshiftConnectionStrings
{
    /// <summary>An Npgsql connection string (Npgsql's builder quotes the values).</summary>
    public static string Npgsql(RedshiftConnectionSettings s)
    {
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = s.Host,
            Port = s.Port,
            Database = s.Database,
            Username = s.User,
            SslMode = SslMode.VerifyFull,
            RootCertificate = s.RootCertificatePath,
        };
        if (s.Password is not null)
        {
            builder.Password = s.Password;
        }

        return builder.ConnectionString;
    }

    /// <summary>A libpq (psql) keyword/value connection string.</summary>
    public static string Libpq(RedshiftConnectionSettings s)
    {
        var pairs = new List<string>
        {
            ConnectionStringQuoting.LibpqPair("host", s.Host, "host"),
            ConnectionStringQuoting.LibpqPair("port", ConnectionStringQuoting.Port(s.Port), "port"),
            ConnectionStringQuoting.LibpqPair("dbname", s.Database, "database name"),
            ConnectionStringQuoting.LibpqPair("user", s.User, "database user"),
        };
        if (s.Password is not null)
        {
            pairs.Add(ConnectionStringQuoting.LibpqPair("password", s.Password, "database password"));
        }

        pairs.Add(ConnectionStringQuoting.LibpqPair("sslmode", "verify-full"));
        pairs.Add(ConnectionStringQuoting.LibpqPair("sslrootcert", s.RootCertificatePath, "root certificate path"));
        return string.Join(' ', pairs);
    }

    /// <summary>A Redshift JDBC URL.</summary>
    public static string Jdbc(RedshiftConnectionSettings s)
    {
        var url = $"jdbc:redshift://{ConnectionStringQuoting.UrlHost(s.Host)}:{ConnectionStringQuoting.Port(s.Port)}/{ConnectionStringQuoting.UrlComponent(s.Database, "database name")}" +
            $"?ssl=true&sslmode=verify-full&sslrootcert={ConnectionStringQuoting.UrlComponent(s.RootCertificatePath, "root certificate path")}&user={ConnectionStringQuoting.UrlComponent(s.User, "database user")}";
        return s.Password is null ? url : url + "&password=" + ConnectionStringQuoting.UrlComponent(s.Password, "database password");
    }

    /// <summary>An ODBC connection string for the Amazon Redshift ODBC driver.</summary>
    public static string Odbc(RedshiftConnectionSettings s)
    {
        var odbc = $"Driver={{Amazon Redshift (x64)}};Server={ConnectionStringQuoting.OdbcValue(s.Host, "host")};Port={ConnectionStringQuoting.Port(s.Port)};" +
            $"Database={ConnectionStringQuoting.OdbcValue(s.Database, "database name")};UID={ConnectionStringQuoting.OdbcValue(s.User, "database user")};SSLMode=verify-full;" +
            $"SSLCertPath={ConnectionStringQuoting.OdbcValue(s.RootCertificatePath, "root certificate path")}";
        return s.Password is null ? odbc : odbc + $";PWD={ConnectionStringQuoting.OdbcValue(s.Password, "database password")}";
    }

    /// <summary>The libpq environment variables (PGHOST, ...), in order.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> EnvironmentVariables(RedshiftConnectionSettings s)
    {
        var variables = new List<KeyValuePair<string, string>>
        {
            new("PGHOST", s.Host),
            new("PGPORT", ConnectionStringQuoting.Port(s.Port)),
            new("PGDATABASE", s.Database),
            new("PGUSER", s.User),
            new("PGSSLMODE", "verify-full"),
            new("PGSSLROOTCERT", s.RootCertificatePath),
        };
        if (s.Password is not null)
        {
            variables.Add(new("PGPASSWORD", s.Password));
        }

        return variables;
    }

    /// <summary>PowerShell statements that set the libpq environment variables (for <c>Invoke-Expression</c>).</summary>
    public static string PowerShellEnvironment(RedshiftConnectionSettings s, string newline) =>
        string.Join(newline, EnvironmentVariables(s).Select(v => PowerShellQuoting.SetEnvironmentVariable(v.Key, v.Value, Describe(v.Key))));

    /// <summary>POSIX shell statements that export the libpq environment variables (for <c>eval</c>).</summary>
    public static string PosixEnvironment(RedshiftConnectionSettings s) =>
        string.Join('\n', EnvironmentVariables(s).Select(v => PosixShellQuoting.ExportEnvironmentVariable(v.Key, v.Value, Describe(v.Key))));

    private static string Describe(string variable) => variable switch
    {
        "PGPASSWORD" => "database password",
        "PGUSER" => "database user",
        "PGDATABASE" => "database name",
        "PGSSLROOTCERT" => "root certificate path",
        "PGHOST" => "host",
        _ => variable,
    };
}
