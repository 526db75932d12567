using System.Management.Automation;
using System.Security;
using RedshiftIamra.Aws;
using RedshiftIamra.Sessions;

namespace RedshiftIamra.PowerShell;

/// <summary>
/// The parameters of a cmdlet that calls an AWS API with any AWS credential source: a Roles
/// Anywhere session on the pipeline, a profile, keys, or the default chain; the region; the
/// endpoint and the HTTP settings. One place that turns them into a credential source.
/// </summary>
public abstract class AwsServiceCmdlet : IamraCmdlet
{
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
    public SwitchParameter AllowInsecureEndpoint { get; set; }

    /// <summary>The one AWS credential source the bound parameters name (the default chain when none).</summary>
    protected AwsCredentialSource ResolveCredentials()
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

    /// <summary>The HTTP settings the bound parameters describe (proxy, CA bundle, timeout per attempt).</summary>
    protected AwsHttpSettings HttpSettings() => new()
    {
        Proxy = Proxy,
        CaBundlePath = Resolve(CaBundlePath),
        AttemptTimeout = TimeSpan.FromSeconds(TimeoutSeconds),
    };

    /// <summary>Says so when an endpoint is plain http (allowed only with -AllowInsecureEndpoint or on loopback).</summary>
    protected void WarnIfInsecure(AwsEndpoint endpoint)
    {
        if (AllowInsecureEndpoint.IsPresent && endpoint.Uri.Scheme == Uri.UriSchemeHttp && !endpoint.Uri.IsLoopback)
        {
            WriteWarning($"Calling {endpoint.Uri} over plain http: the signed request and the answer travel unencrypted.");
        }
    }

    private static string Plain(SecureString? value) => value is null ? string.Empty : new System.Net.NetworkCredential(string.Empty, value).Password;
}
