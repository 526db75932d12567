using RedshiftIamra.Aws;
using RedshiftIamra.Certificates;
using RedshiftIamra.Sessions;

namespace RedshiftIamra.Credentials;

/// <summary>
/// What a <c>credential_process</c> does, as one call: for a certificate and the Roles
/// Anywhere settings, the JSON the AWS CLI and SDKs read, from the per-user session cache
/// while it is fresh, otherwise from one CreateSession shared by every concurrent caller.
/// The PowerShell cmdlets and the native helper both call this.
/// </summary>
public static class CredentialProcess
{
    /// <summary>
    /// How long before expiry the cache stops handing out a session: botocore refreshes
    /// credentials that expire within 15 minutes (its advisory window) by running the process
    /// again, so a session closer than that to its end would cost a second process per call.
    /// </summary>
    public static readonly TimeSpan ClientRefreshWindow = TimeSpan.FromMinutes(15);

    /// <summary>The JSON for <paramref name="options"/>, using <paramref name="cache"/> (the default per-user cache when null).</summary>
    public static async Task<string> GetJsonAsync(RolesAnywhereSessionOptions options, SessionFileCache? cache, IOperationLog log, CancellationToken cancellationToken)
    {
        var source = RolesAnywhereSessionSource.Create(options);
        var credentials = await GetAsync(source, cache, log, cancellationToken).ConfigureAwait(false);
        return CredentialDocuments.CredentialProcess(credentials.Credentials, credentials.ExpiresAt);
    }

    /// <summary>The JSON for a certificate found by <paramref name="query"/> (one usable certificate, as Get-IamraSession finds it).</summary>
    public static Task<string> GetJsonAsync(CertificateQuery query, bool latest, Func<IamraCertificate, RolesAnywhereSessionOptions> options, SessionFileCache? cache, IOperationLog log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var certificate = CertificateFinder.FindSingle(query, latest);
        return GetJsonAsync(options(certificate), cache, log, cancellationToken);
    }

    /// <summary>Fresh credentials for a validated source, through the cache.</summary>
    public static Task<CachedCredentials> GetAsync(RolesAnywhereSessionSource source, SessionFileCache? cache, IOperationLog log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        var margin = source.RenewalMargin > ClientRefreshWindow ? source.RenewalMargin : ClientRefreshWindow;
        return (cache ?? new SessionFileCache()).GetAsync(source, margin, log, cancellationToken);
    }
}
