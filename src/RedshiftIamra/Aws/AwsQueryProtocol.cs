using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using RedshiftIamra.Signing;

namespace RedshiftIamra.Aws;

/// <summary>Where and how a client of one AWS API calls it: signing region, endpoint, credentials, HTTP settings.</summary>
public record AwsClientConfig
{
    /// <summary>The signing region.</summary>
    public required string Region { get; init; }

    public required AwsEndpoint Endpoint { get; init; }

    /// <summary>The AWS credentials requests are signed with (asked for on every call, so they may refresh).</summary>
    public required AwsCredentialSource Credentials { get; init; }

    public AwsHttpSettings Http { get; init; } = new();
}

/// <summary>One call of a Query-protocol API: who answers, the operation, its form body and the result element to read.</summary>
/// <param name="ServiceName">The service as messages name it: <c>Redshift</c>, <c>CloudFormation</c>.</param>
/// <param name="SigningName">The SigV4 service name: <c>redshift</c>, <c>cloudformation</c>.</param>
public sealed record AwsQueryCall(string ServiceName, string SigningName, string Operation, byte[] Body, string ResultElement);

/// <summary>The result element of a successful Query answer, and its request id.</summary>
public sealed record AwsQueryResult(XElement Element, string? RequestId);

/// <summary>
/// The AWS Query protocol shared by the clients that speak it (Redshift, CloudFormation):
/// <c>POST /</c> with a form body <c>Action=...&amp;Version=...</c>, signed with SigV4 (HMAC),
/// answered with XML (<c>&lt;{Operation}Response&gt;&lt;{Operation}Result&gt;</c>) or an
/// <c>&lt;ErrorResponse&gt;</c>.
/// </summary>
public static class AwsQueryProtocol
{
    public const string ContentType = "application/x-www-form-urlencoded; charset=utf-8";

    /// <summary>
    /// Signs and sends <paramref name="call"/> (retries, timeouts and clock skew are the
    /// sender's), and returns its result element. A service error, after retries, goes
    /// through <paramref name="mapError"/>; an answer that is not the expected XML is
    /// <see cref="ErrorIds.Aws.InvalidResponse"/>.
    /// </summary>
    public static async Task<AwsQueryResult> SendAsync(AwsRequestSender sender, AwsClientConfig config, AwsQueryCall call,
        Func<AwsServiceException, Exception> mapError, IOperationLog log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sender);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(mapError);
        var credentials = await config.Credentials.GetCredentialsAsync(cancellationToken).ConfigureAwait(false);
        log.Verbose($"{call.Operation}: signing as {credentials.AccessKeyId} from {config.Credentials.Description}; endpoint {config.Endpoint.Uri} ({config.Endpoint.Source}).");
        var request = new AwsRequest(call.Operation, HttpMethod.Post, config.Endpoint.Uri, call.Body, ContentType);
        AwsResponse response;
        try
        {
            response = await sender.SendAsync(request, new HmacSignatureProvider(credentials), config.Region, call.SigningName, config.Http, ParseError, log, cancellationToken).ConfigureAwait(false);
        }
        catch (AwsServiceException e)
        {
            throw mapError(e);
        }

        XDocument document;
        try
        {
            document = LoadXml(response.Body);
        }
        catch (XmlException e)
        {
            throw new IamraException(ErrorIds.Aws.InvalidResponse, IamraErrorCategory.InvalidResult,
                $"{call.ServiceName} {call.Operation} answered HTTP {(int)response.Status} with a body that is not XML ({e.Message}); request id {response.RequestId ?? "unknown"}. Check -EndpointUrl: it may not be a {call.ServiceName} endpoint.", response.RequestId, e);
        }

        var requestId = document.Descendants().FirstOrDefault(e => e.Name.LocalName == "RequestId")?.Value.Trim() is { Length: > 0 } id ? id : response.RequestId;
        var result = document.Descendants().FirstOrDefault(e => e.Name.LocalName == call.ResultElement)
            ?? throw InvalidResponse(call.ServiceName, call.Operation, requestId, $"the answer has no {call.ResultElement} element");
        return new AwsQueryResult(result, requestId);
    }

    /// <summary>An answer that parsed but does not hold what the operation promises.</summary>
    public static IamraException InvalidResponse(string serviceName, string operation, string? requestId, string why) =>
        new(ErrorIds.Aws.InvalidResponse, IamraErrorCategory.InvalidResult,
            $"{serviceName} {operation} answered but {why}; request id {requestId ?? "unknown"}. Check -EndpointUrl: it may not be a {serviceName} endpoint.", requestId);

    /// <summary>Reads a Query-protocol error: <c>&lt;ErrorResponse&gt;&lt;Error&gt;&lt;Type/&gt;&lt;Code/&gt;&lt;Message/&gt;&lt;/Error&gt;&lt;RequestId/&gt;&lt;/ErrorResponse&gt;</c> (also with an <c>Errors</c> wrapper).</summary>
    public static AwsServiceError ParseError(HttpStatusCode status, HttpResponseHeaders headers, byte[] body)
    {
        ArgumentNullException.ThrowIfNull(headers);
        ArgumentNullException.ThrowIfNull(body);
        string? code = null, message = null, requestId = null;
        try
        {
            var document = LoadXml(body);
            var error = document.Descendants().FirstOrDefault(e => e.Name.LocalName == "Error");
            if (error is not null)
            {
                code = Text(error, "Code");
                message = Text(error, "Message");
            }

            requestId = document.Descendants().FirstOrDefault(e => e.Name.LocalName is "RequestId" or "RequestID")?.Value.Trim();
        }
        catch (XmlException)
        {
            message = body.Length == 0 ? null : Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 300)).Trim();
        }

        requestId = string.IsNullOrEmpty(requestId) ? FirstHeader(headers, "x-amzn-RequestId") ?? FirstHeader(headers, "x-amz-request-id") : requestId;
        code = AwsServiceError.NormalizeCode(code);
        if (code.Length == 0)
        {
            code = AwsServiceError.NormalizeCode(FirstHeader(headers, "x-amzn-ErrorType"));
        }

        if (code.Length == 0)
        {
            code = status switch
            {
                HttpStatusCode.Forbidden => "AccessDenied",
                HttpStatusCode.NotFound => "NotFound",
                (HttpStatusCode)429 => "Throttling",
                _ => $"Http{(int)status}",
            };
        }

        return new AwsServiceError(status, code, string.IsNullOrEmpty(message) ? $"HTTP {(int)status} {status}" : message, requestId, headers.Date);
    }

    /// <summary>Parses an answer with DTDs and external entities off.</summary>
    public static XDocument LoadXml(byte[] body)
    {
        var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, IgnoreComments = true };
        using var stream = new MemoryStream(body, writable: false);
        using var reader = XmlReader.Create(stream, settings);
        return XDocument.Load(reader);
    }

    /// <summary>The first child element with this local name (answers carry a namespace that differs by service and version).</summary>
    public static XElement? Child(XElement parent, string localName) => parent.Elements().FirstOrDefault(e => e.Name.LocalName == localName);

    /// <summary>The trimmed text of the first child element with this local name, or null.</summary>
    public static string? Text(XElement parent, string localName) => Child(parent, localName)?.Value.Trim();

    /// <summary>The items of a Query list: <c>&lt;Name&gt;&lt;member&gt;...&lt;/member&gt;&lt;/Name&gt;</c>.</summary>
    public static IEnumerable<XElement> Members(XElement? list) =>
        list?.Elements().Where(e => e.Name.LocalName == "member") ?? Enumerable.Empty<XElement>();

    private static string? FirstHeader(HttpResponseHeaders headers, string name) =>
        headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;
}

/// <summary>A Query-protocol form body: <c>Action=...&amp;Version=...</c> then the parameters, RFC 3986-encoded, in the order added.</summary>
public sealed class AwsQueryForm
{
    private readonly StringBuilder _text = new();

    public AwsQueryForm(string action, string version)
    {
        Add("Action", action);
        Add("Version", version);
    }

    /// <summary>Adds a parameter; a null value is left out.</summary>
    public void Add(string name, string? value)
    {
        if (value is null)
        {
            return;
        }

        if (_text.Length > 0)
        {
            _text.Append('&');
        }

        _text.Append(CanonicalRequest.EncodeRfc3986(name)).Append('=').Append(CanonicalRequest.EncodeRfc3986(value));
    }

    public void Add(string name, int? value) => Add(name, value?.ToString(CultureInfo.InvariantCulture));

    public void Add(string name, bool? value) => Add(name, value is null ? null : value.Value ? "true" : "false");

    public override string ToString() => _text.ToString();

    public byte[] ToBytes() => Encoding.UTF8.GetBytes(_text.ToString());
}
