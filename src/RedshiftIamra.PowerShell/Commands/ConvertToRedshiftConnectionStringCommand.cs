using System.Management.Automation;
using RedshiftIamra.Connections;

namespace RedshiftIamra.PowerShell.Commands;

/// <summary>The forms a connection string can take for other tools.</summary>
public enum RedshiftConnectionStringFormat
{
    Npgsql,
    Libpq,
    Jdbc,
    Odbc,
    /// <summary>PowerShell statements that set PGHOST, PGUSER, ... (for Invoke-Expression).</summary>
    Environment,

    /// <summary>POSIX shell statements that export PGHOST, PGUSER, ... (for eval in sh, bash, zsh).</summary>
    PosixEnvironment,
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
        var root = RootCertificatePath is null ? ModuleFiles.RootCertificatePath : SessionState.Path.GetUnresolvedProviderPathFromPSPath(RootCertificatePath);
        if (!File.Exists(root))
        {
            throw new IamraException(ErrorIds.Connection.RootCertificateNotFound, IamraErrorCategory.ObjectNotFound,
                $"The root certificate file '{root}' does not exist. Give -RootCertificatePath a PEM file of trusted roots.", root);
        }

        var settings = RedshiftConnectionSettings.From(Credential, root, IncludePassword.IsPresent);
        WriteObject(Format switch
        {
            RedshiftConnectionStringFormat.Libpq => RedshiftConnectionStrings.Libpq(settings),
            RedshiftConnectionStringFormat.Jdbc => RedshiftConnectionStrings.Jdbc(settings),
            RedshiftConnectionStringFormat.Odbc => RedshiftConnectionStrings.Odbc(settings),
            // PowerShell statements, for: ... | Invoke-Expression
            RedshiftConnectionStringFormat.Environment => RedshiftConnectionStrings.PowerShellEnvironment(settings, System.Environment.NewLine),
            // POSIX shell statements, for: eval "$(...)"
            RedshiftConnectionStringFormat.PosixEnvironment => RedshiftConnectionStrings.PosixEnvironment(settings),
            _ => RedshiftConnectionStrings.Npgsql(settings),
        });
    }
}
