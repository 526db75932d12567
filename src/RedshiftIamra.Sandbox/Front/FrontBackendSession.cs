using System.Globalization;
using System.Threading.Channels;

namespace RedshiftIamra.Sandbox.Front;

/// <summary>
/// The client's own backend connection as a statement handler sees it. The first call waits until
/// the backend has answered everything the client sent before, then runs inside the client's
/// transaction (or a transaction of its own when the client has none, committed when the handler
/// succeeds and rolled back when it fails).
/// </summary>
internal sealed class FrontBackendSession : IBackendSession
{
    private readonly FrontConnection _connection;
    private readonly CancellationToken _connectionToken;
    private ChannelReader<BackendMessage>? _reader;
    private bool _began;

    public FrontBackendSession(FrontConnection connection, CancellationToken connectionToken)
    {
        _connection = connection;
        _connectionToken = connectionToken;
    }

    public bool Entered => _reader is not null;

    public async Task<IReadOnlyList<BackendColumn>> QueryAsync(string sql, Func<IReadOnlyList<string?>, ValueTask> onRow, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(onRow);
        await EnterAsync(cancellationToken).ConfigureAwait(false);
        var (columns, _) = await RunAsync(sql, onRow, cancellationToken).ConfigureAwait(false);
        return columns;
    }

    public async Task<long> ExecuteAsync(string sql, CancellationToken cancellationToken)
    {
        await EnterAsync(cancellationToken).ConfigureAwait(false);
        var (_, tag) = await RunAsync(sql, null, cancellationToken).ConfigureAwait(false);
        return RowCount(tag);
    }

    public async Task<long> CopyInAsync(string copyFromStdinSql, Func<Stream, CancellationToken, Task> writeData, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(writeData);
        await EnterAsync(cancellationToken).ConfigureAwait(false);
        var writer = _connection.BackendWriter;
        await writer.WriteAsync(new PgMessageBuilder((byte)'Q').CString(copyFromStdinSql).Build(), cancellationToken).ConfigureAwait(false);
        await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
        RedshiftSqlException? error = null;
        string? tag = null;
        while (true)
        {
            var message = await ReadAsync(cancellationToken).ConfigureAwait(false);
            if (message.Type == (byte)'G')
            {
                Exception? failure = null;
                await using (var stream = new CopyDataStream(writer))
                {
                    try
                    {
                        await writeData(stream, cancellationToken).ConfigureAwait(false);
                        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        failure = e;
                    }
                }

                if (failure is null)
                {
                    await writer.WriteAsync(PgMessageBuilder.Empty((byte)'c'), cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await writer.WriteAsync(new PgMessageBuilder((byte)'f').CString("the sandbox could not read the data: " + failure.Message).Build(), cancellationToken).ConfigureAwait(false);
                }

                await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
                var (_, copyTag, copyError) = await DrainAsync(null, cancellationToken).ConfigureAwait(false);
                if (failure is not null)
                {
                    System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
                }

                if (copyError is not null)
                {
                    throw copyError;
                }

                return RowCount(copyTag);
            }

            if (message.Type == (byte)'E')
            {
                error = ToException(message.Body);
            }
            else if (message.Type == (byte)'C')
            {
                tag = FrontConnection.Utf8(message.Body.AsSpan(0, message.Body.Length - 1));
            }
            else if (message.Type == (byte)'Z')
            {
                throw error ?? new RedshiftSqlException(SqlStates.InternalError, $"The statement is not a COPY FROM STDIN (it answered {tag ?? "nothing"}).");
            }
        }
    }

    /// <summary>Waits for the backend, checks the client's transaction, and takes the backend's answers.</summary>
    private async Task EnterAsync(CancellationToken cancellationToken)
    {
        if (_reader is not null)
        {
            return;
        }

        await _connection.EnsureBackendIdleAsync(cancellationToken).ConfigureAwait(false);
        if (_connection.SegmentFailed)
        {
            throw new SkipStatementException();
        }

        if (_connection.TransactionStatus == (byte)'E')
        {
            throw new RedshiftSqlException(SqlStates.InFailedSqlTransaction, "current transaction is aborted, commands ignored until end of transaction block");
        }

        _reader = _connection.EnterHandlerMode().Reader;
        if (_connection.TransactionStatus == (byte)'I')
        {
            _began = true;
            await RunAsync("BEGIN", null, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Ends the handler's part: commits (or rolls back) the transaction the front began, or fails
    /// the client's transaction when the handler failed, then gives the backend back to the relay.
    /// Returns the error the client is to see (the handler's, or a failed commit's).
    /// </summary>
    public async Task<RedshiftSqlException?> FinishAsync(RedshiftSqlException? error, CancellationToken cancellationToken)
    {
        try
        {
            if (_began)
            {
                var (_, _, commitError) = await SendAsync(error is null ? "COMMIT" : "ROLLBACK", null, cancellationToken).ConfigureAwait(false);
                return error ?? commitError;
            }

            if (error is not null)
            {
                // Inside the client's transaction: it fails, as on Redshift (PostgreSQL keeps the state).
                await SendAsync(RedshiftDialect.RaiseSql(error), null, cancellationToken).ConfigureAwait(false);
            }

            return error;
        }
        finally
        {
            _connection.ExitHandlerMode();
        }
    }

    private async Task<(IReadOnlyList<BackendColumn> Columns, string? Tag)> RunAsync(string sql, Func<IReadOnlyList<string?>, ValueTask>? onRow, CancellationToken cancellationToken)
    {
        var (columns, tag, error) = await SendAsync(sql, onRow, cancellationToken).ConfigureAwait(false);
        if (error is not null)
        {
            throw error;
        }

        return (columns, tag);
    }

    private async Task<(IReadOnlyList<BackendColumn> Columns, string? Tag, RedshiftSqlException? Error)> SendAsync(string sql, Func<IReadOnlyList<string?>, ValueTask>? onRow, CancellationToken cancellationToken)
    {
        var writer = _connection.BackendWriter;
        await writer.WriteAsync(new PgMessageBuilder((byte)'Q').CString(sql).Build(), cancellationToken).ConfigureAwait(false);
        await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
        return await DrainAsync(onRow, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads the backend's answers up to ReadyForQuery.</summary>
    private async Task<(IReadOnlyList<BackendColumn> Columns, string? Tag, RedshiftSqlException? Error)> DrainAsync(Func<IReadOnlyList<string?>, ValueTask>? onRow, CancellationToken cancellationToken)
    {
        var columns = new List<BackendColumn>();
        string? tag = null;
        RedshiftSqlException? error = null;
        while (true)
        {
            var message = await ReadAsync(cancellationToken).ConfigureAwait(false);
            switch (message.Type)
            {
                case (byte)'T':
                    columns.Clear();
                    var description = new PgBodyReader(message.Body);
                    var count = description.Int16();
                    for (var i = 0; i < count; i++)
                    {
                        var name = description.CString();
                        description.Int32();
                        description.Int16();
                        var oid = (uint)description.Int32();
                        description.Int16();
                        var modifier = description.Int32();
                        description.Int16();
                        columns.Add(new BackendColumn(name, oid, modifier));
                    }

                    break;
                case (byte)'D':
                    if (onRow is not null && error is null)
                    {
                        var row = new PgBodyReader(message.Body);
                        var values = new string?[row.Int16()];
                        for (var i = 0; i < values.Length; i++)
                        {
                            var length = row.Int32();
                            values[i] = length < 0 ? null : FrontConnection.Utf8(row.Bytes(length));
                        }

                        await onRow(values).ConfigureAwait(false);
                    }

                    break;
                case (byte)'C':
                    tag = FrontConnection.Utf8(message.Body.AsSpan(0, message.Body.Length - 1));
                    break;
                case (byte)'E':
                    error = ToException(message.Body);
                    break;
                case (byte)'Z':
                    return (columns, tag, error);
            }
        }
    }

    private async Task<BackendMessage> ReadAsync(CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _connectionToken);
        try
        {
            return await _reader!.ReadAsync(linked.Token).ConfigureAwait(false);
        }
        catch (ChannelClosedException e)
        {
            throw new IOException("The backend connection closed.", e);
        }
    }

    private static RedshiftSqlException ToException(byte[] body)
    {
        var fields = PgFields.Parse(body);
        return new RedshiftSqlException(fields.GetValueOrDefault('C') ?? SqlStates.InternalError, fields.GetValueOrDefault('M') ?? "The backend failed.", fields.GetValueOrDefault('D'), fields.GetValueOrDefault('H'))
        {
            Where = fields.GetValueOrDefault('W'),
        };
    }

    private static long RowCount(string? tag)
    {
        var space = tag?.LastIndexOf(' ') ?? -1;
        return space >= 0 && long.TryParse(tag.AsSpan(space + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var rows) ? rows : 0;
    }

    /// <summary>What a handler writes during COPY FROM STDIN, sent as CopyData messages of up to 64 KiB.</summary>
    private sealed class CopyDataStream : Stream
    {
        private const int Chunk = 64 * 1024;
        private readonly PgWriter _writer;
        private readonly byte[] _buffer = new byte[Chunk + 5];
        private int _length = 5;

        public CopyDataStream(PgWriter writer) => _writer = writer;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush() => FlushAsync(CancellationToken.None).GetAwaiter().GetResult();

        public override async Task FlushAsync(CancellationToken cancellationToken)
        {
            if (_length > 5)
            {
                _buffer[0] = (byte)'d';
                System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(_buffer.AsSpan(1), _length - 1);
                await _writer.WriteAsync(_buffer.AsMemory(0, _length), cancellationToken).ConfigureAwait(false);
                _length = 5;
            }

            await _writer.FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            while (buffer.Length > 0)
            {
                var n = Math.Min(buffer.Length, _buffer.Length - _length);
                buffer.Span[..n].CopyTo(_buffer.AsSpan(_length));
                _length += n;
                buffer = buffer[n..];
                if (_length == _buffer.Length)
                {
                    _buffer[0] = (byte)'d';
                    System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(_buffer.AsSpan(1), _length - 1);
                    await _writer.WriteAsync(_buffer.AsMemory(0, _length), cancellationToken).ConfigureAwait(false);
                    _length = 5;
                }
            }
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }
}
