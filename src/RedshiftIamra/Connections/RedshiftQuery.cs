using Npgsql;

namespace RedshiftIamra.Connections;

/// <summary>
/// One statement running on a connection's session, read row by row by the caller. It holds the
/// session for itself (a second caller waits; the same thread asking again is refused), and
/// bounds every wait on the client side: a cancel (Ctrl+C, the command timeout, or a consumer
/// that stops early) is sent to the server with the protocol's CancelRequest; when the server
/// does not acknowledge it within <see cref="CancelGrace"/>, the session is given up (closed
/// and replaced by a new one at the next query) and the caller is told so.
/// </summary>
public sealed class RedshiftQuery : IDisposable
{
    /// <summary>How long a cancelled statement may take to stop before its connection is given up.</summary>
    public static readonly TimeSpan CancelGrace = TimeSpan.FromSeconds(5);

    private readonly RedshiftConnection _connection;
    private readonly RedshiftConnection.Lease _lease;
    private readonly CancellationToken _userToken;
    // Set at once when the caller cancels or the connection closes; Npgsql's own token (_cancel)
    // is cancelled from the thread pool, since Npgsql sends its cancel request inside that
    // callback and a frozen network would otherwise hold the caller's Cancel() (Ctrl+C) hostage.
    private readonly CancellationTokenSource _requested;
    private readonly CancellationTokenSource _cancel = new(); // never disposed: an abandoned read may still hold its token
    private readonly CancellationTokenRegistration _forward;
    private readonly NpgsqlConnection _session;
    private readonly NpgsqlCommand _command;
    private NpgsqlDataReader? _reader;
    private bool _finished;
    private bool _abandoned;
    private bool _disposed;

    private RedshiftQuery(RedshiftConnection connection, RedshiftConnection.Lease lease, NpgsqlConnection session, NpgsqlCommand command, CancellationToken userToken)
    {
        _connection = connection;
        _lease = lease;
        _session = session;
        _command = command;
        _userToken = userToken;
        _requested = CancellationTokenSource.CreateLinkedTokenSource(userToken, connection.Closing);
        var cancel = _cancel;
        _forward = _requested.Token.Register(() => Task.Run(() =>
        {
            try
            {
                cancel.Cancel();
            }
            catch (Exception e) when (e is ObjectDisposedException or NpgsqlException or InvalidOperationException or IOException)
            {
                // Finished meanwhile, or the cancel request failed: the bounded wait decides.
            }
        }));
    }

    public string Sql => _command.CommandText;

    /// <summary>The command timeout in seconds (0: none).</summary>
    public int CommandTimeoutSeconds => _command.CommandTimeout;

    /// <summary>Rows read so far, over all result sets.</summary>
    public long RowsRead { get; private set; }

    /// <summary>Rows inserted, updated or deleted (-1 for a query).</summary>
    public int RecordsAffected => _reader?.RecordsAffected ?? -1;

    /// <summary>The current result set's column names, made unique (see <see cref="QueryValues.ColumnNames"/>); empty for a statement without rows.</summary>
    public IReadOnlyList<string> Columns { get; private set; } = Array.Empty<string>();

    /// <summary>The current result set's column types (object where the type depends on the value).</summary>
    public IReadOnlyList<Type> ColumnTypes { get; private set; } = Array.Empty<Type>();

    /// <summary>Whether every result set was read to its end.</summary>
    public bool Finished => _finished;

    /// <summary>Whether the statement was stopped before its end (<see cref="Stop"/>), cancelled on the server.</summary>
    public bool Stopped { get; private set; }

    /// <summary>
    /// Runs <paramref name="sql"/> with typed parameters (mapped, or refused, before anything is
    /// sent: <see cref="QueryParameters"/>) on the connection's session, reconnecting first when the
    /// session died while idle (nothing has been sent then, so nothing runs twice).
    /// </summary>
    public static RedshiftQuery Start(RedshiftConnection connection, string sql, IEnumerable<KeyValuePair<string, object?>>? parameters, int? commandTimeoutSeconds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentException.ThrowIfNullOrEmpty(sql);
        var mapped = (parameters ?? Array.Empty<KeyValuePair<string, object?>>()).Select(p => QueryParameters.Map(p.Key, p.Value)).ToList();
        var lease = connection.Acquire(cancellationToken);
        RedshiftQuery? query = null;
        try
        {
            var session = connection.SessionForQuery(cancellationToken);
            var command = new NpgsqlCommand(sql, session);
            if (commandTimeoutSeconds is { } timeout)
            {
                command.CommandTimeout = timeout;
            }

            command.Parameters.AddRange(mapped.ToArray());
            query = new RedshiftQuery(connection, lease, session, command, cancellationToken);
            query._reader = query.Wait(token => query._command.ExecuteReaderAsync(token));
            if (RedshiftResultTypes.Unreadable(query._reader) is { } unreadable)
            {
                // SUPER, VARBYTE, GEOMETRY, ...: Npgsql has no converter for them. One query is
                // run again with those columns in text form (see RedshiftResultTypes).
                query.Wait(async token => { await query._reader.DisposeAsync().ConfigureAwait(false); return true; });
                if (!RedshiftResultTypes.IsSingleQuery(sql))
                {
                    throw RedshiftResultTypes.MultiStatement();
                }

                command.UnknownResultTypeList = unreadable;
                query._reader = query.Wait(token => query._command.ExecuteReaderAsync(token));
            }

            query.Describe();
            return query;
        }
        catch
        {
            if (query is not null)
            {
                query.Dispose();
            }
            else
            {
                lease.Dispose();
            }

            throw;
        }
    }

    /// <summary>The next row of the current result set (values as <see cref="QueryValues.Read"/> gives them), or null at its end.</summary>
    public object?[]? Read()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var reader = _reader!;
        if (_finished || reader.FieldCount == 0 || !Wait(token => reader.ReadAsync(token)))
        {
            return null;
        }

        var values = new object?[reader.FieldCount];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = QueryValues.Read(reader, i);
        }

        RowsRead++;
        return values;
    }

    /// <summary>Moves to the next result set; false (and <see cref="Finished"/>) after the last.</summary>
    public bool NextResult()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var reader = _reader!;
        if (_finished)
        {
            return false;
        }

        if (!Wait(token => reader.NextResultAsync(token)))
        {
            _finished = true;
            Columns = Array.Empty<string>();
            ColumnTypes = Array.Empty<Type>();
            return false;
        }

        Describe();
        return true;
    }

    /// <summary>Reads every remaining result set to its end, discarding the rows; returns the rows affected.</summary>
    public int Complete()
    {
        while (Read() is not null || NextResult())
        {
        }

        return RecordsAffected;
    }

    /// <summary>
    /// Stops early (the consumer wants no more rows): cancels the statement on the server, drops
    /// what is already on its way, and leaves the session clean for the next query; gives the
    /// session up instead when the server does not answer within <see cref="CancelGrace"/>.
    /// </summary>
    public void Stop()
    {
        if (_finished || _abandoned || _reader is null || _disposed)
        {
            return;
        }

        Stopped = true;
        var command = _command;
        var cancel = Task.Run(() =>
        {
            try
            {
                command.Cancel();
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // The statement may have ended meanwhile, or the connection with it; the drain below says which.
            }
        });
        var reader = _reader;
        var drain = Task.Run(async () =>
        {
            try
            {
                await cancel.WaitAsync(CancelGrace).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // The cancel request itself did not get through: the reader must not be drained
                // (that would wait on the same silent network); the session is given up below.
                return false;
            }

            try
            {
                await reader.DisposeAsync().ConfigureAwait(false);
            }
            catch (PostgresException e) when (e.SqlState == SqlStates.QueryCanceled)
            {
                // The cancel we asked for.
            }

            return true;
        });

        // One bound for the whole stop, whichever of the two steps the silence is in; a cancel that
        // timed out inside it gives the session up too (never a drain on a silent network after).
        if (!((IAsyncResult)drain).AsyncWaitHandle.WaitOne(CancelGrace) || drain is { IsCompletedSuccessfully: true, Result: false })
        {
            Abandon(drain);
            return;
        }

        _finished = true;
        if (drain.IsFaulted)
        {
            // Anything else than the expected cancel: the session may be unusable; the next query checks it.
            _ = drain.Exception;
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        try
        {
            Stop();
        }
        finally
        {
            _disposed = true;
            if (!_abandoned)
            {
                try
                {
                    _reader?.Dispose();
                }
                catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
                {
                    // The session is checked (and replaced if broken) before the next query.
                }

                _command.Dispose();
            }

            _forward.Dispose();
            _requested.Dispose();
            _lease.Dispose();
        }
    }

    private void Describe()
    {
        var reader = _reader!;
        var names = new string?[reader.FieldCount];
        var types = new Type[reader.FieldCount];
        for (var i = 0; i < names.Length; i++)
        {
            names[i] = reader.GetName(i);
            types[i] = QueryValues.ColumnType(reader, i);
        }

        Columns = QueryValues.ColumnNames(names);
        ColumnTypes = types;
    }

    /// <summary>Waits for one network step, bounded on the client side, and explains a failure.</summary>
    private T Wait<T>(Func<CancellationToken, Task<T>> step)
    {
        if (_abandoned)
        {
            throw Explain(new InvalidOperationException("The session was given up."));
        }

        Task<T> task;
        try
        {
            task = step(_cancel.Token);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw Explain(e);
        }

        if (!task.IsCompleted)
        {
            var done = ((IAsyncResult)task).AsyncWaitHandle;
            var timeout = _command.CommandTimeout > 0 ? TimeSpan.FromSeconds(_command.CommandTimeout) + CancelGrace : Timeout.InfiniteTimeSpan;
            var which = WaitHandle.WaitAny(new[] { done, _requested.Token.WaitHandle }, timeout);
            if (which == WaitHandle.WaitTimeout || (which == 1 && !done.WaitOne(CancelGrace)))
            {
                // Npgsql sends the CancelRequest and waits for the server's answer itself; when even
                // that does not end within the grace (a frozen network), give the session up here.
                Abandon(task);
                throw which == WaitHandle.WaitTimeout
                    ? new IamraException(ErrorIds.Query.Timeout, IamraErrorCategory.OperationTimeout,
                        $"The query ran longer than its command timeout ({_command.CommandTimeout} s), and the server did not answer the cancel request within {CancelGrace.TotalSeconds:0} s more, so the connection was closed; the statement may still be running on the server until it notices. The next query opens a new connection.",
                        Sql)
                    : Canceled(acknowledged: false, null);
            }
        }

        try
        {
            return task.GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw Explain(e);
        }
    }

    private void Abandon(Task running)
    {
        _abandoned = true;
        _finished = true;
        var reader = _reader;
        var command = _command;
        _connection.GiveUp(_session, running, () =>
        {
            reader?.Dispose();
            command.Dispose();
        });
    }

    private bool SessionBroken => _abandoned || _session.FullState is System.Data.ConnectionState.Broken or System.Data.ConnectionState.Closed;

    private Exception Canceled(bool acknowledged, Exception? inner)
    {
        if (_connection.Closing.IsCancellationRequested && !_userToken.IsCancellationRequested)
        {
            return new IamraException(ErrorIds.Connection.Closed, IamraErrorCategory.ConnectionError,
                $"The connection {_connection.Id} was closed (Disconnect-RedshiftIamra) while the query ran.", _connection.Id, inner);
        }

        var what = acknowledged
            ? "The query was canceled on the server."
            : "The query was stopped, but the server did not acknowledge the cancel request in time, so the connection was closed; the statement may still be running on the server until it notices. The next query opens a new connection.";
        return new OperationCanceledException(what, inner, _userToken);
    }

    private Exception Explain(Exception e)
    {
        if (e is IamraException)
        {
            return e;
        }

        if (_requested.IsCancellationRequested && e is OperationCanceledException or PostgresException { SqlState: SqlStates.QueryCanceled } or NpgsqlException)
        {
            return Canceled(!SessionBroken, e);
        }

        if (e is PostgresException postgres && !(postgres.SqlState.StartsWith(SqlStates.ClassServerShutdown, StringComparison.Ordinal) || postgres.SqlState.StartsWith(SqlStates.ClassConnectionException, StringComparison.Ordinal)))
        {
            return QueryErrors.FromServer(postgres, Sql);
        }

        if (e is NpgsqlException { InnerException: TimeoutException })
        {
            return new IamraException(ErrorIds.Query.Timeout, IamraErrorCategory.OperationTimeout,
                SessionBroken
                    ? $"The query ran longer than its command timeout ({_command.CommandTimeout} s), and the server did not acknowledge the cancel request, so the connection was closed; the statement may still be running on the server until it notices. The next query opens a new connection. Raise -CommandTimeout (0 waits forever) if it needs longer."
                    : $"The query ran longer than its command timeout ({_command.CommandTimeout} s) and was canceled on the server. Raise -CommandTimeout (0 waits forever) if it needs longer.",
                Sql, e);
        }

        if (e is ObjectDisposedException or InvalidOperationException && _connection.Closing.IsCancellationRequested)
        {
            return Canceled(acknowledged: false, e);
        }

        return new IamraException(ErrorIds.Connection.Closed, IamraErrorCategory.ConnectionError,
            $"The connection to {_connection.Host}:{_connection.Port} failed during the query: {e.Message} The statement may or may not have run; the next query reconnects.", _connection.Id, e);
    }
}
