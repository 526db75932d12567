using RedshiftIamra.Aws;

namespace RedshiftIamra.Tests.Aws;

/// <summary>
/// Tests that change process-wide environment variables. xunit runs this collection alone,
/// after the parallel ones, and each test restores what it changed.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "An xunit collection definition; the suffix says what it is.")]
public sealed class AwsEnvironmentCollection
{
    public const string Name = "AWS environment variables";
}

/// <summary>
/// Temporary AWS config and credentials files named by AWS_CONFIG_FILE and
/// AWS_SHARED_CREDENTIALS_FILE; every credential variable of the real environment is cleared
/// (and EC2 metadata turned off) while the test runs, and everything is restored afterwards.
/// </summary>
internal sealed class TempAwsEnvironment : IDisposable
{
    private static readonly string[] Variables =
    [
        "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_PROFILE", "AWS_DEFAULT_PROFILE",
        "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_ACCOUNT_ID",
        "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_ROLE_SESSION_NAME",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_EC2_METADATA_DISABLED",
    ];

    private readonly Dictionary<string, string?> _saved = Variables.ToDictionary(v => v, Environment.GetEnvironmentVariable);

    public TempAwsEnvironment(string config, string credentials)
    {
        Directory = Path.Combine(Path.GetTempPath(), "iamra-aws-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
        ConfigFile = Path.Combine(Directory, "config");
        CredentialsFile = Path.Combine(Directory, "credentials");
        File.WriteAllText(ConfigFile, config.Replace("{dir}", Directory, StringComparison.Ordinal));
        File.WriteAllText(CredentialsFile, credentials);
        foreach (var name in Variables)
        {
            Environment.SetEnvironmentVariable(name, null);
        }

        Environment.SetEnvironmentVariable("AWS_CONFIG_FILE", ConfigFile);
        Environment.SetEnvironmentVariable("AWS_SHARED_CREDENTIALS_FILE", CredentialsFile);
        Environment.SetEnvironmentVariable("AWS_EC2_METADATA_DISABLED", "true");
    }

    public string Directory { get; }

    public string ConfigFile { get; }

    public string CredentialsFile { get; }

    public void Dispose()
    {
        foreach (var (name, value) in _saved)
        {
            Environment.SetEnvironmentVariable(name, value);
        }

        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>A script credential_process runs: prints credential_process JSON, counting its runs in a file beside it.</summary>
    public string WriteProcessScript(int expiresInSeconds)
    {
        var path = Path.Combine(Directory, "credential_process.py");
        File.WriteAllText(path, $$"""
            import datetime, json, os
            here = os.path.dirname(os.path.abspath(__file__))
            counter = os.path.join(here, "runs")
            runs = (int(open(counter).read()) if os.path.exists(counter) else 0) + 1
            open(counter, "w").write(str(runs))
            expires = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds={{expiresInSeconds}})
            print(json.dumps({"Version": 1, "AccessKeyId": "ASIAPROCESS%06d" % runs, "SecretAccessKey": "process-secret-%d" % runs,
                              "SessionToken": "process-token-%d" % runs, "Expiration": expires.strftime("%Y-%m-%dT%H:%M:%SZ"),
                              "AccountId": "111122223333"}))
            """);
        return path;
    }

    public int ProcessRuns => File.Exists(Path.Combine(Directory, "runs")) ? int.Parse(File.ReadAllText(Path.Combine(Directory, "runs")), System.Globalization.CultureInfo.InvariantCulture) : 0;
}

[Collection(AwsEnvironmentCollection.Name)]
public sealed class AwsCredentialSourcesTests
{
    private const string StaticSecret = "static/secret+key0123456789abcdefEXAMPLE";
    private const string SessionSecret = "session/secret+key0123456789abcdefEXAMPLE";
    private const string SessionToken = "IQoJb3JpZ2luX2VjEXAMPLEsessiontoken//////////==";

    private const string Credentials = $"""
        [static]
        aws_access_key_id = AKIASTATIC0000000001
        aws_secret_access_key = {StaticSecret}

        [session]
        aws_access_key_id = ASIASESSION000000001
        aws_secret_access_key = {SessionSecret}
        aws_session_token = {SessionToken}

        [default]
        aws_access_key_id = AKIADEFAULT000000001
        aws_secret_access_key = default-secret
        """;

    private const string Config = """
        [profile static]
        region = eu-west-1

        [profile only-region]
        region = us-west-2
        """;

    private static string Python => Environment.GetEnvironmentVariable("PYTHON") is { Length: > 0 } p ? p : "python3";

    [Fact]
    public async Task A_static_keys_profile_gives_its_keys_region_and_where_they_came_from()
    {
        using var env = new TempAwsEnvironment(Config, Credentials);
        var source = AwsCredentialSources.FromProfile("static");
        var credentials = await source.GetCredentialsAsync(default);

        Assert.Equal("AKIASTATIC0000000001", credentials.AccessKeyId);
        Assert.Equal(StaticSecret, credentials.SecretAccessKey);
        Assert.Null(credentials.SessionToken);
        Assert.Null(credentials.Expiration);
        Assert.Equal("eu-west-1", source.Region);
        Assert.Equal($"profile 'static' in {env.ConfigFile} and {env.CredentialsFile} (static keys)", source.Description);
        Assert.DoesNotContain(StaticSecret, source.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_session_keys_profile_gives_the_token()
    {
        using var env = new TempAwsEnvironment(Config, Credentials);
        var source = AwsCredentialSources.FromProfile("session");
        var credentials = await source.GetCredentialsAsync(default);

        Assert.Equal(("ASIASESSION000000001", SessionSecret, SessionToken), (credentials.AccessKeyId, credentials.SecretAccessKey, credentials.SessionToken));
        Assert.Null(source.Region);
        Assert.Equal($"profile 'session' in {env.CredentialsFile} (session keys)", source.Description);
    }

    [Fact]
    public async Task A_credential_process_profile_runs_the_process_once_while_its_credentials_are_fresh()
    {
        using var env = new TempAwsEnvironment(Config, Credentials);
        var script = env.WriteProcessScript(expiresInSeconds: 7200);
        File.AppendAllText(env.ConfigFile, $"\n[profile etl]\nregion = ap-southeast-2\ncredential_process = {Python} \"{script}\"\n");

        var source = AwsCredentialSources.FromProfile("etl");
        Assert.Equal(0, env.ProcessRuns);
        var first = await source.GetCredentialsAsync(default);
        var second = await source.GetCredentialsAsync(default);

        Assert.Equal("ASIAPROCESS000001", first.AccessKeyId);
        Assert.Equal("process-secret-1", first.SecretAccessKey);
        Assert.Equal("process-token-1", first.SessionToken);
        Assert.Equal(first.AccessKeyId, second.AccessKeyId);
        Assert.Equal(1, env.ProcessRuns);
        Assert.NotNull(first.Expiration);
        Assert.InRange(first.Expiration!.Value, DateTimeOffset.UtcNow.AddSeconds(7200 - 120), DateTimeOffset.UtcNow.AddSeconds(7200 + 120));
        Assert.Equal("ap-southeast-2", source.Region);
        Assert.Equal("111122223333", source.AccountId);
        Assert.Equal($"profile 'etl' in {env.ConfigFile} (credential_process)", source.Description);
    }

    [Fact]
    public async Task Credentials_near_expiry_are_refreshed_by_running_the_process_again()
    {
        using var env = new TempAwsEnvironment(Config, Credentials);
        var script = env.WriteProcessScript(expiresInSeconds: 20);
        File.AppendAllText(env.ConfigFile, $"\n[profile short]\ncredential_process = {Python} {script}\n");

        var source = AwsCredentialSources.FromProfile("short");
        var first = await source.GetCredentialsAsync(default);
        var second = await source.GetCredentialsAsync(default);

        Assert.Equal("ASIAPROCESS000001", first.AccessKeyId);
        Assert.Equal("ASIAPROCESS000002", second.AccessKeyId);
        Assert.Equal("process-secret-2", second.SecretAccessKey);
        Assert.Equal(2, env.ProcessRuns);
    }

    [Theory]
    [InlineData("-c \"import sys; sys.stderr.write('no certificate'); sys.exit(2)\"", "no certificate")]
    [InlineData("-c \"print('TOPSECRET-not-json')\"", "malformed")]
    public async Task A_failing_credential_process_is_IamraCredentialProcessFailed(string arguments, string expected)
    {
        using var env = new TempAwsEnvironment(Config, Credentials);
        File.AppendAllText(env.ConfigFile, $"\n[profile broken]\ncredential_process = {Python} {arguments}\n");

        var source = AwsCredentialSources.FromProfile("broken");
        var e = await Assert.ThrowsAsync<IamraException>(() => source.GetCredentialsAsync(default));

        Assert.Equal(AwsCredentialSources.CredentialProcessFailed, e.ErrorId);
        Assert.Equal(IamraErrorCategory.AuthenticationError, e.Category);
        Assert.Contains("profile 'broken'", e.Message, StringComparison.Ordinal);
        Assert.Contains(expected, e.Message, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("TOPSECRET", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_profile_is_IamraAwsProfileNotFound_naming_it_the_files_and_the_profiles_there()
    {
        using var env = new TempAwsEnvironment(Config, Credentials);
        var e = Assert.Throws<IamraException>(() => AwsCredentialSources.FromProfile("nosuch"));

        Assert.Equal(AwsCredentialSources.ProfileNotFound, e.ErrorId);
        Assert.Equal(IamraErrorCategory.ObjectNotFound, e.Category);
        Assert.Contains("'nosuch'", e.Message, StringComparison.Ordinal);
        Assert.Contains(env.ConfigFile, e.Message, StringComparison.Ordinal);
        Assert.Contains(env.CredentialsFile, e.Message, StringComparison.Ordinal);
        Assert.Contains("static", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(StaticSecret, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_profile_with_only_settings_is_IamraNoAwsCredentials()
    {
        using var env = new TempAwsEnvironment(Config, Credentials);
        var e = Assert.Throws<IamraException>(() => AwsCredentialSources.FromProfile("only-region"));
        Assert.Equal(AwsCredentialSources.NoCredentials, e.ErrorId);
        Assert.Contains("'only-region'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Explicit_keys_are_used_as_given_and_never_shown()
    {
        var source = AwsCredentialSources.FromKeys("AKIAEXPLICIT00000001", "explicit-secret", "explicit-token");
        var credentials = await source.GetCredentialsAsync(default);
        Assert.Equal(("AKIAEXPLICIT00000001", "explicit-secret", "explicit-token"), (credentials.AccessKeyId, credentials.SecretAccessKey, credentials.SessionToken));
        Assert.Contains("AKIAEXPLICIT00000001", source.Description, StringComparison.Ordinal);
        Assert.DoesNotContain("explicit-secret", source.Description, StringComparison.Ordinal);
        Assert.DoesNotContain("explicit-token", source.Description, StringComparison.Ordinal);

        var e = Assert.Throws<IamraException>(() => AwsCredentialSources.FromKeys("AKIAEXPLICIT00000001", " "));
        Assert.Equal(AwsCredentialSources.NoCredentials, e.ErrorId);
    }

    [Fact]
    public async Task Default_chain_prefers_environment_variables()
    {
        using var env = new TempAwsEnvironment(Config, Credentials);
        Environment.SetEnvironmentVariable("AWS_PROFILE", "static");
        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", "AKIAFROMENV000000001");
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", "env-secret");
        Environment.SetEnvironmentVariable("AWS_SESSION_TOKEN", "env-token");

        var source = AwsCredentialSources.Default();
        var credentials = await source.GetCredentialsAsync(default);
        Assert.Equal(("AKIAFROMENV000000001", "env-token"), (credentials.AccessKeyId, credentials.SessionToken));
        Assert.Equal("environment variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN)", source.Description);
    }

    [Fact]
    public async Task Default_chain_then_uses_AWS_PROFILE_then_the_default_profile()
    {
        using var env = new TempAwsEnvironment(Config, Credentials);
        Environment.SetEnvironmentVariable("AWS_PROFILE", "static");
        var named = AwsCredentialSources.Default();
        Assert.Equal("AKIASTATIC0000000001", (await named.GetCredentialsAsync(default)).AccessKeyId);
        Assert.Contains("profile 'static'", named.Description, StringComparison.Ordinal);
        Assert.Contains("chosen by AWS_PROFILE", named.Description, StringComparison.Ordinal);
        Assert.Equal("eu-west-1", named.Region);

        Environment.SetEnvironmentVariable("AWS_PROFILE", null);
        var fallback = AwsCredentialSources.Default();
        Assert.Equal("AKIADEFAULT000000001", (await fallback.GetCredentialsAsync(default)).AccessKeyId);
        Assert.Contains("profile 'default'", fallback.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void Default_chain_with_AWS_PROFILE_naming_a_missing_profile_says_so()
    {
        using var env = new TempAwsEnvironment(Config, Credentials);
        Environment.SetEnvironmentVariable("AWS_PROFILE", "gone");
        var e = Assert.Throws<IamraException>(() => AwsCredentialSources.Default());
        Assert.Equal(AwsCredentialSources.ProfileNotFound, e.ErrorId);
        Assert.Contains("AWS_PROFILE", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Default_chain_with_nothing_configured_is_IamraNoAwsCredentials()
    {
        using var env = new TempAwsEnvironment(config: "", credentials: "");
        var e = Assert.Throws<IamraException>(() => AwsCredentialSources.Default());
        Assert.Equal(AwsCredentialSources.NoCredentials, e.ErrorId);
        Assert.Contains("AWS_EC2_METADATA_DISABLED", e.Message, StringComparison.Ordinal);
        Assert.Contains(env.ConfigFile, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Changing_AWS_CONFIG_FILE_in_a_running_process_is_honoured()
    {
        // AWSSDK.Core's SharedCredentialsFile reads these variables once per process; we read them per call.
        using (var first = new TempAwsEnvironment("[profile ops]\naws_access_key_id = AKIAFIRSTFILE0000001\naws_secret_access_key = one\n", ""))
        {
            Assert.Equal("AKIAFIRSTFILE0000001", (await AwsCredentialSources.FromProfile("ops").GetCredentialsAsync(default)).AccessKeyId);
        }

        using var second = new TempAwsEnvironment("[profile ops]\naws_access_key_id = AKIASECONDFILE000001\naws_secret_access_key = two\nregion = sa-east-1\n", "");
        var source = AwsCredentialSources.FromProfile("ops");
        Assert.Equal("AKIASECONDFILE000001", (await source.GetCredentialsAsync(default)).AccessKeyId);
        Assert.Equal("sa-east-1", source.Region);
        Assert.Equal($"profile 'ops' in {second.ConfigFile} (static keys)", source.Description);
    }

    [Fact]
    public void Shared_files_follow_the_environment_variables()
    {
        using var env = new TempAwsEnvironment(Config, Credentials);
        Assert.Equal((env.ConfigFile, env.CredentialsFile), AwsCredentialSources.SharedFiles());
    }
}
