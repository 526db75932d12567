using System.Management.Automation;
using RedshiftIamra.Configuration;

namespace RedshiftIamra.PowerShell;

/// <summary>
/// The TLS group, declared once for every cmdlet that opens (or saves how to open) a database
/// connection: the roots the server's certificate must chain to, and how much is verified.
/// </summary>
public abstract class RedshiftConnectionCmdlet : RedshiftTargetCmdlet
{
    // -RootCertificatePath is the engine's connection stage, merged with a saved configuration there.
    private RedshiftConnectSettings _connect = new();

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? RootCertificatePath { get => _connect.RootCertificatePath; set => _connect = _connect with { RootCertificatePath = value }; }

    // A string, not the engine's enum: a value-type field of an engine type would make
    // PowerShell load the engine while it scans the cmdlets at import.
    [Parameter]
    [ValidateSet(nameof(RedshiftTlsMode.VerifyFull), nameof(RedshiftTlsMode.VerifyCA), nameof(RedshiftTlsMode.Require))]
    public string TlsMode { get; set; } = nameof(RedshiftTlsMode.VerifyFull);

    [Parameter]
    public SwitchParameter AllowUnverifiedTls { get; set; }

    protected override void ApplyConfig(RedshiftIamraConfig config, SettingPrecedence precedence)
    {
        base.ApplyConfig(config, precedence);
        _connect = _connect.WithConfig(config, precedence);
    }

    /// <summary>The group's parameters: the engine's connection stage.</summary>
    protected RedshiftConnectSettings ConnectSettings() => _connect;

    /// <summary>The connection options the TLS parameters describe; a TLS mode weaker than VerifyFull only with -AllowUnverifiedTls.</summary>
    protected RedshiftConnectionOptions ConnectionOptions(bool pooling = true, int maxPoolSize = 20, int connectTimeout = 15, int commandTimeout = 0)
    {
        var options = _connect.ToConnectionOptions(Enum.Parse<RedshiftTlsMode>(TlsMode, ignoreCase: true), AllowUnverifiedTls.IsPresent, ModuleFiles.RootCertificatePath, path => Resolve(path)!, out var warning,
            pooling, maxPoolSize, connectTimeout, commandTimeout);
        if (warning is not null)
        {
            WriteWarning(warning);
        }

        return options;
    }

    /// <summary>Refuses target parameters typed beside a given database credential, which already says where to connect.</summary>
    protected void RefuseTargetWithCredential()
    {
        var typed = TargetParameters.Where(CommandLineParameters.Contains).ToList();
        if (typed.Count > 0)
        {
            throw new IamraException(ErrorIds.Redshift.TargetWithCredential, IamraErrorCategory.InvalidArgument,
                $"{string.Join(", ", typed.Select(t => "-" + t))} cannot be given with -Credential: the database credential already names where to connect. Leave them out, or give a certificate or AWS credential source instead of -Credential.", string.Join(",", typed));
        }
    }
}
