namespace RedshiftIamra;

/// <summary>
/// What kind of failure an <see cref="IamraException"/> is. The names match PowerShell's
/// <c>ErrorCategory</c> so the cmdlet layer maps them one to one; the engine itself stays
/// free of PowerShell types.
/// </summary>
public enum IamraErrorCategory
{
    NotSpecified,
    InvalidArgument,
    InvalidData,
    InvalidOperation,
    InvalidResult,
    ObjectNotFound,
    NotImplemented,
    NotInstalled,
    OpenError,
    ReadError,
    WriteError,
    ResourceUnavailable,
    ConnectionError,
    OperationTimeout,
    OperationStopped,
    LimitsExceeded,
    PermissionDenied,
    SecurityError,
    AuthenticationError,
    ProtocolError,
}

/// <summary>
/// A failure the user can act on: a stable error id (<c>IamraCertificateExpired</c>,
/// <c>RedshiftClusterNotFound</c>, ...), a category, the object it concerns and a message
/// that says what failed and what to do. Messages never contain secrets.
/// </summary>
public class IamraException : Exception
{
    public IamraException(string errorId, IamraErrorCategory category, string message, object? target = null, Exception? innerException = null)
        : base(message, innerException)
    {
        ErrorId = errorId;
        Category = category;
        Target = target;
    }

    /// <summary>The stable identifier of this kind of failure.</summary>
    public string ErrorId { get; }

    public IamraErrorCategory Category { get; }

    /// <summary>The object the failure concerns (a path, an ARN, a certificate).</summary>
    public object? Target { get; }

    /// <summary>What the user can do about it, when the message alone does not say.</summary>
    public string? RecommendedAction { get; init; }
}
