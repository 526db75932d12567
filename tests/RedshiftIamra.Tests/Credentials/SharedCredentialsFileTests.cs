using System.Diagnostics;
using RedshiftIamra.Aws;
using RedshiftIamra.Credentials;

namespace RedshiftIamra.Tests.Credentials;

/// <summary>
/// One profile of the AWS shared credentials file: written atomically under a lock, the rest of
/// the file kept byte for byte, owner-only when new, and read back by botocore (the consumer).
/// </summary>
public sealed class SharedCredentialsFileTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "iamra-credfile-" + Guid.NewGuid().ToString("N"));

    public SharedCredentialsFileTests() => Directory.CreateDirectory(_root);

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static CachedCredentials Credentials(string keyId, string secret = "secret/with+chars=", DateTimeOffset? expires = null)
    {
        var end = expires ?? DateTimeOffset.UtcNow.AddHours(1);
        return new CachedCredentials(new AwsCredentials(keyId, secret, "token/" + keyId, end), DateTimeOffset.UtcNow, end, false);
    }

    [Fact]
    public void Only_the_profile_changes_other_profiles_comments_and_CRLF_are_kept()
    {
        var path = Path.Combine(_root, "credentials");
        const string Before = "# team keys\r\n[other]\r\naws_access_key_id = AKIAOTHER\r\naws_secret_access_key = keep-me\r\n\r\n[onprem]\r\naws_access_key_id = ASIAOLD\r\nregion = eu-west-1\r\n; trailing comment\r\n";
        File.WriteAllText(path, Before);

        SharedCredentialsFile.WriteProfile(path, "onprem", Credentials("ASIANEW1"));
        var after = File.ReadAllText(path);

        Assert.StartsWith("# team keys\r\n[other]\r\naws_access_key_id = AKIAOTHER\r\naws_secret_access_key = keep-me\r\n", after, StringComparison.Ordinal);
        Assert.Contains("aws_access_key_id = ASIANEW1\r\n", after, StringComparison.Ordinal);
        Assert.DoesNotContain("ASIAOLD", after, StringComparison.Ordinal);
        Assert.Contains("region = eu-west-1\r\n", after, StringComparison.Ordinal);
        Assert.Contains("; trailing comment", after, StringComparison.Ordinal);
        Assert.Contains("x_security_token_expires = ", after, StringComparison.Ordinal);
        Assert.DoesNotMatch("(?<!\r)\n", after);
        Assert.DoesNotContain(Directory.GetFiles(_root), f => !f.EndsWith("credentials", StringComparison.Ordinal) && !f.EndsWith(".lock", StringComparison.Ordinal));
    }

    [Fact]
    public void A_new_file_and_folder_are_owner_only()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // The folder under the profile is the user's on Windows; modes are a Unix matter.
        }

        var path = Path.Combine(_root, "new", "credentials");
        SharedCredentialsFile.WriteProfile(path, "onprem", Credentials("ASIANEW2"));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(path)!));
    }

    [Fact]
    public async Task Two_writers_at_once_lose_neither_profile()
    {
        var path = Path.Combine(_root, "credentials");
        var writers = Enumerable.Range(0, 2).Select(w => Task.Run(() =>
        {
            for (var i = 0; i < 40; i++)
            {
                SharedCredentialsFile.WriteProfile(path, $"writer{w}", Credentials($"ASIAW{w}N{i:00}"));
            }
        })).ToArray();
        await Task.WhenAll(writers);

        var text = File.ReadAllText(path);
        Assert.Contains("[writer0]", text, StringComparison.Ordinal);
        Assert.Contains("[writer1]", text, StringComparison.Ordinal);
        Assert.Contains("aws_access_key_id = ASIAW0N39", text, StringComparison.Ordinal);
        Assert.Contains("aws_access_key_id = ASIAW1N39", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_lock_held_too_long_is_a_clear_error_and_the_file_is_untouched()
    {
        var path = Path.Combine(_root, "credentials");
        File.WriteAllText(path, "[other]\naws_access_key_id = AKIAOTHER\n");
        using (FileLock.Acquire(path, timeout: TimeSpan.FromSeconds(1)))
        {
            var error = Assert.Throws<IamraException>(() => SharedCredentialsFile.WriteProfile(path, "onprem", Credentials("ASIALOCKED"), TimeSpan.FromMilliseconds(300)));
            Assert.Equal("IamraAwsConfigFileLocked", error.ErrorId);
        }

        Assert.Equal("[other]\naws_access_key_id = AKIAOTHER\n", File.ReadAllText(path));
    }

    [Theory]
    [InlineData("bad name")]
    [InlineData("x]")]
    [InlineData("[x")]
    [InlineData("")]
    public void A_bad_profile_name_is_refused_before_anything_is_written(string name)
    {
        var path = Path.Combine(_root, "credentials");
        var error = Assert.Throws<IamraException>(() => SharedCredentialsFile.WriteProfile(path, name, Credentials("ASIABAD")));
        Assert.Equal("IamraInvalidProfileName", error.ErrorId);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void Botocore_reads_the_profile_we_wrote()
    {
        var path = Path.Combine(_root, "credentials");
        File.WriteAllText(path, "[other]\r\naws_access_key_id = AKIAOTHER\r\naws_secret_access_key = keep-me\r\n");
        SharedCredentialsFile.WriteProfile(path, "onprem", Credentials("ASIABOTO", secret: "s3cr3t/+=%;#x"));

        var info = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add("import botocore.session as s; c = s.Session(profile='onprem').get_credentials(); print(c.access_key); print(c.secret_key); print(c.token)");
        info.Environment["AWS_SHARED_CREDENTIALS_FILE"] = path;
        info.Environment["AWS_CONFIG_FILE"] = Path.Combine(_root, "no-config");
        foreach (var name in new[] { "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI" })
        {
            info.Environment.Remove(name);
        }

        using var python = Process.Start(info)!;
        var output = python.StandardOutput.ReadToEnd();
        var errors = python.StandardError.ReadToEnd();
        python.WaitForExit();
        Assert.True(python.ExitCode == 0, errors);
        Assert.Equal(new[] { "ASIABOTO", "s3cr3t/+=%;#x", "token/ASIABOTO" }, output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')));
    }
}
