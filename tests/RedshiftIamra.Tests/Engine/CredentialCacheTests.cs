using RedshiftIamra.Sessions;

namespace RedshiftIamra.Tests.Engine;

public class CredentialCacheTests
{
    private sealed record Credential(int Serial, DateTimeOffset IssuedAt, DateTimeOffset ExpiresAt) : IExpiring;

    private sealed class ManualClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public async Task ReusesAFreshValueAndRenewsInsideTheMargin()
    {
        var clock = new ManualClock();
        var cache = new CredentialCache<string, Credential>(clock);
        var serial = 0;
        Task<Credential> Factory(CancellationToken _) => Task.FromResult(new Credential(++serial, clock.Now, clock.Now.AddHours(1)));

        var first = await cache.GetAsync("k", Factory, TimeSpan.FromMinutes(5), false, default);
        Assert.False(first.FromCache);
        clock.Now = clock.Now.AddMinutes(54);
        var second = await cache.GetAsync("k", Factory, TimeSpan.FromMinutes(5), false, default);
        Assert.True(second.FromCache);
        Assert.Equal(1, second.Value.Serial);
        clock.Now = clock.Now.AddMinutes(2);
        var third = await cache.GetAsync("k", Factory, TimeSpan.FromMinutes(5), false, default);
        Assert.False(third.FromCache);
        Assert.Equal(2, third.Value.Serial);
        Assert.Equal(2, cache.Requests);
    }

    private sealed record SkewedCredential(int Serial, DateTimeOffset IssuedAt, DateTimeOffset ExpiresAt, TimeSpan ClockOffset) : IExpiring;

    [Theory]
    [InlineData(-40)]
    [InlineData(-20)]
    [InlineData(20)]
    [InlineData(40)]
    public async Task FreshnessIsJudgedByTheIssuingServersClock(int serverMinusLocalMinutes)
    {
        // A 15-minute credential from a server whose clock differs from ours by 20-40 minutes.
        var clock = new ManualClock();
        var offset = TimeSpan.FromMinutes(serverMinusLocalMinutes);
        var cache = new CredentialCache<string, SkewedCredential>(clock);
        var serial = 0;
        Task<SkewedCredential> Factory(CancellationToken _)
        {
            var serverNow = clock.Now + offset;
            return Task.FromResult(new SkewedCredential(++serial, serverNow, serverNow.AddMinutes(15), offset));
        }

        Assert.False((await cache.GetAsync("k", Factory, TimeSpan.FromMinutes(2), false, default)).FromCache);
        clock.Now = clock.Now.AddMinutes(12);
        var reused = await cache.GetAsync("k", Factory, TimeSpan.FromMinutes(2), false, default);
        Assert.True(reused.FromCache, "still 3 minutes left by the server's clock");
        clock.Now = clock.Now.AddMinutes(1.5);
        var renewed = await cache.GetAsync("k", Factory, TimeSpan.FromMinutes(2), false, default);
        Assert.False(renewed.FromCache, "inside the renewal margin by the server's clock");
        Assert.Equal(2, cache.Requests);
    }

    [Fact]
    public async Task TheMarginShrinksForShortLivedCredentials()
    {
        var clock = new ManualClock();
        var cache = new CredentialCache<string, Credential>(clock);
        var serial = 0;
        Task<Credential> Factory(CancellationToken _) => Task.FromResult(new Credential(++serial, clock.Now, clock.Now.AddSeconds(60)));
        await cache.GetAsync("k", Factory, TimeSpan.FromMinutes(5), false, default);
        clock.Now = clock.Now.AddSeconds(40);
        Assert.True((await cache.GetAsync("k", Factory, TimeSpan.FromMinutes(5), false, default)).FromCache);
        clock.Now = clock.Now.AddSeconds(6);
        Assert.False((await cache.GetAsync("k", Factory, TimeSpan.FromMinutes(5), false, default)).FromCache);
    }

    [Fact]
    public async Task ConcurrentCallersShareOneRequest()
    {
        var cache = new CredentialCache<string, Credential>();
        var gate = new TaskCompletionSource();
        var calls = 0;
        async Task<Credential> Factory(CancellationToken _)
        {
            Interlocked.Increment(ref calls);
            await gate.Task;
            return new Credential(1, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddHours(1));
        }

        var waiters = Enumerable.Range(0, 64).Select(_ => Task.Run(() => cache.GetAsync("k", Factory, TimeSpan.FromMinutes(5), false, default))).ToList();
        await Task.Delay(100);
        gate.SetResult();
        var results = await Task.WhenAll(waiters);
        Assert.Equal(1, calls);
        Assert.All(results, r => Assert.Equal(1, r.Value.Serial));
    }

    [Fact]
    public async Task AFailureIsNotCachedAndTheNextCallTriesAgain()
    {
        var cache = new CredentialCache<string, Credential>();
        var fail = true;
        Task<Credential> Factory(CancellationToken _) => fail
            ? Task.FromException<Credential>(new IamraException("X", IamraErrorCategory.NotSpecified, "boom"))
            : Task.FromResult(new Credential(7, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddHours(1)));

        await Assert.ThrowsAsync<IamraException>(() => cache.GetAsync("k", Factory, TimeSpan.Zero, false, default));
        fail = false;
        Assert.Equal(7, (await cache.GetAsync("k", Factory, TimeSpan.Zero, false, default)).Value.Serial);
    }

    [Fact]
    public async Task ForceSkipsAFreshValue()
    {
        var cache = new CredentialCache<string, Credential>();
        var serial = 0;
        Task<Credential> Factory(CancellationToken _) => Task.FromResult(new Credential(++serial, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddHours(1)));
        await cache.GetAsync("k", Factory, TimeSpan.Zero, false, default);
        Assert.Equal(2, (await cache.GetAsync("k", Factory, TimeSpan.Zero, true, default)).Value.Serial);
    }

    [Fact]
    public async Task OneCallersCancellationDoesNotCancelTheSharedRequest()
    {
        var cache = new CredentialCache<string, Credential>();
        var gate = new TaskCompletionSource();
        async Task<Credential> Factory(CancellationToken _)
        {
            await gate.Task;
            return new Credential(1, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddHours(1));
        }

        using var cancel = new CancellationTokenSource();
        var first = cache.GetAsync("k", Factory, TimeSpan.Zero, false, cancel.Token);
        var second = cache.GetAsync("k", Factory, TimeSpan.Zero, false, default);
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);
        gate.SetResult();
        Assert.Equal(1, (await second).Value.Serial);
    }
}
