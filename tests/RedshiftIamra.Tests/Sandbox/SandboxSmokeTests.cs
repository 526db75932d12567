using RedshiftIamra.Sandbox;

namespace RedshiftIamra.Tests.Sandbox;

public sealed class SandboxSmokeTests
{
    [Fact]
    public async Task The_real_client_gets_a_session_from_the_sandbox()
    {
        await using var sandbox = await SandboxHost.StartAsync();
        var response = await SandboxClients.CreateAsync(SandboxClients.Client(sandbox), SandboxClients.Request(sandbox));
        Assert.StartsWith("ASIA", response.CredentialSet.Credentials.AccessKeyId);
        Assert.Equal(1, sandbox.CountCalls("CreateSession", "Success"));
    }
}
