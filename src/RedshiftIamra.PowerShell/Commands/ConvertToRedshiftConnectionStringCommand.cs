using System.Globalization;
using System.Management.Automation;
using System.Text;
using Npgsql;

namespace RedshiftIamra.PowerShell.Commands;

/// <summary>The forms a connection string can take for other tools.</summary>
public enum RedshiftConnectionStringFormat
{
    Npgsql,
    Libpq,
    Jdbc,
    Odbc,
    Environment,
}

/// <summary>
/// <c>ConvertTo-RedshiftConnectionString</c>: hands a database credential to psql, JDBC, ODBC
/// or Npgsql tools, always with full TLS verification; the password only on request.
/// </summary>
[Cmdlet(VerbsData.ConvertTo, "RedshiftConnectionString")]
[OutputType(typeof(string))]
public sealed class ConvertToRedshiftConnectionStringCommand : IamraCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ValidateNotNull]
    public RedshiftDbCredential Credential { get; set; } = null!;

    [Parameter]
    public RedshiftConnectionStringFormat Format { get; set; } = RedshiftConnectionStringFormat.Npgsql;

    /// <summary>Includes the password in clear (PGPASSWORD for Environment).</summary>
    [Parameter]
    public SwitchParameter IncludePassword { get; set; }

    /// <summary>The root certificates TLS verifies against; the Amazon Trust Services bundle that ships with the module by default.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? RootCertificatePath { get; set; }

    protected override void Process()
    {
        var root = RootCertificatePath is null ? DefaultRootCertificatePath() : SessionState.Path.GetUnresolvedProviderPathFromPSPath(RootCertificatePath);
        if (!File.Exists(root))
        {
            throw new IamraException("RedshiftRootCertificateNotFound", IamraErrorCategory.ObjectNotFound,
                $"The root certificate file '{root}' does not exist. Give -RootCertificatePath a PEM file of trusted roots.", root);
        }

        var c = Credential;
        var password = IncludePassword.IsPresent ? c.Password : null;
        var port = c.Port.ToString(CultureInfo.InvariantCulture);
        switch (Format)
        {
            case RedshiftConnectionStringFormat.Npgsql:
                var builder = new NpgsqlConnectionStringBuilder
                {
                    Host = c.Host,
                    Port = c.Port,
                    Database = c.Database,
                    Username = c.DbUser,
                    SslMode = SslMode.VerifyFull,
                    RootCertificate = root,
                };
                if (password is not null)
                {
                    builder.Password = password;
                }

                WriteObject(builder.ConnectionString);
                break;

            case RedshiftConnectionStringFormat.Libpq:
                var libpq = new StringBuilder();
                AppendLibpq(libpq, "host", c.Host);
                AppendLibpq(libpq, "port", port);
                AppendLibpq(libpq, "dbname", c.Database);
                AppendLibpq(libpq, "user", c.DbUser);
                if (password is not null) AppendLibpq(libpq, "password", password);
                AppendLibpq(libpq, "sslmode", "verify-full");
                AppendLibpq(libpq, "sslrootcert", root);
                WriteObject(libpq.ToString());
                break;

            case RedshiftConnectionStringFormat.Jdbc:
                var jdbc = $"jdbc:redshift://{c.Host}:{port}/{Uri.EscapeDataString(c.Database)}?ssl=true&sslmode=verify-full&sslrootcert={Uri.EscapeDataString(root)}&user={Uri.EscapeDataString(c.DbUser)}";
                WriteObject(password is null ? jdbc : jdbc + "&password=" + Uri.EscapeDataString(password));
                break;

            case RedshiftConnectionStringFormat.Odbc:
                var odbc = $"Driver={{Amazon Redshift (x64)}};Server={c.Host};Port={port};Database={OdbcValue(c.Database)};UID={OdbcValue(c.DbUser)};SSLMode=verify-full;SSLCertPath={OdbcValue(root)}";
                WriteObject(password is null ? odbc : odbc + $";PWD={OdbcValue(password)}");
                break;

            case RedshiftConnectionStringFormat.Environment:
                // PowerShell statements, for: ... | Invoke-Expression
                var lines = new List<string>
                {
                    Assign("PGHOST", c.Host),
                    Assign("PGPORT", port),
                    Assign("PGDATABASE", c.Database),
                    Assign("PGUSER", c.DbUser),
                    Assign("PGSSLMODE", "verify-full"),
                    Assign("PGSSLROOTCERT", root),
                };
                if (password is not null)
                {
                    lines.Add(Assign("PGPASSWORD", password));
                }

                WriteObject(string.Join(System.Environment.NewLine, lines));
                break;
        }
    }

    /// <summary>The Amazon Trust Services roots that ship with the module.</summary>
    internal static string DefaultRootCertificatePath() =>
        System.IO.Path.GetFullPath(System.IO.Path.Combine(System.IO.Path.GetDirectoryName(SetIamraAwsProfileCommand.ModuleManifestPath())!, "amazon-trust-roots.pem"));

    private static string Assign(string name, string value) => $"$env:{name} = '{value.Replace("'", "''", StringComparison.Ordinal)}'";

    private static void AppendLibpq(StringBuilder builder, string key, string value)
    {
        if (builder.Length > 0)
        {
            builder.Append(' ');
        }

        var needsQuotes = value.Length == 0 || value.Any(ch => char.IsWhiteSpace(ch) || ch is '\'' or '\\');
        builder.Append(key).Append('=');
        if (needsQuotes)
        {
            builder.Append('\'').Append(value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal)).Append('\'');
        }
        else
        {
            builder.Append(value);
        }
    }

    private static string OdbcValue(string value) =>
        value.IndexOfAny(new[] { ';', '{', '}' }) >= 0 ? "{" + value.Replace("}", "}}", StringComparison.Ordinal) + "}" : value;
}
