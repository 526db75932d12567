using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace RedshiftIamra.Sandbox;

/// <summary>
/// Temporary credentials a sandbox service issued. The secret and the token are here so that
/// the sandbox's other endpoints can verify HMAC signatures made with them; nothing writes
/// them anywhere, and <see cref="ToString"/> leaves them out.
/// </summary>
public sealed record SandboxIssuedCredential
{
    public required string AccessKeyId { get; init; }

    public required string SecretAccessKey { get; init; }

    public required string SessionToken { get; init; }

    public required DateTimeOffset IssuedAt { get; init; }

    public required DateTimeOffset Expiration { get; init; }

    public required string RoleArn { get; init; }

    public required string AssumedRoleArn { get; init; }

    public required string AssumedRoleId { get; init; }

    public required string RoleSessionName { get; init; }

    /// <summary>The certificate subject the session was issued to (<c>CN=...</c>).</summary>
    public string? SourceIdentity { get; init; }

    /// <summary>The serial number (decimal) of the certificate that signed CreateSession.</summary>
    public string? CertificateSerialNumber { get; init; }

    /// <summary>The service that issued it (<c>rolesanywhere.amazonaws.com</c>).</summary>
    public required string IssuedBy { get; init; }

    public override string ToString() => $"{AccessKeyId} for {AssumedRoleArn} until {Expiration:yyyy-MM-ddTHH:mm:ssZ}";
}

/// <summary>Why a presented access key is or is not usable.</summary>
public enum SandboxCredentialStatus
{
    Valid,
    UnknownAccessKey,
    SessionTokenMismatch,
    Expired,
    Revoked,
}

/// <summary>The credentials issued by every sandbox service, keyed by access key id.</summary>
public sealed class SandboxCredentialStore
{
    private const string Base32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    private const string SecretAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    private readonly ConcurrentDictionary<string, SandboxIssuedCredential> _credentials = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _revoked = new(StringComparer.Ordinal);

    public int Count => _credentials.Count;

    public IReadOnlyList<SandboxIssuedCredential> All => _credentials.Values.OrderBy(c => c.IssuedAt).ToList();

    public SandboxIssuedCredential? Find(string accessKeyId) => _credentials.GetValueOrDefault(accessKeyId);

    /// <summary>Makes the key unusable from now on (the later endpoints answer it as invalid).</summary>
    public bool Revoke(string accessKeyId) => _credentials.ContainsKey(accessKeyId) && _revoked.TryAdd(accessKeyId, 0);

    /// <summary>Checks an access key and session token presented to a sandbox endpoint at <paramref name="now"/>.</summary>
    public SandboxCredentialStatus Check(string accessKeyId, string? sessionToken, DateTimeOffset now, out SandboxIssuedCredential? credential)
    {
        credential = Find(accessKeyId);
        if (credential is null)
        {
            return SandboxCredentialStatus.UnknownAccessKey;
        }

        if (_revoked.ContainsKey(accessKeyId))
        {
            return SandboxCredentialStatus.Revoked;
        }

        if (sessionToken is null || !CryptographicOperations.FixedTimeEquals(
                System.Text.Encoding.UTF8.GetBytes(sessionToken), System.Text.Encoding.UTF8.GetBytes(credential.SessionToken)))
        {
            return SandboxCredentialStatus.SessionTokenMismatch;
        }

        return now >= credential.Expiration ? SandboxCredentialStatus.Expired : SandboxCredentialStatus.Valid;
    }

    /// <summary>Issues new temporary credentials for an assumed role.</summary>
    internal SandboxIssuedCredential Issue(string issuedBy, string roleArn, string roleSessionName, string accountId, DateTimeOffset now, TimeSpan lifetime, string? sourceIdentity, string? certificateSerial)
    {
        var roleName = roleArn[(roleArn.LastIndexOf('/') + 1)..];
        var credential = new SandboxIssuedCredential
        {
            AccessKeyId = "ASIA" + Random(Base32, 16),
            SecretAccessKey = Random(SecretAlphabet, 40),
            SessionToken = Convert.ToBase64String(RandomNumberGenerator.GetBytes(240)),
            IssuedAt = now,
            Expiration = TruncateToSeconds(now + lifetime),
            RoleArn = roleArn,
            AssumedRoleArn = $"arn:aws:sts::{accountId}:assumed-role/{roleName}/{roleSessionName}",
            AssumedRoleId = RoleId(roleArn) + ":" + roleSessionName,
            RoleSessionName = roleSessionName,
            SourceIdentity = sourceIdentity,
            CertificateSerialNumber = certificateSerial,
            IssuedBy = issuedBy,
        };
        _credentials[credential.AccessKeyId] = credential;
        return credential;
    }

    /// <summary>The unique id of a role (<c>AROA...</c>), stable for its ARN.</summary>
    internal static string RoleId(string roleArn)
    {
        var hash = SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(roleArn));
        var chars = new char[17];
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = Base32[hash[i] & 31];
        }

        return "AROA" + new string(chars);
    }

    private static DateTimeOffset TruncateToSeconds(DateTimeOffset time) => new(time.Ticks - (time.Ticks % TimeSpan.TicksPerSecond), time.Offset);

    private static string Random(string alphabet, int length) => RandomNumberGenerator.GetString(alphabet, length);
}
