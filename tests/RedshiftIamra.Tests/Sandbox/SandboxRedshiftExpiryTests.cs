using Npgsql;
using RedshiftIamra.Sandbox;

namespace RedshiftIamra.Tests.Sandbox;

/// <summary>Database credentials that really expire: the sandbox caps them at 20 seconds.</summary>
public sealed class SandboxRedshiftExpiryTests(SandboxDatabaseCap20Fixture fixture) : IClassFixture<SandboxDatabaseCap20Fixture>
{
    private SandboxHost Sandbox => fixture.Sandbox;

    [Fact]
    public async Task A_20_second_password_stops_working_and_a_new_GetClusterCredentials_works()
    {
        var name = SandboxDatabaseFixture.Unique("short");
        await Sandbox.AddDatabaseUserAsync(name);
        var source = fixture.Source(RedshiftTargetKind.Provisioned, name, durationSeconds: 3600);

        var first = await SandboxDatabaseFixture.GetAsync(source);

        var lifetime = first.ExpiresAt - DateTimeOffset.UtcNow;
        Assert.InRange(lifetime.TotalSeconds, 15, 20.5);
        Assert.Equal(20, Sandbox.Audit.Find("GetClusterCredentials", "Success")[^1].DurationSeconds);
        Assert.Equal("IAM:" + name, await fixture.CurrentUserAsync(first));

        // A session opened before the expiry stays open after it (as on Redshift).
        await using var open = fixture.Connection(first);
        await open.OpenAsync();

        var wait = first.ExpiresAt - DateTimeOffset.UtcNow + TimeSpan.FromSeconds(1);
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait);
        }

        var e = await Assert.ThrowsAsync<PostgresException>(() => fixture.CurrentUserAsync(first));
        Assert.Equal("28000", e.SqlState); // Redshift answers a failed password with 28000 (PostgreSQL 15 would say 28P01)
        await using (var command = new NpgsqlCommand("select current_user", open))
        {
            Assert.Equal("IAM:" + name, await command.ExecuteScalarAsync());
        }

        // The cached credential is stale now: the source asks again and the new password works.
        var second = await SandboxDatabaseFixture.GetAsync(source);
        Assert.False(second.FromCache);
        Assert.NotEqual(first.Password, second.Password);
        Assert.True(second.ExpiresAt > DateTimeOffset.UtcNow.AddSeconds(10));
        Assert.Equal("IAM:" + name, await fixture.CurrentUserAsync(second));
    }

    [Fact]
    public async Task The_cap_applies_to_serverless_and_can_be_changed_while_running()
    {
        var credential = await SandboxDatabaseFixture.GetAsync(fixture.Source(RedshiftTargetKind.Serverless, durationSeconds: 1800), force: true);
        Assert.InRange((credential.ExpiresAt - DateTimeOffset.UtcNow).TotalSeconds, 15, 20.5);

        Sandbox.DbCredentialDurationCapSeconds = null;
        try
        {
            var uncapped = await SandboxDatabaseFixture.GetAsync(fixture.Source(RedshiftTargetKind.Serverless, durationSeconds: 1800), force: true);
            Assert.InRange((uncapped.ExpiresAt - DateTimeOffset.UtcNow).TotalSeconds, 1790, 1805);
        }
        finally
        {
            Sandbox.DbCredentialDurationCapSeconds = 20;
        }
    }
}
