using System.Globalization;
using System.Net;
using System.Text;

namespace RedshiftIamra.Sandbox;

/// <summary>The outcome of reading one request from a connection.</summary>
internal readonly record struct HttpReadResult(SandboxHttpRequest? Request, int ErrorStatus, string? ErrorMessage, bool EndOfStream)
{
    public static HttpReadResult Eof => new(null, 0, null, true);

    public static HttpReadResult Ok(SandboxHttpRequest request) => new(request, 0, null, false);

    public static HttpReadResult Error(int status, string message) => new(null, status, message, false);
}

/// <summary>
/// A small, strict HTTP/1.1 request parser: request line, header fields, and a body framed by
/// <c>Content-Length</c> (no chunked bodies). Lines end in CRLF; obsolete line folding,
/// control characters, a missing <c>Host</c>, a bad or conflicting <c>Content-Length</c> are
/// errors (400); a head over the limit is 431, a body over the limit 413. Requests may be
/// pipelined: bytes after one request stay buffered for the next.
/// </summary>
internal sealed class HttpRequestReader
{
    private static readonly byte[] s_headEnd = "\r\n\r\n"u8.ToArray();
    private static readonly byte[] s_continue = "HTTP/1.1 100 Continue\r\n\r\n"u8.ToArray();

    private readonly Stream _stream;
    private readonly int _maxHeadBytes;
    private readonly int _maxBodyBytes;
    private readonly IPEndPoint? _remote;
    private readonly int _localPort;
    private readonly bool _streamBodies;
    private byte[] _buffer = new byte[16 * 1024];
    private int _start;
    private int _end;

    /// <param name="streamBodies">
    /// Leave the body on the connection for the handler to read through
    /// <see cref="SandboxHttpRequest.BodyStream"/> (bounded by <paramref name="maxStreamedBodyBytes"/>)
    /// instead of reading it into memory (bounded by <paramref name="maxBodyBytes"/>).
    /// </param>
    public HttpRequestReader(Stream stream, int maxHeadBytes, int maxBodyBytes, IPEndPoint? remote, int localPort, bool streamBodies = false, long maxStreamedBodyBytes = 0)
    {
        _streamBodies = streamBodies;
        _maxStreamedBodyBytes = maxStreamedBodyBytes;
        _stream = stream;
        _maxHeadBytes = maxHeadBytes;
        _maxBodyBytes = maxBodyBytes;
        _remote = remote;
        _localPort = localPort;
    }

    /// <summary>True when bytes of a next request are already buffered.</summary>
    public bool HasBufferedData => _end > _start;

    /// <summary>Reads one request. <paramref name="firstByte"/> bounds the wait for the request to begin (idle keep-alive), <paramref name="rest"/> the rest of it.</summary>
    public async Task<HttpReadResult> ReadAsync(CancellationToken firstByte, CancellationToken rest)
    {
        // Skip empty lines before a request line (RFC 9112 2.2).
        while (true)
        {
            while (_end - _start >= 2 && _buffer[_start] == '\r' && _buffer[_start + 1] == '\n')
            {
                _start += 2;
            }

            if (_end - _start >= 2 || (_end - _start == 1 && _buffer[_start] != '\r'))
            {
                break;
            }

            if (!await FillAsync(_end == _start ? firstByte : rest).ConfigureAwait(false))
            {
                return HttpReadResult.Eof;
            }
        }

        int headEnd;
        while ((headEnd = _buffer.AsSpan(_start, _end - _start).IndexOf(s_headEnd)) < 0)
        {
            if (_end - _start > _maxHeadBytes)
            {
                return HttpReadResult.Error(431, $"The request head is longer than {_maxHeadBytes} bytes.");
            }

            if (!await FillAsync(rest).ConfigureAwait(false))
            {
                return HttpReadResult.Eof;
            }
        }

        if (headEnd > _maxHeadBytes)
        {
            return HttpReadResult.Error(431, $"The request head is longer than {_maxHeadBytes} bytes.");
        }

        var head = Encoding.Latin1.GetString(_buffer, _start, headEnd);
        _start += headEnd + s_headEnd.Length;

        var lines = head.Split("\r\n");
        var requestLine = lines[0];
        var parts = requestLine.Split(' ');
        if (parts.Length != 3 || !IsToken(parts[0]) || parts[1].Length == 0 || !IsVisibleAscii(parts[1]))
        {
            return HttpReadResult.Error(400, "Malformed request line: expected 'METHOD /target HTTP/1.1'.");
        }

        var (method, target, version) = (parts[0], parts[1], parts[2]);
        if (version is not ("HTTP/1.1" or "HTTP/1.0"))
        {
            return version.StartsWith("HTTP/", StringComparison.Ordinal) && version.Length == 8
                ? HttpReadResult.Error(505, $"HTTP version '{version}' is not supported; use HTTP/1.1.")
                : HttpReadResult.Error(400, "Malformed request line: the HTTP version is missing or invalid.");
        }

        if (target[0] != '/')
        {
            return HttpReadResult.Error(400, "The request target must be a path beginning with '/'.");
        }

        var headers = new List<KeyValuePair<string, string>>(lines.Length);
        for (var i = 1; i < lines.Length; i++)
        {
            var line = lines[i];
            if (line.Length == 0 || line[0] is ' ' or '\t')
            {
                return HttpReadResult.Error(400, "Malformed header: obsolete line folding or an empty line inside the head.");
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || !IsToken(line[..colon]))
            {
                return HttpReadResult.Error(400, $"Malformed header line {i}: expected 'Name: value'.");
            }

            var value = line[(colon + 1)..].Trim(' ', '\t');
            if (ContainsControl(value))
            {
                return HttpReadResult.Error(400, $"Malformed header '{line[..colon]}': its value holds a control character.");
            }

            headers.Add(new(line[..colon], value));
        }

        string? host = null;
        string? contentLength = null;
        var hostCount = 0;
        var expectContinue = false;
        var chunked = false;
        foreach (var header in headers)
        {
            if (header.Key.Equals("Host", StringComparison.OrdinalIgnoreCase))
            {
                host = header.Value;
                hostCount++;
            }
            else if (header.Key.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                if (contentLength is not null && contentLength != header.Value)
                {
                    return HttpReadResult.Error(400, "Conflicting Content-Length headers.");
                }

                contentLength = header.Value;
            }
            else if (header.Key.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
            {
                if (!_streamBodies)
                {
                    return HttpReadResult.Error(411, "Transfer-Encoding is not supported here: send the body with a Content-Length.");
                }

                if (!header.Value.Equals("chunked", StringComparison.OrdinalIgnoreCase) || chunked)
                {
                    return HttpReadResult.Error(501, $"Transfer-Encoding '{header.Value}' is not supported; only 'chunked'.");
                }

                chunked = true;
            }
            else if (header.Key.Equals("Expect", StringComparison.OrdinalIgnoreCase))
            {
                if (!header.Value.Equals("100-continue", StringComparison.OrdinalIgnoreCase))
                {
                    return HttpReadResult.Error(417, $"Expectation '{header.Value}' is not supported.");
                }

                expectContinue = true;
            }
        }

        if (version == "HTTP/1.1" && (hostCount != 1 || string.IsNullOrEmpty(host)))
        {
            return HttpReadResult.Error(400, "An HTTP/1.1 request needs exactly one Host header.");
        }

        long length = 0;
        if (contentLength is not null && (contentLength.Length == 0 || contentLength.Length > 18 || !contentLength.All(char.IsAsciiDigit)
            || !long.TryParse(contentLength, NumberStyles.None, CultureInfo.InvariantCulture, out length)))
        {
            return HttpReadResult.Error(400, $"Content-Length '{contentLength}' is not a number of bytes.");
        }

        var limit = _streamBodies ? _maxStreamedBodyBytes : _maxBodyBytes;
        if (length > limit)
        {
            return HttpReadResult.Error(413, $"The request body ({length} bytes) is larger than the limit of {limit} bytes.");
        }

        if (expectContinue && length > 0 && _end == _start)
        {
            await _stream.WriteAsync(s_continue, rest).ConfigureAwait(false);
            await _stream.FlushAsync(rest).ConfigureAwait(false);
        }

        if (chunked && contentLength is not null)
        {
            return HttpReadResult.Error(400, "A request must not have both Content-Length and Transfer-Encoding.");
        }

        if (chunked && expectContinue && _end == _start)
        {
            await _stream.WriteAsync(s_continue, rest).ConfigureAwait(false);
            await _stream.FlushAsync(rest).ConfigureAwait(false);
        }

        if (_streamBodies)
        {
            var streamed = new SandboxHttpRequest(method, target, version, headers, [], _remote, _localPort);
            streamed.BodyStream = chunked ? new HttpBodyStream(this, _maxStreamedBodyBytes, chunked: true) : new HttpBodyStream(this, length);
            return HttpReadResult.Ok(streamed);
        }

        var body = new byte[length];
        var buffered = (int)Math.Min(length, _end - _start);
        Buffer.BlockCopy(_buffer, _start, body, 0, buffered);
        _start += buffered;
        var read = buffered;
        while (read < length)
        {
            var n = await _stream.ReadAsync(body.AsMemory(read), rest).ConfigureAwait(false);
            if (n == 0)
            {
                return HttpReadResult.Eof;
            }

            read += n;
        }

        return HttpReadResult.Ok(new SandboxHttpRequest(method, target, version, headers, body, _remote, _localPort));
    }

    private readonly long _maxStreamedBodyBytes;

    /// <summary>Reads body bytes: what is buffered first, then from the connection.</summary>
    internal async ValueTask<int> ReadBodyAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        if (_end > _start)
        {
            var n = Math.Min(destination.Length, _end - _start);
            _buffer.AsMemory(_start, n).CopyTo(destination);
            _start += n;
            return n;
        }

        return await _stream.ReadAsync(destination, cancellationToken).ConfigureAwait(false);
    }

    private async Task<bool> FillAsync(CancellationToken cancellationToken)
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        if (_end == _buffer.Length)
        {
            Array.Resize(ref _buffer, _buffer.Length * 2);
        }

        var n = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
        _end += n;
        return n > 0;
    }

    private static bool IsToken(string s)
    {
        if (s.Length == 0)
        {
            return false;
        }

        foreach (var c in s)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c, StringComparison.Ordinal)))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsVisibleAscii(string s) => s.All(c => c is > ' ' and < (char)0x7F);

    private static bool ContainsControl(string s) => s.Any(c => (c < ' ' && c != '\t') || c == (char)0x7F);
}
