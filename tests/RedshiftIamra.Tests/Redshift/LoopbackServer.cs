using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using RedshiftIamra.Aws;
using RedshiftIamra.Redshift;

namespace RedshiftIamra.Tests.Redshift;

/// <summary>A request as the loopback server received it.</summary>
internal sealed record CapturedRequest(string Method, string RawUrl, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string BodyText => Encoding.UTF8.GetString(Body);

    public string Header(string name) => Headers.TryGetValue(name, out var value) ? value : throw new Xunit.Sdk.XunitException($"The request has no {name} header; it has: {string.Join(", ", Headers.Keys)}");
}

/// <summary>A scripted answer.</summary>
internal sealed record ScriptedResponse(int Status, string Body, string ContentType, IReadOnlyList<(string Name, string Value)> Headers)
{
    public static ScriptedResponse Xml(int status, string body, params (string, string)[] headers) => new(status, body, "text/xml", headers);

    public static ScriptedResponse Json(int status, string body, params (string, string)[] headers) => new(status, body, "application/x-amz-json-1.1", headers);
}

/// <summary>
/// A tiny HTTP server on 127.0.0.1 with a free port: records every request and answers with
/// the scripted responses in order (the last one repeats).
/// </summary>
internal sealed class LoopbackServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<ScriptedResponse> _script = new();
    private readonly List<CapturedRequest> _requests = [];
    private readonly Task _loop;
    private ScriptedResponse? _last;

    public LoopbackServer(params ScriptedResponse[] script)
    {
        foreach (var response in script)
        {
            _script.Enqueue(response);
        }

        for (var attempt = 0; ; attempt++)
        {
            Port = FreePort();
            _listener.Prefixes.Clear();
            _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
            try
            {
                _listener.Start();
                break;
            }
            catch (HttpListenerException) when (attempt < 5)
            {
            }
        }

        _loop = Task.Run(LoopAsync);
    }

    public int Port { get; }

    public Uri Uri => new($"http://127.0.0.1:{Port}/");

    public IReadOnlyList<CapturedRequest> Requests
    {
        get
        {
            lock (_requests)
            {
                return _requests.ToList();
            }
        }
    }

    public CapturedRequest Single() => Assert.Single(Requests);

    public static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        try
        {
            _listener.Stop();
            _listener.Close();
        }
        catch (HttpListenerException)
        {
            // .NET's managed HttpListener can fail to unregister its prefix when another test
            // server took the same port number meanwhile; the listener is closed either way.
        }

        try
        {
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }
    }

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body).ConfigureAwait(false);
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var key in context.Request.Headers.AllKeys)
            {
                if (key is not null)
                {
                    headers[key] = context.Request.Headers[key] ?? string.Empty;
                }
            }

            lock (_requests)
            {
                _requests.Add(new CapturedRequest(context.Request.HttpMethod, context.Request.RawUrl ?? "/", headers, body.ToArray()));
            }

            var response = _script.TryDequeue(out var next) ? _last = next : _last ?? ScriptedResponse.Xml(500, "<nothing-scripted/>");
            context.Response.StatusCode = response.Status;
            context.Response.ContentType = response.ContentType;
            foreach (var (name, value) in response.Headers)
            {
                context.Response.Headers[name] = value;
            }

            var bytes = Encoding.UTF8.GetBytes(response.Body);
            context.Response.ContentLength64 = bytes.Length;
            await context.Response.OutputStream.WriteAsync(bytes).ConfigureAwait(false);
            context.Response.Close();
        }
    }
}

/// <summary>Clients pointed at a loopback server, with fast retries.</summary>
internal static class TestClients
{
    public const string AccessKeyId = "ASIAEXAMPLEREDSHIFT1";
    public const string SecretAccessKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY";
    public const string SessionToken = "FQoGZXIvYXdzEXAMPLE//////////token+with/slashes==";

    public static AwsHttpSettings FastRetries { get; } = new()
    {
        MaxAttempts = 3,
        RetryBaseDelay = TimeSpan.FromMilliseconds(1),
        RetryMaxDelay = TimeSpan.FromMilliseconds(5),
        AttemptTimeout = TimeSpan.FromSeconds(10),
    };

    public static RedshiftClientConfig Config(Uri endpoint, string region = "us-east-1", string? accountId = null, AwsCredentialSource? credentials = null) => new()
    {
        Region = region,
        Endpoint = new AwsEndpoint(endpoint, "test loopback server"),
        Credentials = credentials ?? AwsCredentialSources.FromCredentials(new AwsCredentials(AccessKeyId, SecretAccessKey, SessionToken), "test keys"),
        AccountId = accountId,
        Http = FastRetries,
    };

    public static RedshiftClient Redshift(LoopbackServer server, string region = "us-east-1", string? accountId = null) => new(Config(server.Uri, region, accountId));

    public static RedshiftServerlessClient Serverless(LoopbackServer server, string region = "us-east-1", string? accountId = null) => new(Config(server.Uri, region, accountId));

    public static RedshiftIamra.CloudFormation.CloudFormationClient CloudFormation(LoopbackServer server, string region = "us-east-1", string? accountId = null) =>
        new(Config(server.Uri, region, credentials: AwsCredentialSources.FromCredentials(new AwsCredentials(AccessKeyId, SecretAccessKey, SessionToken), "test keys", accountId)));
}

/// <summary>A log that keeps what it was told.</summary>
internal sealed class ListLog : IOperationLog
{
    public List<string> Lines { get; } = [];

    public void Verbose(string message) => Lines.Add("VERBOSE: " + message);

    public void Debug(string message) => Lines.Add("DEBUG: " + message);

    public void Warning(string message) => Lines.Add("WARNING: " + message);
}
