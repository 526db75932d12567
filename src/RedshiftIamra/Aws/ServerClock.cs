using System.Collections.Concurrent;

namespace RedshiftIamra.Aws;

/// <summary>
/// How far each AWS endpoint's clock is from this machine's, learned from the <c>Date</c> header
/// of every response. Credentials expire by the clock of the service that issued them, so every
/// expiry decision (cache freshness, renewal, <c>SecondsLeft</c>) reads "now" as this machine's
/// time plus the offset of the endpoint that issued the credential. Offsets within
/// <see cref="Tolerance"/> count as zero: the header has a resolution of one second and travels
/// over the network, and a well-kept clock should not make figures jitter. The offsets live in
/// the module's <see cref="IamraContext"/> (<see cref="ClockOffsets"/>).
/// </summary>
public static class ServerClock
{
    /// <summary>Differences up to this are taken as no difference at all.</summary>
    public static readonly TimeSpan Tolerance = TimeSpan.FromSeconds(10);

    /// <summary>Records the endpoint's clock from a response's <c>Date</c> header, read at <paramref name="localNow"/>.</summary>
    public static void Observe(Uri endpoint, DateTimeOffset? serverDate, DateTimeOffset localNow)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        if (serverDate is not { } date)
        {
            return;
        }

        var offset = date - localNow;
        IamraContext.Current.Clocks.SetExpiryOffset(endpoint.Authority, offset.Duration() > Tolerance ? offset : TimeSpan.Zero);
    }

    /// <summary>The endpoint's clock minus this machine's, as last seen (zero when unknown or within the tolerance).</summary>
    public static TimeSpan OffsetFor(Uri endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return IamraContext.Current.Clocks.ExpiryOffset(endpoint.Authority);
    }

    /// <summary>Says how the two clocks differ, for messages ("12.5 minutes (this machine is ahead)").</summary>
    public static string Describe(TimeSpan offset) =>
        $"{Math.Abs(offset.TotalMinutes):0.#} minutes ({(offset > TimeSpan.Zero ? "this machine is behind" : "this machine is ahead")})";
}

/// <summary>
/// The clock offsets of one <see cref="IamraContext"/>, by endpoint authority: those that expiry
/// decisions use (<see cref="ServerClock"/>) and those that signing uses after a request was
/// rejected for clock skew (<see cref="AwsRequestSender"/>).
/// </summary>
public sealed class ClockOffsets : IContextPart
{
    private readonly ConcurrentDictionary<string, TimeSpan> _expiry = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, TimeSpan> _signing = new(StringComparer.OrdinalIgnoreCase);

    public string Name => "Clocks";

    public int Alive => _expiry.Count + _signing.Count;

    /// <summary>The endpoint's clock minus this machine's for expiry decisions (zero when unknown).</summary>
    public TimeSpan ExpiryOffset(string authority) => _expiry.TryGetValue(authority, out var offset) ? offset : TimeSpan.Zero;

    public void SetExpiryOffset(string authority, TimeSpan offset) => _expiry[authority] = offset;

    /// <summary>The time correction requests to the endpoint are signed with (zero until a skew was detected).</summary>
    public TimeSpan SigningOffset(string authority) => _signing.TryGetValue(authority, out var offset) ? offset : TimeSpan.Zero;

    public void SetSigningOffset(string authority, TimeSpan offset) => _signing[authority] = offset;

    public void Release()
    {
        _expiry.Clear();
        _signing.Clear();
    }
}
