using System.Management.Automation;
using System.Security.Cryptography.X509Certificates;
using RedshiftIamra.Certificates;
using RedshiftIamra.Configuration;

namespace RedshiftIamra.PowerShell.Commands;

/// <summary>
/// <c>Save-RedshiftIamraConfig</c>: stores what a connection needs under a name, for
/// <c>Connect-RedshiftIamra -ConfigName</c> in unattended jobs: how to find the certificate,
/// the Roles Anywhere ARNs, the Redshift target, endpoints and TLS roots. Never a secret.
/// </summary>
[Cmdlet(VerbsData.Save, "RedshiftIamraConfig", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = ThumbprintSet)]
[OutputType(typeof(RedshiftIamraConfig))]
public sealed class SaveRedshiftIamraConfigCommand : IamraCmdlet
{
    private const string StoreSet = "Store";
    private const string ThumbprintSet = "Thumbprint";
    private const string PathSet = "Path";

    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = null!;

    /// <summary>A stack from Get-RedshiftIamraStack: its values fill what the parameters do not give.</summary>
    [Parameter(ValueFromPipeline = true)]
    public RedshiftIamraStack? InputObject { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = ThumbprintSet)]
    [ValidateNotNullOrEmpty]
    public string Thumbprint { get; set; } = null!;

    [Parameter(ParameterSetName = StoreSet)]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    public string? Subject { get; set; }

    [Parameter(ParameterSetName = StoreSet)]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    public string? Issuer { get; set; }

    [Parameter(ParameterSetName = StoreSet)]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    public string? SerialNumber { get; set; }

    [Parameter(ParameterSetName = StoreSet)]
    public SwitchParameter Latest { get; set; }

    [Parameter(ParameterSetName = StoreSet)]
    [Parameter(ParameterSetName = ThumbprintSet)]
    public StoreLocation StoreLocation { get; set; } = StoreLocation.CurrentUser;

    [Parameter(ParameterSetName = StoreSet)]
    [Parameter(ParameterSetName = ThumbprintSet)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(StoreNameCompleter))]
    public string StoreName { get; set; } = "My";

    [Parameter(Mandatory = true, ParameterSetName = PathSet)]
    [ValidateNotNullOrEmpty]
    [Alias("CertificatePath")]
    public string Path { get; set; } = null!;

    [Parameter(ParameterSetName = PathSet)]
    [ValidateNotNullOrEmpty]
    [Alias("KeyPath")]
    public string? PrivateKeyPath { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ChainPath { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotEmpty]
    public string? TrustAnchorArn { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotEmpty]
    public string? ProfileArn { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotEmpty]
    public string? RoleArn { get; set; }

    [Parameter]
    public int SessionDurationSeconds { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? RolesAnywhereEndpointUrl { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? CaBundlePath { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotEmpty]
    public string? Region { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotEmpty]
    public string? ClusterIdentifier { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotEmpty]
    public string? WorkgroupName { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotEmpty]
    public string? Hostname { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    public int Port { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotEmpty]
    [Alias("Database")]
    public string? DbName { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotEmpty]
    public string? DbUser { get; set; }

    [Parameter]
    public SwitchParameter UseIamIdentity { get; set; }

    [Parameter]
    public SwitchParameter AutoCreate { get; set; }

    [Parameter]
    [Alias("DbGroups")]
    public string[]? DbGroup { get; set; }

    [Parameter]
    public int DurationSeconds { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? RedshiftEndpointUrl { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? RootCertificatePath { get; set; }

    /// <summary>Saves without looking for the certificate now (for a machine it is not installed on yet).</summary>
    [Parameter]
    public SwitchParameter SkipCertificateCheck { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void Process()
    {
        RedshiftIamraConfigStore.ValidateName(Name);
        var stack = InputObject;
        var cluster = ClusterIdentifier ?? stack?.ClusterIdentifier;
        var workgroup = WorkgroupName ?? stack?.WorkgroupName;
        var hostname = Hostname ?? stack?.Hostname;
        int? port = Port != 0 || Typed(nameof(Port)) ? Port : stack is { Port: > 0 } ? stack.Port : null;
        var dbUser = DbUser ?? stack?.DbUser;

        // A stack names a cluster and a workgroup; a saved configuration connects to one of them.
        if (cluster is not null && workgroup is not null)
        {
            if (Typed(nameof(WorkgroupName)) && !Typed(nameof(ClusterIdentifier)))
            {
                WriteVerbose($"Saving the workgroup {workgroup}; the cluster {cluster} from the pipeline is left out.");
                cluster = null;
                if (!Typed(nameof(Hostname)))
                {
                    hostname = stack?.ServerlessWorkgroupEndpoint;
                }

                if (!Typed(nameof(Port)))
                {
                    port = null;
                }

                if (!Typed(nameof(DbUser)))
                {
                    dbUser = null;
                }
            }
            else if (!Typed(nameof(WorkgroupName)))
            {
                WriteVerbose($"Saving the cluster {cluster}; the workgroup {workgroup} from the pipeline is left out (give -WorkgroupName to save the workgroup instead).");
                workgroup = null;
            }
        }

        // The stack's host name and port are its cluster's: they do not go with another cluster typed here.
        if (Typed(nameof(ClusterIdentifier)) && stack?.ClusterIdentifier is { } stackCluster && stackCluster != cluster)
        {
            hostname = Typed(nameof(Hostname)) ? hostname : null;
            port = Typed(nameof(Port)) ? port : null;
        }

        if (UseIamIdentity.IsPresent && !Typed(nameof(DbUser)))
        {
            dbUser = null;
        }

        var config = new RedshiftIamraConfig
        {
            Name = Name,
            Thumbprint = ParameterSetName == ThumbprintSet ? CertificateFinder.NormalizeThumbprint(Thumbprint) : null,
            Subject = Subject,
            Issuer = Issuer,
            SerialNumber = SerialNumber,
            Latest = Latest.IsPresent,
            StoreLocation = ParameterSetName != PathSet && StoreLocation != StoreLocation.CurrentUser ? StoreLocation.ToString() : null,
            StoreName = ParameterSetName != PathSet && !string.Equals(StoreName, "My", StringComparison.OrdinalIgnoreCase) ? StoreName : null,
            CertificatePath = ParameterSetName == PathSet ? Resolve(Path) : null,
            PrivateKeyPath = Resolve(PrivateKeyPath),
            ChainPath = Resolve(ChainPath),
            TrustAnchorArn = TrustAnchorArn ?? stack?.TrustAnchorArn,
            ProfileArn = ProfileArn ?? stack?.ProfileArn,
            RoleArn = RoleArn ?? stack?.RoleArn,
            SessionDurationSeconds = SessionDurationSeconds != 0 || Typed(nameof(SessionDurationSeconds)) ? SessionDurationSeconds : null,
            RolesAnywhereEndpointUrl = RolesAnywhereEndpointUrl,
            CaBundlePath = Resolve(CaBundlePath),
            Region = Region ?? stack?.Region,
            ClusterIdentifier = cluster,
            WorkgroupName = workgroup,
            Hostname = hostname,
            Port = port,
            DbName = DbName ?? stack?.DbName,
            DbUser = dbUser,
            UseIamIdentity = UseIamIdentity.IsPresent,
            AutoCreate = AutoCreate.IsPresent,
            DbGroup = DbGroup ?? Array.Empty<string>(),
            DurationSeconds = DurationSeconds != 0 || Typed(nameof(DurationSeconds)) ? DurationSeconds : null,
            RedshiftEndpointUrl = RedshiftEndpointUrl,
            RootCertificatePath = Resolve(RootCertificatePath),
            StackName = stack?.StackName,
        };
        RedshiftIamraConfigStore.Validate(config);
        if (!SkipCertificateCheck.IsPresent)
        {
            CheckCertificate(config);
        }

        var path = RedshiftIamraConfigStore.DefaultPath();
        var exists = RedshiftIamraConfigStore.Load(path).Any(c => string.Equals(c.Name, Name, StringComparison.OrdinalIgnoreCase));
        if (!ShouldProcess(path, $"{(exists ? "Replace" : "Add")} the configuration '{Name}': {config.Target}, certificate {config.Certificate}"))
        {
            return;
        }

        var saved = RedshiftIamraConfigStore.Save(path, config);
        WriteVerbose($"{(exists ? "Replaced" : "Added")} the configuration '{Name}' in {path}.");
        if (PassThru.IsPresent)
        {
            WriteObject(saved);
        }
    }

    /// <summary>Given on the command line: what the user typed wins over what the pipeline brings.</summary>
    private bool Typed(string parameter) => CommandLineParameters.Contains(parameter);

    /// <summary>Finds the certificate now, so a typo shows here and not in the first scheduled run.</summary>
    private void CheckCertificate(RedshiftIamraConfig config)
    {
        if (config.CertificatePath is not null)
        {
            foreach (var (file, parameter) in new[] { (config.CertificatePath, "-Path"), (config.PrivateKeyPath, "-PrivateKeyPath"), (config.ChainPath, "-ChainPath") })
            {
                if (file is not null && !File.Exists(file))
                {
                    throw new IamraException(CertificateErrors.FileNotFound, IamraErrorCategory.ObjectNotFound,
                        $"{parameter} '{file}' does not exist. Give the right path, or add -SkipCertificateCheck to save it for a machine where it will exist.", file);
                }
            }

            // The key may be encrypted: its password is never saved, so the files are not opened here.
            return;
        }

        var query = new CertificateQuery
        {
            Thumbprint = config.Thumbprint,
            Subject = config.Subject,
            Issuer = config.Issuer,
            SerialNumber = config.SerialNumber,
            StoreLocation = StoreLocation,
            StoreName = StoreName,
            ChainPath = config.ChainPath,
        };
        try
        {
            var certificate = CertificateFinder.FindSingle(query, config.Latest);
            WriteVerbose($"The certificate is {certificate.Subject} ({certificate.Thumbprint}), valid until {certificate.NotAfter:yyyy-MM-dd}.");
        }
        catch (IamraException e)
        {
            throw new IamraException(e.ErrorId, e.Category, $"{e.Message} (Add -SkipCertificateCheck to save the configuration for a machine where the certificate will be.)", e.Target, e)
            {
                RecommendedAction = e.RecommendedAction,
            };
        }
    }
}
