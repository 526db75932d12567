using System.Text;

namespace RedshiftIamra.Sandbox;

/// <summary>What the sandbox answers to one request.</summary>
internal sealed class SandboxHttpResponse
{
    public SandboxHttpResponse(int status, byte[]? body = null, string? contentType = null)
    {
        Status = status;
        Body = body ?? [];
        ContentType = contentType;
    }

    public int Status { get; }

    public byte[] Body { get; }

    public string? ContentType { get; }

    /// <summary>Headers besides <c>Date</c>, <c>x-amzn-RequestId</c>, <c>Content-Type</c>, <c>Content-Length</c> and <c>Connection</c>.</summary>
    public List<KeyValuePair<string, string>> Headers { get; } = new();

    /// <summary>A body sent from a stream (disposed after sending), <see cref="ContentLength"/> bytes of it; <see cref="Body"/> is then empty.</summary>
    public Stream? BodyStream { get; init; }

    /// <summary>The Content-Length to send when it is not <see cref="Body"/>'s: a streamed body's, or a HEAD answer's (no body follows).</summary>
    public long? ContentLength { get; init; }

    /// <summary>The time sent in <c>Date</c> (the server clock when null).</summary>
    public DateTimeOffset? Date { get; set; }

    /// <summary>Close the connection after this answer.</summary>
    public bool Close { get; init; }

    /// <summary>Send no answer at all: reset the connection (a fault).</summary>
    public bool Abort { get; init; }

    /// <summary>Leave out <c>Date</c> and <c>x-amzn-RequestId</c> (scripted answers that must not have them).</summary>
    public bool OmitStandardHeaders { get; init; }

    public static SandboxHttpResponse Reset() => new(0) { Abort = true };

    public static SandboxHttpResponse Json(int status, string json) => new(status, Encoding.UTF8.GetBytes(json), "application/json");

    public static SandboxHttpResponse Text(int status, string text, bool close = false) =>
        new(status, Encoding.UTF8.GetBytes(text), "text/plain; charset=utf-8") { Close = close };

    public static string ReasonPhrase(int status) => status switch
    {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        206 => "Partial Content",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        408 => "Request Timeout",
        411 => "Length Required",
        413 => "Content Too Large",
        416 => "Range Not Satisfiable",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        _ => "Status " + status.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
