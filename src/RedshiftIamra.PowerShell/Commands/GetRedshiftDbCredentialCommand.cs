using System.Management.Automation;

namespace RedshiftIamra.PowerShell.Commands;

/// <summary>
/// <c>Get-RedshiftDbCredential</c>: short-lived Redshift database credentials for a cluster
/// (by user or by IAM identity) or a serverless workgroup, from any AWS credential source or
/// a certificate that signs a Roles Anywhere session.
/// </summary>
[Cmdlet(VerbsCommon.Get, "RedshiftDbCredential", DefaultParameterSetName = AwsCredentialSet)]
[OutputType(typeof(RedshiftDbCredential))]
public sealed class GetRedshiftDbCredentialCommand : RedshiftTargetCmdlet
{
    /// <summary>Ignores cached credentials and asks Redshift again.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void Process() => WriteObject(ObtainCredential(Force.IsPresent));
}
