using System.Diagnostics;
using System.Text.Json;
using RedshiftIamra.Credentials;
using RedshiftIamra.Tests.Sandbox;

namespace RedshiftIamra.Tests.Credentials;

/// <summary>The per-user session cache: reuse across callers, one CreateSession under concurrency, and files it must not trust.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SessionFileCacheTests(SandboxFixture fixture) : IClassFixture<SandboxFixture>, IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("iamra-cache-").FullName;

    private string CacheDirectory => Path.Combine(_root, "sessions");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task A_second_caller_reuses_the_cached_session_and_the_JSON_is_what_credential_process_prints()
    {
        var name = CredentialTestSupport.NewSessionName();
        var source = CredentialTestSupport.Source(fixture.Sandbox, name);
        var log = new RecordingLog();

        var first = await CredentialProcess.GetAsync(source, new SessionFileCache(CacheDirectory), log, default);
        var second = await CredentialProcess.GetAsync(source, new SessionFileCache(CacheDirectory), log, default);

        Assert.False(first.FromCache);
        Assert.True(second.FromCache);
        Assert.Equal(first.Credentials.AccessKeyId, second.Credentials.AccessKeyId);
        Assert.Equal(first.Credentials.SecretAccessKey, second.Credentials.SecretAccessKey);
        Assert.Equal(first.Credentials.SessionToken, second.Credentials.SessionToken);
        Assert.Equal(1, CredentialTestSupport.CreateSessions(fixture.Sandbox, name));

        var json = CredentialDocuments.CredentialProcess(second.Credentials, second.ExpiresAt);
        using var parsed = JsonDocument.Parse(json);
        Assert.Equal(1, parsed.RootElement.GetProperty("Version").GetInt32());
        Assert.Equal(first.Credentials.AccessKeyId, parsed.RootElement.GetProperty("AccessKeyId").GetString());
        Assert.Equal(CredentialDocuments.FormatTime(first.ExpiresAt), parsed.RootElement.GetProperty("Expiration").GetString());
        Assert.DoesNotContain(first.Credentials.SecretAccessKey, log.All, StringComparison.Ordinal);
        Assert.DoesNotContain(first.Credentials.SessionToken!, log.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Files_and_directory_are_owner_only()
    {
        Assert.True(OperatingSystem.IsLinux(), "These checks are for Linux, where the tests run.");
        var source = CredentialTestSupport.Source(fixture.Sandbox, CredentialTestSupport.NewSessionName());
        var cache = new SessionFileCache(CacheDirectory);

        await CredentialProcess.GetAsync(source, cache, new RecordingLog(), default);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(CacheDirectory));
        var file = cache.PathOf(SessionFileCache.KeyOf(source));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.ChangeExtension(file, ".lock")));
    }

    [Fact]
    public void The_key_changes_with_everything_that_changes_the_answer()
    {
        var sandbox = fixture.Sandbox;
        var name = CredentialTestSupport.NewSessionName();
        var baseline = SessionFileCache.KeyOf(CredentialTestSupport.Source(sandbox, name));
        Assert.Equal(baseline, SessionFileCache.KeyOf(CredentialTestSupport.Source(sandbox, name)));

        using var other = sandbox.IssueClientCertificate(new RedshiftIamra.Sandbox.SandboxCertificateRequest { Subject = "CN=other-key" });
        var keys = new[]
        {
            SessionFileCache.KeyOf(CredentialTestSupport.Source(sandbox, name + "x")),
            SessionFileCache.KeyOf(CredentialTestSupport.Source(sandbox, name, durationSeconds: 1800)),
            SessionFileCache.KeyOf(CredentialTestSupport.Source(sandbox, name, profileArn: sandbox.AddProfile())),
            SessionFileCache.KeyOf(CredentialTestSupport.Source(sandbox, name, endpoint: sandbox.RolesAnywhereEndpoint.Replace("127.0.0.1", "localhost", StringComparison.Ordinal))),
            SessionFileCache.KeyOf(RedshiftIamra.Sessions.RolesAnywhereSessionSource.Create(new RedshiftIamra.Sessions.RolesAnywhereSessionOptions
            {
                Certificate = new RedshiftIamra.IamraCertificate(other.Certificate, other.Chain, "test", DateTimeOffset.UtcNow),
                TrustAnchorArn = sandbox.TrustAnchorArn,
                ProfileArn = sandbox.ProfileArn,
                RoleArn = sandbox.RoleArn,
                EndpointUrl = sandbox.RolesAnywhereEndpoint,
                RoleSessionName = name,
                Http = SandboxClients.FastHttp(sandbox),
            })),
        };
        Assert.DoesNotContain(baseline, keys);
        Assert.Equal(keys.Length, keys.Distinct().Count());
    }

    [Fact]
    public async Task A_caller_that_finds_the_lock_held_waits_and_takes_the_session_the_holder_wrote()
    {
        var name = CredentialTestSupport.NewSessionName();
        var source = CredentialTestSupport.Source(fixture.Sandbox, name);
        var cache = new SessionFileCache(CacheDirectory);
        var key = SessionFileCache.KeyOf(source);

        // Make a session and keep its file aside, then play "another process" holding the lock.
        var made = await CredentialProcess.GetAsync(source, cache, new RecordingLog(), default);
        var file = cache.PathOf(key);
        var written = File.ReadAllText(file);
        File.Delete(file);
        var held = new FileStream(Path.ChangeExtension(file, ".lock"), FileMode.Open, FileAccess.ReadWrite, FileShare.None);
        var log = new RecordingLog();
        var waiting = CredentialProcess.GetAsync(source, new SessionFileCache(CacheDirectory), log, default);
        await Task.Delay(300);
        Assert.False(waiting.IsCompleted, "the second caller must wait for the lock holder");

        AtomicTestWrite(file, written);
        held.Dispose();
        var result = await waiting;

        Assert.True(result.FromCache);
        Assert.Equal(made.Credentials.AccessKeyId, result.Credentials.AccessKeyId);
        Assert.Equal(1, CredentialTestSupport.CreateSessions(fixture.Sandbox, name));
        Assert.Contains(log.Messages, m => m.Contains("waiting", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Concurrent_callers_make_one_CreateSession()
    {
        // Callers in one process (each with a cache object of its own); callers in separate
        // processes are the AWS CLI test in tests/pester/CredentialServer.Tests.ps1.
        var name = CredentialTestSupport.NewSessionName();
        var sources = Enumerable.Range(0, 6).Select(_ => CredentialTestSupport.Source(fixture.Sandbox, name)).ToList();
        var results = await Task.WhenAll(sources.Select(s => Task.Run(() => CredentialProcess.GetAsync(s, new SessionFileCache(CacheDirectory), new RecordingLog(), default))));

        Assert.Single(results.Select(r => r.Credentials.AccessKeyId).Distinct());
        Assert.Equal(1, CredentialTestSupport.CreateSessions(fixture.Sandbox, name));
    }

    [Theory]
    [InlineData("not json at all")]
    [InlineData("{\"Version\":1,\"Key\":\"someone-else\",\"AccessKeyId\":\"ASIAX\",\"SecretAccessKey\":\"s\",\"SessionToken\":\"t\",\"IssuedAt\":\"2020-01-01T00:00:00Z\",\"ExpiresAt\":\"2999-01-01T00:00:00Z\"}")]
    [InlineData("{\"Version\":99}")]
    public async Task A_corrupt_or_foreign_document_is_ignored_and_replaced(string content)
    {
        var name = CredentialTestSupport.NewSessionName();
        var source = CredentialTestSupport.Source(fixture.Sandbox, name);
        var cache = new SessionFileCache(CacheDirectory);
        Directory.CreateDirectory(CacheDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var file = cache.PathOf(SessionFileCache.KeyOf(source));
        AtomicTestWrite(file, content);
        var log = new RecordingLog();

        var result = await CredentialProcess.GetAsync(source, cache, log, default);

        Assert.False(result.FromCache);
        Assert.NotEqual("ASIAX", result.Credentials.AccessKeyId);
        Assert.Contains(log.Messages, m => m.StartsWith("W: Ignoring the cached session", StringComparison.Ordinal));
        Assert.Contains(result.Credentials.AccessKeyId, File.ReadAllText(file), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_file_other_users_can_read_is_not_trusted()
    {
        var name = CredentialTestSupport.NewSessionName();
        var source = CredentialTestSupport.Source(fixture.Sandbox, name);
        var cache = new SessionFileCache(CacheDirectory);
        var first = await CredentialProcess.GetAsync(source, cache, new RecordingLog(), default);
        var file = cache.PathOf(SessionFileCache.KeyOf(source));
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        var log = new RecordingLog();

        var second = await CredentialProcess.GetAsync(source, cache, log, default);

        Assert.False(second.FromCache);
        Assert.NotEqual(first.Credentials.AccessKeyId, second.Credentials.AccessKeyId);
        Assert.Contains(log.Messages, m => m.Contains("other users can read or write it", StringComparison.Ordinal));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        Assert.Equal(2, CredentialTestSupport.CreateSessions(fixture.Sandbox, name));
    }

    [Fact]
    public async Task A_symbolic_link_is_not_followed()
    {
        var name = CredentialTestSupport.NewSessionName();
        var source = CredentialTestSupport.Source(fixture.Sandbox, name);
        var cache = new SessionFileCache(CacheDirectory);
        var first = await CredentialProcess.GetAsync(source, cache, new RecordingLog(), default);
        var file = cache.PathOf(SessionFileCache.KeyOf(source));
        var elsewhere = Path.Combine(_root, "planted.json");
        File.Move(file, elsewhere);
        File.CreateSymbolicLink(file, elsewhere);
        var log = new RecordingLog();

        var second = await CredentialProcess.GetAsync(source, cache, log, default);

        Assert.False(second.FromCache);
        Assert.NotEqual(first.Credentials.AccessKeyId, second.Credentials.AccessKeyId);
        Assert.Contains(log.Messages, m => m.Contains("not a plain file", StringComparison.Ordinal));
        Assert.Null(new FileInfo(file).LinkTarget);
    }

    [Fact]
    public async Task A_file_owned_by_another_user_is_not_trusted()
    {
        var euid = RedshiftIamra.Credentials.FileOwnership.EffectiveUserId();
        if (euid != 0)
        {
            // Only root can give a file away; elsewhere check the primitive the cache relies on.
            Assert.Equal(0u, RedshiftIamra.Credentials.FileOwnership.Get("/etc/passwd")!.Value.Uid);
            return;
        }

        var name = CredentialTestSupport.NewSessionName();
        var source = CredentialTestSupport.Source(fixture.Sandbox, name);
        var cache = new SessionFileCache(CacheDirectory);
        var first = await CredentialProcess.GetAsync(source, cache, new RecordingLog(), default);
        var file = cache.PathOf(SessionFileCache.KeyOf(source));
        using (var chown = Process.Start("chown", ["65534", file]))
        {
            await chown.WaitForExitAsync();
            Assert.Equal(0, chown.ExitCode);
        }

        var log = new RecordingLog();
        var second = await CredentialProcess.GetAsync(source, cache, log, default);

        Assert.False(second.FromCache);
        Assert.NotEqual(first.Credentials.AccessKeyId, second.Credentials.AccessKeyId);
        Assert.Contains(log.Messages, m => m.Contains("another user owns it", StringComparison.Ordinal));
        Assert.Equal(euid, RedshiftIamra.Credentials.FileOwnership.Get(file)!.Value.Uid);
    }

    [Fact]
    public async Task A_session_inside_the_refresh_window_is_replaced()
    {
        // The sandbox profile caps sessions at 60 s: with a 15-minute window capped at a quarter
        // of the lifetime, a session is reused for its first 45 s only.
        var sandbox = fixture.Sandbox;
        var name = CredentialTestSupport.NewSessionName();
        var source = CredentialTestSupport.Source(sandbox, name, profileArn: sandbox.AddProfile(durationSeconds: 60));
        var cache = new SessionFileCache(CacheDirectory);
        var first = await CredentialProcess.GetAsync(source, cache, new RecordingLog(), default);
        Assert.True(cache.IsFresh(first, CredentialProcess.ClientRefreshWindow));
        Assert.False(cache.IsFresh(first with { IssuedAt = first.IssuedAt.AddSeconds(-50), ExpiresAt = first.ExpiresAt.AddSeconds(-50) }, CredentialProcess.ClientRefreshWindow));
    }

    private static void AtomicTestWrite(string path, string content) =>
        RedshiftIamra.Aws.AtomicFile.WriteAllText(path, content, ownerOnly: true, keepExistingPermissions: false);
}
