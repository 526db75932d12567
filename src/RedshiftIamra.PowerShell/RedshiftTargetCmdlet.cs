using System.Management.Automation;
using RedshiftIamra.Aws;
using RedshiftIamra.Configuration;
using RedshiftIamra.Sessions;

namespace RedshiftIamra.PowerShell;

/// <summary>
/// The Redshift target group, declared once for every cmdlet that gets database credentials:
/// a cluster (by database user or IAM identity), a serverless workgroup or a host name, the
/// database, groups, durations and the Redshift API endpoint.
/// </summary>
public abstract class RedshiftTargetCmdlet : AwsServiceCmdlet
{
    // The group's parameters are the engine's target stage: binding writes into it, a saved
    // configuration merges into it, and the database credential request is built from it.
    private RedshiftTargetSettings _target = new();

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotEmpty]
    public string? ClusterIdentifier { get => _target.ClusterIdentifier; set => _target = _target with { ClusterIdentifier = value }; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotEmpty]
    public string? WorkgroupName { get => _target.WorkgroupName; set => _target = _target with { WorkgroupName = value }; }

    /// <summary>A Redshift host name (cluster, workgroup, custom domain or VPC endpoint), optionally with :port.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotEmpty]
    public string? Hostname { get => _target.Hostname; set => _target = _target with { Hostname = value }; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    public int Port { get => _target.Port; set => _target = _target with { Port = value }; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotEmpty]
    public string? DbUser { get => _target.DbUser; set => _target = _target with { DbUser = value }; }

    [Parameter]
    public SwitchParameter UseIamIdentity { get => _target.UseIamIdentity; set => _target = _target with { UseIamIdentity = value.IsPresent }; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotEmpty]
    [Alias("Database")]
    public string? DbName { get => _target.DbName; set => _target = _target with { DbName = value }; }

    [Parameter]
    public SwitchParameter AutoCreate { get => _target.AutoCreate; set => _target = _target with { AutoCreate = value.IsPresent }; }

    [Parameter]
    [Alias("DbGroups")]
    public string[]? DbGroup { get => _target.DbGroup as string[] ?? _target.DbGroup?.ToArray(); set => _target = _target with { DbGroup = value }; }

    /// <summary>How long the database password lasts.</summary>
    [Parameter]
    public int DurationSeconds { get => _target.DurationSeconds; set => _target = _target with { DurationSeconds = value }; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? CustomDomainName { get => _target.CustomDomainName; set => _target = _target with { CustomDomainName = value }; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? RedshiftEndpointUrl { get => _target.RedshiftEndpointUrl; set => _target = _target with { RedshiftEndpointUrl = value }; }

    /// <summary>Names of the group's parameters that say where to connect (for the cmdlets that also take a given credential).</summary>
    protected static readonly string[] TargetParameters =
    {
        nameof(ClusterIdentifier), nameof(WorkgroupName), nameof(Hostname), nameof(Port), nameof(DbUser), nameof(UseIamIdentity),
        nameof(DbName), nameof(AutoCreate), nameof(DbGroup), nameof(DurationSeconds), nameof(CustomDomainName), nameof(RedshiftEndpointUrl),
    };

    protected override void ApplyConfig(RedshiftIamraConfig config, SettingPrecedence precedence)
    {
        base.ApplyConfig(config, precedence);
        _target = _target.WithConfig(config, precedence);
    }

    /// <summary>The group's parameters: the engine's target stage.</summary>
    protected RedshiftTargetSettings TargetSettings() => _target;

    /// <summary>The database credential source for the target the bound parameters name, with the given AWS credentials.</summary>
    protected DbCredentialSource DbCredentialSource(AwsCredentialSource credentials)
    {
        var options = _target.ToDbCredentialOptions(
            new DbCredentialCall
            {
                Credentials = credentials,
                Region = Region,
                SessionRegion = Session?.Region,
                IsGiven = Given,
                IsTyped = CommandLineParameters.Contains,
                SessionOption = SessionOption,
                Http = HttpSettings(),
            },
            out var note);
        if (note is not null)
        {
            WriteVerboseSafe(note + ".");
        }

        return Sessions.DbCredentialSource.Create(options);
    }

    /// <summary>Database credentials from the bound source: a certificate's session, or any AWS credential source.</summary>
    protected RedshiftDbCredential ObtainCredential(bool force = false)
    {
        var credentials = ResolveCredentials();
        var source = DbCredentialSource(credentials);
        return Await((log, token) => source.GetCredentialAsync(force, log, token));
    }
}
