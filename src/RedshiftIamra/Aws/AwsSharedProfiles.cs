using Amazon;
using Amazon.Runtime.CredentialManagement;

namespace RedshiftIamra.Aws;

/// <summary>
/// The profiles of the AWS shared config and credentials files, read when asked, from the
/// files <c>AWS_CONFIG_FILE</c> and <c>AWS_SHARED_CREDENTIALS_FILE</c> name at that moment.
/// </summary>
/// <remarks>
/// AWSSDK.Core's <c>SharedCredentialsFile</c> resolves those two variables once per process (in
/// a static constructor, and only when the file already exists then), so a PowerShell session
/// that sets <c>$env:AWS_CONFIG_FILE</c> after the module loaded would silently read the old
/// files. This reader hands the SDK a <see cref="CredentialProfile"/> built from the files as
/// they are now; the SDK still makes (and refreshes) the credentials of every profile kind.
/// It also serves <c>source_profile</c> look-ups as the SDK's <see cref="ICredentialProfileSource"/>.
/// </remarks>
internal sealed class AwsSharedProfiles : ICredentialProfileSource
{
    private readonly Dictionary<string, Dictionary<string, string>> _config;
    private readonly Dictionary<string, Dictionary<string, string>> _credentials;

    private AwsSharedProfiles(string configFile, string credentialsFile)
    {
        ConfigFile = configFile;
        CredentialsFile = credentialsFile;
        _config = ReadIni(configFile, configFile: true);
        _credentials = ReadIni(credentialsFile, configFile: false);
    }

    public string ConfigFile { get; }

    public string CredentialsFile { get; }

    /// <summary>Reads the files the environment names now (else <c>~/.aws/config</c> and <c>~/.aws/credentials</c>).</summary>
    public static AwsSharedProfiles Load()
    {
        var credentials = Environment.GetEnvironmentVariable("AWS_SHARED_CREDENTIALS_FILE") is { Length: > 0 } path
            ? AwsConfigFile.ExpandHome(path.Trim())
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".aws", "credentials");
        return new AwsSharedProfiles(AwsConfigFile.DefaultPath(), credentials);
    }

    /// <summary>Every profile name of both files, sorted.</summary>
    public IReadOnlyList<string> Names =>
        _credentials.Keys
            .Concat(_config.Keys.Where(k => k.StartsWith(ProfileKey(string.Empty), StringComparison.Ordinal)).Select(k => k[ProfileKey(string.Empty).Length..]))
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList();

    public bool InConfigFile(string name) => ConfigSection(name) is not null;

    public bool InCredentialsFile(string name) => _credentials.ContainsKey(name);

    /// <summary>The profile's keys: the config file's section, overridden by the credentials file's.</summary>
    public IReadOnlyDictionary<string, string>? Properties(string name)
    {
        var config = ConfigSection(name);
        _credentials.TryGetValue(name, out var credentials);
        if (config is null && credentials is null)
        {
            return null;
        }

        var merged = new Dictionary<string, string>(config ?? [], StringComparer.Ordinal);
        foreach (var (key, value) in credentials ?? [])
        {
            merged[key] = value;
        }

        return merged;
    }

    public bool TryGetProfile(string profileName, out CredentialProfile profile)
    {
        var properties = Properties(profileName);
        if (properties is null)
        {
            profile = null!;
            return false;
        }

        string? Get(string key) => properties.TryGetValue(key, out var v) && v.Length > 0 ? v : null;
        var options = new CredentialProfileOptions
        {
            AccessKey = Get("aws_access_key_id"),
            SecretKey = Get("aws_secret_access_key"),
            Token = Get("aws_session_token"),
            CredentialProcess = Get("credential_process"),
            RoleArn = Get("role_arn"),
            SourceProfile = Get("source_profile"),
            CredentialSource = Get("credential_source"),
            ExternalID = Get("external_id"),
            MfaSerial = Get("mfa_serial"),
            RoleSessionName = Get("role_session_name"),
            WebIdentityTokenFile = Get("web_identity_token_file"),
            SsoSession = Get("sso_session"),
            SsoStartUrl = Get("sso_start_url"),
            SsoRegion = Get("sso_region"),
            SsoAccountId = Get("sso_account_id"),
            SsoRoleName = Get("sso_role_name"),
            SsoRegistrationScopes = Get("sso_registration_scopes"),
            AwsAccountId = Get("aws_account_id"),
        };

        // An sso_session names an [sso-session NAME] section of the config file with the start URL and region.
        if (options.SsoSession is { } session && _config.Where(s => s.Key.StartsWith("sso-session", StringComparison.Ordinal) && AwsIniDocument.ShlexSplit(s.Key) is { Count: 2 } w && w[1] == session).Select(s => s.Value).LastOrDefault() is { } ssoSection)
        {
            options.SsoStartUrl ??= ssoSection.GetValueOrDefault("sso_start_url");
            options.SsoRegion ??= ssoSection.GetValueOrDefault("sso_region");
            options.SsoRegistrationScopes ??= ssoSection.GetValueOrDefault("sso_registration_scopes");
        }

        profile = new CredentialProfile(profileName, options);
        if (Get("region") is { } region && AwsRegion.IsValid(region))
        {
            profile.Region = RegionEndpoint.GetBySystemName(region);
        }

        return true;
    }

    private Dictionary<string, string>? ConfigSection(string name)
    {
        return _config.TryGetValue(ProfileKey(name), out var section) ? section : null;
    }

    /// <summary>
    /// The file as botocore reads it (<see cref="AwsIniDocument"/>): sections by name, each with
    /// its keys and the <c>[DEFAULT]</c> keys it does not override. A file botocore cannot read
    /// is an error here too, as the AWS CLI and SDKs would fail on it.
    /// </summary>
    private static Dictionary<string, Dictionary<string, string>> ReadIni(string path, bool configFile)
    {
        var sections = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        var text = AtomicFile.ReadTextIfExists(path, "AWS profile file", FileErrorIds.AwsConfigFile);
        if (text is null)
        {
            return sections;
        }

        var document = AwsConfigFile.Parse(text, $"the AWS profile file {path}");
        foreach (var section in document.Sections)
        {
            sections[section.Name] = document.Values(section);
            if (configFile && AwsIniDocument.ProfileNameOf(section.Name) is { } profile)
            {
                // botocore: the last section naming a profile ([profile x], [profile "x"], [profile  x]) wins.
                sections[ProfileKey(profile)] = document.Values(section);
            }
        }

        return sections;
    }

    /// <summary>The internal key under which a config file profile is kept.</summary>
    private static string ProfileKey(string profile) => "\0profile " + profile;
}
