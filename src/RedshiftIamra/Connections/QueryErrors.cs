namespace RedshiftIamra.Connections;

/// <summary>Turns a server's error for a statement into a message that says where and why.</summary>
public static class QueryErrors
{
    public static RedshiftQueryException FromServer(Npgsql.PostgresException e, string query)
    {
        ArgumentNullException.ThrowIfNull(e);
        ArgumentNullException.ThrowIfNull(query);
        var category = e.SqlState switch
        {
            SqlStates.QueryCanceled => IamraErrorCategory.OperationTimeout,
            _ when e.SqlState.StartsWith(SqlStates.ClassSyntaxErrorOrAccessRuleViolation, StringComparison.Ordinal) => IamraErrorCategory.InvalidArgument,
            _ when e.SqlState.StartsWith(SqlStates.ClassInvalidAuthorization, StringComparison.Ordinal) => IamraErrorCategory.AuthenticationError,
            _ when e.SqlState.StartsWith(SqlStates.ClassInsufficientResources, StringComparison.Ordinal) => IamraErrorCategory.ResourceUnavailable,
            _ when e.SqlState.StartsWith(SqlStates.ClassDataException, StringComparison.Ordinal) => IamraErrorCategory.InvalidData,
            _ => IamraErrorCategory.InvalidOperation,
        };
        var id = e.SqlState == SqlStates.QueryCanceled ? ErrorIds.Query.Canceled : ErrorIds.Query.Failed;
        var at = e.Position > 0 ? $" at character {e.Position} (near '{Near(query, e.Position)}')" : string.Empty;
        var message = e.SqlState == SqlStates.QueryCanceled
            ? $"The query was canceled on the server: {e.MessageText} (SQLSTATE {SqlStates.QueryCanceled}). Raise -CommandTimeout or the statement timeout if it needs longer."
            : $"The query failed{at}: {e.MessageText} (SQLSTATE {e.SqlState}).{(e.Detail is null ? string.Empty : " " + e.Detail)}{(e.Hint is null ? string.Empty : " Hint: " + e.Hint)}";
        return new RedshiftQueryException(id, category, message, e.SqlState, e.MessageText, e.Position, e.Detail, e.Hint, query, e);
    }

    private static string Near(string query, int position)
    {
        var start = Math.Clamp(position - 1, 0, query.Length);
        return query.Substring(start, Math.Min(20, query.Length - start)).ReplaceLineEndings(" ");
    }
}

/// <summary>A failed SQL statement: the server's SQLSTATE, message and position.</summary>
public sealed class RedshiftQueryException : IamraException
{
    public RedshiftQueryException(string errorId, IamraErrorCategory category, string message, string sqlState, string serverMessage, int position, string? detail, string? hint, object? target, Exception? inner)
        : base(errorId, category, message, target, inner)
    {
        SqlState = sqlState;
        ServerMessage = serverMessage;
        Position = position;
        Detail = detail;
        Hint = hint;
    }

    /// <summary>The five-character SQLSTATE, e.g. <c>42P01</c> (undefined table).</summary>
    public string SqlState { get; }

    public string ServerMessage { get; }

    /// <summary>The 1-based character position of the error in the statement, 0 when none.</summary>
    public int Position { get; }

    public string? Detail { get; }

    public string? Hint { get; }
}
