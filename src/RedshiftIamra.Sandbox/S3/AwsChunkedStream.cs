using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace RedshiftIamra.Sandbox.S3;

/// <summary>An <c>aws-chunked</c> body was malformed or a chunk signature did not verify.</summary>
internal sealed class AwsChunkedException(string code, string message) : Exception(message)
{
    /// <summary>The S3 error code to answer (<c>IncompleteBody</c>, <c>SignatureDoesNotMatch</c>, <c>InvalidChunkSizeError</c>, <c>MalformedTrailerError</c>).</summary>
    public string Code { get; } = code;
}

/// <summary>
/// Decodes an <c>aws-chunked</c> request body (<c>Content-Encoding: aws-chunked</c>): chunks of
/// <c>hex-size[;chunk-signature=sig]\r\n data \r\n</c>, a zero-size last chunk, then trailer
/// lines (<c>x-amz-checksum-crc32:...</c>, and with signed trailers
/// <c>x-amz-trailer-signature:...</c>) and an empty line. With a signing key every chunk
/// signature is verified, chained from the seed signature of the Authorization header
/// (string to sign <c>AWS4-HMAC-SHA256-PAYLOAD</c>), and the trailer's
/// (<c>AWS4-HMAC-SHA256-TRAILER</c>). Source: Amazon S3 API Reference, "Signature Calculations
/// for the Authorization Header: Transferring Payload in Multiple Chunks (Chunked Upload)" and
/// "... Including Trailing Headers".
/// </summary>
internal sealed class AwsChunkedStream : Stream
{
    private const int MaxLineBytes = 4096;
    private const int MaxTrailerBytes = 16 * 1024;
    private static readonly string s_emptyHash = Convert.ToHexString(SHA256.HashData([])).ToLowerInvariant();

    private readonly Stream _inner;
    private readonly HmacVerifiedRequest? _signed;
    private readonly bool _expectTrailer;
    private readonly byte[] _one = new byte[1];
    private string _previousSignature;
    private long _chunkLeft;
    private string? _chunkSignature;
    private IncrementalHash? _chunkHash;
    private bool _done;

    /// <param name="signed">The verified request whose seed signature chunk signatures chain from; null for unsigned chunks.</param>
    public AwsChunkedStream(Stream inner, HmacVerifiedRequest? signed, bool expectTrailer)
    {
        _inner = inner;
        _signed = signed;
        _expectTrailer = expectTrailer;
        _previousSignature = signed?.SeedSignature ?? string.Empty;
    }

    /// <summary>The trailing headers, once the body has been read to its end (names lower case).</summary>
    public Dictionary<string, string> Trailers { get; } = new(StringComparer.OrdinalIgnoreCase);

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_done || buffer.Length == 0)
        {
            return 0;
        }

        if (_chunkLeft == 0)
        {
            await StartChunkAsync(cancellationToken).ConfigureAwait(false);
            if (_done)
            {
                return 0;
            }
        }

        var n = await _inner.ReadAsync(buffer[..(int)Math.Min(buffer.Length, _chunkLeft)], cancellationToken).ConfigureAwait(false);
        if (n == 0)
        {
            throw new AwsChunkedException("IncompleteBody", "The request body ended inside an aws-chunked chunk.");
        }

        _chunkHash?.AppendData(buffer.Span[..n]);
        _chunkLeft -= n;
        if (_chunkLeft == 0)
        {
            await EndChunkAsync(cancellationToken).ConfigureAwait(false);
        }

        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();

    private async Task StartChunkAsync(CancellationToken cancellationToken)
    {
        var line = await ReadLineAsync(cancellationToken).ConfigureAwait(false);
        var semicolon = line.IndexOf(';', StringComparison.Ordinal);
        var sizeText = semicolon < 0 ? line : line[..semicolon];
        if (sizeText.Length is 0 or > 15 || !long.TryParse(sizeText, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var size))
        {
            throw new AwsChunkedException("InvalidChunkSizeError", $"The aws-chunked chunk header '{Shorten(line)}' does not start with a hexadecimal size.");
        }

        _chunkSignature = null;
        if (semicolon >= 0)
        {
            var extension = line[(semicolon + 1)..];
            if (extension.StartsWith("chunk-signature=", StringComparison.Ordinal))
            {
                _chunkSignature = extension["chunk-signature=".Length..];
            }
        }

        if (_signed is not null && (_chunkSignature is null || _chunkSignature.Length != 64))
        {
            throw new AwsChunkedException("IncompleteBody", "A signed aws-chunked body needs ';chunk-signature=<64 hex digits>' on every chunk header.");
        }

        _chunkLeft = size;
        _chunkHash = _signed is null ? null : IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        if (size == 0)
        {
            VerifyChunkSignature();
            if (_expectTrailer || _signed is null)
            {
                await ReadTrailerAsync(cancellationToken).ConfigureAwait(false);
            }
            else
            {
                var end = await ReadLineAsync(cancellationToken).ConfigureAwait(false);
                if (end.Length != 0)
                {
                    throw new AwsChunkedException("IncompleteBody", "The last aws-chunked chunk must be followed by an empty line.");
                }
            }

            _done = true;
        }
    }

    private async Task EndChunkAsync(CancellationToken cancellationToken)
    {
        var line = await ReadLineAsync(cancellationToken).ConfigureAwait(false);
        if (line.Length != 0)
        {
            throw new AwsChunkedException("IncompleteBody", "An aws-chunked chunk's data must be followed by CRLF (its size does not match its data).");
        }

        VerifyChunkSignature();
    }

    private void VerifyChunkSignature()
    {
        if (_signed is null)
        {
            return;
        }

        var dataHash = Convert.ToHexString(_chunkHash!.GetHashAndReset()).ToLowerInvariant();
        var stringToSign = string.Join('\n', "AWS4-HMAC-SHA256-PAYLOAD", _signed.AmzDate, _signed.Scope, _previousSignature, s_emptyHash, dataHash);
        var expected = Convert.ToHexString(HMACSHA256.HashData(_signed.SigningKey, Encoding.UTF8.GetBytes(stringToSign))).ToLowerInvariant();
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(_chunkSignature!)))
        {
            throw new AwsChunkedException("SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your key and signing method. (An aws-chunked chunk signature does not verify.)");
        }

        _previousSignature = expected;
    }

    private async Task ReadTrailerAsync(CancellationToken cancellationToken)
    {
        var canonical = new StringBuilder();
        string? trailerSignature = null;
        var total = 0;
        while (true)
        {
            var line = await ReadLineAsync(cancellationToken).ConfigureAwait(false);
            total += line.Length + 2;
            if (total > MaxTrailerBytes)
            {
                throw new AwsChunkedException("MalformedTrailerError", $"The aws-chunked trailer is longer than {MaxTrailerBytes} bytes.");
            }

            if (line.Length == 0)
            {
                break;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                throw new AwsChunkedException("MalformedTrailerError", $"The aws-chunked trailer line '{Shorten(line)}' is not 'name:value'.");
            }

            var name = line[..colon].Trim().ToLowerInvariant();
            var value = line[(colon + 1)..].Trim();
            if (name == "x-amz-trailer-signature")
            {
                trailerSignature = value;
                continue;
            }

            Trailers[name] = value;
            canonical.Append(name).Append(':').Append(value).Append('\n');
        }

        if (_signed is not null && _expectTrailer)
        {
            if (trailerSignature is null)
            {
                throw new AwsChunkedException("MalformedTrailerError", "A signed trailer needs x-amz-trailer-signature.");
            }

            var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(canonical.ToString()))).ToLowerInvariant();
            var stringToSign = string.Join('\n', "AWS4-HMAC-SHA256-TRAILER", _signed.AmzDate, _signed.Scope, _previousSignature, hash);
            var expected = Convert.ToHexString(HMACSHA256.HashData(_signed.SigningKey, Encoding.UTF8.GetBytes(stringToSign))).ToLowerInvariant();
            if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(trailerSignature)))
            {
                throw new AwsChunkedException("SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. (The trailer signature does not verify.)");
            }
        }
    }

    private async Task<string> ReadLineAsync(CancellationToken cancellationToken)
    {
        var bytes = new List<byte>(80);
        while (true)
        {
            var n = await _inner.ReadAsync(_one, cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                throw new AwsChunkedException("IncompleteBody", "The request body ended inside an aws-chunked header line.");
            }

            if (_one[0] == '\n')
            {
                if (bytes.Count == 0 || bytes[^1] != '\r')
                {
                    throw new AwsChunkedException("IncompleteBody", "aws-chunked lines end in CRLF.");
                }

                return Encoding.ASCII.GetString(bytes.ToArray(), 0, bytes.Count - 1);
            }

            bytes.Add(_one[0]);
            if (bytes.Count > MaxLineBytes)
            {
                throw new AwsChunkedException("IncompleteBody", $"An aws-chunked header line is longer than {MaxLineBytes} bytes.");
            }
        }
    }

    private static string Shorten(string text) => text.Length <= 60 ? text : text[..60] + "...";

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        _chunkHash?.Dispose();
        base.Dispose(disposing);
    }
}
