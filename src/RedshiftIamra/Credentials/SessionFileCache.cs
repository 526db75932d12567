using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using RedshiftIamra.Aws;
using RedshiftIamra.Sessions;

namespace RedshiftIamra.Credentials;

/// <summary>Temporary credentials from a Roles Anywhere session, as the session cache keeps them.</summary>
public sealed record CachedCredentials(AwsCredentials Credentials, DateTimeOffset IssuedAt, DateTimeOffset ExpiresAt, bool FromCache) : IExpiring
{
    /// <summary>
    /// A session's credentials with its times on this machine's clock: the AWS CLI, the SDKs
    /// and this cache judge expiry by the local clock, so a skewed machine still refreshes on time.
    /// </summary>
    public static CachedCredentials FromSession(IamraSession session, bool fromCache)
    {
        ArgumentNullException.ThrowIfNull(session);
        return new CachedCredentials(session.Credentials, session.IssuedAt - session.ClockOffset, session.ExpiresAt - session.ClockOffset, fromCache);
    }

    public override string ToString() => $"{Credentials.AccessKeyId} until {CredentialDocuments.FormatTime(ExpiresAt)}";
}

/// <summary>
/// A per-user cache of Roles Anywhere sessions shared by every process of the user, so
/// back-to-back (and concurrent) <c>credential_process</c> calls make one <c>CreateSession</c>
/// per session lifetime. One file per session key under the user's cache directory:
/// <c>$XDG_CACHE_HOME/redshift-iamra/sessions</c> (or <c>~/.cache/...</c>) on Linux and macOS,
/// owner-only (directory 0700, files 0600); <c>%LOCALAPPDATA%\RedshiftIamra\sessions</c> on
/// Windows, each file encrypted for the user with DPAPI. A lock file per key makes concurrent
/// callers wait for one <c>CreateSession</c> instead of each making their own.
/// A file that is corrupt, not a plain file, owned by another user, readable or writable by
/// group or others, or (Windows) not decryptable by this user is ignored and replaced.
/// </summary>
public sealed partial class SessionFileCache
{
    public const int FormatVersion = 1;

    /// <summary>The environment variable that moves the cache (tests, or a job that wants its own).</summary>
    public const string DirectoryVariable = "REDSHIFTIAMRA_CACHE_DIR";


    public SessionFileCache(string? directory = null, TimeSpan? lockTimeout = null, TimeProvider? time = null)
    {
        DirectoryPath = Path.GetFullPath(directory ?? DefaultDirectory());
        LockTimeout = lockTimeout ?? TimeSpan.FromSeconds(60);
        _time = time ?? TimeProvider.System;
    }

    private readonly TimeProvider _time;

    public string DirectoryPath { get; }

    /// <summary>How long a caller waits for another process's CreateSession before making its own.</summary>
    public TimeSpan LockTimeout { get; }

    /// <summary>
    /// The cache directory: <c>REDSHIFTIAMRA_CACHE_DIR</c> when set; otherwise on Windows
    /// <c>%LOCALAPPDATA%\RedshiftIamra\sessions</c>, elsewhere
    /// <c>$XDG_CACHE_HOME/redshift-iamra/sessions</c> (default <c>~/.cache</c>).
    /// </summary>
    public static string DefaultDirectory()
    {
        var explicitDirectory = Environment.GetEnvironmentVariable(DirectoryVariable);
        if (!string.IsNullOrWhiteSpace(explicitDirectory))
        {
            return AwsConfigFile.ExpandHome(explicitDirectory);
        }

        if (OperatingSystem.IsWindows())
        {
            return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "RedshiftIamra", "sessions");
        }

        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        var root = !string.IsNullOrWhiteSpace(xdg) && Path.IsPathRooted(xdg)
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(root, "redshift-iamra", "sessions");
    }

    /// <summary>
    /// The cache key of a session source: a SHA-256 over everything that changes the answer
    /// (certificate thumbprint, where the key lives, the three ARNs, region, endpoint,
    /// duration, session name, CA bundle and proxy).
    /// </summary>
    public static string KeyOf(RolesAnywhereSessionSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var material = string.Join('\n', "v" + FormatVersion, source.CacheKey, source.SigningKey?.Description ?? "certificate key");
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(material))).ToLowerInvariant();
    }

    /// <summary>The file that holds a key's session.</summary>
    public string PathOf(string key) => Path.Combine(DirectoryPath, key + ".json");

    /// <summary>
    /// A session that is fresh (now before its expiry minus <paramref name="margin"/>, the margin
    /// at most a quarter of the lifetime): from the cache, or from one new CreateSession that is
    /// then cached. Concurrent callers in any process wait for that one CreateSession.
    /// </summary>
    public async Task<CachedCredentials> GetAsync(RolesAnywhereSessionSource source, TimeSpan margin, IOperationLog log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(log);
        var key = KeyOf(source);
        var path = PathOf(key);
        if (!PrepareDirectory(log))
        {
            return await CreateAsync(source, log, cancellationToken).ConfigureAwait(false);
        }

        if (TryRead(path, key, log) is { } cached && IsFresh(cached, margin))
        {
            log.Verbose($"Using the session cached in {path} ({cached}).");
            return cached;
        }

        using (var held = await AcquireLockAsync(Path.Combine(DirectoryPath, key + ".lock"), log, cancellationToken).ConfigureAwait(false))
        {
            // Another process may have made the session while this one waited for the lock.
            if (TryRead(path, key, log) is { } written && IsFresh(written, margin))
            {
                log.Verbose($"Using the session another process just cached in {path} ({written}).");
                return written;
            }

            var created = await CreateAsync(source, log, cancellationToken).ConfigureAwait(false);
            if (held is not null)
            {
                Write(path, key, created, log);
            }

            return created;
        }
    }

    /// <summary>Fresh: now is before expiry minus the margin (at most a quarter of the lifetime, so short sessions are still reused).</summary>
    public bool IsFresh(CachedCredentials value, TimeSpan margin)
    {
        var lifetime = value.ExpiresAt - value.IssuedAt;
        var effective = lifetime > TimeSpan.Zero && margin > lifetime / 4 ? lifetime / 4 : margin;
        return _time.GetUtcNow() < value.ExpiresAt - effective;
    }

    /// <summary>Deletes every cached session of this user (the lock files stay: removing them could let two writers in).</summary>
    public int Clear()
    {
        if (!Directory.Exists(DirectoryPath))
        {
            return 0;
        }

        var removed = 0;
        foreach (var file in Directory.EnumerateFiles(DirectoryPath, "*.json"))
        {
            File.Delete(file);
            removed++;
        }

        return removed;
    }

    private static async Task<CachedCredentials> CreateAsync(RolesAnywhereSessionSource source, IOperationLog log, CancellationToken cancellationToken)
    {
        // Forced: the in-process cache may hold a session this cache found too close to expiry.
        var session = await source.GetSessionAsync(force: true, log, cancellationToken).ConfigureAwait(false);
        return CachedCredentials.FromSession(session, fromCache: false);
    }

    /// <summary>Creates the directory owner-only; false (cache not used) when it is not this user's own.</summary>
    private bool PrepareDirectory(IOperationLog log)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(DirectoryPath);
            return true;
        }

        if (!FileOwnership.Supported)
        {
            log.Verbose("The session cache is not used on this platform (the owner of a file cannot be checked).");
            return false;
        }

        if (!Directory.Exists(DirectoryPath))
        {
            Directory.CreateDirectory(DirectoryPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var status = FileOwnership.Get(DirectoryPath);
        if (status is not { IsDirectory: true } directory || directory.Uid != FileOwnership.EffectiveUserId())
        {
            log.Warning($"The session cache directory {DirectoryPath} is not a directory owned by this user, so it is not used (every call makes its own CreateSession). Remove it, or set {DirectoryVariable} to a directory of your own.");
            return false;
        }

        if (directory.GroupOrOtherAccess)
        {
            log.Verbose($"The session cache directory {DirectoryPath} was open to other users; made it owner-only.");
            File.SetUnixFileMode(DirectoryPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        return true;
    }

    private static CachedCredentials? TryRead(string path, string key, IOperationLog log)
    {
        if (!OperatingSystem.IsWindows())
        {
            var status = FileOwnership.Get(path);
            if (status is null)
            {
                return null;
            }

            var problem = status.Value switch
            {
                { IsRegularFile: false } => "it is not a plain file",
                { Links: not 1 } => "it has other hard links",
                var s when s.Uid != FileOwnership.EffectiveUserId() => "another user owns it",
                { GroupOrOtherAccess: true } => "other users can read or write it",
                _ => null,
            };
            if (problem is not null)
            {
                log.Warning($"Ignoring the cached session {path}: {problem}. It will be replaced.");
                return null;
            }
        }

        try
        {
            var bytes = OperatingSystem.IsWindows()
                ? WindowsProtection.Unprotect(Convert.FromBase64String(File.ReadAllText(path)), key)
                : File.ReadAllBytes(path);

            var document = JsonSerializer.Deserialize(bytes, CacheJson.Default.CacheDocument);
            if (document is null || document.Version != FormatVersion || document.Key != key
                || string.IsNullOrEmpty(document.AccessKeyId) || string.IsNullOrEmpty(document.SecretAccessKey) || string.IsNullOrEmpty(document.SessionToken)
                || document.ExpiresAt <= document.IssuedAt)
            {
                log.Warning($"Ignoring the cached session {path}: it is not a session this version wrote for these settings. It will be replaced.");
                return null;
            }

            return new CachedCredentials(new AwsCredentials(document.AccessKeyId, document.SecretAccessKey, document.SessionToken, document.ExpiresAt), document.IssuedAt, document.ExpiresAt, FromCache: true);
        }
        catch (Exception e) when (e is JsonException or CryptographicException or FormatException or ArgumentException or NotSupportedException)
        {
            log.Warning($"Ignoring the cached session {path}: it cannot be read ({e.GetType().Name}). It will be replaced.");
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log.Warning($"Ignoring the cached session {path}: {e.Message}");
            return null;
        }
    }

    private static void Write(string path, string key, CachedCredentials value, IOperationLog log)
    {
        var document = new CacheDocument
        {
            Version = FormatVersion,
            Key = key,
            AccessKeyId = value.Credentials.AccessKeyId,
            SecretAccessKey = value.Credentials.SecretAccessKey,
            SessionToken = value.Credentials.SessionToken ?? string.Empty,
            IssuedAt = value.IssuedAt,
            ExpiresAt = value.ExpiresAt,
        };
        var bytes = JsonSerializer.SerializeToUtf8Bytes(document, CacheJson.Default.CacheDocument);
        try
        {
            var text = OperatingSystem.IsWindows()
                ? Convert.ToBase64String(WindowsProtection.Protect(bytes, key))
                : Encoding.UTF8.GetString(bytes);
            AtomicFile.WriteAllText(path, text, ownerOnly: true, keepExistingPermissions: false, followLinks: false);

            log.Verbose($"Cached the session in {path} ({value}).");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            // The session is good; only the cache could not keep it.
            log.Warning($"Could not cache the session in {path}: {e.Message}");
        }
    }

    /// <summary>
    /// Holds the key's lock file open exclusively (an advisory lock every process of the user
    /// honours), waiting for another holder up to <see cref="LockTimeout"/>; null when the
    /// wait timed out (the caller then makes its own session and does not write the cache).
    /// </summary>
    private async Task<IDisposable?> AcquireLockAsync(string lockPath, IOperationLog log, CancellationToken cancellationToken)
    {
        var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        var deadline = _time.GetUtcNow() + LockTimeout;
        var waited = false;
        while (true)
        {
            try
            {
                return new FileStream(lockPath, options);
            }
            catch (IOException) when (_time.GetUtcNow() < deadline)
            {
                if (!waited)
                {
                    log.Verbose("Another process is making this session; waiting for it.");
                    waited = true;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(20 + Random.Shared.Next(30)), cancellationToken).ConfigureAwait(false);
            }
            catch (IOException)
            {
                log.Warning($"Waited {LockTimeout.TotalSeconds:0} s for another process's session (lock {lockPath}); making one without the cache.");
                return null;
            }
        }
    }

    /// <summary>The cache file's (de)serializer, generated at compile time (no reflection: the native helper is trimmed and AOT-compiled).</summary>
    [JsonSerializable(typeof(CacheDocument))]
    [JsonSourceGenerationOptions(WriteIndented = false)]
    private sealed partial class CacheJson : JsonSerializerContext
    {
    }

    private sealed class CacheDocument
    {
        public int Version { get; set; }

        public string Key { get; set; } = string.Empty;

        public string AccessKeyId { get; set; } = string.Empty;

        public string SecretAccessKey { get; set; } = string.Empty;

        public string SessionToken { get; set; } = string.Empty;

        public DateTimeOffset IssuedAt { get; set; }

        public DateTimeOffset ExpiresAt { get; set; }
    }
}
