using System.Security.Cryptography;
using System.Text;

namespace RedshiftIamra.Sandbox.Front;

/// <summary>
/// Every database password the sandbox's credential calls issued, each valid until its own
/// expiry, several at once for one user (as Redshift keeps them). Only the MD5 verifier
/// (<c>md5(password + user)</c>, what an MD5 login needs) is kept, never the password.
/// </summary>
public sealed class FrontLogins
{
    private const int MaxPerUser = 256;
    private readonly Dictionary<string, List<(byte[] Verifier, DateTimeOffset Expires)>> _logins = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;

    public FrontLogins(TimeProvider? time = null) => _time = time ?? TimeProvider.System;

    /// <summary>Records a password for <paramref name="user"/> valid until <paramref name="expires"/>.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5351:Do Not Use Broken Cryptographic Algorithms", Justification = "PostgreSQL's md5 password authentication, which the sandbox front speaks to its clients, is defined with MD5.")]
    public void Add(string user, string password, DateTimeOffset expires)
    {
        var verifier = Encoding.ASCII.GetBytes(Convert.ToHexString(MD5.HashData(Encoding.UTF8.GetBytes(password + user))).ToLowerInvariant());
        var now = _time.GetUtcNow();
        lock (_logins)
        {
            if (!_logins.TryGetValue(user, out var list))
            {
                _logins[user] = list = new();
            }

            list.RemoveAll(e => e.Expires <= now);
            if (list.Count >= MaxPerUser)
            {
                list.RemoveAt(0);
            }

            list.Add((Verifier: verifier, Expires: expires));
        }
    }

    /// <summary>Makes every password of <paramref name="user"/> stop working now; false when it has none.</summary>
    public bool ExpireAll(string user)
    {
        lock (_logins)
        {
            if (!_logins.TryGetValue(user, out var list) || list.Count == 0)
            {
                return false;
            }

            list.Clear();
            return true;
        }
    }

    /// <summary>How many unexpired passwords <paramref name="user"/> has.</summary>
    public int ValidCount(string user)
    {
        var now = _time.GetUtcNow();
        lock (_logins)
        {
            return _logins.TryGetValue(user, out var list) ? list.Count(e => e.Expires > now) : 0;
        }
    }

    /// <summary>
    /// Whether an MD5 password response (<c>"md5" + md5(md5(password + user) + salt)</c>, hex)
    /// matches an unexpired password of <paramref name="user"/>.
    /// </summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5351:Do Not Use Broken Cryptographic Algorithms", Justification = "PostgreSQL's md5 password authentication, which the sandbox front speaks to its clients, is defined with MD5.")]
    public bool VerifyMd5(string user, ReadOnlySpan<byte> salt, string response)
    {
        if (!response.StartsWith("md5", StringComparison.Ordinal) || response.Length != 35)
        {
            return false;
        }

        var given = Encoding.ASCII.GetBytes(response[3..]);
        List<byte[]> candidates;
        var now = _time.GetUtcNow();
        lock (_logins)
        {
            if (!_logins.TryGetValue(user, out var list))
            {
                return false;
            }

            candidates = list.Where(e => e.Expires > now).Select(e => e.Verifier).ToList();
        }

        var matched = false;
        Span<byte> input = stackalloc byte[36];
        foreach (var verifier in candidates)
        {
            verifier.CopyTo(input);
            salt.CopyTo(input[32..]);
            var expected = Encoding.ASCII.GetBytes(Convert.ToHexString(MD5.HashData(input)).ToLowerInvariant());
            matched |= CryptographicOperations.FixedTimeEquals(expected, given);
        }

        return matched;
    }
}
