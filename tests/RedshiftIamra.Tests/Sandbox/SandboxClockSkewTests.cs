using RedshiftIamra.Aws;
using RedshiftIamra.Sandbox;
using RedshiftIamra.Sessions;

namespace RedshiftIamra.Tests.Sandbox;

/// <summary>
/// A client clock 20-40 minutes off the server's: credentials are judged by the server's clock
/// (learned from its Date header), so they are cached, renewed on time and show a true SecondsLeft.
/// </summary>
public sealed class SandboxClockSkewTests(SandboxDatabaseFixture fixture) : IClassFixture<SandboxDatabaseFixture>
{
    private SandboxHost Sandbox => fixture.Sandbox;

    [Theory]
    [InlineData(-30)] // this machine is 30 minutes ahead of the server
    [InlineData(25)]  // this machine is 25 minutes behind
    public async Task One_GetClusterCredentials_serves_many_connections_and_SecondsLeft_is_the_servers(int serverMinusLocalMinutes)
    {
        var offset = TimeSpan.FromMinutes(serverMinusLocalMinutes);
        var name = SandboxDatabaseFixture.Unique("skew");
        await Sandbox.AddDatabaseUserAsync(name);
        Sandbox.ClockOffset = offset;
        try
        {
            // A session of its own, issued while the clocks differ.
            var session = await fixture.NewSessionSource(SandboxDatabaseFixture.Unique("skew-session")).GetSessionAsync(force: true, NullOperationLog.Instance, CancellationToken.None);
            Assert.InRange(session.SecondsLeft, 3000, 3600);
            Assert.InRange(session.ClockOffset.TotalMinutes, serverMinusLocalMinutes - 1, serverMinusLocalMinutes + 1);

            var source = fixture.Source(RedshiftTargetKind.Provisioned, name, credentials: new IamraSessionCredentialSource(session));
            var before = Sandbox.Audit.Count("GetClusterCredentials", "Success");
            var first = await SandboxDatabaseFixture.GetAsync(source);
            Assert.False(first.FromCache);
            Assert.InRange(first.SecondsLeft, 880, 900);
            Assert.InRange(first.ClockOffset.TotalMinutes, serverMinusLocalMinutes - 1, serverMinusLocalMinutes + 1);
            Assert.InRange((first.ExpiresAt - first.IssuedAt).TotalSeconds, 880, 905);

            // Every new physical connection asks the source for its password: all from the cache.
            for (var i = 0; i < 10; i++)
            {
                var again = await SandboxDatabaseFixture.GetAsync(source);
                Assert.True(again.FromCache);
                Assert.Equal(first.Password, again.Password);
                Assert.Equal("IAM:" + name, await fixture.CurrentUserAsync(again));
            }

            Assert.Equal(before + 1, Sandbox.Audit.Count("GetClusterCredentials", "Success"));
        }
        finally
        {
            Sandbox.ClockOffset = TimeSpan.Zero;
        }
    }

    [Fact]
    public void The_server_clock_is_learned_from_each_response_and_small_differences_count_as_none()
    {
        var endpoint = new Uri("https://clock-test-" + Guid.NewGuid().ToString("N")[..8] + ".invalid/");
        var local = new DateTimeOffset(2026, 12, 5, 8, 0, 0, TimeSpan.Zero);
        Assert.Equal(TimeSpan.Zero, ServerClock.OffsetFor(endpoint));
        ServerClock.Observe(endpoint, local.AddMinutes(-31), local);
        Assert.Equal(TimeSpan.FromMinutes(-31), ServerClock.OffsetFor(endpoint));
        ServerClock.Observe(endpoint, local.AddSeconds(3), local);
        Assert.Equal(TimeSpan.Zero, ServerClock.OffsetFor(endpoint));
        ServerClock.Observe(endpoint, null, local);
        Assert.Equal(TimeSpan.Zero, ServerClock.OffsetFor(endpoint));
        Assert.Equal("31 minutes (this machine is ahead)", ServerClock.Describe(TimeSpan.FromMinutes(-31)));
    }
}
