using System.Text;
using System.Text.Json;
using RedshiftIamra.Aws;
using RedshiftIamra.RolesAnywhere;
using RedshiftIamra.Sandbox;
using Xunit.Abstractions;

namespace RedshiftIamra.Tests.Sandbox;

/// <summary>The sandbox's HTTP/1.1 server, spoken to byte by byte.</summary>
public sealed class SandboxHttpServerTests(SandboxFixture fixture, ITestOutputHelper output) : IClassFixture<SandboxFixture>
{
    private SandboxHost Sandbox => fixture.Sandbox;

    [Theory]
    [InlineData("GARBAGE\r\n\r\n", 400)]
    [InlineData("GET /x HTTP/1.1 extra\r\nHost: x\r\n\r\n", 400)]
    [InlineData("GET x HTTP/1.1\r\nHost: x\r\n\r\n", 400)]
    [InlineData("GET /x HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n", 400)]
    [InlineData("GET /x HTTP/1.1\r\nHost: x\r\nBad Name: v\r\n\r\n", 400)]
    [InlineData("GET /x HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n b\r\n\r\n", 400)]
    [InlineData("GET /x HTTP/1.1\r\n\r\n", 400)]
    [InlineData("GET /x HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400)]
    [InlineData("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: ten\r\n\r\n", 400)]
    [InlineData("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400)]
    [InlineData("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", 400)]
    [InlineData("POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", 411)]
    [InlineData("GET /x HTTP/2.0\r\nHost: x\r\n\r\n", 505)]
    public async Task A_malformed_request_is_answered_with_an_error_and_the_connection_closed(string raw, int status)
    {
        var response = await RawHttps.SendAsync(Sandbox, raw);

        Assert.Equal(status, response.Status);
        Assert.Equal("close", response.Headers["Connection"]);
        Assert.True(response.ConnectionClosed);
        Assert.Contains(Sandbox.Audit.Find("HttpRequestRejected"), e => e.RequestId == response.Headers["x-amzn-RequestId"] && e.HttpStatus == status);
    }

    [Fact]
    public async Task A_body_over_one_MiB_is_refused_with_413_before_it_is_read()
    {
        var response = await RawHttps.SendAsync(Sandbox, "POST /sessions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1048577\r\n\r\n");

        Assert.Equal(413, response.Status);
        Assert.True(response.ConnectionClosed);
    }

    [Fact]
    public async Task A_body_of_exactly_one_MiB_is_read()
    {
        var body = new string('x', 1024 * 1024);
        var response = await RawHttps.SendAsync(Sandbox, $"POST /elsewhere HTTP/1.1\r\nHost: x\r\nContent-Length: {body.Length}\r\n\r\n{body}");

        Assert.Equal(404, response.Status); // read in full, then routed: no service there
    }

    [Fact]
    public async Task An_unknown_path_is_404_UnknownOperationException_in_JSON()
    {
        var response = await RawHttps.SendAsync(Sandbox, "GET /sessions HTTP/1.1\r\nHost: x\r\n\r\n");

        Assert.Equal(404, response.Status);
        Assert.Equal("UnknownOperationException", response.Headers["x-amzn-ErrorType"]);
        using var json = JsonDocument.Parse(response.Body);
        Assert.Contains("GET /sessions", json.RootElement.GetProperty("message").GetString());
    }

    [Fact]
    public async Task A_connection_is_kept_alive_serves_pipelined_requests_and_closes_on_request()
    {
        var (tcp, ssl) = await RawHttps.ConnectAsync(Sandbox);
        using (tcp)
        await using (ssl)
        {
            // Two requests in one write (pipelined), with an empty line before the second (allowed).
            await ssl.WriteAsync(Encoding.ASCII.GetBytes("GET /a HTTP/1.1\r\nHost: x\r\n\r\n\r\nPOST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"));
            var first = await RawHttps.ReadResponseAsync(ssl);
            var second = await RawHttps.ReadResponseAsync(ssl);
            Assert.Equal((404, "keep-alive"), (first.Status, first.Headers["Connection"]));
            Assert.Equal((404, "keep-alive"), (second.Status, second.Headers["Connection"]));
            Assert.NotEqual(first.Headers["x-amzn-RequestId"], second.Headers["x-amzn-RequestId"]);

            await ssl.WriteAsync(Encoding.ASCII.GetBytes("GET /c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
            var third = await RawHttps.ReadResponseAsync(ssl);
            Assert.Equal("close", third.Headers["Connection"]);
            Assert.True(third.ConnectionClosed);
        }
    }

    [Fact]
    public async Task An_HTTP_1_0_request_is_answered_and_closed()
    {
        var response = await RawHttps.SendAsync(Sandbox, "GET /old HTTP/1.0\r\n\r\n");

        Assert.Equal(404, response.Status);
        Assert.True(response.ConnectionClosed);
    }

    [Fact]
    public async Task It_serves_200_concurrent_CreateSession_calls_from_16_clients()
    {
        // 16 distinct HTTP clients (the engine keeps one per endpoint and CA bundle: give each its own bundle file).
        var clients = Enumerable.Range(0, 16).Select(i =>
        {
            var bundle = Path.Combine(Sandbox.WorkingDirectory, $"tls-ca-{i}.pem");
            File.Copy(Sandbox.TlsCaBundlePath, bundle, overwrite: true);
            return SandboxClients.Client(Sandbox, SandboxClients.FastHttp(Sandbox, maxAttempts: 1) with { CaBundlePath = bundle });
        }).ToArray();
        var before = Sandbox.CountCalls("CreateSession", "Success");
        var connectionsBefore = Sandbox.AcceptedConnections;
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();

        var results = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => Task.Run(() =>
            SandboxClients.CreateAsync(clients[i % 16], SandboxClients.Request(Sandbox, roleSessionName: $"load-{i}")))));

        output.WriteLine($"200 calls in {stopwatch.ElapsedMilliseconds} ms over {Sandbox.AcceptedConnections - connectionsBefore} connections");
        Assert.Equal(200, results.Select(r => r.CredentialSet.Credentials.AccessKeyId).Distinct().Count());
        Assert.Equal(200, Sandbox.CountCalls("CreateSession", "Success") - before);
        Assert.True(Sandbox.AcceptedConnections - connectionsBefore >= 16);
        Assert.All(results, r => Assert.Equal(r.CredentialSet.Credentials.SecretAccessKey, Sandbox.Credentials.Find(r.CredentialSet.Credentials.AccessKeyId)!.SecretAccessKey));
    }
}
