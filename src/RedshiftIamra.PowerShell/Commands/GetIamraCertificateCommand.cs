using System.Management.Automation;
using System.Security.Cryptography.X509Certificates;
using RedshiftIamra.Certificates;

namespace RedshiftIamra.PowerShell.Commands;

/// <summary>
/// <c>Get-IamraCertificate</c>: finds certificates that can sign IAM Roles Anywhere
/// requests, in a certificate store, in files, or on the pipeline.
/// </summary>
[Cmdlet(VerbsCommon.Get, "IamraCertificate", DefaultParameterSetName = StoreSet)]
[OutputType(typeof(IamraCertificate))]
public sealed class GetIamraCertificateCommand : CertificateSourceCmdlet
{
    private const string CertificateSet = "Certificate";

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = CertificateSet, ValueFromPipeline = true)]
    [ValidateNotNull]
    public X509Certificate2[] Certificate { get; set; } = null!;

    /// <summary>Also return certificates that cannot be used, with the reason.</summary>
    [Parameter]
    public SwitchParameter All { get; set; }

    private readonly List<IamraCertificate> _pipelineCandidates = new();

    protected override void Process()
    {
        var query = BuildQuery(ParameterSetName == CertificateSet ? Certificate : null);
        WriteVerbose($"Looking for certificates in {query.Describe()}.");
        var candidates = CertificateFinder.FindCandidates(query);
        if (ParameterSetName == CertificateSet)
        {
            // Pipeline input is judged as a whole at the end, so -Latest sees every certificate.
            _pipelineCandidates.AddRange(candidates);
            return;
        }

        Emit(candidates, query);
    }

    protected override void End()
    {
        if (ParameterSetName == CertificateSet)
        {
            Emit(_pipelineCandidates, BuildQuery(_pipelineCandidates.Select(c => c.Certificate).ToList()));
        }
    }

    private void Emit(IReadOnlyList<IamraCertificate> candidates, CertificateQuery query)
    {
        WriteVerbose($"Found {candidates.Count} certificate(s); {candidates.Count(c => c.Usable)} usable.");
        foreach (var unusable in candidates.Where(c => !c.Usable))
        {
            WriteVerbose($"Not usable: {unusable.Thumbprint} {unusable.Subject}: {unusable.Reason}");
        }

        foreach (var certificate in CertificateFinder.Select(candidates, query, All.IsPresent, Latest.IsPresent))
        {
            WriteObject(certificate);
        }
    }
}
