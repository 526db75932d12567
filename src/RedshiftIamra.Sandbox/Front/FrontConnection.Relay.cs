using System.Buffers.Binary;
using System.Text;
using System.Threading.Channels;

namespace RedshiftIamra.Sandbox.Front;

internal sealed partial class FrontConnection
{
    private static readonly byte[] s_sync = PgMessageBuilder.Empty((byte)'S');

    // ---- backend to client ------------------------------------------------------------------

    private async Task BackendPumpAsync(CancellationToken ct)
    {
        var input = _backendIn!;
        var holding = false;
        try
        {
            while (true)
            {
                if (input.Buffered < 5)
                {
                    if (holding)
                    {
                        await ClientOut.FlushAsync(ct).ConfigureAwait(false);
                        _clientWriteLock.Release();
                        holding = false;
                    }

                    if (!await input.EnsureAsync(5, ct).ConfigureAwait(false))
                    {
                        return;
                    }
                }

                var (type, total) = input.PeekHeader();
                if (_handlerChannel is { } channel)
                {
                    // A handler is running statements of its own: its answers go to it, not to the client.
                    if (holding)
                    {
                        await ClientOut.FlushAsync(ct).ConfigureAwait(false);
                        _clientWriteLock.Release();
                        holding = false;
                    }

                    if (!await input.EnsureAsync(total, ct).ConfigureAwait(false))
                    {
                        return;
                    }

                    var body = input.Buffer.AsSpan(input.Position + 5, total - 5).ToArray();
                    input.Advance(total);
                    if (type == (byte)'Z')
                    {
                        _txStatus = body[0];
                    }

                    await channel.Writer.WriteAsync(new BackendMessage(type, body), ct).ConfigureAwait(false);
                    continue;
                }

                if (!holding)
                {
                    await _clientWriteLock.WaitAsync(ct).ConfigureAwait(false);
                    holding = true;
                }

                switch (type)
                {
                    case (byte)'Z':
                    case (byte)'E':
                    case (byte)'S':
                    case (byte)'T':
                    case (byte)'K':
                        if (input.Buffered < total)
                        {
                            await ClientOut.FlushAsync(ct).ConfigureAwait(false);
                            if (!await input.EnsureAsync(total, ct).ConfigureAwait(false))
                            {
                                return;
                            }
                        }

                        await RelayInspectedAsync(type, input.Buffer.AsMemory(input.Position, total), ct).ConfigureAwait(false);
                        input.Advance(total);
                        break;
                    default:
                        if (total <= input.Buffered)
                        {
                            await ClientOut.WriteAsync(input.Buffer.AsMemory(input.Position, total), ct).ConfigureAwait(false);
                            input.Advance(total);
                        }
                        else
                        {
                            var remaining = total;
                            while (remaining > 0)
                            {
                                if (input.Buffered == 0)
                                {
                                    await ClientOut.FlushAsync(ct).ConfigureAwait(false);
                                    if (!await input.ReadMoreAsync(ct).ConfigureAwait(false))
                                    {
                                        return;
                                    }
                                }

                                var n = Math.Min(input.Buffered, remaining);
                                await ClientOut.WriteAsync(input.Buffer.AsMemory(input.Position, n), ct).ConfigureAwait(false);
                                input.Advance(n);
                                remaining -= n;
                            }
                        }

                        break;
                }
            }
        }
        finally
        {
            if (holding)
            {
                try
                {
                    await ClientOut.FlushAsync(CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception e) when (IsConnectionEnd(e))
                {
                }

                _clientWriteLock.Release();
            }
        }
    }

    private async ValueTask RelayInspectedAsync(byte type, Memory<byte> message, CancellationToken ct)
    {
        switch (type)
        {
            case (byte)'Z':
                var status = message.Span[5];
                var swallow = _pendingRfq.TryDequeue(out var flag) && flag;
                _txStatus = status;
                if (!swallow)
                {
                    _segmentError = false;
                    await ClientOut.WriteAsync(message, ct).ConfigureAwait(false);
                }

                _rfqSignal.Release();
                return;
            case (byte)'E':
                _segmentError = true;
                await ClientOut.WriteAsync(CleanError(message), ct).ConfigureAwait(false);
                return;
            case (byte)'S':
                await ClientOut.WriteAsync(RewriteParameterStatus(message.Span[5..].ToArray()), ct).ConfigureAwait(false);
                return;
            case (byte)'T':
                RewriteRowDescription(message.Span[5..]);
                await ClientOut.WriteAsync(message, ct).ConfigureAwait(false);
                return;
            case (byte)'K':
                return;
        }
    }

    /// <summary>An error the front raised through PostgreSQL loses PostgreSQL's PL/pgSQL context (Redshift sends none).</summary>
    private static ReadOnlyMemory<byte> CleanError(Memory<byte> message)
    {
        var fields = PgFields.Parse(message.Span[5..]);
        if (!fields.TryGetValue('W', out var where) || where != RedshiftDialect.RaiseContext)
        {
            return message;
        }

        var builder = new PgMessageBuilder((byte)'E');
        foreach (var (code, value) in fields)
        {
            if (code is not ('W' or 'F' or 'L' or 'R'))
            {
                builder.Byte((byte)code).CString(value);
            }
        }

        return builder.Byte(0).Build();
    }

    /// <summary>Gives the sandbox's SUPER and VARBYTE columns Redshift's type OIDs (PostgreSQL reports a domain's base type).</summary>
    private static void RewriteRowDescription(Span<byte> body)
    {
        var count = BinaryPrimitives.ReadInt16BigEndian(body);
        var offset = 2;
        for (var i = 0; i < count; i++)
        {
            var end = body[offset..].IndexOf((byte)0);
            offset += end + 1 + 4 + 2;
            var oid = BinaryPrimitives.ReadUInt32BigEndian(body[offset..]);
            var mapped = oid switch
            {
                RedshiftDialect.PostgresJsonOid => RedshiftDialect.SuperOid,
                RedshiftDialect.PostgresByteaOid => RedshiftDialect.VarbyteOid,
                _ => oid,
            };
            if (mapped != oid)
            {
                BinaryPrimitives.WriteUInt32BigEndian(body[offset..], mapped);
            }

            offset += 4 + 2 + 4 + 2;
        }
    }

    // ---- client to backend ------------------------------------------------------------------

    private async Task ClientPumpAsync(CancellationToken ct)
    {
        var input = _clientIn!;
        var handlers = Options.Handlers.Count > 0;
        while (true)
        {
            if (input.Buffered < 5)
            {
                await BackendOut.FlushAsync(ct).ConfigureAwait(false);
                if (!await input.EnsureAsync(5, ct).ConfigureAwait(false))
                {
                    await TerminateBackendAsync().ConfigureAwait(false);
                    return;
                }
            }

            var (type, total) = input.PeekHeader();
            if (type is (byte)'Q' or (byte)'P' or (byte)'B' or (byte)'D' or (byte)'E' or (byte)'S' or (byte)'H' or (byte)'C' or (byte)'X')
            {
                if (input.Buffered < total)
                {
                    await BackendOut.FlushAsync(ct).ConfigureAwait(false);
                    if (!await input.EnsureAsync(total, ct).ConfigureAwait(false))
                    {
                        await TerminateBackendAsync().ConfigureAwait(false);
                        return;
                    }
                }

                var message = input.Buffer.AsMemory(input.Position, total);
                var keepGoing = await OnClientMessageAsync(type, message, handlers, ct).ConfigureAwait(false);
                input.Advance(total);
                if (!keepGoing)
                {
                    return;
                }

                continue;
            }

            // Anything else (CopyData, FunctionCall, ...) passes through as it comes.
            await FlushHeldAsync(ct).ConfigureAwait(false);
            var remaining = total;
            while (remaining > 0)
            {
                if (input.Buffered == 0)
                {
                    await BackendOut.FlushAsync(ct).ConfigureAwait(false);
                    if (!await input.ReadMoreAsync(ct).ConfigureAwait(false))
                    {
                        return;
                    }
                }

                var n = Math.Min(input.Buffered, remaining);
                await BackendOut.WriteAsync(input.Buffer.AsMemory(input.Position, n), ct).ConfigureAwait(false);
                input.Advance(n);
                remaining -= n;
            }
        }
    }

    private async Task TerminateBackendAsync()
    {
        try
        {
            await BackendOut.WriteAsync(PgMessageBuilder.Empty((byte)'X'), CancellationToken.None).ConfigureAwait(false);
            await BackendOut.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (IsConnectionEnd(e))
        {
        }
    }

    private async ValueTask<bool> OnClientMessageAsync(byte type, Memory<byte> message, bool handlers, CancellationToken ct)
    {
        switch (type)
        {
            case (byte)'X':
                await FlushHeldAsync(ct).ConfigureAwait(false);
                await BackendOut.WriteAsync(message, ct).ConfigureAwait(false);
                await BackendOut.FlushAsync(ct).ConfigureAwait(false);
                return false;
            case (byte)'Q':
                await OnQueryAsync(message, handlers, ct).ConfigureAwait(false);
                return true;
            case (byte)'S':
                await OnSyncAsync(message, ct).ConfigureAwait(false);
                return true;
        }

        if (_skipUntilSync)
        {
            return true;
        }

        switch (type)
        {
            case (byte)'P':
                await OnParseAsync(message, handlers, ct).ConfigureAwait(false);
                break;
            case (byte)'B':
                if (_heldSql is not null && _heldPortal is null)
                {
                    var reader = new PgBodyReader(message.Span[5..]);
                    var portal = reader.CString();
                    if (reader.CString() == _heldStatement)
                    {
                        _heldPortal = portal;
                        _held.Add(message.ToArray());
                        break;
                    }
                }

                await ForwardExtendedAsync(message, ct).ConfigureAwait(false);
                break;
            case (byte)'D':
                if (_heldSql is not null)
                {
                    var kind = message.Span[5];
                    var name = new PgBodyReader(message.Span[6..]).CString();
                    if ((kind == (byte)'S' && name == _heldStatement) || (kind == (byte)'P' && _heldPortal is not null && name == _heldPortal))
                    {
                        _heldDescribes.Add(kind);
                        _held.Add(message.ToArray());
                        break;
                    }
                }

                await ForwardExtendedAsync(message, ct).ConfigureAwait(false);
                break;
            case (byte)'E':
                if (_heldSql is not null && _heldPortal is not null && new PgBodyReader(message.Span[5..]).CString() == _heldPortal)
                {
                    var sql = _heldSql;
                    if (await TryHandleAsync(sql, extended: true, ct).ConfigureAwait(false))
                    {
                        ClearHeld();
                        break;
                    }
                }

                await ForwardExtendedAsync(message, ct).ConfigureAwait(false);
                break;
            default:
                await ForwardExtendedAsync(message, ct).ConfigureAwait(false);
                break;
        }

        return true;
    }

    private async ValueTask OnQueryAsync(Memory<byte> message, bool handlers, CancellationToken ct)
    {
        await FlushHeldAsync(ct).ConfigureAwait(false);
        var sql = new PgBodyReader(message.Span[5..]).CString();
        if (RedshiftDialect.Refusal(sql) is { } refusal)
        {
            _pendingRfq.Enqueue(false);
            await BackendOut.WriteAsync(new PgMessageBuilder((byte)'Q').CString(RedshiftDialect.RaiseSql(refusal)).Build(), ct).ConfigureAwait(false);
            return;
        }

        if (RedshiftDialect.Translate(sql) is { } translated)
        {
            sql = translated;
            message = new PgMessageBuilder((byte)'Q').CString(translated).Build();
        }

        if (handlers && await TryHandleAsync(sql, extended: false, ct).ConfigureAwait(false))
        {
            return;
        }

        _pendingRfq.Enqueue(false);
        await BackendOut.WriteAsync(message, ct).ConfigureAwait(false);
    }

    private async ValueTask OnParseAsync(Memory<byte> message, bool handlers, CancellationToken ct)
    {
        await FlushHeldAsync(ct).ConfigureAwait(false);
        var reader = new PgBodyReader(message.Span[5..]);
        var name = reader.CString();
        var sql = reader.CString();
        if (RedshiftDialect.Refusal(sql) is { } refusal)
        {
            var rewritten = new PgMessageBuilder((byte)'P').CString(name).CString(RedshiftDialect.RaiseSql(refusal)).Int16(0).Build();
            await ForwardExtendedAsync(rewritten, ct).ConfigureAwait(false);
            return;
        }

        if (RedshiftDialect.Translate(sql) is { } translated)
        {
            // The same Parse with the statement PostgreSQL runs (the parameter types as sent).
            var parameterTypes = message.Span[(5 + reader.Offset)..];
            sql = translated;
            message = new PgMessageBuilder((byte)'P').CString(name).CString(translated).Bytes(parameterTypes).Build();
        }

        if (handlers)
        {
            _held.Add(message.ToArray());
            _heldSql = sql;
            _heldStatement = name;
            return;
        }

        await ForwardExtendedAsync(message, ct).ConfigureAwait(false);
    }

    private async ValueTask OnSyncAsync(Memory<byte> message, CancellationToken ct)
    {
        if (_skipUntilSync)
        {
            ClearHeld();
        }
        else
        {
            await FlushHeldAsync(ct).ConfigureAwait(false);
        }

        _skipUntilSync = false;
        if (_forwardedSinceSync || !_syntheticSinceSync)
        {
            _forwardedSinceSync = false;
            _syntheticSinceSync = false;
            _pendingRfq.Enqueue(false);
            await BackendOut.WriteAsync(message, ct).ConfigureAwait(false);
            return;
        }

        // Only statements the front answered itself since the last Sync: it answers the Sync too.
        _syntheticSinceSync = false;
        _segmentError = false;
        await WriteToClientAsync([PgMessageBuilder.ReadyForQuery(_txStatus)], ct).ConfigureAwait(false);
    }

    /// <summary>Forwards an extended-protocol message, after whatever is held (order is kept).</summary>
    private async ValueTask ForwardExtendedAsync(ReadOnlyMemory<byte> message, CancellationToken ct)
    {
        await FlushHeldAsync(ct).ConfigureAwait(false);
        _forwardedSinceSync = true;
        await BackendOut.WriteAsync(message, ct).ConfigureAwait(false);
    }

    private async ValueTask FlushHeldAsync(CancellationToken ct)
    {
        if (_held.Count == 0)
        {
            return;
        }

        _forwardedSinceSync = true;
        foreach (var message in _held)
        {
            await BackendOut.WriteAsync(message, ct).ConfigureAwait(false);
        }

        ClearHeld();
    }

    private void ClearHeld()
    {
        _held.Clear();
        _heldSql = null;
        _heldStatement = string.Empty;
        _heldPortal = null;
        _heldDescribes.Clear();
    }

    private async ValueTask WriteToClientAsync(IEnumerable<byte[]> messages, CancellationToken ct)
    {
        await _clientWriteLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            foreach (var message in messages)
            {
                await ClientOut.WriteAsync(message, ct).ConfigureAwait(false);
            }

            await ClientOut.FlushAsync(ct).ConfigureAwait(false);
        }
        finally
        {
            _clientWriteLock.Release();
        }
    }

    /// <summary>
    /// Waits until the backend has answered everything sent so far (a pipeline without Sync gets
    /// one whose ReadyForQuery the client does not see), so the front may speak to it itself.
    /// </summary>
    internal async Task EnsureBackendIdleAsync(CancellationToken ct)
    {
        if (_forwardedSinceSync)
        {
            _forwardedSinceSync = false;
            _pendingRfq.Enqueue(true);
            await BackendOut.WriteAsync(s_sync, ct).ConfigureAwait(false);
        }

        await BackendOut.FlushAsync(ct).ConfigureAwait(false);
        while (!_pendingRfq.IsEmpty)
        {
            await _rfqSignal.WaitAsync(ct).ConfigureAwait(false);
        }
    }

    // ---- statements the handlers answer ---------------------------------------------------

    private async ValueTask<bool> TryHandleAsync(string sql, bool extended, CancellationToken ct)
    {
        var session = new FrontBackendSession(this, ct);
        var info = new FrontSessionInfo(_user, _database, _txStatus != (byte)'I');
        StatementOutcome? outcome = null;
        RedshiftSqlException? error = null;
        var skipped = false;
        try
        {
            foreach (var handler in Options.Handlers)
            {
                outcome = await handler.TryHandleAsync(sql, session, info, ct).ConfigureAwait(false);
                if (outcome is not null)
                {
                    break;
                }
            }
        }
        catch (RedshiftSqlException e)
        {
            error = e;
        }
        catch (SkipStatementException)
        {
            skipped = true;
        }
        catch (Exception e) when (e is not OperationCanceledException && !IsConnectionEnd(e))
        {
            error = new RedshiftSqlException(SqlStates.InternalError, $"The statement failed in the sandbox: {e.Message}");
        }

        if (outcome is null && error is null && !skipped)
        {
            if (session.Entered)
            {
                await session.FinishAsync(null, ct).ConfigureAwait(false);
            }

            return false;
        }

        if (session.Entered)
        {
            error = await session.FinishAsync(error, ct).ConfigureAwait(false);
        }
        else if (!skipped)
        {
            await EnsureBackendIdleAsync(ct).ConfigureAwait(false);
            skipped = _segmentError;
        }

        var replies = new List<byte[]>();
        if (extended)
        {
            _syntheticSinceSync = true;
            if (skipped)
            {
                _skipUntilSync = true;
                return true;
            }

            replies.Add(PgMessageBuilder.Empty((byte)'1'));
            if (_heldPortal is not null)
            {
                replies.Add(PgMessageBuilder.Empty((byte)'2'));
            }

            foreach (var kind in _heldDescribes)
            {
                if (kind == (byte)'S')
                {
                    replies.Add(new PgMessageBuilder((byte)'t').Int16(0).Build());
                }

                replies.Add(PgMessageBuilder.Empty((byte)'n'));
            }
        }

        if (error is not null)
        {
            replies.Add(PgMessageBuilder.ErrorOrNotice((byte)'E', "ERROR", error.SqlState, error.Message, error.Detail, error.Hint));
            if (extended)
            {
                _skipUntilSync = true;
            }
        }
        else if (outcome is not null)
        {
            foreach (var notice in outcome.Notices)
            {
                replies.Add(PgMessageBuilder.ErrorOrNotice((byte)'N', "INFO", SqlStates.SuccessfulCompletion, notice));
            }

            replies.Add(PgMessageBuilder.CommandComplete(outcome.CommandTag));
        }

        if (!extended)
        {
            replies.Add(PgMessageBuilder.ReadyForQuery(_txStatus));
        }

        await WriteToClientAsync(replies, ct).ConfigureAwait(false);
        return true;
    }

    internal Channel<BackendMessage> EnterHandlerMode()
    {
        var channel = Channel.CreateBounded<BackendMessage>(new BoundedChannelOptions(256) { SingleReader = true, SingleWriter = true });
        _handlerChannel = channel;
        return channel;
    }

    internal void ExitHandlerMode() => _handlerChannel = null;

    internal bool SegmentFailed => _segmentError;

    internal byte TransactionStatus => _txStatus;

    internal PgWriter BackendWriter => BackendOut;

    internal static string Utf8(ReadOnlySpan<byte> bytes) => Encoding.UTF8.GetString(bytes);
}
