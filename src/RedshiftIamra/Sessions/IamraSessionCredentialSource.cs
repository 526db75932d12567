using RedshiftIamra.Aws;

namespace RedshiftIamra.Sessions;

/// <summary>
/// AWS credentials from a Roles Anywhere session, renewed through the session cache: every
/// call gets a session that is fresh (a cached one, or a new CreateSession).
/// </summary>
public sealed class IamraSessionCredentialSource : AwsCredentialSource
{
    private readonly RolesAnywhereSessionSource _source;
    private volatile bool _forceNext;

    public IamraSessionCredentialSource(IamraSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        _source = session.Source;
        AccountId = AccountFromArn(session.AssumedRoleArn ?? session.RoleArn);
    }

    public override string Description => $"the Roles Anywhere session for {_source.RoleArn} (certificate {_source.Certificate.Subject})";

    public override string? Region => _source.Region;

    public override string RegionOrigin => "the session (its trust anchor's region)";

    public override string IdentityKey => "iamra|" + _source.CacheKey;

    public override async Task<AwsCredentials> GetCredentialsAsync(CancellationToken cancellationToken)
    {
        var force = _forceNext;
        _forceNext = false;
        var session = await _source.GetSessionAsync(force, NullOperationLog.Instance, cancellationToken).ConfigureAwait(false);
        return session.Credentials;
    }

    public override void Invalidate() => _forceNext = true;

    private static string? AccountFromArn(string? arn)
    {
        var parts = arn?.Split(':');
        return parts is { Length: >= 6 } && parts[4].Length == 12 ? parts[4] : null;
    }
}
