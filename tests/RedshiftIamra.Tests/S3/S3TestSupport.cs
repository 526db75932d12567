using System.Diagnostics;
using RedshiftIamra.Aws;
using RedshiftIamra.Sandbox;
using RedshiftIamra.Tests.Redshift;
using RedshiftIamra.Tests.Sandbox;

namespace RedshiftIamra.Tests.S3;

/// <summary>What a run of the AWS CLI printed and how it ended.</summary>
public sealed record CliResult(int ExitCode, string Output, string Error)
{
    public override string ToString() => $"exit {ExitCode}\nstdout: {Output}\nstderr: {Error}";
}

/// <summary>Runs the AWS CLI (v1, botocore) against an endpoint with given credentials and nothing from the developer's own configuration.</summary>
public sealed class AwsCli(string endpoint, AwsCredentials credentials, string? caBundle, string region = "us-east-1")
{
    public string Endpoint { get; } = endpoint;

    public async Task<CliResult> RunAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("aws")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("AWS_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(name);
        }

        start.Environment["AWS_ACCESS_KEY_ID"] = credentials.AccessKeyId;
        start.Environment["AWS_SECRET_ACCESS_KEY"] = credentials.SecretAccessKey;
        if (credentials.SessionToken is not null)
        {
            start.Environment["AWS_SESSION_TOKEN"] = credentials.SessionToken;
        }

        start.Environment["AWS_DEFAULT_REGION"] = region;
        start.Environment["AWS_CONFIG_FILE"] = "/dev/null";
        start.Environment["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null";
        start.Environment["AWS_EC2_METADATA_DISABLED"] = "true";
        start.Environment["AWS_MAX_ATTEMPTS"] = "1";
        if (caBundle is not null)
        {
            start.Environment["AWS_CA_BUNDLE"] = caBundle;
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.ArgumentList.Add("--endpoint-url");
        start.ArgumentList.Add(Endpoint);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("The AWS CLI ('aws') did not start; it must be on PATH.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        return new CliResult(process.ExitCode, await output, await error);
    }

    /// <summary>Runs and asserts success.</summary>
    public async Task<string> OkAsync(params string[] arguments)
    {
        var result = await RunAsync(arguments);
        Assert.True(result.ExitCode == 0, $"aws {string.Join(' ', arguments)} against {Endpoint} failed: {result}");
        return result.Output;
    }
}

/// <summary>
/// A sandbox (its S3 endpoint and staging bucket) with a Roles Anywhere session of its default
/// role and one of a role the staging bucket's policy does not allow; and moto_server as an
/// independent S3 peer (requests not checked after setup: moto's own S3 signature check fails
/// URL-encoded keys and prefixes, which the AWS CLI sends; the sandbox's check is exercised by the
/// same CLI calls succeeding against it).
/// </summary>
public class S3PeersFixture : IAsyncLifetime
{
    private SandboxHost? _sandbox;

    public SandboxHost Sandbox => _sandbox ?? throw new InvalidOperationException("The sandbox has not started.");

    public MotoServerFixture Moto { get; } = new() { S3PeerOnly = true };

    /// <summary>A session of the sandbox's default role (allowed on the staging bucket).</summary>
    public AwsCredentials Allowed { get; private set; } = null!;

    /// <summary>A session of another role (the staging bucket's policy does not name it).</summary>
    public AwsCredentials Other { get; private set; } = null!;

    public AwsCli SandboxCli => new(Sandbox.S3Endpoint, Allowed, Sandbox.TlsCaBundlePath);

    public AwsCli OtherCli => new(Sandbox.S3Endpoint, Other, Sandbox.TlsCaBundlePath);

    public AwsCli MotoCli => new(Moto.Endpoint.ToString(), Moto.Admin, null);

    public virtual async Task InitializeAsync()
    {
        _sandbox = await SandboxHost.StartAsync(StartOptions());
        Allowed = await SessionAsync(Sandbox.RoleArn, Sandbox.ProfileArn);
        var otherRole = Sandbox.AddRole("not-the-staging-role");
        Other = await SessionAsync(otherRole, Sandbox.AddProfile([otherRole]));
        await Moto.InitializeAsync();
    }

    protected virtual SandboxOptions StartOptions() => new();

    public async Task<AwsCredentials> SessionAsync(string roleArn, string profileArn)
    {
        var request = SandboxClients.Request(Sandbox) with { RoleArn = roleArn, ProfileArn = profileArn };
        var response = await SandboxClients.CreateAsync(SandboxClients.Client(Sandbox), request);
        return response.CredentialSet.Credentials;
    }

    public virtual async Task DisposeAsync()
    {
        await Moto.DisposeAsync();
        if (_sandbox is not null)
        {
            await _sandbox.DisposeAsync();
        }
    }
}
