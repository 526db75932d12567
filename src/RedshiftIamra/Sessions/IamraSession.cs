using System.Security;
using RedshiftIamra.Aws;
using RedshiftIamra.Sessions;

namespace RedshiftIamra;

/// <summary>
/// Temporary AWS credentials from IAM Roles Anywhere, and what they are for. The secret
/// access key and session token are SecureStrings; no view, ToString() or log shows them.
/// The session knows how to renew itself (through the in-process cache).
/// </summary>
public sealed class IamraSession : IExpiring
{
    internal IamraSession(AwsCredentials credentials, DateTimeOffset issuedAt, RolesAnywhereSessionSource source, RolesAnywhere.CreateSessionResponse response, TimeSpan clockOffset = default)
    {
        ClockOffset = clockOffset;
        Credentials = credentials;
        IssuedAt = issuedAt;
        Source = source;
        AccessKeyId = credentials.AccessKeyId;
        SecretAccessKey = ToSecureString(credentials.SecretAccessKey);
        SessionToken = ToSecureString(credentials.SessionToken ?? string.Empty);
        ExpiresAt = credentials.Expiration ?? issuedAt.AddHours(1);
        RoleArn = response.CredentialSet.RoleArn ?? source.RoleArn;
        AssumedRoleArn = response.CredentialSet.AssumedRoleArn;
        AssumedRoleId = response.CredentialSet.AssumedRoleId;
        SourceIdentity = response.CredentialSet.SourceIdentity;
        SubjectArn = response.SubjectArn;
        RequestId = response.RequestId;
    }

    public string AccessKeyId { get; }

    public SecureString SecretAccessKey { get; }

    public SecureString SessionToken { get; }

    /// <summary>When the credentials expire, in local time.</summary>
    public DateTime Expiration => ExpiresAt.LocalDateTime;

    public DateTimeOffset IssuedAt { get; }

    public DateTimeOffset ExpiresAt { get; }

    public string RoleArn { get; }

    public string? AssumedRoleArn { get; }

    public string? AssumedRoleId { get; }

    public string? SubjectArn { get; }

    public string? SourceIdentity { get; }

    public string Region => Source.Region;

    public string TrustAnchorArn => Source.TrustAnchorArn;

    public string ProfileArn => Source.ProfileArn;

    public string CertificateThumbprint => Source.Certificate.Thumbprint;

    public string CertificateSubject => Source.Certificate.Subject;

    public string Endpoint => Source.Endpoint.Uri.ToString();

    public string? RequestId { get; }

    /// <summary>True when this object came from the in-process cache rather than a new CreateSession.</summary>
    public bool FromCache { get; internal set; }

    /// <summary>Seconds until the credentials expire (negative once they have), by the issuing service's clock.</summary>
    public int SecondsLeft => (int)Math.Floor((ExpiresAt - (DateTimeOffset.UtcNow + ClockOffset)).TotalSeconds);

    /// <summary>The issuing service's clock minus this machine's (zero unless they differ by more than 10 seconds).</summary>
    public TimeSpan ClockOffset { get; }

    internal AwsCredentials Credentials { get; }

    /// <summary>What it takes to get this session again, or a fresh one.</summary>
    internal RolesAnywhereSessionSource Source { get; }

    public override string ToString() => $"{AssumedRoleArn ?? RoleArn} until {ExpiresAt:yyyy-MM-dd HH:mm:ss}Z ({AccessKeyId})";

    /// <summary>A copy marked as served from the cache.</summary>
    internal IamraSession AsCached()
    {
        var copy = (IamraSession)MemberwiseClone();
        copy.FromCache = true;
        return copy;
    }

    internal static SecureString ToSecureString(string value)
    {
        var secure = new SecureString();
        foreach (var c in value)
        {
            secure.AppendChar(c);
        }

        secure.MakeReadOnly();
        return secure;
    }
}
