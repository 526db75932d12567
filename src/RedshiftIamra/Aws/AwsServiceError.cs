using System.Collections.Frozen;
using System.Net;

namespace RedshiftIamra.Aws;

/// <summary>An error an AWS API answered with: HTTP status, error code, message, request id.</summary>
public sealed record AwsServiceError(HttpStatusCode Status, string Code, string Message, string? RequestId, DateTimeOffset? ServerDate)
{
    private static readonly FrozenSet<string> s_throttlingCodes = new HashSet<string>(StringComparer.Ordinal)
    {
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException", "TooManyRequestsException",
        "ProvisionedThroughputExceededException", "TransactionInProgressException", "RequestLimitExceeded",
        "BandwidthLimitExceeded", "LimitExceededException", "RequestThrottled", "SlowDown", "PriorRequestNotComplete",
        "EC2ThrottledException",
    }.ToFrozenSet(StringComparer.Ordinal);

    private static readonly FrozenSet<string> s_clockSkewCodes = new HashSet<string>(StringComparer.Ordinal)
    {
        "RequestTimeTooSkewed", "RequestExpired", "InvalidSignatureException", "SignatureDoesNotMatch",
        "AuthFailure", "RequestInTheFuture",
    }.ToFrozenSet(StringComparer.Ordinal);

    public bool IsThrottling => s_throttlingCodes.Contains(Code) || Status == (HttpStatusCode)429;

    public bool IsTransient => Status is HttpStatusCode.InternalServerError or HttpStatusCode.BadGateway
        or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout
        || Code is "InternalServerException" or "InternalFailure" or "ServiceUnavailable" or "InternalError";

    public bool IsRetryable => IsThrottling || IsTransient;

    /// <summary>Could this error come from a signing time the server considers wrong?</summary>
    public bool MayBeClockSkew =>
        s_clockSkewCodes.Contains(Code)
        || Message.Contains("Signature expired", StringComparison.OrdinalIgnoreCase)
        || Message.Contains("signing time", StringComparison.OrdinalIgnoreCase)
        || Message.Contains("clock", StringComparison.OrdinalIgnoreCase)
        || Message.Contains("time window", StringComparison.OrdinalIgnoreCase);

    public override string ToString() => $"{(int)Status} {Code}: {Message}{(RequestId is null ? string.Empty : $" (request id {RequestId})")}";

    /// <summary>Reads <c>x-amzn-ErrorType</c> or <c>__type</c>: strips a namespace before '#' and details after ':'.</summary>
    public static string NormalizeCode(string? raw)
    {
        if (string.IsNullOrWhiteSpace(raw))
        {
            return string.Empty;
        }

        var code = raw;
        var hash = code.LastIndexOf('#');
        if (hash >= 0)
        {
            code = code[(hash + 1)..];
        }

        var colon = code.IndexOf(':', StringComparison.Ordinal);
        if (colon >= 0)
        {
            code = code[..colon];
        }

        return code.Trim();
    }
}

/// <summary>An AWS API failed for a reason the service stated (after retries where they apply).</summary>
public sealed class AwsServiceException : Exception
{
    public AwsServiceException(AwsServiceError error, string operation, TimeSpan elapsed, int attempts)
        : base($"{operation} failed: {error}")
    {
        Error = error;
        Operation = operation;
        Elapsed = elapsed;
        Attempts = attempts;
    }

    public AwsServiceError Error { get; }

    public string Operation { get; }

    public TimeSpan Elapsed { get; }

    public int Attempts { get; }
}
