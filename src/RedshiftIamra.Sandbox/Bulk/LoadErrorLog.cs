using Npgsql;

namespace RedshiftIamra.Sandbox.Bulk;

/// <summary>One row of STL_LOAD_ERRORS / SYS_LOAD_ERROR_DETAIL.</summary>
internal sealed record LoadErrorRow(string FileName, long LineNumber, LoadProblem Problem, string RawLine);

/// <summary>Who ran the COPY, on which table: the facts every error row of one COPY shares.</summary>
internal sealed record LoadErrorContext(int UserId, int SessionId, long TransactionId, int TableId, string DatabaseName, DateTime StartTime);

/// <summary>
/// Records load errors in <c>stl_load_errors</c> and <c>sys_load_error_detail</c> (tables in the
/// database's <c>public</c> schema, readable by everyone) on a connection of its own, in its own
/// transaction, so the rows survive the rollback of the client's transaction, as Redshift's
/// system tables do. Columns as the Redshift Database Developer Guide lists them (STL_LOAD_ERRORS,
/// SYS_LOAD_ERROR_DETAIL); character columns are blank-padded CHAR as there (query them with trim()).
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001:Types that own disposable fields should be disposable", Justification = "The only disposable field is a SemaphoreSlim used with WaitAsync/Release, which never creates a wait handle; the log lives as long as the sandbox.")]
internal sealed class LoadErrorLog
{
    private const string CreateTables = """
        create sequence if not exists public.sandbox_load_query_id start 1000;
        create table if not exists public.stl_load_errors (
            userid integer, slice integer, tbl integer, starttime timestamp, session integer, query integer,
            filename character(256), line_number bigint, colname character(127), type character(10), col_length character(10),
            position integer, raw_line character(1024), raw_field_value character(1024), err_code integer, err_reason character(100),
            is_partial integer, start_offset bigint, copy_job_id bigint);
        create table if not exists public.sys_load_error_detail (
            user_id integer, query_id bigint, transaction_id bigint, session_id integer, database_name character(64), table_id integer,
            start_time timestamp, file_name character(256), line_number bigint, column_name character(127), column_type character(128),
            column_length character(10), position integer, error_code integer, error_message character(512), copy_job_id bigint);
        grant select on public.stl_load_errors, public.sys_load_error_detail to public;
        """;

    private readonly string _connectionString;
    private readonly SemaphoreSlim _created = new(1, 1);
    private bool _ready;

    public LoadErrorLog(string adminConnectionString) => _connectionString = adminConnectionString;

    /// <summary>Writes the rows in a transaction of their own; returns the query id they were filed under.</summary>
    public async Task<long> WriteAsync(LoadErrorContext context, IReadOnlyList<LoadErrorRow> rows, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await EnsureTablesAsync(connection, cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        long queryId;
        await using (var next = new NpgsqlCommand("select nextval('public.sandbox_load_query_id')", connection, transaction))
        {
            queryId = (long)(await next.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }

        foreach (var row in rows)
        {
            var p = row.Problem;
            await using var stl = new NpgsqlCommand(
                """
                insert into public.stl_load_errors (userid, slice, tbl, starttime, session, query, filename, line_number, colname, type, col_length,
                    position, raw_line, raw_field_value, err_code, err_reason, is_partial, start_offset, copy_job_id)
                values ($1, 0, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, 0, 0, 0)
                """, connection, transaction);
            stl.Parameters.Add(new NpgsqlParameter { Value = context.UserId });
            stl.Parameters.Add(new NpgsqlParameter { Value = context.TableId });
            stl.Parameters.Add(new NpgsqlParameter { Value = DateTime.SpecifyKind(context.StartTime, DateTimeKind.Unspecified), NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Timestamp });
            stl.Parameters.Add(new NpgsqlParameter { Value = context.SessionId });
            stl.Parameters.Add(new NpgsqlParameter { Value = (int)queryId });
            stl.Parameters.Add(new NpgsqlParameter { Value = Cut(row.FileName, 256) });
            stl.Parameters.Add(new NpgsqlParameter { Value = row.LineNumber });
            stl.Parameters.Add(new NpgsqlParameter { Value = Cut(p.Column?.Name ?? string.Empty, 127) });
            stl.Parameters.Add(new NpgsqlParameter { Value = p.Column?.LoadErrorType ?? string.Empty });
            stl.Parameters.Add(new NpgsqlParameter { Value = p.Column?.CharacterLength?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "0" });
            stl.Parameters.Add(new NpgsqlParameter { Value = p.Position });
            stl.Parameters.Add(new NpgsqlParameter { Value = Cut(row.RawLine, 1024) });
            stl.Parameters.Add(new NpgsqlParameter { Value = Cut(p.RawValue ?? string.Empty, 1024) });
            stl.Parameters.Add(new NpgsqlParameter { Value = p.Code });
            stl.Parameters.Add(new NpgsqlParameter { Value = Cut(p.Reason, 100) });
            await stl.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);

            await using var sys = new NpgsqlCommand(
                """
                insert into public.sys_load_error_detail (user_id, query_id, transaction_id, session_id, database_name, table_id, start_time, file_name,
                    line_number, column_name, column_type, column_length, position, error_code, error_message, copy_job_id)
                values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, 0)
                """, connection, transaction);
            sys.Parameters.Add(new NpgsqlParameter { Value = context.UserId });
            sys.Parameters.Add(new NpgsqlParameter { Value = queryId });
            sys.Parameters.Add(new NpgsqlParameter { Value = context.TransactionId });
            sys.Parameters.Add(new NpgsqlParameter { Value = context.SessionId });
            sys.Parameters.Add(new NpgsqlParameter { Value = Cut(context.DatabaseName, 64) });
            sys.Parameters.Add(new NpgsqlParameter { Value = context.TableId });
            sys.Parameters.Add(new NpgsqlParameter { Value = DateTime.SpecifyKind(context.StartTime, DateTimeKind.Unspecified), NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Timestamp });
            sys.Parameters.Add(new NpgsqlParameter { Value = Cut(row.FileName, 256) });
            sys.Parameters.Add(new NpgsqlParameter { Value = row.LineNumber });
            sys.Parameters.Add(new NpgsqlParameter { Value = Cut(p.Column?.Name ?? string.Empty, 127) });
            sys.Parameters.Add(new NpgsqlParameter { Value = Cut(p.Column?.FormattedType ?? string.Empty, 128) });
            sys.Parameters.Add(new NpgsqlParameter { Value = p.Column?.CharacterLength?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "0" });
            sys.Parameters.Add(new NpgsqlParameter { Value = p.Position });
            sys.Parameters.Add(new NpgsqlParameter { Value = p.Code });
            sys.Parameters.Add(new NpgsqlParameter { Value = Cut(p.Reason, 512) });
            await sys.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return queryId;
    }

    /// <summary>Makes the two tables exist (before the first COPY, so users can query them empty).</summary>
    public async Task EnsureTablesAsync(CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await EnsureTablesAsync(connection, cancellationToken).ConfigureAwait(false);
    }

    private async Task EnsureTablesAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        if (_ready)
        {
            return;
        }

        await _created.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_ready)
            {
                await using var command = new NpgsqlCommand(CreateTables, connection);
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                _ready = true;
            }
        }
        finally
        {
            _created.Release();
        }
    }

    private static string Cut(string text, int length) => text.Length <= length ? text : text[..length];
}
