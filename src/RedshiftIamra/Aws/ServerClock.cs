using System.Collections.Concurrent;

namespace RedshiftIamra.Aws;

/// <summary>
/// How far each AWS endpoint's clock is from this machine's, learned from the <c>Date</c> header
/// of every response. Credentials expire by the clock of the service that issued them, so every
/// expiry decision (cache freshness, renewal, <c>SecondsLeft</c>) reads "now" as this machine's
/// time plus the offset of the endpoint that issued the credential. Offsets within
/// <see cref="Tolerance"/> count as zero: the header has a resolution of one second and travels
/// over the network, and a well-kept clock should not make figures jitter.
/// </summary>
public static class ServerClock
{
    /// <summary>Differences up to this are taken as no difference at all.</summary>
    public static readonly TimeSpan Tolerance = TimeSpan.FromSeconds(10);

    private static readonly ConcurrentDictionary<string, TimeSpan> s_offsets = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Records the endpoint's clock from a response's <c>Date</c> header, read at <paramref name="localNow"/>.</summary>
    public static void Observe(Uri endpoint, DateTimeOffset? serverDate, DateTimeOffset localNow)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        if (serverDate is not { } date)
        {
            return;
        }

        var offset = date - localNow;
        s_offsets[endpoint.Authority] = offset.Duration() > Tolerance ? offset : TimeSpan.Zero;
    }

    /// <summary>The endpoint's clock minus this machine's, as last seen (zero when unknown or within the tolerance).</summary>
    public static TimeSpan OffsetFor(Uri endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return s_offsets.TryGetValue(endpoint.Authority, out var offset) ? offset : TimeSpan.Zero;
    }

    /// <summary>Says how the two clocks differ, for messages ("12.5 minutes (this machine is ahead)").</summary>
    public static string Describe(TimeSpan offset) =>
        $"{Math.Abs(offset.TotalMinutes):0.#} minutes ({(offset > TimeSpan.Zero ? "this machine is behind" : "this machine is ahead")})";
}
