using System.Security;

namespace RedshiftIamra;

/// <summary>What kind of Redshift a database credential is for.</summary>
public enum RedshiftTargetKind
{
    /// <summary>A provisioned cluster, database user named by the caller (<c>GetClusterCredentials</c>).</summary>
    Provisioned,

    /// <summary>A provisioned cluster, database user from the caller's IAM identity (<c>GetClusterCredentialsWithIAM</c>).</summary>
    ProvisionedIam,

    /// <summary>A Redshift Serverless workgroup (<c>GetCredentials</c>).</summary>
    Serverless,
}

/// <summary>
/// Short-lived Redshift database credentials and where to use them. The password is a
/// SecureString; no view, ToString() or log shows it. The credential knows how to renew
/// itself (through the in-process cache).
/// </summary>
public sealed class RedshiftDbCredential : Sessions.IExpiring
{
    internal RedshiftDbCredential(string dbUser, string password, DateTimeOffset issuedAt, DateTimeOffset expiresAt, DateTimeOffset? nextRefresh,
        string host, int port, string database, Sessions.DbCredentialSource source, string? requestId, TimeSpan clockOffset = default)
    {
        ClockOffset = clockOffset;
        DbUser = dbUser;
        Password = password;
        DbPassword = IamraSession.ToSecureString(password);
        IssuedAt = issuedAt;
        ExpiresAt = expiresAt;
        NextRefreshAt = nextRefresh;
        Host = host;
        Port = port;
        Database = database;
        Source = source;
        RequestId = requestId;
    }

    /// <summary>The database user exactly as Redshift returned it (<c>IAM:</c>, <c>IAMA:</c>, <c>IAMR:</c> prefixes kept: the login needs them).</summary>
    public string DbUser { get; }

    public SecureString DbPassword { get; }

    /// <summary>When the password stops working for new logins, in local time.</summary>
    public DateTime Expiration => ExpiresAt.LocalDateTime;

    /// <summary>When the service suggests asking for new credentials (WithIAM and serverless), in local time.</summary>
    public DateTime? NextRefreshTime => NextRefreshAt?.LocalDateTime;

    public DateTimeOffset IssuedAt { get; }

    public DateTimeOffset ExpiresAt { get; }

    public DateTimeOffset? NextRefreshAt { get; }

    public string Host { get; }

    public int Port { get; }

    public string Database { get; }

    public string? ClusterIdentifier => Source.ClusterIdentifier;

    public string? WorkgroupName => Source.WorkgroupName;

    public string Region => Source.Region;

    public RedshiftTargetKind Kind => Source.Kind;

    public string? RequestId { get; }

    /// <summary>True when this object came from the in-process cache rather than a new API call.</summary>
    public bool FromCache { get; internal set; }

    /// <summary>Seconds until the password expires (negative once it has), by the issuing service's clock.</summary>
    public int SecondsLeft => (int)Math.Floor((ExpiresAt - (DateTimeOffset.UtcNow + ClockOffset)).TotalSeconds);

    /// <summary>The issuing service's clock minus this machine's (zero unless they differ by more than 10 seconds).</summary>
    public TimeSpan ClockOffset { get; }

    /// <summary>The password in clear, for the connection factory only.</summary>
    internal string Password { get; }

    internal Sessions.DbCredentialSource Source { get; }

    public override string ToString() => $"{DbUser}@{Host}:{Port}/{Database} until {ExpiresAt:yyyy-MM-dd HH:mm:ss}Z";

    internal RedshiftDbCredential AsCached()
    {
        var copy = (RedshiftDbCredential)MemberwiseClone();
        copy.FromCache = true;
        return copy;
    }
}
