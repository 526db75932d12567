using System.Diagnostics;
using System.Globalization;

namespace RedshiftIamra.Aws;

/// <summary>
/// A set of AWS credentials: an access key id, its secret, and for temporary
/// credentials a session token and an expiration time.
/// </summary>
/// <remarks>
/// The secret access key and the session token never appear in <see cref="ToString"/>,
/// in the debugger display, or in any exception message thrown by this type.
/// </remarks>
[DebuggerDisplay("{ToString(),nq}")]
public sealed class AwsCredentials
{
    /// <summary>Creates credentials.</summary>
    /// <param name="accessKeyId">The access key id (not secret).</param>
    /// <param name="secretAccessKey">The secret access key.</param>
    /// <param name="sessionToken">The session token of temporary credentials, or null.</param>
    /// <param name="expiration">When temporary credentials expire, or null.</param>
    /// <exception cref="ArgumentException">The access key id or the secret is missing or blank.</exception>
    public AwsCredentials(string accessKeyId, string secretAccessKey, string? sessionToken = null, DateTimeOffset? expiration = null)
    {
        // The messages name the parameter only; they never echo a value.
        if (string.IsNullOrWhiteSpace(accessKeyId))
        {
            throw new ArgumentException("The access key id is required.", nameof(accessKeyId));
        }

        if (string.IsNullOrWhiteSpace(secretAccessKey))
        {
            throw new ArgumentException("The secret access key is required.", nameof(secretAccessKey));
        }

        if (sessionToken is not null && sessionToken.Length == 0)
        {
            sessionToken = null;
        }

        AccessKeyId = accessKeyId;
        SecretAccessKey = secretAccessKey;
        SessionToken = sessionToken;
        Expiration = expiration;
    }

    /// <summary>The access key id, e.g. <c>ASIA...</c>. Not a secret.</summary>
    public string AccessKeyId { get; }

    /// <summary>The secret access key. Secret: never log or display it.</summary>
    [DebuggerBrowsable(DebuggerBrowsableState.Never)]
    public string SecretAccessKey { get; }

    /// <summary>The session token of temporary credentials, or null. Secret: never log or display it.</summary>
    [DebuggerBrowsable(DebuggerBrowsableState.Never)]
    public string? SessionToken { get; }

    /// <summary>When temporary credentials expire, or null for long-term credentials.</summary>
    public DateTimeOffset? Expiration { get; }

    /// <summary>Shows the access key id and the expiration only.</summary>
    public override string ToString()
    {
        return Expiration is { } expiration
            ? string.Create(CultureInfo.InvariantCulture, $"{AccessKeyId} (expires {expiration.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ})")
            : AccessKeyId;
    }
}
