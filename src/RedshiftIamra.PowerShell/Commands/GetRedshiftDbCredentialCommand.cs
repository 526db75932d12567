using System.Management.Automation;
using System.Security;
using RedshiftIamra.Aws;
using RedshiftIamra.Redshift;
using RedshiftIamra.Sessions;

namespace RedshiftIamra.PowerShell.Commands;

/// <summary>
/// <c>Get-RedshiftDbCredential</c>: short-lived Redshift database credentials for a cluster
/// (by user or by IAM identity) or a serverless workgroup, from any AWS credential source.
/// </summary>
[Cmdlet(VerbsCommon.Get, "RedshiftDbCredential", DefaultParameterSetName = ClusterSet)]
[OutputType(typeof(RedshiftDbCredential))]
public sealed class GetRedshiftDbCredentialCommand : IamraCmdlet
{
    private const string ClusterSet = "Cluster";
    private const string ClusterIamSet = "ClusterIam";
    private const string ServerlessSet = "Serverless";
    private const string HostnameSet = "Hostname";

    /// <summary>A Roles Anywhere session from Get-IamraSession (renewed as needed).</summary>
    [Parameter(ValueFromPipeline = true)]
    public IamraSession? Session { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    [Alias("AWSProfileName")]
    public string? ProfileName { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? AccessKey { get; set; }

    [Parameter]
    public SecureString? SecretKey { get; set; }

    [Parameter]
    public SecureString? SessionToken { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = ClusterSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(Mandatory = true, ParameterSetName = ClusterIamSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = HostnameSet, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string ClusterIdentifier { get; set; } = null!;

    [Parameter(Mandatory = true, ParameterSetName = ClusterSet)]
    [Parameter(ParameterSetName = HostnameSet)]
    [ValidateNotNullOrEmpty]
    public string? DbUser { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = ClusterIamSet)]
    [Parameter(ParameterSetName = HostnameSet)]
    public SwitchParameter UseIamIdentity { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = ServerlessSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = HostnameSet, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string WorkgroupName { get; set; } = null!;

    /// <summary>A Redshift host name (cluster, workgroup, custom domain or VPC endpoint), optionally with :port.</summary>
    [Parameter(Mandatory = true, ParameterSetName = HostnameSet, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Hostname { get; set; } = null!;

    [Parameter(ParameterSetName = HostnameSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = ClusterSet)]
    [Parameter(ParameterSetName = ClusterIamSet)]
    [Parameter(ParameterSetName = ServerlessSet)]
    public int Port { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    [Alias("Database")]
    public string? DbName { get; set; }

    [Parameter(ParameterSetName = ClusterSet)]
    [Parameter(ParameterSetName = HostnameSet)]
    public SwitchParameter AutoCreate { get; set; }

    [Parameter(ParameterSetName = ClusterSet)]
    [Parameter(ParameterSetName = HostnameSet)]
    [Alias("DbGroups")]
    public string[]? DbGroup { get; set; }

    [Parameter]
    public int DurationSeconds { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? CustomDomainName { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Region { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? EndpointUrl { get; set; }

    [Parameter]
    public Uri? Proxy { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? CaBundlePath { get; set; }

    [Parameter]
    [ValidateRange(1, 300)]
    public int TimeoutSeconds { get; set; } = 15;

    [Parameter]
    public TimeSpan RenewalMargin { get; set; } = DbCredentialSource.DefaultRenewalMargin;

    [Parameter]
    public SwitchParameter AllowInsecureEndpoint { get; set; }

    /// <summary>Ignores cached credentials and asks Redshift again.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void Process()
    {
        var credentials = ResolveCredentials();
        var bound = MyInvocation.BoundParameters;
        var target = RedshiftTargets.Resolve(new RedshiftTargetInput
        {
            ClusterIdentifier = bound.ContainsKey(nameof(ClusterIdentifier)) ? ClusterIdentifier : null,
            WorkgroupName = bound.ContainsKey(nameof(WorkgroupName)) ? WorkgroupName : null,
            Hostname = bound.ContainsKey(nameof(Hostname)) ? Hostname : null,
            Port = bound.ContainsKey(nameof(Port)) ? Port : null,
            DbUser = DbUser,
            UseIamIdentity = UseIamIdentity.IsPresent,
            CustomDomainName = CustomDomainName,
        });
        if (target.Note is not null)
        {
            WriteVerbose(target.Note + ".");
        }

        var (region, regionSource) = RedshiftTargets.ResolveRegion(Region, target.HostRegion, credentials);
        var source = DbCredentialSource.Create(new DbCredentialOptions
        {
            Credentials = credentials,
            Kind = target.Kind,
            ClusterIdentifier = target.ClusterIdentifier,
            WorkgroupName = target.WorkgroupName,
            DbUser = DbUser,
            DbName = DbName ?? target.DbName,
            AutoCreate = AutoCreate.IsPresent,
            DbGroups = DbGroup ?? Array.Empty<string>(),
            DurationSeconds = MyInvocation.BoundParameters.ContainsKey(nameof(DurationSeconds)) ? DurationSeconds : null,
            CustomDomainName = CustomDomainName,
            Host = target.Host,
            Port = target.Port,
            Region = region,
            RegionSource = regionSource,
            EndpointUrl = EndpointUrl,
            AllowInsecureEndpoint = AllowInsecureEndpoint.IsPresent,
            Http = new AwsHttpSettings
            {
                Proxy = Proxy,
                CaBundlePath = Resolve(CaBundlePath),
                AttemptTimeout = TimeSpan.FromSeconds(TimeoutSeconds),
            },
            RenewalMargin = RenewalMargin,
        });
        WriteObject(Await((log, token) => source.GetCredentialAsync(Force.IsPresent, log, token)));
    }

    private AwsCredentialSource ResolveCredentials()
    {
        var given = new List<string>();
        if (Session is not null) given.Add("-Session");
        if (ProfileName is not null) given.Add("-ProfileName");
        if (AccessKey is not null || SecretKey is not null) given.Add("-AccessKey/-SecretKey");
        if (given.Count > 1)
        {
            throw new IamraException("IamraConflictingCredentials", IamraErrorCategory.InvalidArgument,
                $"Give one AWS credential source, not {string.Join(" and ", given)}.", string.Join(",", given));
        }

        if (Session is not null)
        {
            return new IamraSessionCredentialSource(Session);
        }

        if (ProfileName is not null)
        {
            return AwsCredentialSources.FromProfile(ProfileName);
        }

        if (AccessKey is not null || SecretKey is not null)
        {
            return AwsCredentialSources.FromKeys(AccessKey ?? string.Empty, Plain(SecretKey), SessionToken is null ? null : Plain(SessionToken));
        }

        return AwsCredentialSources.Default();
    }

    private string? Resolve(string? path) => path is null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);

    private static string Plain(SecureString? value) => value is null ? string.Empty : new System.Net.NetworkCredential(string.Empty, value).Password;
}
