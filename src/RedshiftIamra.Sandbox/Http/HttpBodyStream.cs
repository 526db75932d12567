namespace RedshiftIamra.Sandbox;

/// <summary>
/// A request body read straight from the connection, exactly <see cref="Length"/> bytes (its
/// Content-Length), never more, or with <c>Transfer-Encoding: chunked</c> its decoded chunks
/// (RFC 9112 7.1) up to a limit; each read waits at most <see cref="ReadTimeout"/>. What the
/// handler leaves unread is drained (or the connection closed) before the next request.
/// </summary>
internal sealed class HttpBodyStream : Stream
{
    private readonly HttpRequestReader _reader;
    private readonly bool _chunked;
    private readonly long _limit;
    private readonly byte[] _one = new byte[1];
    private long _remaining;
    private long _chunkLeft;
    private long _total;
    private bool _ended;

    /// <param name="length">The Content-Length; with <paramref name="chunked"/>, the most bytes the chunks may hold.</param>
    public HttpBodyStream(HttpRequestReader reader, long length, bool chunked = false)
    {
        _reader = reader;
        _chunked = chunked;
        _limit = length;
        Length = chunked ? -1 : length;
        _remaining = chunked ? 1 : length;
    }

    /// <summary>The Content-Length, or -1 for a chunked body.</summary>
    public override long Length { get; }

    /// <summary>Bytes not read yet (for a chunked body: 1 until its last chunk was read).</summary>
    public long Remaining => _remaining;

    /// <summary>How long one read may wait for bytes (a stalled client fails the request).</summary>
    public override int ReadTimeout { get; set; } = 30_000;

    public override bool CanTimeout => true;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Position
    {
        get => Length - _remaining;
        set => throw new NotSupportedException();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_remaining == 0 || buffer.Length == 0)
        {
            return 0;
        }

        if (_chunked)
        {
            return await ReadChunkedAsync(buffer, cancellationToken).ConfigureAwait(false);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ReadTimeout);
        var n = await _reader.ReadBodyAsync(buffer[..(int)Math.Min(buffer.Length, _remaining)], timeout.Token).ConfigureAwait(false);
        if (n == 0)
        {
            throw new IOException($"The connection closed with {_remaining} bytes of the body still to come.");
        }

        _remaining -= n;
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();

    private async ValueTask<int> ReadChunkedAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ReadTimeout);
        if (_chunkLeft == 0)
        {
            var line = await ReadLineAsync(timeout.Token).ConfigureAwait(false);
            var semicolon = line.IndexOf(';', StringComparison.Ordinal);
            var size = semicolon < 0 ? line : line[..semicolon];
            if (size.Length is 0 or > 15 || !long.TryParse(size.Trim(), System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out _chunkLeft))
            {
                throw new IOException("Malformed chunk size line in a chunked request body.");
            }

            if (_chunkLeft == 0)
            {
                // Trailer fields (ignored), then the empty line.
                var lines = 0;
                while ((await ReadLineAsync(timeout.Token).ConfigureAwait(false)).Length > 0)
                {
                    if (++lines > 64)
                    {
                        throw new IOException("Too many trailer fields in a chunked request body.");
                    }
                }

                _remaining = 0;
                _ended = true;
                return 0;
            }

            _total += _chunkLeft;
            if (_total > _limit)
            {
                throw new IOException($"The chunked request body is longer than the limit of {_limit} bytes.");
            }
        }

        var n = await _reader.ReadBodyAsync(buffer[..(int)Math.Min(buffer.Length, _chunkLeft)], timeout.Token).ConfigureAwait(false);
        if (n == 0)
        {
            throw new IOException("The connection closed inside a chunk of the request body.");
        }

        _chunkLeft -= n;
        if (_chunkLeft == 0 && (await ReadLineAsync(timeout.Token).ConfigureAwait(false)).Length != 0)
        {
            throw new IOException("A chunk of the request body is not followed by CRLF.");
        }

        return n;
    }

    private async Task<string> ReadLineAsync(CancellationToken cancellationToken)
    {
        var builder = new System.Text.StringBuilder();
        while (true)
        {
            if (await _reader.ReadBodyAsync(_one, cancellationToken).ConfigureAwait(false) == 0)
            {
                throw new IOException("The connection closed inside a chunked request body.");
            }

            if (_one[0] == '\n')
            {
                if (builder.Length == 0 || builder[^1] != '\r')
                {
                    throw new IOException("Lines of a chunked request body end in CRLF.");
                }

                return builder.ToString(0, builder.Length - 1);
            }

            builder.Append((char)_one[0]);
            if (builder.Length > 4096)
            {
                throw new IOException("A chunk header line is longer than 4096 bytes.");
            }
        }
    }

    /// <summary>Reads and drops what is left, when it is at most <paramref name="maxBytes"/>; false when more is left (close the connection).</summary>
    public async Task<bool> DrainAsync(long maxBytes, CancellationToken cancellationToken)
    {
        if (_chunked)
        {
            var drained = 0L;
            var chunk = new byte[8192];
            while (!_ended)
            {
                drained += await ReadAsync(chunk, cancellationToken).ConfigureAwait(false);
                if (drained > maxBytes)
                {
                    return false;
                }
            }

            return true;
        }

        if (_remaining > maxBytes)
        {
            return false;
        }

        var buffer = new byte[8192];
        while (_remaining > 0)
        {
            await ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        }

        return true;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
