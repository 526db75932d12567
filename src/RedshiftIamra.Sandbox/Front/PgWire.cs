using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace RedshiftIamra.Sandbox.Front;

/// <summary>A protocol violation or a limit the front enforces; the connection is closed.</summary>
internal sealed class FrontProtocolException : Exception
{
    public FrontProtocolException(string message)
        : base(message)
    {
    }
}

/// <summary>
/// Buffered reads of PostgreSQL v3 messages from a stream, over one pooled buffer that grows
/// only for a message that must be inspected whole (up to a limit).
/// </summary>
internal sealed class PgReader : IDisposable
{
    private readonly Stream _stream;
    private readonly int _maxMessage;
    private byte[] _buffer;
    private int _position;
    private int _end;

    public PgReader(Stream stream, int size, int maxMessage)
    {
        _stream = stream;
        _maxMessage = maxMessage;
        _buffer = ArrayPool<byte>.Shared.Rent(size);
    }

    public byte[] Buffer => _buffer;

    public int Position => _position;

    public int Buffered => _end - _position;

    public void Advance(int count) => _position += count;

    /// <summary>The type byte and total length (type byte included) of the message at the position (needs 5 bytes buffered).</summary>
    public (byte Type, int Total) PeekHeader()
    {
        var type = _buffer[_position];
        var length = BinaryPrimitives.ReadInt32BigEndian(_buffer.AsSpan(_position + 1, 4));
        if (length < 4)
        {
            throw new FrontProtocolException($"Invalid message length {length}.");
        }

        return (type, length + 1);
    }

    /// <summary>Makes at least <paramref name="count"/> bytes available; false at end of stream.</summary>
    public async ValueTask<bool> EnsureAsync(int count, CancellationToken cancellationToken)
    {
        if (_end - _position >= count)
        {
            return true;
        }

        if (count > _maxMessage)
        {
            throw new FrontProtocolException($"A message of {count} bytes is over the front's limit of {_maxMessage} bytes.");
        }

        if (count > _buffer.Length)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(count);
            System.Buffer.BlockCopy(_buffer, _position, bigger, 0, _end - _position);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = bigger;
            _end -= _position;
            _position = 0;
        }
        else if (_buffer.Length - _position < count)
        {
            System.Buffer.BlockCopy(_buffer, _position, _buffer, 0, _end - _position);
            _end -= _position;
            _position = 0;
        }

        while (_end - _position < count)
        {
            var read = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return false;
            }

            _end += read;
        }

        return true;
    }

    /// <summary>Reads whatever arrives next (at least one byte) into free space; false at end of stream.</summary>
    public async ValueTask<bool> ReadMoreAsync(CancellationToken cancellationToken)
    {
        if (_position == _end)
        {
            _position = _end = 0;
        }
        else if (_end == _buffer.Length)
        {
            System.Buffer.BlockCopy(_buffer, _position, _buffer, 0, _end - _position);
            _end -= _position;
            _position = 0;
        }

        var read = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
        _end += read;
        return read > 0;
    }

    /// <summary>Reads one whole message (type, body without the length) into a new array (for the rare messages the front keeps).</summary>
    public async ValueTask<(byte Type, byte[] Body)?> ReadMessageAsync(CancellationToken cancellationToken)
    {
        if (!await EnsureAsync(5, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        var (type, total) = PeekHeader();
        if (!await EnsureAsync(total, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        var body = _buffer.AsSpan(_position + 5, total - 5).ToArray();
        _position += total;
        return (type, body);
    }

    public void Dispose()
    {
        var buffer = Interlocked.Exchange(ref _buffer, Array.Empty<byte>());
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}

/// <summary>Buffered writes to a stream over one pooled buffer; the owner flushes before it waits for input.</summary>
internal sealed class PgWriter : IDisposable
{
    private readonly Stream _stream;
    private byte[] _buffer;
    private int _length;

    public PgWriter(Stream stream, int size)
    {
        _stream = stream;
        _buffer = ArrayPool<byte>.Shared.Rent(size);
    }

    public bool HasPending => _length > 0;

    public ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        if (data.Length <= _buffer.Length - _length)
        {
            data.Span.CopyTo(_buffer.AsSpan(_length));
            _length += data.Length;
            return ValueTask.CompletedTask;
        }

        return WriteSlowAsync(data, cancellationToken);
    }

    public async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        if (_length > 0)
        {
            var length = _length;
            _length = 0;
            await _stream.WriteAsync(_buffer.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
        }
    }

    private async ValueTask WriteSlowAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        await FlushAsync(cancellationToken).ConfigureAwait(false);
        if (data.Length >= _buffer.Length)
        {
            await _stream.WriteAsync(data, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            data.Span.CopyTo(_buffer);
            _length = data.Length;
        }
    }

    public void Dispose()
    {
        var buffer = Interlocked.Exchange(ref _buffer, Array.Empty<byte>());
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}

/// <summary>Builds one message (type byte, length, body) for the few messages the front writes itself.</summary>
internal sealed class PgMessageBuilder
{
    private readonly ArrayBufferWriter<byte> _writer = new(256);

    public PgMessageBuilder(byte type)
    {
        if (type != 0)
        {
            _writer.GetSpan(1)[0] = type;
            _writer.Advance(1);
        }

        _writer.GetSpan(4);
        _writer.Advance(4);
        LengthOffset = type != 0 ? 1 : 0;
    }

    private int LengthOffset { get; }

    public PgMessageBuilder Int32(int value)
    {
        BinaryPrimitives.WriteInt32BigEndian(_writer.GetSpan(4), value);
        _writer.Advance(4);
        return this;
    }

    public PgMessageBuilder Int16(short value)
    {
        BinaryPrimitives.WriteInt16BigEndian(_writer.GetSpan(2), value);
        _writer.Advance(2);
        return this;
    }

    public PgMessageBuilder Byte(byte value)
    {
        _writer.GetSpan(1)[0] = value;
        _writer.Advance(1);
        return this;
    }

    public PgMessageBuilder Bytes(ReadOnlySpan<byte> value)
    {
        _writer.Write(value);
        return this;
    }

    public PgMessageBuilder CString(string value)
    {
        var count = Encoding.UTF8.GetByteCount(value);
        Encoding.UTF8.GetBytes(value, _writer.GetSpan(count + 1));
        _writer.GetSpan(count + 1)[count] = 0;
        _writer.Advance(count + 1);
        return this;
    }

    public byte[] Build()
    {
        var bytes = _writer.WrittenSpan.ToArray();
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(LengthOffset, 4), bytes.Length - LengthOffset);
        return bytes;
    }

    /// <summary>An ErrorResponse ('E') or NoticeResponse ('N').</summary>
    public static byte[] ErrorOrNotice(byte type, string severity, string sqlState, string message, string? detail = null, string? hint = null)
    {
        var builder = new PgMessageBuilder(type)
            .Byte((byte)'S').CString(severity)
            .Byte((byte)'V').CString(severity)
            .Byte((byte)'C').CString(sqlState)
            .Byte((byte)'M').CString(message);
        if (detail is not null)
        {
            builder.Byte((byte)'D').CString(detail);
        }

        if (hint is not null)
        {
            builder.Byte((byte)'H').CString(hint);
        }

        return builder.Byte(0).Build();
    }

    public static byte[] ReadyForQuery(byte status) => new PgMessageBuilder((byte)'Z').Byte(status).Build();

    public static byte[] Empty(byte type) => new PgMessageBuilder(type).Build();

    public static byte[] CommandComplete(string tag) => new PgMessageBuilder((byte)'C').CString(tag).Build();
}

/// <summary>Reading fields of a message body.</summary>
internal ref struct PgBodyReader
{
    private readonly ReadOnlySpan<byte> _body;
    private int _offset;

    public PgBodyReader(ReadOnlySpan<byte> body)
    {
        _body = body;
        _offset = 0;
    }

    public int Offset => _offset;

    public bool AtEnd => _offset >= _body.Length;

    public string CString()
    {
        var end = _body[_offset..].IndexOf((byte)0);
        if (end < 0)
        {
            throw new FrontProtocolException("A string in a message is not terminated.");
        }

        var value = Encoding.UTF8.GetString(_body.Slice(_offset, end));
        _offset += end + 1;
        return value;
    }

    public int Int32()
    {
        var value = BinaryPrimitives.ReadInt32BigEndian(_body.Slice(_offset, 4));
        _offset += 4;
        return value;
    }

    public short Int16()
    {
        var value = BinaryPrimitives.ReadInt16BigEndian(_body.Slice(_offset, 2));
        _offset += 2;
        return value;
    }

    public byte Byte() => _body[_offset++];

    public ReadOnlySpan<byte> Bytes(int count)
    {
        var value = _body.Slice(_offset, count);
        _offset += count;
        return value;
    }
}

/// <summary>The fields of an ErrorResponse or NoticeResponse.</summary>
internal static class PgFields
{
    public static Dictionary<char, string> Parse(ReadOnlySpan<byte> body)
    {
        var fields = new Dictionary<char, string>();
        var reader = new PgBodyReader(body);
        while (!reader.AtEnd)
        {
            var code = reader.Byte();
            if (code == 0)
            {
                break;
            }

            fields[(char)code] = reader.CString();
        }

        return fields;
    }
}
