using System.Text;
using System.Text.Json;

namespace RedshiftIamra.Sandbox;

/// <summary>
/// One AWS API the sandbox plays. The dispatcher routes a request to a service by
/// <c>X-Amz-Target</c> (JSON 1.0/1.1 services: <see cref="TargetPrefix"/>), by the form field
/// <c>Action=</c> (Query services: <see cref="QuerySigningName"/>, the scope service of the
/// signature), or by method and path (REST services: <see cref="MatchRestOperation"/>).
/// </summary>
internal interface ISandboxService
{
    /// <summary>The signing name, e.g. <c>rolesanywhere</c>.</summary>
    string Name { get; }

    /// <summary>The CloudTrail event source, e.g. <c>rolesanywhere.amazonaws.com</c>.</summary>
    string EventSource { get; }

    /// <summary>For JSON services: the <c>X-Amz-Target</c> prefix, e.g. <c>RedshiftServerless.</c>.</summary>
    string? TargetPrefix { get; }

    /// <summary>For Query services: the signing name that selects this service for an <c>Action=</c> form.</summary>
    string? QuerySigningName { get; }

    /// <summary>For REST services: the operation a method and path name, or null.</summary>
    string? MatchRestOperation(SandboxHttpRequest request);

    Task<SandboxHttpResponse> HandleAsync(SandboxCall call, CancellationToken cancellationToken);

    /// <summary>An error in this service's protocol (JSON with <c>x-amzn-ErrorType</c>, or Query XML).</summary>
    SandboxHttpResponse Error(SandboxCall call, int status, string code, string message);

    /// <summary>The code this service answers for a fault's error code (Query services say <c>Throttling</c> for <c>ThrottlingException</c>).</summary>
    string ProtocolErrorCode(string code) => code;
}

/// <summary>An error a service answers: HTTP status, AWS error code and message.</summary>
internal sealed class SandboxServiceException(int status, string code, string message) : Exception(message)
{
    public int Status { get; } = status;

    public string Code { get; } = code;

    public static SandboxServiceException AccessDenied(string message) => new(403, "AccessDeniedException", message);

    public static SandboxServiceException Validation(string message) => new(400, "ValidationException", message);

    public static SandboxServiceException NotFound(string message) => new(404, "ResourceNotFoundException", message);
}

/// <summary>One call to a service operation, with what the dispatcher decided about it.</summary>
internal sealed class SandboxCall
{
    public SandboxCall(SandboxHttpRequest request, ISandboxService service, string operation, long callNumber, DateTimeOffset now, SandboxFault? malformed)
    {
        Request = request;
        Service = service;
        Operation = operation;
        CallNumber = callNumber;
        Now = now;
        Malformed = malformed;
    }

    public SandboxHttpRequest Request { get; set; }

    public ISandboxService Service { get; }

    public string Operation { get; }

    public long CallNumber { get; }

    /// <summary>The server's time for this call (clock offset and clock-shift faults applied).</summary>
    public DateTimeOffset Now { get; }

    /// <summary>A malformed-body fault to answer instead of success, if any.</summary>
    public SandboxFault? Malformed { get; }

    /// <summary>Audit facts the service learned (subject, ARNs, access key id).</summary>
    public SandboxAuditFacts Audit { get; } = new();
}

/// <summary>What a service tells the audit log about a call.</summary>
internal sealed class SandboxAuditFacts
{
    public string? Subject { get; set; }

    public string? SerialNumber { get; set; }

    public string? TrustAnchorArn { get; set; }

    public string? ProfileArn { get; set; }

    public string? RoleArn { get; set; }

    public string? RoleSessionName { get; set; }

    public string? AccessKeyId { get; set; }

    public int? DurationSeconds { get; set; }

    /// <summary>The database user a Redshift call was about (as returned, e.g. <c>IAM:analytics_user</c>); never its password.</summary>
    public string? DbUser { get; set; }

    public string? DbName { get; set; }

    public string? ClusterIdentifier { get; set; }

    public string? WorkgroupName { get; set; }

    /// <summary>Set when the service answered a malformed body on purpose.</summary>
    public bool MalformedAnswer { get; set; }
}

/// <summary>JSON helpers for the JSON-speaking services.</summary>
internal static class AwsJson
{
    public static string ErrorBody(string message) => Write(w => w.WriteString("message", message));

    public static string Write(Action<Utf8JsonWriter> body)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>A REST-JSON error: <c>{"message": ...}</c> with the code in <c>x-amzn-ErrorType</c>.</summary>
    public static SandboxHttpResponse Error(int status, string code, string message)
    {
        var response = SandboxHttpResponse.Json(status, ErrorBody(message));
        response.Headers.Add(new("x-amzn-ErrorType", code));
        return response;
    }
}
