using Amazon.Runtime;
using Amazon.Runtime.CredentialManagement;

namespace RedshiftIamra.Aws;

/// <summary>
/// Somewhere AWS credentials come from: static keys, a profile of the shared config files, the
/// default chain, a Roles Anywhere session. Asked on every signed call, so credentials that
/// refresh (a <c>credential_process</c>, a container endpoint) are always current.
/// </summary>
/// <remarks>No AWS SDK type appears in this class's surface (see DESIGN.md: AWS.Tools load their own AWSSDK.Core).</remarks>
public abstract class AwsCredentialSource
{
    /// <summary>Where the credentials come from, for -Verbose: <c>profile 'x' in ~/.aws/config (credential_process)</c>. Never a secret.</summary>
    public abstract string Description { get; }

    /// <summary>The region the source's profile sets, or null.</summary>
    public virtual string? Region => null;

    /// <summary>Where <see cref="Region"/> comes from, for -Verbose.</summary>
    public virtual string RegionOrigin => "the profile";

    /// <summary>The account id the credentials belong to, when the source knows it (credential_process output may carry it).</summary>
    public string? AccountId { get; protected set; }

    /// <summary>Current credentials; refreshed by the source when they are about to expire.</summary>
    public abstract Task<AwsCredentials> GetCredentialsAsync(CancellationToken cancellationToken);

    /// <summary>A key that names the identity behind the credentials (for caches). Never a secret.</summary>
    public virtual string IdentityKey => Description;

    /// <summary>The service said the credentials expired: the next call must fetch new ones (sources that cannot renew ignore it).</summary>
    public virtual void Invalidate()
    {
    }

    public override string ToString() => Description;
}

/// <summary>
/// The AWS credential sources the module accepts besides a Roles Anywhere session: a named
/// profile (any kind AWSSDK.Core understands, <c>credential_process</c> included; the files
/// follow <c>AWS_CONFIG_FILE</c> and <c>AWS_SHARED_CREDENTIALS_FILE</c>), explicit keys, and
/// the default chain.
/// </summary>
public static class AwsCredentialSources
{
    public const string ProfileNotFound = ErrorIds.Aws.ProfileNotFound;
    public const string NoCredentials = ErrorIds.Aws.NoCredentials;
    public const string CredentialProcessFailed = ErrorIds.Aws.CredentialProcessFailed;

    /// <summary>Credentials already in hand (a session, a test).</summary>
    public static AwsCredentialSource FromCredentials(AwsCredentials credentials, string description, string? accountId = null)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        return new FixedSource(credentials, description, accountId);
    }

    /// <summary>An access key, its secret and, for temporary credentials, a session token.</summary>
    public static AwsCredentialSource FromKeys(string accessKeyId, string secretAccessKey, string? sessionToken = null)
    {
        if (string.IsNullOrWhiteSpace(accessKeyId) || string.IsNullOrWhiteSpace(secretAccessKey))
        {
            throw new IamraException(NoCredentials, IamraErrorCategory.InvalidArgument,
                $"AWS keys need both an access key id and a secret access key; the {(string.IsNullOrWhiteSpace(accessKeyId) ? "access key id" : "secret access key")} is empty.");
        }

        var credentials = new AwsCredentials(accessKeyId.Trim(), secretAccessKey.Trim(), string.IsNullOrWhiteSpace(sessionToken) ? null : sessionToken.Trim());
        return new FixedSource(credentials, $"access key {credentials.AccessKeyId} given as parameters{(credentials.SessionToken is null ? string.Empty : " (with a session token)")}", null);
    }

    /// <summary>
    /// A profile of the shared config and credentials files, of any kind AWSSDK.Core
    /// understands: static keys, session keys, <c>credential_process</c> (the SDK runs the
    /// process and runs it again when its credentials expire), SSO, assume-role.
    /// </summary>
    public static AwsCredentialSource FromProfile(string profileName) => FromProfile(profileName, because: null);

    /// <summary>
    /// The default chain of AWS SDKs for .NET (V4 order): <c>AWS_ACCESS_KEY_ID</c> /
    /// <c>AWS_SECRET_ACCESS_KEY</c> (/ <c>AWS_SESSION_TOKEN</c>), a web identity token
    /// (<c>AWS_WEB_IDENTITY_TOKEN_FILE</c> + <c>AWS_ROLE_ARN</c>), the profile named by
    /// <c>AWS_PROFILE</c>, the <c>default</c> profile, the container credentials endpoint, and
    /// EC2 instance metadata unless <c>AWS_EC2_METADATA_DISABLED</c> is true.
    /// </summary>
    public static AwsCredentialSource Default(Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        string? Env(string name) => environment(name) is { } v && !string.IsNullOrWhiteSpace(v) ? v.Trim() : null;

        if (Env("AWS_ACCESS_KEY_ID") is { } accessKey && Env("AWS_SECRET_ACCESS_KEY") is { } secretKey)
        {
            var token = Env("AWS_SESSION_TOKEN");
            return new FixedSource(new AwsCredentials(accessKey, secretKey, token), $"environment variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY{(token is null ? string.Empty : ", AWS_SESSION_TOKEN")})", Env("AWS_ACCOUNT_ID"));
        }

        if (Env("AWS_WEB_IDENTITY_TOKEN_FILE") is { } tokenFile && Env("AWS_ROLE_ARN") is { } roleArn)
        {
            return new SdkSource(
                () => AssumeRoleWithWebIdentityCredentials.FromEnvironmentVariables(),
                $"web identity token {tokenFile} for role {roleArn} (AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ROLE_ARN)",
                region: null);
        }

        if (Env("AWS_PROFILE") is { } profile)
        {
            return FromProfile(profile, because: "AWS_PROFILE");
        }

        if (AwsSharedProfiles.Load().Properties("default") is not null)
        {
            return FromProfile("default", because: "no AWS_PROFILE, so the default profile");
        }

        if (Env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") is not null || Env("AWS_CONTAINER_CREDENTIALS_FULL_URI") is not null)
        {
            return new SdkSource(() => new GenericContainerCredentials(), "the container credentials endpoint (AWS_CONTAINER_CREDENTIALS_*_URI)", region: null);
        }

        var searched = $"environment variables (AWS_ACCESS_KEY_ID), AWS_WEB_IDENTITY_TOKEN_FILE, AWS_PROFILE, the default profile in {DescribeFiles()}, the container endpoint (AWS_CONTAINER_CREDENTIALS_*_URI)";
        if (string.Equals(Env("AWS_EC2_METADATA_DISABLED"), "true", StringComparison.OrdinalIgnoreCase))
        {
            throw new IamraException(NoCredentials, IamraErrorCategory.AuthenticationError,
                $"No AWS credentials were found. Searched: {searched}; EC2 instance metadata is off (AWS_EC2_METADATA_DISABLED). Give a Roles Anywhere session (Get-IamraSession), -ProfileName, or set AWS_PROFILE.");
        }

        return new SdkSource(() => new InstanceProfileAWSCredentials(), "EC2 instance metadata (IMDS)", region: null)
        {
            FailureHint = $"Also searched: {searched}. Off EC2, give a Roles Anywhere session (Get-IamraSession), -ProfileName, or set AWS_PROFILE.",
        };
    }

    /// <summary>The config and credentials files the SDK reads (after AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE).</summary>
    public static (string ConfigFile, string CredentialsFile) SharedFiles()
    {
        var profiles = AwsSharedProfiles.Load();
        return (profiles.ConfigFile, profiles.CredentialsFile);
    }

    private static SdkSource FromProfile(string profileName, string? because)
    {
        if (string.IsNullOrWhiteSpace(profileName))
        {
            throw new IamraException(ProfileNotFound, IamraErrorCategory.InvalidArgument, "-ProfileName is empty: give the name of a profile of the AWS config file.");
        }

        profileName = profileName.Trim();
        AwsSharedProfiles profiles;
        CredentialProfile? profile;
        try
        {
            profiles = AwsSharedProfiles.Load();
            if (!profiles.TryGetProfile(profileName, out profile))
            {
                profile = null;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IamraException(NoCredentials, IamraErrorCategory.ReadError,
                $"The AWS config files ({DescribeFiles()}) could not be read: {e.Message}", profileName, e);
        }

        if (profile is null)
        {
            var known = profiles.Names;
            throw new IamraException(ProfileNotFound, IamraErrorCategory.ObjectNotFound,
                $"The AWS profile '{profileName}'{(because == "AWS_PROFILE" ? " (named by AWS_PROFILE)" : string.Empty)} is not in {Tilde(profiles.ConfigFile)} or {Tilde(profiles.CredentialsFile)}. {(known.Count == 0 ? "Those files define no profile." : $"Profiles there: {string.Join(", ", known)}.")} Check the name, or AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE.", profileName);
        }

        var kind = DescribeKind(profile.Options);
        var where = $"profile '{profileName}' in {DescribeLocation(profiles, profileName)} ({kind}){(because is null ? string.Empty : $", chosen by {because}")}";
        if (!profile.CanCreateAWSCredentials)
        {
            throw new IamraException(NoCredentials, IamraErrorCategory.InvalidData,
                $"The {where} has no credentials AWSSDK.Core can use: it needs aws_access_key_id and aws_secret_access_key, credential_process, an SSO session, or role_arn with source_profile / credential_source.", profileName);
        }

        var isProcess = !string.IsNullOrEmpty(profile.Options.CredentialProcess);
        return new SdkSource(() => AWSCredentialsFactory.GetAWSCredentials(profile, profiles), where, profile.Region?.SystemName)
        {
            IsCredentialProcess = isProcess,
            AccountIdFromProfile = string.IsNullOrEmpty(profile.Options.AwsAccountId) ? null : profile.Options.AwsAccountId,
        };
    }

    private static string DescribeKind(CredentialProfileOptions options) => options switch
    {
        { CredentialProcess.Length: > 0 } => "credential_process",
        { SsoSession.Length: > 0 } or { SsoStartUrl.Length: > 0 } => "SSO",
        { WebIdentityTokenFile.Length: > 0 } => "web identity",
        { RoleArn.Length: > 0 } => "assume role",
        { LoginSession.Length: > 0 } => "login session",
        { Token.Length: > 0 } => "session keys",
        { AccessKey.Length: > 0 } => "static keys",
        _ => "no credentials",
    };

    /// <summary>Which of the two files define the profile's section, with the home folder written as ~.</summary>
    private static string DescribeLocation(AwsSharedProfiles profiles, string profileName)
    {
        var places = new List<string>();
        if (profiles.InConfigFile(profileName))
        {
            places.Add(Tilde(profiles.ConfigFile));
        }

        if (profiles.InCredentialsFile(profileName))
        {
            places.Add(Tilde(profiles.CredentialsFile));
        }

        return string.Join(" and ", places);
    }

    private static string DescribeFiles()
    {
        var (config, credentials) = SharedFiles();
        return $"{Tilde(config)} and {Tilde(credentials)}";
    }

    private static string Tilde(string path)
    {
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return home.Length > 1 && path.StartsWith(home + Path.DirectorySeparatorChar, StringComparison.Ordinal) ? "~" + path[home.Length..] : path;
    }

    private sealed class FixedSource : AwsCredentialSource
    {
        private readonly AwsCredentials _credentials;

        public FixedSource(AwsCredentials credentials, string description, string? accountId)
        {
            _credentials = credentials;
            Description = description;
            AccountId = accountId;
        }

        public override string Description { get; }

        public override Task<AwsCredentials> GetCredentialsAsync(CancellationToken cancellationToken) => Task.FromResult(_credentials);
    }

    /// <summary>Credentials AWSSDK.Core resolves and refreshes; made once, on first use.</summary>
    private sealed class SdkSource(Func<AWSCredentials> create, string description, string? region) : AwsCredentialSource
    {
        private readonly Lazy<AWSCredentials> _credentials = new(create, LazyThreadSafetyMode.ExecutionAndPublication);

        public override string Description { get; } = description;

        public override string? Region { get; } = region;

        public bool IsCredentialProcess { get; init; }

        public string? AccountIdFromProfile
        {
            init => AccountId = value;
        }

        public string? FailureHint { get; init; }

        public override async Task<AwsCredentials> GetCredentialsAsync(CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            ImmutableCredentials immutable;
            AWSCredentials sdk;
            try
            {
                sdk = _credentials.Value;
                immutable = await sdk.GetCredentialsAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (IsProcessFailure(e))
            {
                throw new IamraException(CredentialProcessFailed, IamraErrorCategory.AuthenticationError,
                    $"The credential_process of {Description} failed: {Flatten(e)} Run the command from the profile in a shell to see its output; it must print {{\"Version\":1,\"AccessKeyId\":...,\"SecretAccessKey\":...}} and exit 0.", Description, e);
            }
            catch (Exception e) when (e is not OperationCanceledException and not IamraException)
            {
                throw new IamraException(NoCredentials, IamraErrorCategory.AuthenticationError,
                    $"No AWS credentials could be had from {Description}: {Flatten(e)}{(FailureHint is null ? string.Empty : " " + FailureHint)}", Description, e);
            }

            if (immutable is null || string.IsNullOrEmpty(immutable.AccessKey) || string.IsNullOrEmpty(immutable.SecretKey))
            {
                throw new IamraException(IsCredentialProcess ? CredentialProcessFailed : NoCredentials, IamraErrorCategory.AuthenticationError,
                    $"{Description} gave no access key or secret.", Description);
            }

            if (!string.IsNullOrEmpty(immutable.AccountId))
            {
                AccountId = immutable.AccountId;
            }

            DateTimeOffset? expiration = sdk is RefreshingAWSCredentials { Expiration: { } expires }
                ? new DateTimeOffset(DateTime.SpecifyKind(expires, expires.Kind == DateTimeKind.Unspecified ? DateTimeKind.Utc : expires.Kind)).ToUniversalTime()
                : null;
            return new AwsCredentials(immutable.AccessKey, immutable.SecretKey, immutable.UseToken ? immutable.Token : null, expiration);
        }

        private bool IsProcessFailure(Exception e)
        {
            for (Exception? current = e; current is not null; current = current.InnerException)
            {
                if (current is ProcessAWSCredentialException)
                {
                    return true;
                }
            }

            return IsCredentialProcess && e is not OperationCanceledException and not IamraException;
        }

        private static string Flatten(Exception e)
        {
            var messages = new List<string>();
            for (Exception? current = e; current is not null && messages.Count < 4; current = current.InnerException)
            {
                var text = current.Message.Trim();
                if (text.Length > 0 && !messages.Contains(text, StringComparer.Ordinal))
                {
                    messages.Add(text.EndsWith('.') ? text : text + ".");
                }
            }

            return string.Join(" ", messages);
        }
    }
}
