using System.Management.Automation;
using RedshiftIamra.Configuration;

namespace RedshiftIamra.PowerShell;

/// <summary>
/// The TLS group, declared once for every cmdlet that opens (or saves how to open) a database
/// connection: the roots the server's certificate must chain to, and how much is verified.
/// </summary>
public abstract class RedshiftConnectionCmdlet : RedshiftTargetCmdlet
{
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? RootCertificatePath { get; set; }

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
        RootCertificatePath = new RedshiftConnectSettings { RootCertificatePath = RootCertificatePath }.WithConfig(config, precedence).RootCertificatePath;
    }

    /// <summary>The connection options the TLS parameters describe; a TLS mode weaker than VerifyFull only with -AllowUnverifiedTls.</summary>
    protected RedshiftConnectionOptions ConnectionOptions(bool pooling = true, int maxPoolSize = 20, int connectTimeout = 15, int commandTimeout = 0)
    {
        var tlsMode = Enum.Parse<RedshiftTlsMode>(TlsMode, ignoreCase: true);
        if (tlsMode != RedshiftTlsMode.VerifyFull && !AllowUnverifiedTls.IsPresent)
        {
            throw new IamraException(ErrorIds.Connection.WeakTlsRefused, IamraErrorCategory.SecurityError,
                $"-TlsMode {TlsMode} does not fully verify the server (name and root); add -AllowUnverifiedTls if you really mean it. Prefer -RootCertificatePath with the right root.", TlsMode);
        }

        if (tlsMode != RedshiftTlsMode.VerifyFull)
        {
            WriteWarning($"TLS mode {tlsMode}: the server's {(tlsMode == RedshiftTlsMode.VerifyCA ? "host name is" : "certificate is")} not verified; the connection could reach an impostor.");
        }

        return new RedshiftConnectionOptions
        {
            TlsMode = tlsMode,
            RootCertificatePath = RootCertificatePath is null ? ModuleFiles.RootCertificatePath : Resolve(RootCertificatePath)!,
            Pooling = pooling,
            MaxPoolSize = maxPoolSize,
            ConnectTimeoutSeconds = connectTimeout,
            CommandTimeoutSeconds = commandTimeout,
        };
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
