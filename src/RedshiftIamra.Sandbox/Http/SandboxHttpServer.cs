using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace RedshiftIamra.Sandbox;

/// <summary>What the HTTP server hands requests to.</summary>
internal interface ISandboxHttpHandler
{
    Task<SandboxHttpResponse> HandleAsync(SandboxHttpRequest request, CancellationToken cancellationToken);

    /// <summary>A request was refused at the HTTP level (malformed, too large) before any service saw it.</summary>
    void OnRejected(IPEndPoint? remote, int status, string message, string requestId);
}

/// <summary>Limits of the HTTP server.</summary>
internal sealed record SandboxHttpServerLimits
{
    public int MaxHeadBytes { get; init; } = 64 * 1024;

    public int MaxBodyBytes { get; init; } = 1024 * 1024;

    /// <summary>How long a kept-alive connection may wait for its next request (longer than HttpClient's 60 s pool idle time, so the client closes first).</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(100);

    /// <summary>How long a request may take to arrive once it has begun, and the TLS handshake.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Hand bodies to the handler as a stream (<see cref="SandboxHttpRequest.BodyStream"/>) instead
    /// of reading them into memory: for S3, whose bodies run to gigabytes.
    /// </summary>
    public bool StreamBodies { get; init; }

    /// <summary>With <see cref="StreamBodies"/>: the largest body accepted (larger ones get 413).</summary>
    public long MaxStreamedBodyBytes { get; init; } = 5L * 1024 * 1024 * 1024;

    /// <summary>With <see cref="StreamBodies"/>: how much of a body the handler did not read is drained to keep the connection; more closes it.</summary>
    public long MaxDrainBytes { get; init; } = 1024 * 1024;
}

/// <summary>
/// HTTPS on loopback built on <see cref="TcpListener"/> and <see cref="SslStream"/>: an async
/// accept loop, one task per connection, keep-alive, and a clean stop that closes the
/// listener and every open connection. Every answer carries <c>Date</c> (RFC 1123, from the
/// sandbox clock) and <c>x-amzn-RequestId</c>.
/// </summary>
internal sealed class SandboxHttpServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly X509Certificate2 _certificate;
    private readonly ISandboxHttpHandler _handler;
    private readonly SandboxHttpServerLimits _limits;
    private readonly TimeProvider _clock;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<long, (TcpClient Client, Task Task)> _connections = new();
    private SslStreamCertificateContext? _certificateContext;
    private Task _acceptLoop = Task.CompletedTask;
    private long _nextConnectionId;
    private int _stopped;

    public SandboxHttpServer(IPEndPoint endPoint, X509Certificate2 certificate, ISandboxHttpHandler handler, SandboxHttpServerLimits limits, TimeProvider clock)
    {
        _listener = new TcpListener(endPoint);
        _certificate = certificate;
        _handler = handler;
        _limits = limits;
        _clock = clock;
    }

    /// <summary>Where the server listens (the real port once started).</summary>
    public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndpoint;

    /// <summary>Connections open now.</summary>
    public int OpenConnections => _connections.Count;

    /// <summary>Connections accepted since start.</summary>
    public long AcceptedConnections => Interlocked.Read(ref _nextConnectionId);

    public void Start()
    {
        _certificateContext = SslStreamCertificateContext.Create(_certificate, additionalCertificates: null, offline: true);
        _listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, false);
        _listener.Start(backlog: 512);
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    /// <summary>Stops accepting, closes every connection (requests in progress are abandoned) and waits for their tasks.</summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        _stop.Cancel();
        _listener.Stop();
        foreach (var connection in _connections.Values)
        {
            connection.Client.Dispose();
        }

        var tasks = _connections.Values.Select(c => c.Task).Append(_acceptLoop).ToArray();
        await Task.WhenAny(Task.WhenAll(tasks), Task.Delay(TimeSpan.FromSeconds(5))).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException)
            {
                continue; // a connection that died before it was accepted
            }

            var id = Interlocked.Increment(ref _nextConnectionId);
            var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var task = Task.Run(async () =>
            {
                await started.Task.ConfigureAwait(false);
                try
                {
                    await ServeConnectionAsync(client).ConfigureAwait(false);
                }
                finally
                {
                    _connections.TryRemove(id, out _);
                    client.Dispose();
                }
            });
            _connections[id] = (client, task);
            started.SetResult();
            if (_stop.IsCancellationRequested)
            {
                client.Dispose();
            }
        }
    }

    private async Task ServeConnectionAsync(TcpClient client)
    {
        client.NoDelay = true;
        var remote = client.Client.RemoteEndPoint as IPEndPoint;
        var localPort = ((IPEndPoint)client.Client.LocalEndPoint!).Port;
        await using var ssl = new SslStream(client.GetStream(), leaveInnerStreamOpen: false);
        try
        {
            using var handshake = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            handshake.CancelAfter(_limits.RequestTimeout);
            await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificateContext = _certificateContext,
                ClientCertificateRequired = false,
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                EnabledSslProtocols = SslProtocols.None, // the system's choice: TLS 1.2 and 1.3
            }, handshake.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is AuthenticationException or IOException or OperationCanceledException or ObjectDisposedException or SocketException)
        {
            return; // a client that does not trust us, or went away
        }

        var reader = new HttpRequestReader(ssl, _limits.MaxHeadBytes, _limits.MaxBodyBytes, remote, localPort, _limits.StreamBodies, _limits.MaxStreamedBodyBytes);
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                HttpReadResult result;
                using (var idle = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token))
                using (var request = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token))
                {
                    idle.CancelAfter(_limits.IdleTimeout);
                    request.CancelAfter(_limits.IdleTimeout + _limits.RequestTimeout);
                    result = await reader.ReadAsync(idle.Token, request.Token).ConfigureAwait(false);
                }

                if (result.EndOfStream)
                {
                    return;
                }

                if (result.Request is null)
                {
                    var requestId = Guid.NewGuid().ToString();
                    _handler.OnRejected(remote, result.ErrorStatus, result.ErrorMessage!, requestId);
                    var error = SandboxHttpResponse.Text(result.ErrorStatus, result.ErrorMessage + "\n", close: true);
                    await WriteAsync(ssl, error, requestId, keepAlive: false).ConfigureAwait(false);
                    return;
                }

                SandboxHttpResponse response;
                try
                {
                    response = await _handler.HandleAsync(result.Request, _stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (_stop.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e)
                {
                    // A sandbox bug: say so the way AWS says it, and keep serving.
                    response = SandboxHttpResponse.Json(500, AwsJson.ErrorBody($"The sandbox failed: {e.GetType().Name}: {e.Message}"));
                    response.Headers.Add(new("x-amzn-ErrorType", "InternalServerException"));
                }

                if (response.Abort)
                {
                    // Close without answering: a reset, not a graceful end.
                    client.Client.LingerState = new LingerOption(true, 0);
                    return;
                }

                var keepAlive = result.Request.KeepAlive && !response.Close && !_stop.IsCancellationRequested;
                if (result.Request.BodyStream is { Remaining: > 0 } body)
                {
                    // The handler answered before reading the whole body (an error): drain a little, else close.
                    try
                    {
                        keepAlive &= await body.DrainAsync(_limits.MaxDrainBytes, _stop.Token).ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is IOException or OperationCanceledException)
                    {
                        keepAlive = false;
                    }
                }

                await WriteAsync(ssl, response, result.Request.RequestId, keepAlive).ConfigureAwait(false);
                if (!keepAlive)
                {
                    return;
                }
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or SocketException or AuthenticationException)
        {
            // The client went away, timed out, or the server is stopping.
        }
    }

    private async Task WriteAsync(SslStream stream, SandboxHttpResponse response, string requestId, bool keepAlive)
    {
        var head = new StringBuilder(256);
        head.Append("HTTP/1.1 ").Append(response.Status.ToString(CultureInfo.InvariantCulture)).Append(' ').Append(SandboxHttpResponse.ReasonPhrase(response.Status)).Append("\r\n");
        if (!response.OmitStandardHeaders)
        {
            head.Append("Date: ").Append((response.Date ?? _clock.GetUtcNow()).ToString("r", CultureInfo.InvariantCulture)).Append("\r\n");
            head.Append("x-amzn-RequestId: ").Append(requestId).Append("\r\n");
        }

        if (response.ContentType is not null)
        {
            head.Append("Content-Type: ").Append(response.ContentType).Append("\r\n");
        }

        foreach (var header in response.Headers)
        {
            head.Append(header.Key).Append(": ").Append(header.Value).Append("\r\n");
        }

        var contentLength = response.BodyStream is not null || response.ContentLength is not null ? response.ContentLength ?? 0 : response.Body.Length;
        head.Append("Content-Length: ").Append(contentLength.ToString(CultureInfo.InvariantCulture)).Append("\r\n");
        head.Append("Connection: ").Append(keepAlive ? "keep-alive" : "close").Append("\r\n\r\n");

        var headBytes = Encoding.ASCII.GetBytes(head.ToString());
        if (response.BodyStream is { } source)
        {
            // A streamed body (S3 GetObject): each write is bounded by the request timeout, not the whole body.
            await using (source.ConfigureAwait(false))
            {
                await WriteBoundedAsync(stream, headBytes).ConfigureAwait(false);
                var buffer = new byte[64 * 1024];
                var left = contentLength;
                while (left > 0)
                {
                    var n = await source.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, left)), _stop.Token).ConfigureAwait(false);
                    if (n == 0)
                    {
                        throw new IOException("The response body ended before its Content-Length.");
                    }

                    await WriteBoundedAsync(stream, buffer.AsMemory(0, n)).ConfigureAwait(false);
                    left -= n;
                }

                using var flush = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                flush.CancelAfter(_limits.RequestTimeout);
                await stream.FlushAsync(flush.Token).ConfigureAwait(false);
            }

            return;
        }

        var bytes = new byte[headBytes.Length + response.Body.Length];
        headBytes.CopyTo(bytes, 0);
        response.Body.CopyTo(bytes, headBytes.Length);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        timeout.CancelAfter(_limits.RequestTimeout);
        await stream.WriteAsync(bytes, timeout.Token).ConfigureAwait(false);
        await stream.FlushAsync(timeout.Token).ConfigureAwait(false);
    }

    private async Task WriteBoundedAsync(SslStream stream, ReadOnlyMemory<byte> bytes)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        timeout.CancelAfter(_limits.RequestTimeout);
        await stream.WriteAsync(bytes, timeout.Token).ConfigureAwait(false);
    }
}
