using System.Collections.Concurrent;

namespace RedshiftIamra.Sessions;

/// <summary>Something with an expiry that a <see cref="CredentialCache{TKey,TValue}"/> can hold.</summary>
public interface IExpiring
{
    DateTimeOffset IssuedAt { get; }

    DateTimeOffset ExpiresAt { get; }

    /// <summary>
    /// The issuing service's clock minus this machine's when it was issued: <see cref="IssuedAt"/>
    /// and <see cref="ExpiresAt"/> are on the service's clock, and so is every decision about them.
    /// </summary>
    TimeSpan ClockOffset => TimeSpan.Zero;
}

/// <summary>
/// An in-process cache of short-lived credentials: a value is reused until a margin before
/// it expires, then renewed; concurrent callers for one key (other threads, other
/// runspaces) share a single request (single-flight). A failed request is not cached.
/// </summary>
public sealed class CredentialCache<TKey, TValue>
    where TKey : notnull
    where TValue : class, IExpiring
{
    private readonly ConcurrentDictionary<TKey, Entry> _entries = new();
    private readonly TimeProvider _time;

    public CredentialCache(TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
    }

    /// <summary>How many requests the factory has started (for tests and diagnostics).</summary>
    public long Requests => Interlocked.Read(ref _requests);

    private long _requests;

    /// <summary>
    /// Returns the cached value for <paramref name="key"/> while it is fresh, or the result of
    /// one shared call to <paramref name="factory"/>. <paramref name="force"/> skips a fresh
    /// cached value (but still joins a request already under way).
    /// </summary>
    public async Task<(TValue Value, bool FromCache)> GetAsync(TKey key, Func<CancellationToken, Task<TValue>> factory, TimeSpan margin, bool force, CancellationToken cancellationToken)
    {
        var entry = _entries.GetOrAdd(key, _ => new Entry());
        Task<TValue> pending;
        lock (entry)
        {
            if (!force && entry.Value is { } cached && IsFresh(cached, margin))
            {
                return (cached, true);
            }

            if (entry.Pending is null || entry.Pending.IsCompleted)
            {
                Interlocked.Increment(ref _requests);
                entry.Pending = RunAsync(entry, factory);
            }

            pending = entry.Pending;
        }

        var value = await pending.WaitAsync(cancellationToken).ConfigureAwait(false);
        return (value, false);
    }

    /// <summary>The cached value, fresh or not (null when none).</summary>
    public TValue? Peek(TKey key) => _entries.TryGetValue(key, out var entry) ? entry.Value : null;

    public void Clear() => _entries.Clear();

    public int Count => _entries.Count;

    /// <summary>
    /// Fresh: now, on the issuing service's clock, is before expiry minus the margin (the margin is
    /// at most a quarter of the lifetime, so short-lived credentials are still reused).
    /// </summary>
    public bool IsFresh(TValue value, TimeSpan margin)
    {
        var lifetime = value.ExpiresAt - value.IssuedAt;
        var effective = lifetime > TimeSpan.Zero && margin > lifetime / 4 ? lifetime / 4 : margin;
        return _time.GetUtcNow() + value.ClockOffset < value.ExpiresAt - effective;
    }

    private static async Task<TValue> RunAsync(Entry entry, Func<CancellationToken, Task<TValue>> factory)
    {
        // The shared request is not cancelled by one caller's Ctrl+C: others may still wait for it.
        var value = await Task.Run(() => factory(CancellationToken.None)).ConfigureAwait(false);
        lock (entry)
        {
            entry.Value = value;
        }

        return value;
    }

    private sealed class Entry
    {
        public TValue? Value;
        public Task<TValue>? Pending;
    }
}
