using System.Diagnostics;
using RedshiftIamra.Aws;
using RedshiftIamra.Sandbox;

namespace RedshiftIamra.Tests.Sandbox;

/// <summary>
/// RedshiftConnection over the sandbox with database credentials capped at 5 seconds: new
/// physical connections keep logging in across several expiries, each with a renewed password.
/// </summary>
public sealed class SandboxRedshiftConnectionTests(SandboxDatabaseCap5Fixture fixture) : IClassFixture<SandboxDatabaseCap5Fixture>
{
    private SandboxHost Sandbox => fixture.Sandbox;

    [Theory]
    [InlineData(RedshiftTargetKind.Provisioned, 15)]
    [InlineData(RedshiftTargetKind.Serverless, 7.5)]
    public async Task New_connections_keep_working_across_credential_expiries(RedshiftTargetKind kind, double seconds)
    {
        var name = SandboxDatabaseFixture.Unique("loop");
        await Sandbox.AddDatabaseUserAsync(name);
        var credential = await SandboxDatabaseFixture.GetAsync(fixture.Source(kind, kind == RedshiftTargetKind.Provisioned ? name : null), force: true);
        var issuedBefore = Sandbox.CountCalls(kind == RedshiftTargetKind.Provisioned ? "GetClusterCredentials" : "GetCredentials", "Success");
        await using var connection = await RedshiftConnection.OpenAsync(credential, new RedshiftConnectionOptions
        {
            RootCertificatePath = Sandbox.TlsCaBundlePath,
            Pooling = false,
            ConnectTimeoutSeconds = 10,
        }, NullOperationLog.Instance, CancellationToken.None);

        var opened = 0;
        var failures = new List<string>();
        var stopwatch = Stopwatch.StartNew();
        // Opens connections for the whole span (several credential lifetimes) and at least ten
        // times, however slow the machine is; the hang guard only ends a run that stopped working.
        const int atLeast = 10;
        while ((stopwatch.Elapsed < TimeSpan.FromSeconds(seconds) || opened < atLeast) && stopwatch.Elapsed < TimeSpan.FromSeconds(seconds * 6))
        {
            try
            {
                await using var physical = connection.OpenConnection();
                await using var command = physical.CreateCommand();
                command.CommandText = "select current_user";
                Assert.Equal(credential.DbUser, await command.ExecuteScalarAsync());
                opened++;
            }
            catch (IamraException e)
            {
                failures.Add($"{stopwatch.Elapsed.TotalSeconds:0.0} s: {e.ErrorId}: {e.Message}");
            }

            await Task.Delay(150);
        }

        Assert.Empty(failures);
        Assert.True(opened >= atLeast, $"only {opened} connections opened in {stopwatch.Elapsed.TotalSeconds:0} s");
        Assert.True(connection.CredentialRenewals > 0, "no credential renewal");
        Assert.True(Sandbox.CountCalls(kind == RedshiftTargetKind.Provisioned ? "GetClusterCredentials" : "GetCredentials", "Success") - issuedBefore >= (int)(seconds / 5));

        // The session connection (opened before the first expiry) is still usable.
        await using var session = connection.DbConnection.CreateCommand();
        session.CommandText = "select 1";
        Assert.Equal(1, await session.ExecuteScalarAsync());
    }
}
