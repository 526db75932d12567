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
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotEmpty]
    public string? ClusterIdentifier { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotEmpty]
    public string? WorkgroupName { get; set; }

    /// <summary>A Redshift host name (cluster, workgroup, custom domain or VPC endpoint), optionally with :port.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotEmpty]
    public string? Hostname { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    public int Port { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotEmpty]
    public string? DbUser { get; set; }

    [Parameter]
    public SwitchParameter UseIamIdentity { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotEmpty]
    [Alias("Database")]
    public string? DbName { get; set; }

    [Parameter]
    public SwitchParameter AutoCreate { get; set; }

    [Parameter]
    [Alias("DbGroups")]
    public string[]? DbGroup { get; set; }

    /// <summary>How long the database password lasts.</summary>
    [Parameter]
    public int DurationSeconds { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? CustomDomainName { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? RedshiftEndpointUrl { get; set; }

    /// <summary>Names of the group's parameters that say where to connect (for the cmdlets that also take a given credential).</summary>
    protected static readonly string[] TargetParameters =
    {
        nameof(ClusterIdentifier), nameof(WorkgroupName), nameof(Hostname), nameof(Port), nameof(DbUser), nameof(UseIamIdentity),
        nameof(DbName), nameof(AutoCreate), nameof(DbGroup), nameof(DurationSeconds), nameof(CustomDomainName), nameof(RedshiftEndpointUrl),
    };

    protected override void ApplyConfig(RedshiftIamraConfig config, SettingPrecedence precedence)
    {
        base.ApplyConfig(config, precedence);
        ApplyTarget(TargetSettings().WithConfig(config, precedence));
    }

    /// <summary>The group's parameters as the engine's target stage.</summary>
    protected RedshiftTargetSettings TargetSettings() => new()
    {
        ClusterIdentifier = ClusterIdentifier,
        WorkgroupName = WorkgroupName,
        Hostname = Hostname,
        Port = Port,
        DbUser = DbUser,
        UseIamIdentity = UseIamIdentity.IsPresent,
        DbName = DbName,
        AutoCreate = AutoCreate.IsPresent,
        DbGroup = DbGroup,
        DurationSeconds = DurationSeconds,
        CustomDomainName = CustomDomainName,
        RedshiftEndpointUrl = RedshiftEndpointUrl,
    };

    private void ApplyTarget(RedshiftTargetSettings target)
    {
        ClusterIdentifier = target.ClusterIdentifier;
        WorkgroupName = target.WorkgroupName;
        Hostname = target.Hostname;
        Port = target.Port;
        DbUser = target.DbUser;
        UseIamIdentity = target.UseIamIdentity;
        DbName = target.DbName;
        AutoCreate = target.AutoCreate;
        DbGroup = target.DbGroup?.ToArray();
        DurationSeconds = target.DurationSeconds;
        CustomDomainName = target.CustomDomainName;
        RedshiftEndpointUrl = target.RedshiftEndpointUrl;
    }

    /// <summary>The database credential source for the target the bound parameters name, with the given AWS credentials.</summary>
    protected DbCredentialSource DbCredentialSource(AwsCredentialSource credentials)
    {
        var target = RedshiftTargets.Resolve(new RedshiftTargetInput
        {
            ClusterIdentifier = ClusterIdentifier,
            WorkgroupName = WorkgroupName,
            Hostname = Hostname,
            Port = Given(nameof(Port)) && (Port != 0 || CommandLineParameters.Contains(nameof(Port))) ? Port : null, // 0 from the pipeline: an object whose Port is null
            DbUser = DbUser,
            UseIamIdentity = UseIamIdentity.IsPresent,
            CustomDomainName = CustomDomainName,
        });
        if (target.Note is not null)
        {
            WriteVerboseSafe(target.Note + ".");
        }

        // A piped session binds its own Region by name: that is the session's region, a fallback
        // after the host name's, not a region the user gave.
        var given = Session is not null && !CommandLineParameters.Contains(nameof(Region)) && string.Equals(Region, Session.Region, StringComparison.Ordinal) ? null : Region;
        var (region, regionSource) = RedshiftTargets.ResolveRegion(given, target.HostRegion, credentials);
        return Sessions.DbCredentialSource.Create(new DbCredentialOptions
        {
            Credentials = credentials,
            Kind = target.Kind,
            ClusterIdentifier = target.ClusterIdentifier,
            WorkgroupName = target.WorkgroupName,
            DbUser = DbUser,
            DbName = DbName ?? target.DbName,
            AutoCreate = AutoCreate.IsPresent,
            DbGroups = DbGroup ?? Array.Empty<string>(),
            DurationSeconds = Given(nameof(DurationSeconds)) ? DurationSeconds : null,
            CustomDomainName = CustomDomainName,
            Host = target.Host,
            Port = target.Port,
            Region = region,
            RegionSource = regionSource,
            EndpointUrl = RedshiftEndpointUrl,
            AllowInsecureEndpoint = SessionOption.AllowInsecureEndpoint,
            Http = HttpSettings(),
            RenewalMargin = SessionOption.RenewalMargin,
        });
    }

    /// <summary>Database credentials from the bound source: a certificate's session, or any AWS credential source.</summary>
    protected RedshiftDbCredential ObtainCredential(bool force = false)
    {
        var credentials = ResolveCredentials();
        var source = DbCredentialSource(credentials);
        return Await((log, token) => source.GetCredentialAsync(force, log, token));
    }
}
