using System.Diagnostics;
using System.Net;
using System.Text;
using System.Xml.Linq;
using RedshiftIamra.Aws;
using RedshiftIamra.Redshift;
using RedshiftIamra.Signing;

namespace RedshiftIamra.Tests.Redshift;

/// <summary>
/// A <c>moto_server</c> child process on a free loopback port, set up with IAM users and a
/// Redshift cluster while its IAM checks are off, then switched to checking every request's
/// SigV4 signature and IAM policy (<c>POST /moto-api/reset-auth</c> with <c>0</c>: from then
/// on no request is let through unchecked). The process is killed on dispose, whatever happened.
/// </summary>
public sealed class MotoServerFixture : IAsyncLifetime
{
    public const string Region = "us-east-1";
    public const string ClusterIdentifier = "examplecluster";
    public const string DbName = "dev";

    /// <summary>moto's default account.</summary>
    public const string AccountId = "123456789012";

    private Process? _process;
    private readonly StringBuilder _output = new();

    public Uri Endpoint { get; private set; } = new("http://127.0.0.1:1/");

    /// <summary>An IAM user allowed everything.</summary>
    public AwsCredentials Admin { get; private set; } = null!;

    /// <summary>An IAM user allowed redshift:DescribeClusters only.</summary>
    public AwsCredentials Reader { get; private set; } = null!;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>
    /// Set up as an S3 peer only: the administrator user, no cluster, and requests not checked
    /// afterwards (moto's own S3 signature check fails keys and prefixes that need URL encoding,
    /// which the AWS CLI sends; the comparison is about S3's answers, not signing).
    /// </summary>
    public bool S3PeerOnly { get; init; }

    public async Task InitializeAsync()
    {
        var executable = FindOnPath("moto_server") ?? throw new InvalidOperationException(
            $"moto_server is not on PATH (CI={Environment.GetEnvironmentVariable("CI") ?? "unset"}). These interop tests need it: install the Python package 'moto[server]'.");

        var port = LoopbackServer.FreePort();
        Endpoint = new Uri($"http://127.0.0.1:{port}/");
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-H");
        start.ArgumentList.Add("127.0.0.1");
        start.ArgumentList.Add("-p");
        start.ArgumentList.Add(port.ToString(System.Globalization.CultureInfo.InvariantCulture));

        // IAM checks stay off for setup and are switched on below; credentials of the
        // developer's own environment must play no part.
        start.Environment.Remove("INITIAL_NO_AUTH_ACTION_COUNT");
        foreach (var name in new[] { "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE" })
        {
            start.Environment.Remove(name);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("moto_server did not start.");
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        await WaitUntilListeningAsync(http);

        Admin = await CreateUserAsync("etl-admin", """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}""");
        if (S3PeerOnly)
        {
            return;
        }

        Reader = await CreateUserAsync("cluster-reader", """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"redshift:DescribeClusters","Resource":"*"}]}""");
        await CallAsync("redshift", "CreateCluster", RedshiftClient.ApiVersion, ("ClusterIdentifier", ClusterIdentifier), ("NodeType", "ra3.xlplus"),
            ("MasterUsername", "awsuser"), ("MasterUserPassword", "Example-Passw0rd"), ("DBName", DbName));

        // From now on moto checks every request: signature (recomputed with botocore) and IAM policy.
        using var content = new StringContent("0", Encoding.UTF8, "text/plain");
        using var reset = await http.PostAsync(new Uri(Endpoint, "moto-api/reset-auth"), content);
        var answer = await reset.Content.ReadAsStringAsync();
        if (reset.StatusCode != HttpStatusCode.OK || !answer.Contains("\"ok\"", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"moto did not switch IAM checks on: HTTP {(int)reset.StatusCode} {answer}{Environment.NewLine}{Output}");
        }
    }

    public Task DisposeAsync()
    {
        if (_process is { } process)
        {
            try
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                    process.WaitForExit(10_000);
                }
            }
            catch (InvalidOperationException)
            {
            }
            finally
            {
                process.Dispose();
            }
        }

        return Task.CompletedTask;
    }

    public RedshiftClient Client(AwsCredentials credentials, string? accountId = null) => new(new RedshiftClientConfig
    {
        Region = Region,
        Endpoint = new AwsEndpoint(Endpoint, "moto_server"),
        Credentials = AwsCredentialSources.FromCredentials(credentials, "moto IAM user"),
        AccountId = accountId,
        Http = TestClients.FastRetries,
    });

    private async Task<AwsCredentials> CreateUserAsync(string name, string policy)
    {
        await CallAsync("iam", "CreateUser", "2010-05-08", ("UserName", name));
        await CallAsync("iam", "PutUserPolicy", "2010-05-08", ("UserName", name), ("PolicyName", "test"), ("PolicyDocument", policy));
        var key = await CallAsync("iam", "CreateAccessKey", "2010-05-08", ("UserName", name));
        string Value(string local) => key.Descendants().First(e => e.Name.LocalName == local).Value;
        return new AwsCredentials(Value("AccessKeyId"), Value("SecretAccessKey"));
    }

    /// <summary>A signed Query call (moto routes by the signing scope's service; its checks are still off).</summary>
    private Task<XDocument> CallAsync(string service, string action, string version, params (string Name, string Value)[] parameters) =>
        CallAsAsync(new AwsCredentials("AKIASETUPSETUPSETUP1", "setup-secret-not-checked-yet"), service, action, version, parameters);

    /// <summary>
    /// A Query call to any moto service signed with <paramref name="credentials"/> (after set-up
    /// moto checks the signature and the IAM policy: use <see cref="Admin"/>), for tests that
    /// put their own resources into moto; the answer's XML, or an exception with moto's output.
    /// </summary>
    public async Task<XDocument> CallAsAsync(AwsCredentials credentials, string service, string action, string version, params (string Name, string Value)[] parameters)
    {
        var form = new AwsQueryForm(action, version);
        foreach (var (name, value) in parameters)
        {
            form.Add(name, value);
        }

        var request = new AwsRequest(action, HttpMethod.Post, Endpoint, form.ToBytes(), AwsQueryProtocol.ContentType);
        try
        {
            var response = await AwsRequestSender.Default.SendAsync(request, new HmacSignatureProvider(credentials), Region, service, TestClients.FastRetries, AwsQueryProtocol.ParseError, NullOperationLog.Instance, default);
            return AwsQueryProtocol.LoadXml(response.Body);
        }
        catch (AwsServiceException e)
        {
            throw new InvalidOperationException($"moto call {service}:{action} failed: {e.Message}{Environment.NewLine}{Output}", e);
        }
    }

    private async Task WaitUntilListeningAsync(HttpClient http)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            if (_process!.HasExited)
            {
                throw new InvalidOperationException($"moto_server exited with code {_process.ExitCode}:{Environment.NewLine}{Output}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri(Endpoint, "moto-api/data.json"));
                return;
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
            }
            catch (TaskCanceledException) when (DateTime.UtcNow < deadline)
            {
            }
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            if (_output.Length < 200_000)
            {
                _output.AppendLine(line);
            }
        }
    }

    private static string? FindOnPath(string name)
    {
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
