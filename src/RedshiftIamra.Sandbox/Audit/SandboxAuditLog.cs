using System.Globalization;
using System.Text;
using System.Text.Json;

namespace RedshiftIamra.Sandbox;

/// <summary>
/// One call the sandbox answered, shaped like a CloudTrail record. It never holds a secret
/// access key, a session token or a signature; the access key id it names is not a secret.
/// </summary>
public sealed record SandboxAuditEvent
{
    public required DateTimeOffset EventTime { get; init; }

    /// <summary><c>rolesanywhere.amazonaws.com</c>, <c>redshift.amazonaws.com</c>, <c>redshift-serverless.amazonaws.com</c>, or <c>sandbox</c> for requests no service took.</summary>
    public required string EventSource { get; init; }

    /// <summary>The operation, e.g. <c>CreateSession</c>.</summary>
    public required string EventName { get; init; }

    public required string RequestId { get; init; }

    /// <summary><c>Success</c>, or the error code answered (<c>AccessDeniedException</c>, ...), or the fault played (<c>ConnectionReset</c>, <c>MalformedResponse</c>, <c>Scripted</c>).</summary>
    public required string Outcome { get; init; }

    /// <summary>The HTTP status answered (0 when the connection was reset).</summary>
    public int HttpStatus { get; init; }

    public string? ErrorMessage { get; init; }

    public string? SourceIPAddress { get; init; }

    public string? UserAgent { get; init; }

    /// <summary>The 1-based number of this call among calls to the same operation.</summary>
    public long CallNumber { get; init; }

    /// <summary>The signing certificate's subject.</summary>
    public string? Subject { get; init; }

    /// <summary>The signing certificate's serial number, decimal.</summary>
    public string? SerialNumber { get; init; }

    public string? TrustAnchorArn { get; init; }

    public string? ProfileArn { get; init; }

    public string? RoleArn { get; init; }

    public string? RoleSessionName { get; init; }

    /// <summary>The access key id CreateSession issued, or the one a Redshift call was signed with (never the secret).</summary>
    public string? AccessKeyId { get; init; }

    /// <summary>The session (or database credential) length granted, seconds.</summary>
    public int? DurationSeconds { get; init; }

    /// <summary>The database user a Redshift call was about (as returned, e.g. <c>IAM:analytics_user</c>); never its password.</summary>
    public string? DbUser { get; init; }

    public string? DbName { get; init; }

    public string? ClusterIdentifier { get; init; }

    public string? WorkgroupName { get; init; }

    /// <summary>The injected faults that shaped this answer, comma-separated.</summary>
    public string? Fault { get; init; }

    /// <summary>S3: the bucket a request named (CloudTrail data events: <c>requestParameters.bucketName</c>).</summary>
    public string? BucketName { get; init; }

    /// <summary>S3: the object key a request named (CloudTrail data events: <c>requestParameters.key</c>).</summary>
    public string? Key { get; init; }

    /// <summary>
    /// S3 PutObject / CreateMultipartUpload: the <c>x-amz-server-side-encryption</c> header as the
    /// client sent it (null when it sent none; S3 then applies the bucket default, SSE-S3). CloudTrail
    /// records the requested header under <c>requestParameters</c> ("Logging data events", CloudTrail
    /// User Guide; "Logging Amazon S3 API calls using AWS CloudTrail", S3 User Guide).
    /// </summary>
    public string? ServerSideEncryption { get; init; }

    /// <summary>S3: the <c>x-amz-server-side-encryption-aws-kms-key-id</c> header as sent.</summary>
    public string? KmsKeyId { get; init; }
}

/// <summary>
/// The audit log: JSON lines in a file (<c>audit.jsonl</c>) and the same events in memory,
/// with counts for tests.
/// </summary>
public sealed class SandboxAuditLog : IDisposable
{
    private readonly object _lock = new();
    private readonly List<SandboxAuditEvent> _events = new();
    private FileStream? _file;

    /// <summary>Creates a log that also appends to <paramref name="path"/> (null: memory only).</summary>
    public SandboxAuditLog(string? path)
    {
        Path = path;
        if (path is not null)
        {
            _file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        }
    }

    public string? Path { get; }

    /// <summary>Every event so far, oldest first.</summary>
    public IReadOnlyList<SandboxAuditEvent> Events
    {
        get
        {
            lock (_lock)
            {
                return _events.ToList();
            }
        }
    }

    /// <summary>Events for an operation (any when null) with an outcome (any when null).</summary>
    public IReadOnlyList<SandboxAuditEvent> Find(string? eventName = null, string? outcome = null)
    {
        lock (_lock)
        {
            return _events.Where(e => (eventName is null || e.EventName == eventName) && (outcome is null || e.Outcome == outcome)).ToList();
        }
    }

    /// <summary>How many events for an operation (any when null) with an outcome (any when null).</summary>
    public int Count(string? eventName = null, string? outcome = null) => Find(eventName, outcome).Count;

    /// <summary>Counts by operation and outcome, e.g. <c>["CreateSession"]["Success"] = 3</c>.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, int>> CountByOutcome()
    {
        lock (_lock)
        {
            return _events.GroupBy(e => e.EventName).ToDictionary(
                g => g.Key,
                g => (IReadOnlyDictionary<string, int>)g.GroupBy(e => e.Outcome).ToDictionary(o => o.Key, o => o.Count()));
        }
    }

    internal void Write(SandboxAuditEvent auditEvent)
    {
        var line = Encoding.UTF8.GetBytes(ToJson(auditEvent) + "\n");
        lock (_lock)
        {
            _events.Add(auditEvent);
            if (_file is not null)
            {
                _file.Write(line);
                _file.Flush();
            }
        }
    }

    /// <summary>The JSON line of an event (CloudTrail-like camelCase names; absent values left out).</summary>
    public static string ToJson(SandboxAuditEvent e)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WriteString("eventTime", e.EventTime.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
            writer.WriteString("eventSource", e.EventSource);
            writer.WriteString("eventName", e.EventName);
            writer.WriteString("requestId", e.RequestId);
            writer.WriteString("outcome", e.Outcome);
            writer.WriteNumber("httpStatus", e.HttpStatus);
            writer.WriteNumber("callNumber", e.CallNumber);
            Optional("errorMessage", e.ErrorMessage);
            Optional("sourceIPAddress", e.SourceIPAddress);
            Optional("userAgent", e.UserAgent);
            Optional("subject", e.Subject);
            Optional("serialNumber", e.SerialNumber);
            Optional("trustAnchorArn", e.TrustAnchorArn);
            Optional("profileArn", e.ProfileArn);
            Optional("roleArn", e.RoleArn);
            Optional("roleSessionName", e.RoleSessionName);
            Optional("accessKeyId", e.AccessKeyId);
            if (e.DurationSeconds is { } duration)
            {
                writer.WriteNumber("durationSeconds", duration);
            }

            Optional("dbUser", e.DbUser);
            Optional("dbName", e.DbName);
            Optional("clusterIdentifier", e.ClusterIdentifier);
            Optional("workgroupName", e.WorkgroupName);
            Optional("fault", e.Fault);
            Optional("bucketName", e.BucketName);
            Optional("key", e.Key);
            Optional("serverSideEncryption", e.ServerSideEncryption);
            Optional("kmsKeyId", e.KmsKeyId);
            writer.WriteEndObject();

            void Optional(string name, string? value)
            {
                if (value is not null)
                {
                    writer.WriteString(name, value);
                }
            }
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _file?.Dispose();
            _file = null;
        }
    }
}
