using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using RedshiftIamra.Aws;
using RedshiftIamra.Credentials;

namespace RedshiftIamra.Tests.Credentials;

/// <summary>The local credential server over a scripted credential source: protocol, authorization, bounds, and never an expired answer.</summary>
public sealed class CredentialServerTests : IAsyncLifetime
{
    private readonly RecordingLog _log = new();
    private readonly List<CredentialServer> _servers = new();
    private int _issued;
    private volatile bool _fail;
    private TimeSpan _lifetime = TimeSpan.FromHours(1);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var server in _servers)
        {
            await server.DisposeAsync();
        }
    }

    private Task<CachedCredentials> Fetch(bool force, CancellationToken cancellationToken)
    {
        if (_fail)
        {
            throw new IamraException("RolesAnywhereAccessDenied", IamraErrorCategory.PermissionDenied, "CreateSession was refused: the profile is disabled.");
        }

        var n = Interlocked.Increment(ref _issued);
        var now = DateTimeOffset.UtcNow;
        return Task.FromResult(new CachedCredentials(new AwsCredentials($"ASIATEST{n:D12}", $"secret-{n}-{Guid.NewGuid():N}", $"token-{n}-{Guid.NewGuid():N}", now + _lifetime), now, now + _lifetime, false));
    }

    private CredentialServer Start(CredentialServerOptions? options = null, SessionKeeperOptions? keeperOptions = null, CachedCredentials? initial = null)
    {
        var keeper = new SessionKeeper(Fetch, keeperOptions ?? new SessionKeeperOptions { RetryBaseDelay = TimeSpan.FromMilliseconds(50), RetryMaxDelay = TimeSpan.FromMilliseconds(200), WaitForCredentials = TimeSpan.FromSeconds(2) }, _log);
        keeper.Start(initial);
        var server = CredentialServer.Start(keeper, options ?? new CredentialServerOptions { InstanceMetadata = true, RoleName = "etl-role", RoleArn = "arn:aws:iam::123456789012:role/etl-role" }, _log);
        _servers.Add(server);
        return server;
    }

    private static async Task<HttpResponseMessage> GetAsync(Uri uri, params (string Name, string Value)[] headers)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return await http.SendAsync(request);
    }

    private static async Task<string> PutTokenAsync(CredentialServer server, int ttl = 60)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Put, new Uri(server.MetadataEndpoint!, "latest/api/token"));
        request.Headers.Add(CredentialServer.TokenTtlHeader, ttl.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(ttl.ToString(System.Globalization.CultureInfo.InvariantCulture), Assert.Single(response.Headers.GetValues(CredentialServer.TokenTtlHeader)));
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>Sends raw bytes and returns the status code the server answered (0 when it closed without answering).</summary>
    private static async Task<(int Status, string Text)> RawAsync(CredentialServer server, string request, TimeSpan? pauseBeforeEnd = null)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, server.Port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        if (pauseBeforeEnd is { } pause)
        {
            await Task.Delay(pause);
        }

        using var reader = new StreamReader(stream, Encoding.ASCII);
        var text = await reader.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(15));
        var status = text.Length >= 12 ? int.Parse(text.AsSpan(9, 3), System.Globalization.CultureInfo.InvariantCulture) : 0;
        return (status, text);
    }

    [Fact]
    public async Task The_container_endpoint_answers_the_token_holder_with_the_credentials_document()
    {
        var server = Start();
        Assert.Equal("127.0.0.1", server.CredentialsUri.Host);
        Assert.True(server.AuthorizationToken.Length >= 43);

        using var response = await GetAsync(server.CredentialsUri, ("Authorization", server.AuthorizationToken));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = json.RootElement;
        Assert.Equal("ASIATEST000000000001", root.GetProperty("AccessKeyId").GetString());
        Assert.StartsWith("secret-1-", root.GetProperty("SecretAccessKey").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("token-1-", root.GetProperty("Token").GetString(), StringComparison.Ordinal);
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", root.GetProperty("Expiration").GetString());
        Assert.Equal("arn:aws:iam::123456789012:role/etl-role", root.GetProperty("RoleArn").GetString());
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        Assert.Equal(1, server.Served);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wrong")]
    [InlineData("Bearer x")]
    public async Task Without_the_token_there_is_nothing(string? token)
    {
        var server = Start();
        using var response = token is null ? await GetAsync(server.CredentialsUri) : await GetAsync(server.CredentialsUri, ("Authorization", token));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.DoesNotContain("ASIA", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(0, server.Served);
    }

    [Fact]
    public async Task Each_server_has_its_own_token()
    {
        var one = Start();
        var two = Start();
        Assert.NotEqual(one.AuthorizationToken, two.AuthorizationToken);
        using var response = await GetAsync(two.CredentialsUri, ("Authorization", one.AuthorizationToken));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task A_foreign_Host_header_is_refused()
    {
        var server = Start();
        var (status, _) = await RawAsync(server, $"GET /credentials HTTP/1.1\r\nHost: attacker.example:{server.Port}\r\nAuthorization: {server.AuthorizationToken}\r\n\r\n");
        Assert.Equal(403, status);
    }

    [Fact]
    public async Task IMDSv2_token_then_role_listing_then_the_credential_document()
    {
        var server = Start();
        var token = await PutTokenAsync(server, ttl: 21600);

        using var listing = await GetAsync(new Uri(server.MetadataEndpoint!, "latest/meta-data/iam/security-credentials/"), (CredentialServer.MetadataTokenHeader, token));
        Assert.Equal(HttpStatusCode.OK, listing.StatusCode);
        Assert.Equal("etl-role", await listing.Content.ReadAsStringAsync());

        using var document = await GetAsync(new Uri(server.MetadataEndpoint!, "latest/meta-data/iam/security-credentials/etl-role"), (CredentialServer.MetadataTokenHeader, token));
        Assert.Equal(HttpStatusCode.OK, document.StatusCode);
        using var json = JsonDocument.Parse(await document.Content.ReadAsStringAsync());
        Assert.Equal(new[] { "Code", "LastUpdated", "Type", "AccessKeyId", "SecretAccessKey", "Token", "Expiration" }, json.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal("Success", json.RootElement.GetProperty("Code").GetString());
        Assert.Equal("AWS-HMAC", json.RootElement.GetProperty("Type").GetString());

        using var other = await GetAsync(new Uri(server.MetadataEndpoint!, "latest/meta-data/iam/security-credentials/other-role"), (CredentialServer.MetadataTokenHeader, token));
        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
    }

    [Fact]
    public async Task IMDS_refuses_v1_reads_bad_tokens_forwarded_token_requests_and_bad_TTLs()
    {
        var server = Start();
        using var noToken = await GetAsync(new Uri(server.MetadataEndpoint!, "latest/meta-data/iam/security-credentials/"));
        Assert.Equal(HttpStatusCode.Unauthorized, noToken.StatusCode);
        using var badToken = await GetAsync(new Uri(server.MetadataEndpoint!, "latest/meta-data/iam/security-credentials/"), (CredentialServer.MetadataTokenHeader, "made-up"));
        Assert.Equal(HttpStatusCode.Unauthorized, badToken.StatusCode);

        var put = $"PUT /latest/api/token HTTP/1.1\r\nHost: 127.0.0.1:{server.Port}\r\nContent-Length: 0\r\n";
        Assert.Equal(403, (await RawAsync(server, put + "X-aws-ec2-metadata-token-ttl-seconds: 60\r\nX-Forwarded-For: 10.0.0.1\r\n\r\n")).Status);
        Assert.Equal(400, (await RawAsync(server, put + "\r\n")).Status);
        Assert.Equal(400, (await RawAsync(server, put + "X-aws-ec2-metadata-token-ttl-seconds: 0\r\n\r\n")).Status);
        Assert.Equal(400, (await RawAsync(server, put + "X-aws-ec2-metadata-token-ttl-seconds: 21601\r\n\r\n")).Status);
        Assert.Equal(400, (await RawAsync(server, put + "X-aws-ec2-metadata-token-ttl-seconds: -5\r\n\r\n")).Status);
        Assert.Equal(0, server.Served);
    }

    [Fact]
    public async Task An_IMDS_token_stops_working_when_its_TTL_runs_out()
    {
        var server = Start();
        var token = await PutTokenAsync(server, ttl: 1);
        using var before = await GetAsync(new Uri(server.MetadataEndpoint!, "latest/meta-data/iam/security-credentials/"), (CredentialServer.MetadataTokenHeader, token));
        Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        await Task.Delay(TimeSpan.FromSeconds(1.2));
        using var after = await GetAsync(new Uri(server.MetadataEndpoint!, "latest/meta-data/iam/security-credentials/"), (CredentialServer.MetadataTokenHeader, token));
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
    }

    [Fact]
    public async Task Without_IMDS_emulation_metadata_paths_do_not_exist()
    {
        var server = Start(new CredentialServerOptions());
        Assert.Null(server.MetadataEndpoint);
        var (status, _) = await RawAsync(server, $"PUT /latest/api/token HTTP/1.1\r\nHost: 127.0.0.1\r\nX-aws-ec2-metadata-token-ttl-seconds: 60\r\n\r\n");
        Assert.Equal(404, status);
    }

    [Fact]
    public void Accepted_connections_get_IP_TTL_1()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        CredentialServer.Configure(socket);
        Assert.Equal(1, socket.Ttl);
    }

    [Fact]
    public async Task Oversized_headers_get_431_and_request_bodies_413()
    {
        var server = Start(new CredentialServerOptions { MaxHeaderBytes = 1024 });
        var (big, _) = await RawAsync(server, "GET /credentials HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: " + new string('a', 2000) + "\r\n\r\n");
        Assert.Equal(431, big);
        var (body, _) = await RawAsync(server, $"GET /credentials HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {server.AuthorizationToken}\r\nContent-Length: 5\r\n\r\nhello");
        Assert.Equal(413, body);
        var (chunked, _) = await RawAsync(server, $"GET /credentials HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
        Assert.Equal(413, chunked);
        var (garbage, _) = await RawAsync(server, "\u0001\u0002 nonsense\r\n\r\n");
        Assert.Equal(400, garbage);
        var (twice, _) = await RawAsync(server, $"GET /credentials HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: x\r\nAuthorization: {server.AuthorizationToken}\r\n\r\n");
        Assert.Equal(400, twice);
    }

    [Fact]
    public async Task A_slow_client_is_cut_off_and_does_not_block_others()
    {
        var server = Start(new CredentialServerOptions { RequestTimeout = TimeSpan.FromMilliseconds(500) });
        using var slow = new TcpClient();
        await slow.ConnectAsync(IPAddress.Loopback, server.Port);
        await slow.GetStream().WriteAsync("GET /credentials HTTP/1.1\r\nHost: 127."u8.ToArray());

        using var meanwhile = await GetAsync(server.CredentialsUri, ("Authorization", server.AuthorizationToken));
        Assert.Equal(HttpStatusCode.OK, meanwhile.StatusCode);

        using var reader = new StreamReader(slow.GetStream(), Encoding.ASCII);
        var answer = await reader.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.StartsWith("HTTP/1.1 408 ", answer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_burst_beyond_the_connection_limit_gets_503_at_once()
    {
        var server = Start(new CredentialServerOptions { MaxConnections = 2, RequestTimeout = TimeSpan.FromSeconds(10) });
        var holders = new List<TcpClient>();
        for (var i = 0; i < 2; i++)
        {
            var holder = new TcpClient();
            await holder.ConnectAsync(IPAddress.Loopback, server.Port);
            holders.Add(holder);
        }

        await Task.Delay(200);
        var (status, text) = await RawAsync(server, $"GET /credentials HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {server.AuthorizationToken}\r\n\r\n");
        Assert.Equal(503, status);
        Assert.DoesNotContain("ASIA", text, StringComparison.Ordinal);
        foreach (var holder in holders)
        {
            holder.Dispose();
        }

        // Freed slots serve again.
        await Task.Delay(200);
        using var after = await GetAsync(server.CredentialsUri, ("Authorization", server.AuthorizationToken));
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    [Fact]
    public async Task After_a_failed_renewal_the_last_good_credentials_are_served_until_they_expire_then_503_with_the_reason()
    {
        _lifetime = TimeSpan.FromSeconds(8);
        var server = Start(keeperOptions: new SessionKeeperOptions
        {
            RefreshWindow = TimeSpan.FromSeconds(2),
            MinimumRemaining = TimeSpan.FromMilliseconds(500),
            RetryBaseDelay = TimeSpan.FromMilliseconds(100),
            RetryMaxDelay = TimeSpan.FromMilliseconds(300),
            WaitForCredentials = TimeSpan.FromMilliseconds(500),
        });
        using (var first = await GetAsync(server.CredentialsUri, ("Authorization", server.AuthorizationToken)))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        _fail = true;
        await Task.Delay(TimeSpan.FromSeconds(6.6)); // past the renewal point (2 s before expiry), before expiry
        using (var kept = await GetAsync(server.CredentialsUri, ("Authorization", server.AuthorizationToken)))
        {
            Assert.Equal(HttpStatusCode.OK, kept.StatusCode);
            using var json = JsonDocument.Parse(await kept.Content.ReadAsStringAsync());
            Assert.Equal("ASIATEST000000000001", json.RootElement.GetProperty("AccessKeyId").GetString());
        }

        Assert.Equal(CredentialServerState.Degraded, server.State);
        await Task.Delay(TimeSpan.FromSeconds(3));
        using (var gone = await GetAsync(server.CredentialsUri, ("Authorization", server.AuthorizationToken)))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, gone.StatusCode);
            var body = await gone.Content.ReadAsStringAsync();
            Assert.Contains("RolesAnywhereAccessDenied", body, StringComparison.Ordinal);
            Assert.DoesNotContain("ASIA", body, StringComparison.Ordinal);
        }

        Assert.Equal(CredentialServerState.Unavailable, server.State);
        Assert.True(server.Keeper.Status.Failures >= 2, "renewal was retried");
        Assert.Contains(_log.Messages, m => m.StartsWith("W: Renewing the Roles Anywhere session failed", StringComparison.Ordinal));
        Assert.DoesNotContain("secret-", _log.All, StringComparison.Ordinal);
        Assert.DoesNotContain("token-", _log.All, StringComparison.Ordinal);

        _fail = false;
        await Task.Delay(TimeSpan.FromSeconds(1));
        using var back = await GetAsync(server.CredentialsUri, ("Authorization", server.AuthorizationToken));
        Assert.Equal(HttpStatusCode.OK, back.StatusCode);
    }

    [Fact]
    public async Task Expired_initial_credentials_are_never_served()
    {
        _fail = true;
        var past = DateTimeOffset.UtcNow.AddMinutes(-1);
        var server = Start(initial: new CachedCredentials(new AwsCredentials("ASIAOLDOLDOLDOLDOLD1", "old-secret", "old-token", past), past.AddHours(-1), past, false));
        using var response = await GetAsync(server.CredentialsUri, ("Authorization", server.AuthorizationToken));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.DoesNotContain("old-secret", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Renewal_happens_ahead_of_expiry_so_clients_never_see_a_gap()
    {
        _lifetime = TimeSpan.FromSeconds(4);
        var server = Start(keeperOptions: new SessionKeeperOptions { RefreshWindow = TimeSpan.FromSeconds(1), MinimumRemaining = TimeSpan.FromMilliseconds(200) });
        var keys = new HashSet<string>();
        var deadline = DateTime.UtcNow.AddSeconds(7);
        while (DateTime.UtcNow < deadline)
        {
            using var response = await GetAsync(server.CredentialsUri, ("Authorization", server.AuthorizationToken));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            keys.Add(json.RootElement.GetProperty("AccessKeyId").GetString()!);
            Assert.True(DateTimeOffset.Parse(json.RootElement.GetProperty("Expiration").GetString()!, System.Globalization.CultureInfo.InvariantCulture) > DateTimeOffset.UtcNow);
            await Task.Delay(100);
        }

        Assert.True(keys.Count >= 2, "the session was renewed during the run");
    }

    [Fact]
    public async Task Stopping_closes_the_port()
    {
        var server = Start();
        var port = server.Port;
        await server.DisposeAsync();
        Assert.Equal(CredentialServerState.Stopped, server.State);
        using var client = new TcpClient();
        await Assert.ThrowsAnyAsync<SocketException>(() => client.ConnectAsync(IPAddress.Loopback, port));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(70000)]
    public void A_bad_port_is_refused_before_binding(int port)
    {
        var e = Assert.Throws<IamraException>(() => CredentialServer.Validate(new CredentialServerOptions { Port = port }));
        Assert.Equal("IamraInvalidPort", e.ErrorId);
    }

    [Fact]
    public void A_port_in_use_is_a_clear_error()
    {
        var server = Start();
        var keeper = new SessionKeeper(Fetch, null, _log);
        var e = Assert.Throws<IamraException>(() => CredentialServer.Start(keeper, new CredentialServerOptions { Port = server.Port }, _log));
        Assert.Equal("IamraCredentialServerPortInUse", e.ErrorId);
    }
}
