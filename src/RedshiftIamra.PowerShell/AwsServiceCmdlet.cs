using System.Management.Automation;
using System.Security;
using RedshiftIamra.Aws;
using RedshiftIamra.Sessions;

namespace RedshiftIamra.PowerShell;

/// <summary>
/// The AWS credential group, declared once for every cmdlet that calls an AWS API other than
/// Roles Anywhere: a session on the pipeline, a profile, keys, the default chain, or (from the
/// groups below) a certificate that signs a Roles Anywhere session. One place that turns them
/// into a credential source.
/// </summary>
public abstract class AwsServiceCmdlet : RolesAnywhereCmdlet
{
    protected const string AwsCredentialSet = "AwsCredential";

    /// <summary>
    /// A Roles Anywhere session from Get-IamraSession (renewed as needed). In every parameter set:
    /// a piped session also binds its TrustAnchorArn, ProfileArn and RoleArn by name, which can
    /// select a certificate set; the session is then the credential source all the same.
    /// </summary>
    [Parameter(ValueFromPipeline = true)]
    public IamraSession? Session { get; set; }

    /// <summary>True when a certificate signs the session: a certificate source was given and no session was.</summary>
    protected override bool UsesCertificate => base.UsesCertificate && Session is null;

    [Parameter(ParameterSetName = AwsCredentialSet)]
    [ValidateNotNullOrEmpty]
    [Alias("AWSProfileName")]
    public string? ProfileName { get; set; }

    [Parameter(ParameterSetName = AwsCredentialSet)]
    [ValidateNotNullOrEmpty]
    [Alias("AK")]
    public string? AccessKey { get; set; }

    /// <summary>The secret access key: a SecureString, or a plain string as AWS Tools for PowerShell users splat it.</summary>
    [Parameter(ParameterSetName = AwsCredentialSet)]
    [Alias("SK")]
    [SecureStringTransformation]
    public SecureString? SecretKey { get; set; }

    /// <summary>The session token of temporary keys: a SecureString or a plain string.</summary>
    [Parameter(ParameterSetName = AwsCredentialSet)]
    [Alias("ST")]
    [SecureStringTransformation]
    public SecureString? SessionToken { get; set; }

    /// <summary>The one AWS credential source the bound parameters name (the default chain when none).</summary>
    protected AwsCredentialSource ResolveCredentials()
    {
        if (Session is not null && (base.UsesCertificate && (ParameterSetName is CertificateSet or ConfigSet || CertificateSourceParameters.Any(CommandLineParameters.Contains))))
        {
            throw new IamraException(ErrorIds.Aws.ConflictingCredentials, IamraErrorCategory.InvalidArgument,
                "Give one AWS credential source: a session (-Session or the pipeline), or a certificate source to sign a new one, not both.", "-Session");
        }

        if (UsesCertificate)
        {
            var source = SessionSource(SigningCertificate());
            var session = Await((log, token) => source.GetSessionAsync(false, log, token));
            return new IamraSessionCredentialSource(session);
        }

        var given = new List<string>();
        if (Session is not null) given.Add("-Session");
        if (ProfileName is not null) given.Add("-ProfileName");
        if (AccessKey is not null || SecretKey is not null) given.Add("-AccessKey/-SecretKey");
        if (given.Count > 1)
        {
            throw new IamraException(ErrorIds.Aws.ConflictingCredentials, IamraErrorCategory.InvalidArgument,
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

    private static string Plain(SecureString? value) => value is null ? string.Empty : new System.Net.NetworkCredential(string.Empty, value).Password;
}
