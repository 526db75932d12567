namespace RedshiftIamra.Connections;

/// <summary>Error ids for database connections and queries.</summary>
public static class ConnectionErrors
{
    public const string RootCertificateNotFound = "RedshiftRootCertificateNotFound";
    public const string TlsVerificationFailed = "RedshiftTlsVerificationFailed";
    public const string LoginFailed = "RedshiftLoginFailed";
    public const string ConnectFailed = "RedshiftConnectFailed";
    public const string QueryFailed = "RedshiftQueryFailed";
    public const string QueryCanceled = "RedshiftQueryCanceled";
    public const string QueryTimeout = "RedshiftQueryTimeout";
    public const string NoConnection = "RedshiftNoConnection";
    public const string ConnectionClosed = "RedshiftConnectionClosed";
    public const string InvalidParameter = "RedshiftInvalidQueryParameter";
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
