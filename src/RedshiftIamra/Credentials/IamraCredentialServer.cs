using System.Runtime.InteropServices;
using System.Security;
using RedshiftIamra.Aws;
using RedshiftIamra.Sessions;

namespace RedshiftIamra.Credentials;

/// <summary>How a credential server runs: in the background of this session, or in the foreground as a service.</summary>
public enum CredentialServerMode
{
    Background,
    Foreground,
}

/// <summary>What it takes to start a credential server for a Roles Anywhere session.</summary>
public sealed record CredentialServerStartOptions
{
    public required CredentialServerMode Mode { get; init; }

    public int Port { get; init; }

    public bool InstanceMetadata { get; init; }

    /// <summary>Background mode: set the AWS variables of this process (children inherit them).</summary>
    public bool SetEnvironment { get; init; } = true;

    /// <summary>A file to write the token to (owner-only, removed on stop), for other processes' <c>AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE</c>.</summary>
    public string? TokenPath { get; init; }
}

/// <summary>
/// A running credential server as the user sees it: where it listens, its token (a
/// SecureString), what it serves and how renewal goes. No property or ToString shows a secret.
/// Stopping it stops the server, removes the token file and restores the environment.
/// </summary>
public sealed class IamraCredentialServer : IAsyncDisposable, IDisposable
{
    /// <summary>The variables background mode sets (or removes, where they would win over ours).</summary>
    public static readonly IReadOnlyList<string> ManagedVariables = new[]
    {
        "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_AUTHORIZATION_TOKEN",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
        "AWS_EC2_METADATA_SERVICE_ENDPOINT", "AWS_EC2_METADATA_DISABLED",
    };

    /// <summary>Variables that make AWS clients use other credentials before the container endpoint.</summary>
    public static readonly IReadOnlyList<string> PrecedingVariables = new[] { "AWS_ACCESS_KEY_ID", "AWS_PROFILE", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE" };

    private static int s_nextId;
    private readonly CredentialServer _server;
    private readonly EnvironmentOverlay? _environment;
    private int _stopped;

    private IamraCredentialServer(CredentialServer server, CredentialServerMode mode, string roleArn, EnvironmentOverlay? environment, string? tokenPath)
    {
        _server = server;
        Mode = mode;
        RoleArn = roleArn;
        _environment = environment;
        TokenPath = tokenPath;
        Id = Interlocked.Increment(ref s_nextId);
        Token = IamraSession.ToSecureString(server.AuthorizationToken);
    }

    /// <summary>
    /// Starts a server for <paramref name="session"/>: the session's credentials are served
    /// first, then renewed through its source. Checks the options before binding.
    /// </summary>
    public static IamraCredentialServer Start(IamraSession session, CredentialServerStartOptions options, IOperationLog log)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(options);
        var roleName = session.RoleArn[(session.RoleArn.LastIndexOf('/') + 1)..];
        var serverOptions = new CredentialServerOptions { Port = options.Port, InstanceMetadata = options.InstanceMetadata, RoleName = roleName, RoleArn = session.RoleArn };
        CredentialServer.Validate(serverOptions);
        var keeper = SessionKeeper.ForSource(session.Source, null, log);
        keeper.Start(CachedCredentials.FromSession(session, session.FromCache));
        CredentialServer server;
        try
        {
            server = CredentialServer.Start(keeper, serverOptions, log);
        }
        catch
        {
            keeper.DisposeAsync().AsTask().GetAwaiter().GetResult();
            throw;
        }

        try
        {
            if (options.TokenPath is not null)
            {
                AtomicFile.WriteAllText(options.TokenPath, server.AuthorizationToken, ownerOnly: true, keepExistingPermissions: false);
            }

            EnvironmentOverlay? environment = null;
            if (options.Mode == CredentialServerMode.Background && options.SetEnvironment)
            {
                environment = EnvironmentOverlay.Apply(EnvironmentFor(server));
            }

            return new IamraCredentialServer(server, options.Mode, session.RoleArn, environment, options.TokenPath);
        }
        catch
        {
            server.DisposeAsync().AsTask().GetAwaiter().GetResult();
            throw;
        }
    }

    /// <summary>The variables that point AWS clients at <paramref name="server"/> (null: removed, as they would take precedence).</summary>
    public static IReadOnlyList<KeyValuePair<string, string?>> EnvironmentFor(CredentialServer server)
    {
        ArgumentNullException.ThrowIfNull(server);
        var values = new List<KeyValuePair<string, string?>>
        {
            new("AWS_CONTAINER_CREDENTIALS_FULL_URI", server.CredentialsUri.ToString()),
            new("AWS_CONTAINER_AUTHORIZATION_TOKEN", server.AuthorizationToken),
            new("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", null),
            new("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", null),
        };
        if (server.MetadataEndpoint is { } metadata)
        {
            values.Add(new("AWS_EC2_METADATA_SERVICE_ENDPOINT", metadata.ToString()));
            values.Add(new("AWS_EC2_METADATA_DISABLED", null));
        }

        return values;
    }

    public int Id { get; }

    /// <summary>The value of <c>AWS_CONTAINER_CREDENTIALS_FULL_URI</c>.</summary>
    public Uri Uri => _server.CredentialsUri;

    /// <summary>The value of <c>AWS_EC2_METADATA_SERVICE_ENDPOINT</c>, when IMDS emulation is on.</summary>
    public Uri? MetadataEndpoint => _server.MetadataEndpoint;

    /// <summary>The value of <c>AWS_CONTAINER_AUTHORIZATION_TOKEN</c>.</summary>
    public SecureString Token { get; }

    public string? TokenPath { get; }

    public int Port => _server.Port;

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822:Mark members as static", Justification = "A property of each server object (module output and formatting read it from the instance): the process that serves it.")]
    public int ProcessId => Environment.ProcessId;

    public CredentialServerMode Mode { get; }

    public CredentialServerState State => _server.State;

    public bool EnvironmentSet => _environment is not null && Volatile.Read(ref _stopped) == 0;

    public string RoleArn { get; }

    public DateTime StartedAt => _server.StartedAt.LocalDateTime;

    public string? AccessKeyId => _server.Keeper.Status.AccessKeyId;

    /// <summary>When the credentials served now expire (local time).</summary>
    public DateTime? Expiration => _server.Keeper.Status.ExpiresAt?.LocalDateTime;

    public DateTime? NextRenewal => _server.Keeper.Status.NextRenewal?.LocalDateTime;

    public long Renewals => _server.Keeper.Status.Renewals;

    public long RenewalFailures => _server.Keeper.Status.Failures;

    public string? LastError => _server.Keeper.Status.LastError;

    public long Served => _server.Served;

    public long Refused => _server.Refused;

    internal CredentialServer Server => _server;

    public override string ToString() => $"{Uri} ({State}, {Mode})";

    /// <summary>Stops the server, removes the token file, restores the environment. Safe to call twice.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        _environment?.Dispose();
        await _server.DisposeAsync().ConfigureAwait(false);
        if (TokenPath is not null)
        {
            try
            {
                File.Delete(TokenPath);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();
}

/// <summary>Waits for SIGTERM (a service manager stopping the process) or a cancellation, whichever first.</summary>
public static class ShutdownSignal
{
    public static async Task WaitAsync(CancellationToken cancellationToken)
    {
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stopped.TrySetResult();
        });
        using var registration = cancellationToken.Register(() => stopped.TrySetResult());
        await stopped.Task.ConfigureAwait(false);
    }
}
