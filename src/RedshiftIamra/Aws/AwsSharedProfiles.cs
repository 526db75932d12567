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
        _config = ReadIni(configFile);
        _credentials = ReadIni(credentialsFile);
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
            .Concat(_config.Keys.Where(k => k == "default" || k.StartsWith("profile ", StringComparison.Ordinal)).Select(k => k == "default" ? k : k["profile ".Length..].Trim()))
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
        if (options.SsoSession is { } session && _config.TryGetValue("sso-session " + session, out var ssoSection))
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
        if (_config.TryGetValue("profile " + name, out var section))
        {
            return section;
        }

        return name == "default" && _config.TryGetValue("default", out section) ? section : null;
    }

    /// <summary>Sections and their keys; indented lines (nested settings such as <c>s3 =</c>) and comment lines are skipped; values are kept whole, as botocore keeps them.</summary>
    private static Dictionary<string, Dictionary<string, string>> ReadIni(string path)
    {
        var sections = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        if (!File.Exists(path))
        {
            return sections;
        }

        Dictionary<string, string>? current = null;
        foreach (var raw in File.ReadLines(path))
        {
            var trimmed = raw.Trim();
            if (trimmed.Length == 0 || trimmed[0] is '#' or ';')
            {
                continue;
            }

            if (trimmed[0] == '[' && trimmed.IndexOf(']', StringComparison.Ordinal) is var close and > 0)
            {
                var name = string.Join(' ', trimmed[1..close].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries));
                if (!sections.TryGetValue(name, out current))
                {
                    current = new Dictionary<string, string>(StringComparer.Ordinal);
                    sections[name] = current;
                }

                continue;
            }

            if (current is null || char.IsWhiteSpace(raw[0]))
            {
                continue;
            }

            var equals = trimmed.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                current[trimmed[..equals].Trim().ToLowerInvariant()] = trimmed[(equals + 1)..].Trim();
            }
        }

        return sections;
    }
}
