namespace RedshiftIamra.Sandbox;

/// <summary>
/// The sandbox's notion of "now": a base clock (the system clock unless one is injected)
/// plus an offset that can be changed while the sandbox runs, to play a server whose clock
/// is off. Everything the server decides by time (signature freshness, certificate validity,
/// credential expiry, the <c>Date</c> header, audit times) reads this clock.
/// </summary>
public sealed class SandboxClock : TimeProvider
{
    private readonly TimeProvider _baseClock;
    private long _offsetTicks;

    public SandboxClock(TimeProvider? baseClock = null)
    {
        _baseClock = baseClock ?? System;
    }

    /// <summary>How far the server's clock is ahead (positive) or behind (negative) the base clock.</summary>
    public TimeSpan Offset
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));
        set => Interlocked.Exchange(ref _offsetTicks, value.Ticks);
    }

    /// <summary>The base clock's time, without the offset.</summary>
    public DateTimeOffset BaseUtcNow => _baseClock.GetUtcNow();

    public override DateTimeOffset GetUtcNow() => _baseClock.GetUtcNow() + Offset;
}
