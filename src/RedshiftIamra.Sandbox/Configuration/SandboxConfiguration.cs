using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;

namespace RedshiftIamra.Sandbox;

/// <summary>An IAM Roles Anywhere trust anchor: the CA certificates it trusts, and whether it is enabled.</summary>
public sealed record SandboxTrustAnchor(string Arn, string Name, IReadOnlyList<X509Certificate2> Certificates, bool Enabled);

/// <summary>
/// An IAM Roles Anywhere profile: the roles it may hand out, the longest session it allows
/// (the sandbox allows caps under 900 s so tests can use one-minute sessions), whether the
/// caller may name the session, and whether it is enabled.
/// </summary>
public sealed record SandboxProfile(string Arn, string Name, IReadOnlyList<string> RoleArns, int DurationSeconds, bool AcceptRoleSessionName, bool Enabled);

/// <summary>An IAM role, with its maximum session duration.</summary>
public sealed record SandboxRole(string Arn, string Name, int MaxSessionDurationSeconds)
{
    public string RoleName => Arn[(Arn.LastIndexOf('/') + 1)..];
}

/// <summary>
/// The sandbox's AWS account: trust anchors, profiles and roles, changeable while the sandbox
/// runs (every change is atomic; requests see either the old or the new value).
/// </summary>
public sealed class SandboxConfiguration
{
    public const int DefaultProfileDurationSeconds = 3600;
    public const int DefaultRoleMaxSessionDurationSeconds = 43200;

    private static readonly Regex s_roleName = new(@"^[\w+=,.@-]{1,64}$", RegexOptions.CultureInvariant);

    private readonly object _lock = new();
    private readonly Dictionary<string, SandboxTrustAnchor> _anchors = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SandboxProfile> _profiles = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SandboxRole> _roles = new(StringComparer.Ordinal);

    public SandboxConfiguration(string region, string accountId)
    {
        if (!Regex.IsMatch(region, "^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$", RegexOptions.CultureInvariant))
        {
            throw new ArgumentException($"'{region}' is not a region name such as us-east-1.", nameof(region));
        }

        if (!Regex.IsMatch(accountId, "^[0-9]{12}$", RegexOptions.CultureInvariant))
        {
            throw new ArgumentException($"'{accountId}' is not a 12-digit account id.", nameof(accountId));
        }

        Region = region;
        AccountId = accountId;
    }

    public string Region { get; }

    public string AccountId { get; }

    public IReadOnlyList<SandboxTrustAnchor> TrustAnchors
    {
        get
        {
            lock (_lock)
            {
                return _anchors.Values.ToList();
            }
        }
    }

    public IReadOnlyList<SandboxProfile> Profiles
    {
        get
        {
            lock (_lock)
            {
                return _profiles.Values.ToList();
            }
        }
    }

    public IReadOnlyList<SandboxRole> Roles
    {
        get
        {
            lock (_lock)
            {
                return _roles.Values.ToList();
            }
        }
    }

    /// <summary>Adds a trust anchor for CA certificates (only their public parts are kept).</summary>
    public SandboxTrustAnchor AddTrustAnchor(IEnumerable<X509Certificate2> certificates, string? name = null, bool enabled = true)
    {
        var list = certificates.Select(c => new X509Certificate2(c.RawData)).ToList();
        if (list.Count == 0)
        {
            throw new ArgumentException("A trust anchor needs at least one CA certificate.", nameof(certificates));
        }

        lock (_lock)
        {
            var anchor = new SandboxTrustAnchor(NewArn("trust-anchor"), name ?? $"sandbox-anchor-{_anchors.Count + 1}", list, enabled);
            _anchors.Add(anchor.Arn, anchor);
            return anchor;
        }
    }

    /// <summary>Adds a profile that hands out <paramref name="roleArns"/>.</summary>
    public SandboxProfile AddProfile(IEnumerable<string> roleArns, int durationSeconds = DefaultProfileDurationSeconds, bool acceptRoleSessionName = true, bool enabled = true, string? name = null)
    {
        CheckDuration(durationSeconds);
        var roles = roleArns.ToList();
        lock (_lock)
        {
            var profile = new SandboxProfile(NewArn("profile"), name ?? $"sandbox-profile-{_profiles.Count + 1}", roles, durationSeconds, acceptRoleSessionName, enabled);
            _profiles.Add(profile.Arn, profile);
            return profile;
        }
    }

    /// <summary>Adds a role <c>arn:aws:iam::{account}:role/{name}</c> (or returns the existing one).</summary>
    public SandboxRole AddRole(string name, int maxSessionDurationSeconds = DefaultRoleMaxSessionDurationSeconds)
    {
        if (!s_roleName.IsMatch(name))
        {
            throw new ArgumentException($"'{name}' is not a role name (1-64 letters, digits and +=,.@_-).", nameof(name));
        }

        CheckDuration(maxSessionDurationSeconds);
        var role = new SandboxRole($"arn:aws:iam::{AccountId}:role/{name}", name, maxSessionDurationSeconds);
        lock (_lock)
        {
            _roles[role.Arn] = role;
        }

        return role;
    }

    public SandboxTrustAnchor? GetTrustAnchor(string arn)
    {
        lock (_lock)
        {
            return _anchors.GetValueOrDefault(arn);
        }
    }

    public SandboxProfile? GetProfile(string arn)
    {
        lock (_lock)
        {
            return _profiles.GetValueOrDefault(arn);
        }
    }

    public SandboxRole? GetRole(string arn)
    {
        lock (_lock)
        {
            return _roles.GetValueOrDefault(arn);
        }
    }

    /// <summary>Replaces a trust anchor with <paramref name="change"/>(current); the ARN cannot change.</summary>
    public SandboxTrustAnchor UpdateTrustAnchor(string arn, Func<SandboxTrustAnchor, SandboxTrustAnchor> change)
    {
        lock (_lock)
        {
            var current = _anchors.GetValueOrDefault(arn) ?? throw new KeyNotFoundException($"No trust anchor {arn}.");
            var updated = change(current);
            if (updated.Arn != arn)
            {
                throw new InvalidOperationException("A trust anchor's ARN cannot change.");
            }

            _anchors[arn] = updated;
            return updated;
        }
    }

    /// <summary>Replaces a profile with <paramref name="change"/>(current); the ARN cannot change.</summary>
    public SandboxProfile UpdateProfile(string arn, Func<SandboxProfile, SandboxProfile> change)
    {
        lock (_lock)
        {
            var current = _profiles.GetValueOrDefault(arn) ?? throw new KeyNotFoundException($"No profile {arn}.");
            var updated = change(current);
            if (updated.Arn != arn)
            {
                throw new InvalidOperationException("A profile's ARN cannot change.");
            }

            CheckDuration(updated.DurationSeconds);
            _profiles[arn] = updated;
            return updated;
        }
    }

    public SandboxTrustAnchor SetTrustAnchorEnabled(string arn, bool enabled) => UpdateTrustAnchor(arn, a => a with { Enabled = enabled });

    public SandboxProfile SetProfileEnabled(string arn, bool enabled) => UpdateProfile(arn, p => p with { Enabled = enabled });

    public SandboxProfile SetProfileDurationSeconds(string arn, int durationSeconds) => UpdateProfile(arn, p => p with { DurationSeconds = durationSeconds });

    public SandboxProfile SetProfileAcceptRoleSessionName(string arn, bool accept) => UpdateProfile(arn, p => p with { AcceptRoleSessionName = accept });

    public SandboxProfile AddRoleToProfile(string profileArn, string roleArn) =>
        UpdateProfile(profileArn, p => p.RoleArns.Contains(roleArn) ? p : p with { RoleArns = p.RoleArns.Append(roleArn).ToList() });

    public SandboxProfile RemoveRoleFromProfile(string profileArn, string roleArn) =>
        UpdateProfile(profileArn, p => p with { RoleArns = p.RoleArns.Where(r => r != roleArn).ToList() });

    public bool RemoveTrustAnchor(string arn)
    {
        lock (_lock)
        {
            return _anchors.Remove(arn);
        }
    }

    public bool RemoveProfile(string arn)
    {
        lock (_lock)
        {
            return _profiles.Remove(arn);
        }
    }

    public bool RemoveRole(string arn)
    {
        lock (_lock)
        {
            return _roles.Remove(arn);
        }
    }

    private string NewArn(string type) => $"arn:aws:rolesanywhere:{Region}:{AccountId}:{type}/{Guid.NewGuid()}";

    private static void CheckDuration(int seconds)
    {
        if (seconds is < 1 or > 43200)
        {
            throw new ArgumentOutOfRangeException(nameof(seconds), seconds, "A duration cap must be 1 to 43200 seconds.");
        }
    }
}
