using System.Collections;
using System.Data;
using System.Diagnostics;
using System.Management.Automation;
using Npgsql;
using RedshiftIamra.Connections;

namespace RedshiftIamra.PowerShell.Commands;

/// <summary>What Invoke-RedshiftQuery returns.</summary>
public enum RedshiftQueryResult
{
    /// <summary>One object per row, streamed as rows arrive.</summary>
    PSObject,

    /// <summary>One DataTable per result set.</summary>
    DataTable,

    /// <summary>The first column of the first row.</summary>
    Scalar,

    /// <summary>The number of rows affected.</summary>
    NonQuery,
}

/// <summary>
/// <c>Invoke-RedshiftQuery</c>: runs SQL with typed parameters on a connection and streams the
/// rows as objects. Ctrl+C cancels the statement on the server.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "RedshiftQuery")]
[OutputType(typeof(PSObject), typeof(DataTable), typeof(object), typeof(int))]
public sealed class InvokeRedshiftQueryCommand : IamraCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ValidateNotNullOrEmpty]
    [Alias("Sql", "CommandText")]
    public string Query { get; set; } = null!;

    /// <summary>Named parameters: @name in the SQL, name in the hashtable. Values are sent typed, never spliced into the text.</summary>
    [Parameter(Position = 1)]
    public IDictionary? Parameters { get; set; }

    /// <summary>The connection; binds from the pipeline, so Connect-RedshiftIamra | Invoke-RedshiftQuery 'select 1' works.</summary>
    [Parameter(ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    public RedshiftConnection? Connection { get; set; }

    /// <summary>Seconds the statement may run; 0 waits forever. The connection's default otherwise.</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    [Alias("CommandTimeoutSeconds")]
    public int CommandTimeout { get; set; } = -1;

    [Parameter]
    public RedshiftQueryResult As { get; set; } = RedshiftQueryResult.PSObject;

    protected override void Process()
    {
        var connection = Connection ?? ConnectionRegistry.Default
            ?? throw new IamraException(ConnectionErrors.NoConnection, IamraErrorCategory.ConnectionError,
                "There is no connection: run Connect-RedshiftIamra first, or pass -Connection.");
        using var command = new NpgsqlCommand(Query, (NpgsqlConnection)connection.DbConnection);
        if (CommandTimeout >= 0)
        {
            command.CommandTimeout = CommandTimeout;
        }

        AddParameters(command);
        WriteVerbose($"Running on {connection.Id} ({connection.User}@{connection.Host}/{connection.Database}): {Abbreviate(Query)}");
        using var cancel = CancellationToken.Register(() =>
        {
            try
            {
                command.Cancel();
            }
            catch (Exception)
            {
                // The statement may have finished meanwhile.
            }
        });
        try
        {
            switch (As)
            {
                case RedshiftQueryResult.NonQuery:
                    WriteObject(command.ExecuteNonQuery());
                    break;
                case RedshiftQueryResult.Scalar:
                    using (var reader = RedshiftResultTypes.ExecuteReader(command))
                    {
                        WriteObject(reader.FieldCount > 0 && reader.Read() ? ReadValue(reader, 0) : null);
                    }

                    break;
                case RedshiftQueryResult.DataTable:
                    using (var reader = RedshiftResultTypes.ExecuteReader(command))
                    {
                        while (!reader.IsClosed)
                        {
                            var table = new DataTable();
                            table.Load(reader);
                            WriteObject(table, enumerateCollection: false);
                        }
                    }

                    break;
                default:
                    StreamRows(command);
                    break;
            }
        }
        catch (PostgresException e)
        {
            if (CancellationToken.IsCancellationRequested)
            {
                throw new PipelineStoppedException();
            }

            throw ToQueryException(e);
        }
        catch (NpgsqlException e) when (CancellationToken.IsCancellationRequested)
        {
            _ = e;
            throw new PipelineStoppedException();
        }
        catch (NpgsqlException e) when (e.InnerException is TimeoutException)
        {
            throw new IamraException(ConnectionErrors.QueryTimeout, IamraErrorCategory.OperationTimeout,
                $"The query ran longer than its command timeout ({command.CommandTimeout} s) and was canceled on the server. Raise -CommandTimeout (0 waits forever) if it needs longer.", Query, e);
        }
        catch (NpgsqlException e)
        {
            throw new IamraException(ConnectionErrors.ConnectionClosed, IamraErrorCategory.ConnectionError,
                $"The connection to {connection.Host}:{connection.Port} failed during the query: {e.Message} The next query reconnects.", connection.Id, e);
        }
    }

    private void StreamRows(NpgsqlCommand command)
    {
        using var reader = RedshiftResultTypes.ExecuteReader(command);
        var clock = Stopwatch.StartNew();
        long rows = 0;
        var lastProgress = TimeSpan.Zero;
        do
        {
            if (reader.FieldCount == 0)
            {
                continue;
            }

            var names = ColumnNames(reader);
            while (reader.Read())
            {
                var row = new PSObject();
                for (var i = 0; i < names.Length; i++)
                {
                    row.Properties.Add(new PSNoteProperty(names[i], ReadValue(reader, i)));
                }

                WriteObject(row);
                rows++;
                if ((rows & 1023) == 0 && clock.Elapsed - lastProgress > TimeSpan.FromSeconds(1))
                {
                    lastProgress = clock.Elapsed;
                    WriteProgress(new ProgressRecord(1, "Invoke-RedshiftQuery", $"{rows:N0} rows in {clock.Elapsed.TotalSeconds:0} s"));
                }
            }
        }
        while (reader.NextResult());

        if (lastProgress > TimeSpan.Zero)
        {
            WriteProgress(new ProgressRecord(1, "Invoke-RedshiftQuery", "Done") { RecordType = ProgressRecordType.Completed });
        }

        WriteVerbose($"{rows:N0} rows in {clock.Elapsed.TotalMilliseconds:0} ms.");
    }

    private static string[] ColumnNames(NpgsqlDataReader reader)
    {
        var names = new string[reader.FieldCount];
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < names.Length; i++)
        {
            var name = reader.GetName(i);
            if (string.IsNullOrEmpty(name) || name == "?column?")
            {
                name = $"Column{i + 1}";
            }

            var unique = name;
            for (var n = 2; !seen.Add(unique); n++)
            {
                unique = $"{name}{n}";
            }

            names[i] = unique;
        }

        return names;
    }

    private static object? ReadValue(NpgsqlDataReader reader, int ordinal)
    {
        if (reader.IsDBNull(ordinal))
        {
            return null;
        }

        try
        {
            // PowerShell compares dates with [datetime]: give DateOnly and TimeOnly as DateTime and TimeSpan.
            return reader.GetValue(ordinal) switch
            {
                DateOnly date => date.ToDateTime(TimeOnly.MinValue),
                TimeOnly time => time.ToTimeSpan(),
                string text => RedshiftResultTypes.ToValue(reader.GetDataTypeOID(ordinal), text),
                var value => value,
            };
        }
        catch (Exception e) when (e is InvalidCastException or NotSupportedException)
        {
            // A type without a .NET mapping (some Redshift types): its text form.
            try
            {
                return reader.GetFieldValue<string>(ordinal);
            }
            catch (InvalidCastException)
            {
                throw RedshiftResultTypes.Unreadable(reader.GetName(ordinal), reader.GetDataTypeOID(ordinal));
            }
        }
    }

    private void AddParameters(NpgsqlCommand command)
    {
        if (Parameters is null)
        {
            return;
        }

        foreach (DictionaryEntry entry in Parameters)
        {
            var name = entry.Key?.ToString()?.TrimStart('@', ':');
            if (string.IsNullOrWhiteSpace(name))
            {
                throw new IamraException(ConnectionErrors.InvalidParameter, IamraErrorCategory.InvalidArgument,
                    "A query parameter has an empty name. Use @{ name = value } and @name in the SQL.", entry.Key);
            }

            var value = entry.Value is PSObject wrapped ? wrapped.BaseObject : entry.Value;
            command.Parameters.Add(new NpgsqlParameter(name, value ?? DBNull.Value));
        }
    }

    private RedshiftQueryException ToQueryException(PostgresException e)
    {
        var category = e.SqlState switch
        {
            "57014" => IamraErrorCategory.OperationTimeout,
            _ when e.SqlState.StartsWith("42", StringComparison.Ordinal) => IamraErrorCategory.InvalidArgument,
            _ when e.SqlState.StartsWith("28", StringComparison.Ordinal) => IamraErrorCategory.AuthenticationError,
            _ when e.SqlState.StartsWith("53", StringComparison.Ordinal) => IamraErrorCategory.ResourceUnavailable,
            _ when e.SqlState.StartsWith("22", StringComparison.Ordinal) => IamraErrorCategory.InvalidData,
            _ => IamraErrorCategory.InvalidOperation,
        };
        var id = e.SqlState == "57014" ? ConnectionErrors.QueryCanceled : ConnectionErrors.QueryFailed;
        var at = e.Position > 0 ? $" at character {e.Position} (near '{Near(Query, e.Position)}')" : string.Empty;
        var message = e.SqlState == "57014"
            ? $"The query was canceled: {e.MessageText} (SQLSTATE 57014). Raise -CommandTimeout if it needs longer."
            : $"The query failed{at}: {e.MessageText} (SQLSTATE {e.SqlState}).{(e.Detail is null ? string.Empty : " " + e.Detail)}{(e.Hint is null ? string.Empty : " Hint: " + e.Hint)}";
        return new RedshiftQueryException(id, category, message, e.SqlState, e.MessageText, e.Position, e.Detail, e.Hint, Query, e);
    }

    private static string Near(string query, int position)
    {
        var start = Math.Clamp(position - 1, 0, query.Length);
        return query.Substring(start, Math.Min(20, query.Length - start)).ReplaceLineEndings(" ");
    }

    private static string Abbreviate(string query)
    {
        var flat = query.ReplaceLineEndings(" ").Trim();
        return flat.Length <= 200 ? flat : flat[..200] + "...";
    }
}
