using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using RedshiftIamra.Aws;
using RedshiftIamra.Signing;

namespace RedshiftIamra.Redshift;

/// <summary>
/// Calls Amazon Redshift Serverless over AWS JSON 1.1: <c>POST /</c>,
/// <c>X-Amz-Target: RedshiftServerless.{Operation}</c>, signed with SigV4 (HMAC) as
/// <c>redshift-serverless</c>.
/// </summary>
public sealed class RedshiftServerlessClient : IRedshiftServerlessClient
{
    public const string SigningName = "redshift-serverless";
    public const string ContentType = "application/x-amz-json-1.1";
    public const string TargetPrefix = "RedshiftServerless";

    /// <summary>The key of <c>AWS_ENDPOINT_URL_REDSHIFT_SERVERLESS</c>.</summary>
    public const string EndpointEnvironmentKey = "REDSHIFT_SERVERLESS";

    private readonly RedshiftClientConfig _config;
    private readonly AwsRequestSender _sender;

    public RedshiftServerlessClient(RedshiftClientConfig config, AwsRequestSender? sender = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        _config = config;
        _sender = sender ?? AwsRequestSender.Default;
    }

    /// <summary>The endpoint for <paramref name="region"/>: the explicit URL, then <c>AWS_ENDPOINT_URL_REDSHIFT_SERVERLESS</c>, <c>AWS_ENDPOINT_URL</c>, then the regional (or FIPS) default.</summary>
    public static AwsEndpoint ResolveEndpoint(string? explicitUrl, string region, bool allowInsecureHttp = false, Func<string, string?>? environment = null) =>
        AwsEndpoint.Resolve(explicitUrl, EndpointEnvironmentKey, SigningName, region, allowInsecureHttp, environment);

    public async Task<GetCredentialsResponse> GetCredentialsAsync(GetCredentialsRequest request, IOperationLog log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.WorkgroupName is not null)
        {
            RedshiftNames.ValidateWorkgroupName(request.WorkgroupName);
        }
        else if (string.IsNullOrWhiteSpace(request.CustomDomainName))
        {
            throw new IamraException(RedshiftNames.InvalidWorkgroupName, IamraErrorCategory.InvalidArgument,
                "Give -WorkgroupName (the first label of the workgroup's host name) or -CustomDomainName: Redshift Serverless needs one of them to know which workgroup to issue credentials for.");
        }

        if (request.DbName is not null)
        {
            RedshiftNames.ValidateDbName(request.DbName);
        }

        if (request.DurationSeconds is not null)
        {
            RedshiftNames.ValidateDuration(request.DurationSeconds);
        }

        var context = new RedshiftErrorContext("GetCredentials", _config.Region, _config.Endpoint)
        {
            WorkgroupName = request.WorkgroupName,
            DbName = request.DbName,
            CustomDomainName = request.CustomDomainName,
        };
        var (root, requestId) = await SendAsync(context, BuildGetCredentialsBody(request), log, cancellationToken).ConfigureAwait(false);
        using (root)
        {
            var element = root.RootElement;
            return new GetCredentialsResponse(
                RequiredString(element, "dbUser", context, requestId),
                RequiredString(element, "dbPassword", context, requestId),
                Time(element, "expiration", context, requestId) ?? throw InvalidResponse(context, requestId, "'expiration' is missing"),
                Time(element, "nextRefreshTime", context, requestId))
            {
                RequestId = requestId,
            };
        }
    }

    public async Task<GetWorkgroupResponse> GetWorkgroupAsync(GetWorkgroupRequest request, IOperationLog log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        RedshiftNames.ValidateWorkgroupName(request.WorkgroupName);
        var context = new RedshiftErrorContext("GetWorkgroup", _config.Region, _config.Endpoint) { WorkgroupName = request.WorkgroupName };
        var (root, requestId) = await SendAsync(context, BuildGetWorkgroupBody(request), log, cancellationToken).ConfigureAwait(false);
        using (root)
        {
            if (!root.RootElement.TryGetProperty("workgroup", out var workgroup) || workgroup.ValueKind != JsonValueKind.Object)
            {
                throw InvalidResponse(context, requestId, "the answer has no 'workgroup' object");
            }

            WorkgroupEndpoint? endpoint = null;
            if (workgroup.TryGetProperty("endpoint", out var e) && e.ValueKind == JsonValueKind.Object && OptionalString(e, "address") is { Length: > 0 } address)
            {
                if (!e.TryGetProperty("port", out var p) || p.ValueKind != JsonValueKind.Number || !p.TryGetInt32(out var port) || port is < 1 or > 65535)
                {
                    throw InvalidResponse(context, requestId, "the workgroup endpoint has no valid 'port'");
                }

                endpoint = new WorkgroupEndpoint(address, port);
            }

            return new GetWorkgroupResponse(new Workgroup(RequiredString(workgroup, "workgroupName", context, requestId), OptionalString(workgroup, "status"), endpoint)
            {
                WorkgroupArn = OptionalString(workgroup, "workgroupArn"),
                CustomDomainName = OptionalString(workgroup, "customDomainName"),
            })
            {
                RequestId = requestId,
            };
        }
    }

    // ---- request bodies -------------------------------------------------------------------

    internal static byte[] BuildGetCredentialsBody(GetCredentialsRequest request) => Json(writer =>
    {
        if (request.CustomDomainName is not null)
        {
            writer.WriteString("customDomainName", request.CustomDomainName);
        }

        if (request.DbName is not null)
        {
            writer.WriteString("dbName", request.DbName);
        }

        if (request.DurationSeconds is { } duration)
        {
            writer.WriteNumber("durationSeconds", duration);
        }

        if (request.WorkgroupName is not null)
        {
            writer.WriteString("workgroupName", request.WorkgroupName);
        }
    });

    internal static byte[] BuildGetWorkgroupBody(GetWorkgroupRequest request) => Json(writer => writer.WriteString("workgroupName", request.WorkgroupName));

    private static byte[] Json(Action<Utf8JsonWriter> members)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            members(writer);
            writer.WriteEndObject();
        }

        return stream.ToArray();
    }

    // ---- sending and parsing ------------------------------------------------------------------

    private async Task<(JsonDocument Document, string? RequestId)> SendAsync(RedshiftErrorContext context, byte[] body, IOperationLog log, CancellationToken cancellationToken)
    {
        var credentials = await _config.Credentials.GetCredentialsAsync(cancellationToken).ConfigureAwait(false);
        context = context with { AccountId = _config.AccountId ?? _config.Credentials.AccountId };
        log.Verbose($"{context.Operation}: signing as {credentials.AccessKeyId} from {_config.Credentials.Description}; endpoint {_config.Endpoint.Uri} ({_config.Endpoint.Source}).");
        var awsRequest = new AwsRequest(context.Operation, HttpMethod.Post, _config.Endpoint.Uri, body, ContentType)
        {
            Headers = [new("X-Amz-Target", $"{TargetPrefix}.{context.Operation}")],
        };
        AwsResponse response;
        try
        {
            response = await _sender.SendAsync(awsRequest, new HmacSignatureProvider(credentials), _config.Region, SigningName, _config.Http, ParseError, log, cancellationToken).ConfigureAwait(false);
        }
        catch (AwsServiceException e)
        {
            throw RedshiftErrors.Map(e, context);
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(response.Body);
        }
        catch (JsonException e)
        {
            throw new IamraException(ErrorIds.Aws.InvalidResponse, IamraErrorCategory.InvalidResult,
                $"Redshift Serverless {context.Operation} answered with a body that is not valid JSON ({e.Message}); request id {response.RequestId ?? "unknown"}. Check -EndpointUrl: it may not be a Redshift Serverless endpoint.", response.RequestId, e);
        }

        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            document.Dispose();
            throw InvalidResponse(context, response.RequestId, "the answer is not a JSON object");
        }

        return (document, response.RequestId);
    }

    /// <summary>Reads a JSON 1.1 error: the code from <c>x-amzn-ErrorType</c>, else <c>__type</c> (namespace and details stripped), the message from <c>message</c>.</summary>
    internal static AwsServiceError ParseError(HttpStatusCode status, HttpResponseHeaders headers, byte[] body)
    {
        var code = AwsServiceError.NormalizeCode(headers.TryGetValues("x-amzn-ErrorType", out var types) ? types.FirstOrDefault() : null);
        string? message = null;
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object)
            {
                if (code.Length == 0)
                {
                    code = AwsServiceError.NormalizeCode(OptionalString(root, "__type") ?? OptionalString(root, "code") ?? OptionalString(root, "Code"));
                }

                message = OptionalString(root, "message") ?? OptionalString(root, "Message");
            }
        }
        catch (JsonException)
        {
            message = body.Length == 0 ? null : Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 300)).Trim();
        }

        if (code.Length == 0)
        {
            code = status switch
            {
                HttpStatusCode.Forbidden => "AccessDeniedException",
                HttpStatusCode.NotFound => "ResourceNotFoundException",
                (HttpStatusCode)429 => "ThrottlingException",
                _ => $"Http{(int)status}",
            };
        }

        var requestId = headers.TryGetValues("x-amzn-RequestId", out var ids) ? ids.FirstOrDefault() : null;
        return new AwsServiceError(status, code, string.IsNullOrEmpty(message) ? $"HTTP {(int)status} {status}" : message, requestId, headers.Date);
    }

    private static string? OptionalString(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string RequiredString(JsonElement element, string name, RedshiftErrorContext context, string? requestId) =>
        OptionalString(element, name) is { Length: > 0 } value ? value : throw InvalidResponse(context, requestId, $"'{name}' is missing or not a string");

    /// <summary>A timestamp: epoch seconds as the model says (whole or fractional), or, defensively, an ISO 8601 string or a numeric string.</summary>
    private static DateTimeOffset? Time(JsonElement element, string name, RedshiftErrorContext context, string? requestId)
    {
        if (!element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var seconds) && RedshiftTime.TryFromEpoch(seconds, out var fromNumber))
        {
            return fromNumber;
        }

        if (value.ValueKind == JsonValueKind.String && RedshiftTime.TryParse(value.GetString()!, out var fromText))
        {
            return fromText;
        }

        throw InvalidResponse(context, requestId, $"'{name}' = {value.GetRawText()} is not a timestamp");
    }

    private static IamraException InvalidResponse(RedshiftErrorContext context, string? requestId, string why) =>
        new(ErrorIds.Aws.InvalidResponse, IamraErrorCategory.InvalidResult,
            $"Redshift Serverless {context.Operation} answered but {why}; request id {requestId ?? "unknown"}. Check -EndpointUrl: it may not be a Redshift Serverless endpoint.", requestId);
}
