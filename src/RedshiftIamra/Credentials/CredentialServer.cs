using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using RedshiftIamra.Aws;

namespace RedshiftIamra.Credentials;

/// <summary>How a <see cref="CredentialServer"/> listens and what it bounds.</summary>
public sealed record CredentialServerOptions
{
    /// <summary>The TCP port on 127.0.0.1; 0 picks a free one.</summary>
    public int Port { get; init; }

    /// <summary>Also answer as EC2 instance metadata (IMDSv2 only) for tools that know no other source.</summary>
    public bool InstanceMetadata { get; init; }

    /// <summary>The role name IMDS lists under <c>iam/security-credentials/</c>.</summary>
    public string RoleName { get; init; } = "redshift-iamra";

    /// <summary>The role ARN the container endpoint reports.</summary>
    public string? RoleArn { get; init; }

    /// <summary>The authorization token; a new random one when null.</summary>
    public string? AuthorizationToken { get; init; }

    /// <summary>How long a client may take to send its request line and headers (slow clients are cut off).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The largest request line plus headers accepted (larger: 431).</summary>
    public int MaxHeaderBytes { get; init; } = 8 * 1024;

    /// <summary>Connections handled at once; more get 503 at once and are closed.</summary>
    public int MaxConnections { get; init; } = 32;

    /// <summary>IMDS session tokens held at once (expired ones are dropped first).</summary>
    public int MaxMetadataTokens { get; init; } = 1024;
}

/// <summary>Where a server stands.</summary>
public enum CredentialServerState
{
    Running,

    /// <summary>Running, but the last renewal failed (it still serves credentials that have not expired).</summary>
    Degraded,

    /// <summary>Running, with no valid credentials to serve: requests get 503 with the reason.</summary>
    Unavailable,

    Stopped,
}

/// <summary>
/// A local credential endpoint on 127.0.0.1 for every AWS client on the machine. It speaks
/// the container credentials protocol (<c>AWS_CONTAINER_CREDENTIALS_FULL_URI</c> plus
/// <c>AWS_CONTAINER_AUTHORIZATION_TOKEN</c>, a random token per server compared in constant
/// time) and, when asked, IMDSv2 (a token from <c>PUT /latest/api/token</c>, then the role and
/// its credential document under <c>/latest/meta-data/iam/security-credentials/</c>).
/// Credentials come from a <see cref="SessionKeeper"/>: never empty or expired; when there
/// are none the answer is 503 with the reason. One request per connection, bounded in size,
/// time and number; loopback only; stopping closes the listener and waits for open requests.
/// </summary>
public sealed class CredentialServer : IAsyncDisposable
{
    public const string CredentialsPath = "/credentials";
    public const string TokenPath = "/latest/api/token";
    public const string SecurityCredentialsPath = "/latest/meta-data/iam/security-credentials/";
    public const string TokenTtlHeader = "X-aws-ec2-metadata-token-ttl-seconds";
    public const string MetadataTokenHeader = "X-aws-ec2-metadata-token";
    public const int MaxTokenTtlSeconds = 21600;

    private readonly SessionKeeper _keeper;
    private readonly CredentialServerOptions _options;
    private readonly IOperationLog _log;
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _slots;
    private readonly byte[] _tokenHash;
    private readonly ConcurrentDictionary<string, DateTimeOffset> _metadataTokens = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Task, bool> _handlers = new();
    private Task _acceptLoop = Task.CompletedTask;
    private long _served;
    private long _refused;
    private int _stopped;

    private CredentialServer(SessionKeeper keeper, CredentialServerOptions options, IOperationLog log)
    {
        _keeper = keeper;
        _options = options;
        _log = log;
        AuthorizationToken = options.AuthorizationToken ?? NewToken();
        _tokenHash = SHA256.HashData(Encoding.UTF8.GetBytes(AuthorizationToken));
        _slots = new SemaphoreSlim(options.MaxConnections, options.MaxConnections);
        _listener = new TcpListener(IPAddress.Loopback, options.Port);
    }

    /// <summary>Validates the options, binds 127.0.0.1 and starts answering.</summary>
    public static CredentialServer Start(SessionKeeper keeper, CredentialServerOptions options, IOperationLog log)
    {
        ArgumentNullException.ThrowIfNull(keeper);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(log);
        Validate(options);
        var server = new CredentialServer(keeper, options, log);
        try
        {
            server._listener.Server.Ttl = 1;
            server._listener.Start(backlog: 128);
        }
        catch (SocketException e)
        {
            throw new IamraException(ErrorIds.CredentialServer.PortInUse, IamraErrorCategory.ResourceUnavailable,
                $"Cannot listen on 127.0.0.1:{options.Port.ToString(CultureInfo.InvariantCulture)}: {e.Message}. Choose another -Port, or leave it out to pick a free one.", options.Port, e);
        }

        server.Port = ((IPEndPoint)server._listener.LocalEndpoint).Port;
        server.StartedAt = DateTimeOffset.UtcNow;
        server._acceptLoop = Task.Run(server.AcceptLoopAsync);
        return server;
    }

    /// <summary>Checks the options before anything binds.</summary>
    public static void Validate(CredentialServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Port is < 0 or > 65535)
        {
            throw new IamraException(ErrorIds.CredentialServer.InvalidPort, IamraErrorCategory.InvalidArgument,
                $"-Port {options.Port.ToString(CultureInfo.InvariantCulture)} is not a TCP port: use 1 to 65535, or 0 (the default) for a free one.", options.Port);
        }

        if (options.AuthorizationToken is { } token && (token.Length < 32 || token.Any(c => c is < '!' or > '~')))
        {
            throw new IamraException(ErrorIds.CredentialServer.InvalidAuthorizationToken, IamraErrorCategory.InvalidArgument,
                "The authorization token must be at least 32 printable ASCII characters with no spaces (it is sent as an HTTP header value). Leave it out to get a random one.");
        }

        if (string.IsNullOrWhiteSpace(options.RoleName) || options.RoleName.Any(c => !(char.IsAsciiLetterOrDigit(c) || "+=,.@_-".Contains(c))))
        {
            throw new IamraException(ErrorIds.CredentialServer.InvalidRoleName, IamraErrorCategory.InvalidArgument,
                $"'{options.RoleName}' is not an IAM role name (letters, digits and +=,.@_- only).", options.RoleName);
        }
    }

    /// <summary>A new random token: 32 bytes as base64url (43 characters).</summary>
    public static string NewToken() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public int Port { get; private set; }

    public DateTimeOffset StartedAt { get; private set; }

    /// <summary>The value for <c>AWS_CONTAINER_CREDENTIALS_FULL_URI</c>.</summary>
    public Uri CredentialsUri => new($"http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}{CredentialsPath}");

    /// <summary>The value for <c>AWS_EC2_METADATA_SERVICE_ENDPOINT</c> (null unless IMDS emulation is on).</summary>
    public Uri? MetadataEndpoint => _options.InstanceMetadata ? new($"http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}/") : null;

    /// <summary>The value for <c>AWS_CONTAINER_AUTHORIZATION_TOKEN</c>. Secret: whoever holds it gets credentials.</summary>
    public string AuthorizationToken { get; }

    public bool InstanceMetadata => _options.InstanceMetadata;

    public string RoleName => _options.RoleName;

    public SessionKeeper Keeper => _keeper;

    /// <summary>Requests answered with credentials.</summary>
    public long Served => Interlocked.Read(ref _served);

    /// <summary>Requests refused (bad token, bad request, too slow, too big, too many).</summary>
    public long Refused => Interlocked.Read(ref _refused);

    public CredentialServerState State
    {
        get
        {
            if (Volatile.Read(ref _stopped) != 0)
            {
                return CredentialServerState.Stopped;
            }

            var status = _keeper.Status;
            if (status.ExpiresAt is not { } expires || expires - _keeper.Options.MinimumRemaining <= DateTimeOffset.UtcNow)
            {
                return CredentialServerState.Unavailable;
            }

            return status.ConsecutiveFailures > 0 ? CredentialServerState.Degraded : CredentialServerState.Running;
        }
    }

    public override string ToString() => $"{CredentialsUri} ({State})";

    /// <summary>Stops listening, waits (briefly) for requests under way, then stops the keeper.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        _stop.Cancel();
        _listener.Stop();
        try
        {
            await _acceptLoop.ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }

        await Task.WhenAny(Task.WhenAll(_handlers.Keys), Task.Delay(TimeSpan.FromSeconds(5))).ConfigureAwait(false);
        await _keeper.DisposeAsync().ConfigureAwait(false);
        _metadataTokens.Clear();
        _log.Verbose($"The credential server on 127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)} has stopped.");
    }

    /// <summary>Socket options for every accepted connection: IP TTL / hop limit 1 (as IMDS sets it), no delay.</summary>
    internal static void Configure(Socket socket)
    {
        socket.NoDelay = true;
        socket.Ttl = 1;
        socket.LingerState = new LingerOption(true, 1);
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException && _stop.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException e)
            {
                _log.Debug($"Accepting a connection failed: {e.SocketErrorCode}.");
                continue;
            }

            if (socket.RemoteEndPoint is not IPEndPoint { } remote || !IPAddress.IsLoopback(remote.Address))
            {
                socket.Dispose();
                continue;
            }

            Configure(socket);
            if (!_slots.Wait(0))
            {
                // Too many at once: answer at once, without reading, and close.
                Interlocked.Increment(ref _refused);
                _ = RefuseBusyAsync(socket);
                continue;
            }

            var handler = HandleAsync(socket);
            _handlers.TryAdd(handler, true);
            _ = handler.ContinueWith(t => _handlers.TryRemove(t, out _), TaskScheduler.Default);
        }
    }

    private static async Task RefuseBusyAsync(Socket socket)
    {
        using (socket)
        {
            try
            {
                using var stream = new NetworkStream(socket, ownsSocket: false);
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
                await WriteAsync(stream, Response.Error(503, "ServerBusy", "Too many requests at once; try again."), timeout.Token).ConfigureAwait(false);
                socket.Shutdown(SocketShutdown.Send);
                await DrainAsync(stream).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
            {
            }
        }
    }

    private async Task HandleAsync(Socket socket)
    {
        await Task.Yield();
        try
        {
            using (socket)
            using (var stream = new NetworkStream(socket, ownsSocket: false))
            using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token))
            {
                deadline.CancelAfter(_options.RequestTimeout);
                Response response;
                string method = "-", target = "-";
                try
                {
                    var request = await ReadRequestAsync(stream, deadline.Token).ConfigureAwait(false);
                    (method, target) = (request.Method, request.Target);
                    response = await AnswerAsync(request, deadline.Token).ConfigureAwait(false);
                }
                catch (BadRequestException e)
                {
                    response = e.Response;
                }
                catch (OperationCanceledException) when (!_stop.IsCancellationRequested)
                {
                    response = Response.Error(408, "RequestTimeout", $"The request did not arrive within {_options.RequestTimeout.TotalSeconds:0.#} s.");
                }

                if (response.Status is >= 400 and not 503)
                {
                    Interlocked.Increment(ref _refused);
                }

                _log.Debug($"{method} {PathOnly(target)} -> {response.Status.ToString(CultureInfo.InvariantCulture)}");
                using var writeTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await WriteAsync(stream, response, writeTimeout.Token).ConfigureAwait(false);
                socket.Shutdown(SocketShutdown.Send);
                await DrainAsync(stream).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The client went away or the server is stopping: nothing to answer.
        }
        finally
        {
            _slots.Release();
        }
    }

    /// <summary>
    /// Reads what the client still sends (at most 64 KiB, at most 1 s) before closing: closing
    /// with unread bytes resets the connection, and the client could lose the answer.
    /// </summary>
    private static async Task DrainAsync(NetworkStream stream)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        var buffer = new byte[4096];
        var total = 0;
        try
        {
            int read;
            while (total < 64 * 1024 && (read = await stream.ReadAsync(buffer, timeout.Token).ConfigureAwait(false)) > 0)
            {
                total += read;
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
        {
        }
    }

    private static string PathOnly(string target)
    {
        var query = target.IndexOf('?', StringComparison.Ordinal);
        return query < 0 ? target : target[..query];
    }

    private async Task<Response> AnswerAsync(Request request, CancellationToken cancellationToken)
    {
        if (!HostIsLoopback(request.Header("Host")))
        {
            // A browser led here by DNS rebinding sends its own host name.
            return Response.Error(403, "HostRefused", "The Host header must name 127.0.0.1, localhost or [::1].");
        }

        var path = PathOnly(request.Target);
        if (path == CredentialsPath)
        {
            if (request.Method != "GET")
            {
                return Response.Error(405, "MethodNotAllowed", "Use GET.");
            }

            var given = request.Header("Authorization");
            if (given is null || !CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(given)), _tokenHash))
            {
                return Response.Error(401, "Unauthorized", "The Authorization header must carry this server's token (AWS_CONTAINER_AUTHORIZATION_TOKEN).");
            }

            return await CredentialsAsync(c => CredentialDocuments.Container(c.Credentials, c.ExpiresAt, _options.RoleArn), "application/json", cancellationToken).ConfigureAwait(false);
        }

        if (_options.InstanceMetadata && path.StartsWith("/latest/", StringComparison.Ordinal))
        {
            return await MetadataAsync(request, path, cancellationToken).ConfigureAwait(false);
        }

        return Response.Error(404, "NotFound", "Not found.");
    }

    private async Task<Response> MetadataAsync(Request request, string path, CancellationToken cancellationToken)
    {
        if (path == TokenPath)
        {
            if (request.Method != "PUT")
            {
                return Response.Error(405, "MethodNotAllowed", "Use PUT to get a token.");
            }

            // IMDS refuses token requests that went through a proxy.
            if (request.Header("X-Forwarded-For") is not null)
            {
                return Response.Error(403, "Forbidden", "Token requests with X-Forwarded-For are refused.");
            }

            var ttlText = request.Header(TokenTtlHeader);
            if (!int.TryParse(ttlText, NumberStyles.None, CultureInfo.InvariantCulture, out var ttl) || ttl is < 1 or > MaxTokenTtlSeconds)
            {
                return Response.Error(400, "BadRequest", $"{TokenTtlHeader} must be 1 to {MaxTokenTtlSeconds.ToString(CultureInfo.InvariantCulture)}.");
            }

            var now = DateTimeOffset.UtcNow;
            if (_metadataTokens.Count >= _options.MaxMetadataTokens)
            {
                foreach (var (old, expiry) in _metadataTokens)
                {
                    if (expiry <= now)
                    {
                        _metadataTokens.TryRemove(old, out _);
                    }
                }

                if (_metadataTokens.Count >= _options.MaxMetadataTokens)
                {
                    return Response.Error(429, "TooManyTokens", "Too many metadata tokens are live; reuse one.");
                }
            }

            var token = NewToken();
            _metadataTokens[token] = now.AddSeconds(ttl);
            return new Response(200, "text/plain", token, new[] { (TokenTtlHeader, ttl.ToString(CultureInfo.InvariantCulture)) });
        }

        if (request.Method != "GET")
        {
            return Response.Error(405, "MethodNotAllowed", "Use GET.");
        }

        // IMDSv2 only: every read needs a live token.
        var presented = request.Header(MetadataTokenHeader);
        if (presented is null || !_metadataTokens.TryGetValue(presented, out var expires) || expires <= DateTimeOffset.UtcNow)
        {
            return Response.Error(401, "Unauthorized", $"A live {MetadataTokenHeader} from PUT {TokenPath} is required (IMDSv2).");
        }

        if (path == SecurityCredentialsPath)
        {
            return new Response(200, "text/plain", _options.RoleName);
        }

        if (path == SecurityCredentialsPath + _options.RoleName)
        {
            return await CredentialsAsync(c => CredentialDocuments.InstanceMetadata(c.Credentials, c.IssuedAt, c.ExpiresAt), "text/plain", cancellationToken).ConfigureAwait(false);
        }

        return Response.Error(404, "NotFound", "Not found.");
    }

    private async Task<Response> CredentialsAsync(Func<CachedCredentials, string> document, string contentType, CancellationToken cancellationToken)
    {
        try
        {
            var credentials = await _keeper.GetAsync(cancellationToken).ConfigureAwait(false);
            Interlocked.Increment(ref _served);
            return new Response(200, contentType, document(credentials));
        }
        catch (CredentialsUnavailableException e)
        {
            return Response.Error(503, "CredentialsUnavailable", e.Message);
        }
    }

    private static bool HostIsLoopback(string? host)
    {
        if (host is null)
        {
            return true;
        }

        var name = host.StartsWith('[') ? host[..(host.IndexOf(']', StringComparison.Ordinal) + 1)] : host.Split(':')[0];
        return name is "127.0.0.1" or "localhost" or "[::1]";
    }

    private async Task<Request> ReadRequestAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var buffer = new byte[_options.MaxHeaderBytes];
        var length = 0;
        int end;
        while ((end = IndexOfHeaderEnd(buffer, length)) < 0)
        {
            if (length == buffer.Length)
            {
                throw new BadRequestException(Response.Error(431, "HeadersTooLarge", $"The request line and headers exceed {_options.MaxHeaderBytes.ToString(CultureInfo.InvariantCulture)} bytes."));
            }

            var read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                throw new IOException("The client closed the connection.");
            }

            length += read;
        }

        var text = Encoding.Latin1.GetString(buffer, 0, end);
        var lines = text.Split("\r\n");
        var parts = lines[0].Split(' ');
        if (parts.Length != 3 || !parts[2].StartsWith("HTTP/1.", StringComparison.Ordinal) || parts[0].Length == 0 || !parts[1].StartsWith('/'))
        {
            throw new BadRequestException(Response.Error(400, "BadRequest", "Malformed request line."));
        }

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || char.IsWhiteSpace(line[0]) || line[..colon].Any(char.IsWhiteSpace))
            {
                throw new BadRequestException(Response.Error(400, "BadRequest", "Malformed header line."));
            }

            var name = line[..colon];
            if (!headers.TryAdd(name, line[(colon + 1)..].Trim()))
            {
                if (name.Equals("Authorization", StringComparison.OrdinalIgnoreCase) || name.Equals("Host", StringComparison.OrdinalIgnoreCase)
                    || name.Equals(MetadataTokenHeader, StringComparison.OrdinalIgnoreCase) || name.Equals(TokenTtlHeader, StringComparison.OrdinalIgnoreCase))
                {
                    throw new BadRequestException(Response.Error(400, "BadRequest", $"The {name} header appears twice."));
                }
            }
        }

        if (headers.ContainsKey("Transfer-Encoding")
            || (headers.TryGetValue("Content-Length", out var contentLength) && contentLength != "0"))
        {
            throw new BadRequestException(Response.Error(413, "BodyNotAccepted", "This endpoint takes no request body."));
        }

        return new Request(parts[0], parts[1], headers);
    }

    private static int IndexOfHeaderEnd(byte[] buffer, int length)
    {
        var index = buffer.AsSpan(0, length).IndexOf("\r\n\r\n"u8);
        return index;
    }

    private static async Task WriteAsync(Stream stream, Response response, CancellationToken cancellationToken)
    {
        var body = Encoding.UTF8.GetBytes(response.Body);
        var head = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"HTTP/1.1 {response.Status} {ReasonPhrase(response.Status)}\r\n")
            .Append(CultureInfo.InvariantCulture, $"Content-Type: {response.ContentType}\r\n")
            .Append(CultureInfo.InvariantCulture, $"Content-Length: {body.Length}\r\n")
            .Append("Cache-Control: no-store\r\nConnection: close\r\nServer: RedshiftIamra\r\n");
        foreach (var (name, value) in response.Headers)
        {
            head.Append(name).Append(": ").Append(value).Append("\r\n");
        }

        head.Append("\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head.ToString()), cancellationToken).ConfigureAwait(false);
        await stream.WriteAsync(body, cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private static string ReasonPhrase(int status) => status switch
    {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        413 => "Payload Too Large",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        _ => "Service Unavailable",
    };

    private sealed record Request(string Method, string Target, Dictionary<string, string> Headers)
    {
        public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
    }

    private sealed record Response(int Status, string ContentType, string Body, IReadOnlyList<(string Name, string Value)> Headers)
    {
        public Response(int status, string contentType, string body)
            : this(status, contentType, body, Array.Empty<(string, string)>())
        {
        }

        public static Response Error(int status, string code, string message)
        {
            using var stream = new MemoryStream();
            using (var writer = new System.Text.Json.Utf8JsonWriter(stream))
            {
                writer.WriteStartObject();
                writer.WriteString("code", code);
                writer.WriteString("message", message);
                writer.WriteEndObject();
            }

            return new Response(status, "application/json", Encoding.UTF8.GetString(stream.ToArray()));
        }
    }

    private sealed class BadRequestException(Response response) : Exception(response.Body)
    {
        public Response Response { get; } = response;
    }
}
