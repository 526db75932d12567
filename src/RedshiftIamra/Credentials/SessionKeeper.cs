using RedshiftIamra.Aws;
using RedshiftIamra.Sessions;

namespace RedshiftIamra.Credentials;

/// <summary>How a <see cref="SessionKeeper"/> renews.</summary>
public sealed record SessionKeeperOptions
{
    /// <summary>
    /// Renew this long before expiry (at most a quarter of the session's lifetime). 15 minutes
    /// by default: AWS SDKs and the CLI refresh credentials that expire within 15 minutes, so a
    /// session handed out later than that would make every client ask again at once.
    /// </summary>
    public TimeSpan RefreshWindow { get; init; } = CredentialProcess.ClientRefreshWindow;

    /// <summary>Credentials with less than this left are not handed out (a request signed with them could arrive expired).</summary>
    public TimeSpan MinimumRemaining { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The first retry delay after a failed renewal; it doubles per failure, with full jitter.</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan RetryMaxDelay { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>How long a caller waits for the first credentials (or a renewal under way) before it is told why there are none.</summary>
    public TimeSpan WaitForCredentials { get; init; } = TimeSpan.FromSeconds(20);
}

/// <summary>No credentials can be handed out now; the message says why (no secret in it).</summary>
public sealed class CredentialsUnavailableException(string message) : Exception(message);

/// <summary>What a <see cref="SessionKeeper"/> is doing, for status output (no secrets).</summary>
public sealed record SessionKeeperStatus(
    string? AccessKeyId,
    DateTimeOffset? ExpiresAt,
    DateTimeOffset? LastRenewed,
    DateTimeOffset? NextRenewal,
    long Renewals,
    long Failures,
    int ConsecutiveFailures,
    string? LastError);

/// <summary>
/// Keeps a Roles Anywhere session fresh in the background for a server or a file: renews it
/// ahead of expiry; when renewal fails keeps the last good credentials until they expire and
/// retries with jittered exponential backoff; never hands out expired credentials (callers
/// get <see cref="CredentialsUnavailableException"/> with the reason instead). Failures are
/// logged as warnings, with the error and never a secret.
/// </summary>
public sealed class SessionKeeper : IAsyncDisposable
{
    private readonly Func<bool, CancellationToken, Task<CachedCredentials>> _fetch;
    private readonly IOperationLog _log;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stop = new();
    private readonly object _gate = new();
    private CachedCredentials? _current;
    private TaskCompletionSource _attempt = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _loop;
    private long _renewals;
    private long _failures;
    private int _consecutiveFailures;
    private string? _lastError;
    private DateTimeOffset? _lastRenewed;
    private DateTimeOffset? _nextRenewal;

    /// <param name="fetch">Gets a session; its argument is true when the current one must be replaced (not a cached copy).</param>
    public SessionKeeper(Func<bool, CancellationToken, Task<CachedCredentials>> fetch, SessionKeeperOptions? options, IOperationLog log, TimeProvider? time = null)
    {
        _fetch = fetch ?? throw new ArgumentNullException(nameof(fetch));
        Options = options ?? new SessionKeeperOptions();
        _log = log ?? throw new ArgumentNullException(nameof(log));
        _time = time ?? TimeProvider.System;
    }

    /// <summary>A keeper over a Roles Anywhere session source (a forced renewal is a new CreateSession).</summary>
    public static SessionKeeper ForSource(RolesAnywhereSessionSource source, SessionKeeperOptions? options, IOperationLog log) =>
        new(async (force, token) =>
        {
            var session = await source.GetSessionAsync(force, NullOperationLog.Instance, token).ConfigureAwait(false);
            return CachedCredentials.FromSession(session, session.FromCache);
        }, options, log);

    public SessionKeeperOptions Options { get; }

    /// <summary>Raised after each successful renewal (on the keeper's thread).</summary>
    public event Action<CachedCredentials>? Renewed;

    /// <summary>Starts renewing, from <paramref name="initial"/> when given (a session the caller already has).</summary>
    public void Start(CachedCredentials? initial = null)
    {
        lock (_gate)
        {
            if (_loop is not null)
            {
                throw new InvalidOperationException("The keeper has already started.");
            }

            if (initial is not null && IsServable(initial))
            {
                _current = initial;
                _lastRenewed = initial.IssuedAt;
            }

            _loop = Task.Run(() => RunAsync(_stop.Token));
        }
    }

    public SessionKeeperStatus Status
    {
        get
        {
            lock (_gate)
            {
                return new SessionKeeperStatus(_current?.Credentials.AccessKeyId, _current?.ExpiresAt, _lastRenewed, _nextRenewal,
                    Interlocked.Read(ref _renewals), Interlocked.Read(ref _failures), _consecutiveFailures, _lastError);
            }
        }
    }

    /// <summary>
    /// Credentials that are valid for at least <see cref="SessionKeeperOptions.MinimumRemaining"/>:
    /// the current ones, or (when there are none yet, or they ran out) the result of the renewal
    /// under way, waited for up to <see cref="SessionKeeperOptions.WaitForCredentials"/>.
    /// </summary>
    public async Task<CachedCredentials> GetAsync(CancellationToken cancellationToken)
    {
        var deadline = _time.GetUtcNow() + Options.WaitForCredentials;
        while (true)
        {
            Task attempt;
            lock (_gate)
            {
                if (_current is { } current && IsServable(current))
                {
                    return current;
                }

                attempt = _attempt.Task;
            }

            var left = deadline - _time.GetUtcNow();
            if (left <= TimeSpan.Zero || _stop.IsCancellationRequested)
            {
                throw new CredentialsUnavailableException(Reason());
            }

            try
            {
                await attempt.WaitAsync(left, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                throw new CredentialsUnavailableException(Reason());
            }

            lock (_gate)
            {
                if (_current is { } renewed && IsServable(renewed))
                {
                    return renewed;
                }

                if (_consecutiveFailures > 0)
                {
                    throw new CredentialsUnavailableException(Reason());
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            _stop.Cancel();
        }

        if (_loop is { } loop)
        {
            try
            {
                await loop.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }

        lock (_gate)
        {
            _current = null;
            _attempt.TrySetResult();
        }

        _stop.Dispose();
    }

    /// <summary>When to renew: the refresh window before expiry, at most a quarter of the lifetime.</summary>
    public DateTimeOffset RenewAt(CachedCredentials value)
    {
        var lifetime = value.ExpiresAt - value.IssuedAt;
        var window = lifetime > TimeSpan.Zero && Options.RefreshWindow > lifetime / 4 ? lifetime / 4 : Options.RefreshWindow;
        return value.ExpiresAt - window;
    }

    private bool IsServable(CachedCredentials value) => _time.GetUtcNow() < value.ExpiresAt - Options.MinimumRemaining;

    private string Reason()
    {
        lock (_gate)
        {
            if (_stop.IsCancellationRequested)
            {
                return "The credential source has stopped.";
            }

            return _lastError is null
                ? "No credentials yet: the first Roles Anywhere session is still being created."
                : $"No valid credentials: renewing the Roles Anywhere session failed {_consecutiveFailures} time(s) in a row, last with: {_lastError}";
        }
    }

    private async Task RunAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            CachedCredentials? current;
            lock (_gate)
            {
                current = _current;
            }

            var now = _time.GetUtcNow();
            if (current is not null && now < RenewAt(current))
            {
                lock (_gate)
                {
                    _nextRenewal = RenewAt(current);
                }

                await Task.Delay(RenewAt(current) - now, _time, stop).ConfigureAwait(false);
                continue;
            }

            TaskCompletionSource finished;
            lock (_gate)
            {
                finished = _attempt;
            }

            try
            {
                var fresh = await _fetch(current is not null, stop).ConfigureAwait(false);
                if (fresh.ExpiresAt - Options.MinimumRemaining <= _time.GetUtcNow())
                {
                    throw new IamraException(ErrorIds.Session.Expired, IamraErrorCategory.InvalidResult,
                        $"The new session {fresh.Credentials.AccessKeyId} expires at {CredentialDocuments.FormatTime(fresh.ExpiresAt)}, which is already past (check this machine's clock).");
                }

                lock (_gate)
                {
                    _current = fresh;
                    _lastRenewed = _time.GetUtcNow();
                    _consecutiveFailures = 0;
                    _lastError = null;
                    _attempt = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }

                Interlocked.Increment(ref _renewals);
                _log.Verbose($"Renewed the Roles Anywhere session: {fresh}.");
                finished.TrySetResult();
                try
                {
                    Renewed?.Invoke(fresh);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    _log.Warning($"After renewing the session: {e.Message}");
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                int failures;
                lock (_gate)
                {
                    failures = ++_consecutiveFailures;
                    _lastError = e is IamraException iamra ? $"{iamra.ErrorId}: {iamra.Message}" : $"{e.GetType().Name}: {e.Message}";
                    _attempt = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }

                Interlocked.Increment(ref _failures);
                var delay = Backoff(failures);
                lock (_gate)
                {
                    _nextRenewal = _time.GetUtcNow() + delay;
                }

                var keeping = current is not null && IsServable(current)
                    ? $"still handing out {current.Credentials.AccessKeyId} until {CredentialDocuments.FormatTime(current.ExpiresAt)}"
                    : "no valid credentials to hand out meanwhile";
                _log.Warning($"Renewing the Roles Anywhere session failed (attempt {failures}): {_lastError} Next try in {delay.TotalSeconds:0.#} s; {keeping}.");
                finished.TrySetResult();
                await Task.Delay(delay, _time, stop).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Exponential backoff with jitter: a random delay between half and all of base × 2^(n-1), capped.</summary>
    internal TimeSpan Backoff(int failures)
    {
        var ceiling = Options.RetryBaseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(failures - 1, 20));
        ceiling = Math.Min(ceiling, Options.RetryMaxDelay.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(ceiling / 2 + (Random.Shared.NextDouble() * ceiling / 2));
    }
}
