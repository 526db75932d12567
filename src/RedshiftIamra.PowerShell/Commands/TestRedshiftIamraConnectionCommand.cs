using System.Management.Automation;
using RedshiftIamra.Connections;

namespace RedshiftIamra.PowerShell.Commands;

/// <summary>
/// <c>Test-RedshiftIamraConnection</c>: checks every hop from the certificate to a query and
/// says which one failed, how long each took, and the likely fix. For Pester.
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "RedshiftIamraConnection", DefaultParameterSetName = ThumbprintSet)]
[OutputType(typeof(ConnectionCheckResult), typeof(bool))]
public sealed class TestRedshiftIamraConnectionCommand : RedshiftConnectionCmdlet
{
    private const string CredentialSet = "Credential";

    /// <summary>Starts from this database credential (the certificate, session and credential stages are skipped).</summary>
    [Parameter(Mandatory = true, ParameterSetName = CredentialSet, ValueFromPipeline = true)]
    [ValidateNotNull]
    public RedshiftDbCredential Credential { get; set; } = null!;

    [Parameter]
    [ValidateNotNullOrEmpty]
    [Alias("CommandText", "Sql")]
    public string Query { get; set; } = "select 1";

    [Parameter]
    [ValidateRange(1, 300)]
    public int TimeoutSeconds { get; set; } = 10;

    /// <summary>Returns only True or False.</summary>
    [Parameter]
    public SwitchParameter Quiet { get; set; }

    protected override void Process()
    {
        if (ParameterSetName == CredentialSet)
        {
            RefuseTargetWithCredential();
        }

        // From a given credential, from a certificate (every stage), or from another AWS
        // credential source (no certificate and session stages: the credential stage starts).
        var plan = new ConnectionCheckPlan
        {
            Certificate = UsesCertificate ? CertificateStage() : null,
            Session = UsesCertificate ? certificate => SessionSource(certificate) : null,
            DbCredential = UsesCertificate ? DbCredentialSource : null,
            GivenCredential = ParameterSetName == CredentialSet ? Credential : UsesCertificate ? null : ObtainCredential(),
            Connection = ConnectionOptions(pooling: false, connectTimeout: TimeoutSeconds),
            NetworkTimeout = TimeSpan.FromSeconds(TimeoutSeconds),
            Query = Query,
        };
        var result = Await((log, token) => ConnectionCheck.RunAsync(plan, log, token));
        WriteObject(Quiet.IsPresent ? result.Passed : result);
    }

    /// <summary>
    /// The certificate stage. The check runs off the pipeline thread, where the host cannot ask
    /// for a token PIN: a PKCS#11 source is looked up (and logged in to) here first, and the
    /// stage reports what that gave, success or failure.
    /// </summary>
    private Func<IamraCertificate> CertificateStage()
    {
        if (!UsesPkcs11)
        {
            return SigningCertificate;
        }

        try
        {
            var found = SigningCertificate();
            return () => found;
        }
        catch (IamraException e)
        {
            var failure = System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e);
            return () =>
            {
                failure.Throw();
                return null!;
            };
        }
    }
}
