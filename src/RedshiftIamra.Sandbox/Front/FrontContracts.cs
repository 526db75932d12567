namespace RedshiftIamra.Sandbox.Front;

/// <summary>
/// One client session's backend connection as the Redshift front holds it: statements run here
/// run inside the client's own transaction on the PostgreSQL that stores the data. The front
/// implements it over its proxied backend connection; tests may implement it over an Npgsql
/// connection.
/// </summary>
public interface IBackendSession
{
    /// <summary>Runs one statement; rows come back in text form (null for SQL NULL), one call each.</summary>
    /// <returns>The result's columns (empty for a statement that returns no rows).</returns>
    Task<IReadOnlyList<BackendColumn>> QueryAsync(string sql, Func<IReadOnlyList<string?>, ValueTask> onRow, CancellationToken cancellationToken);

    /// <summary>Runs a statement that returns no rows; the affected row count when the backend reports one.</summary>
    Task<long> ExecuteAsync(string sql, CancellationToken cancellationToken);

    /// <summary>
    /// Runs <paramref name="copyFromStdinSql"/> (a PostgreSQL <c>COPY ... FROM STDIN</c>) and feeds it
    /// what <paramref name="writeData"/> writes, in the COPY's own format.
    /// </summary>
    /// <returns>The rows the backend loaded.</returns>
    Task<long> CopyInAsync(string copyFromStdinSql, Func<Stream, CancellationToken, Task> writeData, CancellationToken cancellationToken);
}

/// <summary>A result column as the backend describes it (<paramref name="TypeModifier"/>: PostgreSQL's atttypmod, -1 when none).</summary>
public sealed record BackendColumn(string Name, uint TypeOid, int TypeModifier = -1);

/// <summary>What the front knows of the client session a statement came from.</summary>
public sealed record FrontSessionInfo(string UserName, string DatabaseName, bool InTransaction);

/// <summary>
/// A statement the front answers itself instead of passing it to PostgreSQL (Redshift's
/// <c>COPY ... FROM 's3://...'</c>, <c>UNLOAD</c>). The front asks each handler in turn.
/// </summary>
public interface IRedshiftStatementHandler
{
    /// <summary>
    /// Null when <paramref name="sql"/> is not this handler's; otherwise runs it on
    /// <paramref name="backend"/> and says what to answer. Throws <see cref="RedshiftSqlException"/>
    /// for an error the client is to see (the front then fails the client's transaction as
    /// PostgreSQL would).
    /// </summary>
    Task<StatementOutcome?> TryHandleAsync(string sql, IBackendSession backend, FrontSessionInfo session, CancellationToken cancellationToken);
}

/// <summary>What the front sends back for a handled statement: notices (INFO) first, then the command tag.</summary>
public sealed record StatementOutcome(string CommandTag, IReadOnlyList<string> Notices);

/// <summary>An error as Redshift words it, to be sent to the client as an ErrorResponse.</summary>
public sealed class RedshiftSqlException : Exception
{
    public RedshiftSqlException(string sqlState, string message, string? detail = null, string? hint = null)
        : base(message)
    {
        SqlState = sqlState;
        Detail = detail;
        Hint = hint;
    }

    /// <summary>The five-character SQLSTATE (e.g. <c>XX000</c>, <c>0A000</c>).</summary>
    public string SqlState { get; }

    public string? Detail { get; }

    public string? Hint { get; }

    /// <summary>The backend's context field (<c>W</c>), e.g. PostgreSQL's <c>COPY t, line 12, column c: "value"</c>.</summary>
    public string? Where { get; init; }
}
