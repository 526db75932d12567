using System.Text.RegularExpressions;
using RedshiftIamra.Aws;

namespace RedshiftIamra.Credentials;

/// <summary>
/// Writes one profile of the AWS shared credentials file (<c>AWS_SHARED_CREDENTIALS_FILE</c> or
/// <c>~/.aws/credentials</c>): <c>aws_access_key_id</c>, <c>aws_secret_access_key</c>,
/// <c>aws_session_token</c> and <c>x_security_token_expires</c> (the expiration, a key AWS
/// tools ignore and other credential tools also write), through
/// <see cref="AwsConfigFile.UpdateProfileFile"/>: read as botocore reads it (other profiles,
/// comments and line endings kept), written atomically (temp file + rename; owner-only when
/// new; through a symbolic link to its target), under the lock file every RedshiftIamra
/// writer of the file takes, so two writers never lose each other's profiles.
/// </summary>
public static class SharedCredentialsFile
{
    public const string ExpirationKey = "x_security_token_expires";

    private static readonly Regex s_profileName = new(@"^[A-Za-z0-9_.+@-]{1,64}$", RegexOptions.CultureInvariant);

    /// <summary>The file the AWS CLI and SDKs read: <c>AWS_SHARED_CREDENTIALS_FILE</c>, else <c>~/.aws/credentials</c>.</summary>
    public static string DefaultPath()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("AWS_SHARED_CREDENTIALS_FILE");
        return !string.IsNullOrWhiteSpace(fromEnvironment)
            ? AwsConfigFile.ExpandHome(fromEnvironment)
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".aws", "credentials");
    }

    /// <summary>Checks a profile name before anything is written.</summary>
    public static void ValidateProfileName(string? profileName)
    {
        if (profileName is null || !s_profileName.IsMatch(profileName))
        {
            throw new IamraException(ErrorIds.AwsProfile.InvalidProfileName, IamraErrorCategory.InvalidArgument,
                $"'{profileName}' is not a profile name this module writes: use 1 to 64 letters, digits and _.+@-.", profileName);
        }
    }

    /// <summary>Sets the profile's keys to <paramref name="credentials"/>, atomically and under the file's lock.</summary>
    public static void WriteProfile(string path, string profileName, CachedCredentials credentials, TimeSpan? lockTimeout = null)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        ValidateProfileName(profileName);
        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(directory))
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(directory);
            }
            else
            {
                Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        AwsConfigFile.UpdateProfileFile(full, profileName, new[]
        {
            new KeyValuePair<string, string>("aws_access_key_id", credentials.Credentials.AccessKeyId),
            new KeyValuePair<string, string>("aws_secret_access_key", credentials.Credentials.SecretAccessKey),
            new KeyValuePair<string, string>("aws_session_token", credentials.Credentials.SessionToken ?? string.Empty),
            new KeyValuePair<string, string>(ExpirationKey, CredentialDocuments.FormatTime(credentials.ExpiresAt)),
        }, credentialsFile: true, lockTimeout: lockTimeout);
    }
}

/// <summary>
/// Keeps one profile of the shared credentials file fresh: writes it after every renewal of
/// its <see cref="SessionKeeper"/>; a write that fails is retried with backoff until it
/// succeeds or newer credentials replace it.
/// </summary>
public sealed class CredentialFileUpdater : IAsyncDisposable
{
    private readonly SessionKeeper _keeper;
    private readonly IOperationLog _log;
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _renewed = new(0);
    private Task _loop = Task.CompletedTask;
    private long _writes;

    public CredentialFileUpdater(SessionKeeper keeper, string path, string profileName, IOperationLog log)
    {
        SharedCredentialsFile.ValidateProfileName(profileName);
        _keeper = keeper ?? throw new ArgumentNullException(nameof(keeper));
        _log = log ?? throw new ArgumentNullException(nameof(log));
        Path = System.IO.Path.GetFullPath(path);
        ProfileName = profileName;
        _keeper.Renewed += _ => _renewed.Release();
    }

    public string Path { get; }

    public string ProfileName { get; }

    public long Writes => Interlocked.Read(ref _writes);

    public DateTimeOffset? WrittenExpiration { get; private set; }

    /// <summary>Starts writing: now (from the keeper's current credentials), then after each renewal.</summary>
    public void Start() => _loop = Task.Run(() => RunAsync(_stop.Token));

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private async Task RunAsync(CancellationToken stop)
    {
        var failures = 0;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                var credentials = await _keeper.GetAsync(stop).ConfigureAwait(false);
                if (credentials.ExpiresAt != WrittenExpiration)
                {
                    SharedCredentialsFile.WriteProfile(Path, ProfileName, credentials);
                    WrittenExpiration = credentials.ExpiresAt;
                    Interlocked.Increment(ref _writes);
                    _log.Verbose($"Wrote profile '{ProfileName}' of {Path}: {credentials}.");
                }

                failures = 0;
                await _renewed.WaitAsync(stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is IamraException or IOException or UnauthorizedAccessException or CredentialsUnavailableException)
            {
                failures++;
                var delay = _keeper.Backoff(failures);
                _log.Warning($"Updating profile '{ProfileName}' of {Path} failed (attempt {failures}): {e.Message} Next try in {delay.TotalSeconds:0.#} s.");
                await Task.Delay(delay, stop).ConfigureAwait(false);
            }
        }
    }
}
