using System.Management.Automation;
using RedshiftIamra.Connections;

namespace RedshiftIamra.PowerShell.Commands;

/// <summary>
/// <c>Test-RedshiftIamraConnection</c>: checks every hop from the certificate to a query and
/// says which one failed, how long each took, and the likely fix. For Pester.
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "RedshiftIamraConnection", DefaultParameterSetName = ThumbprintSet)]
[OutputType(typeof(ConnectionCheckResult), typeof(bool))]
public sealed class TestRedshiftIamraConnectionCommand : ConnectionTargetCmdlet
{
    private const string CredentialSet = "Credential";

    /// <summary>Starts from this database credential (the certificate, session and credential stages are skipped).</summary>
    [Parameter(Mandatory = true, ParameterSetName = CredentialSet, ValueFromPipeline = true)]
    [ValidateNotNull]
    public RedshiftDbCredential Credential { get; set; } = null!;

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string Query { get; set; } = "select 1";

    [Parameter]
    [ValidateRange(1, 300)]
    public int TimeoutSeconds { get; set; } = 10;

    /// <summary>Returns only True or False.</summary>
    [Parameter]
    public SwitchParameter Quiet { get; set; }

    protected override void Process()
    {
        var plan = new ConnectionCheckPlan
        {
            Certificate = UsesCertificate ? FindCertificate : null,
            Session = UsesCertificate ? SessionSource : null,
            DbCredential = UsesCertificate ? DbCredentialSource : null,
            GivenCredential = UsesCertificate ? null : Credential,
            Connection = ConnectionOptions(pooling: false, connectTimeout: TimeoutSeconds),
            NetworkTimeout = TimeSpan.FromSeconds(TimeoutSeconds),
            Query = Query,
        };
        var result = Await((log, token) => ConnectionCheck.RunAsync(plan, log, token));
        WriteObject(Quiet.IsPresent ? result.Passed : result);
    }
}
