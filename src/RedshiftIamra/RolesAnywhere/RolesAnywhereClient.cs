using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using RedshiftIamra.Aws;
using RedshiftIamra.Signing;

namespace RedshiftIamra.RolesAnywhere;

/// <summary>
/// Calls IAM Roles Anywhere <c>CreateSession</c> over HTTPS, signed with the certificate's
/// key (SigV4 with <c>AWS4-X509-RSA-SHA256</c> / <c>AWS4-X509-ECDSA-SHA256</c>).
/// </summary>
public sealed class RolesAnywhereClient : IRolesAnywhereClient
{
    public const string SigningName = "rolesanywhere";

    private readonly RolesAnywhereClientConfig _config;
    private readonly AwsRequestSender _sender;

    public RolesAnywhereClient(RolesAnywhereClientConfig config, AwsRequestSender? sender = null)
    {
        _config = config;
        _sender = sender ?? AwsRequestSender.Default;
    }

    public async Task<CreateSessionResponse> CreateSessionAsync(CreateSessionRequest request, IOperationLog log, CancellationToken cancellationToken)
    {
        var uri = BuildUri(_config.Endpoint.Uri, request);
        var body = BuildBody(request);
        using var signer = new X509SignatureProvider(request.Certificate, request.Chain, request.SigningKey);
        var awsRequest = new AwsRequest("CreateSession", HttpMethod.Post, uri, body, "application/json");
        AwsResponse response;
        try
        {
            response = await _sender.SendAsync(awsRequest, signer, _config.Region, SigningName, _config.Http, ParseError, log, cancellationToken).ConfigureAwait(false);
        }
        catch (AwsServiceException e)
        {
            throw RolesAnywhereErrors.Map(e, request, _config);
        }

        return ParseResponse(response);
    }

    internal static Uri BuildUri(Uri endpoint, CreateSessionRequest request)
    {
        var query = new StringBuilder();
        query.Append("profileArn=").Append(CanonicalRequest.EncodeRfc3986(request.ProfileArn));
        query.Append("&roleArn=").Append(CanonicalRequest.EncodeRfc3986(request.RoleArn));
        query.Append("&trustAnchorArn=").Append(CanonicalRequest.EncodeRfc3986(request.TrustAnchorArn));
        return new Uri(new Uri(endpoint, "sessions"), "?" + query);
    }

    internal static byte[] BuildBody(CreateSessionRequest request)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WriteNumber("durationSeconds", request.DurationSeconds ?? 3600);
            if (!string.IsNullOrEmpty(request.RoleSessionName))
            {
                writer.WriteString("roleSessionName", request.RoleSessionName);
            }

            writer.WriteEndObject();
        }

        return stream.ToArray();
    }

    internal static CreateSessionResponse ParseResponse(AwsResponse response)
    {
        try
        {
            using var document = JsonDocument.Parse(response.Body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("credentialSet", out var set) || set.ValueKind != JsonValueKind.Array)
            {
                throw Invalid("the answer has no credentialSet array");
            }

            if (set.GetArrayLength() == 0)
            {
                throw Invalid("the credentialSet is empty");
            }

            var first = set[0];
            if (!first.TryGetProperty("credentials", out var credentials) || credentials.ValueKind != JsonValueKind.Object)
            {
                throw Invalid("credentialSet[0] has no credentials");
            }

            var accessKeyId = RequiredString(credentials, "accessKeyId");
            var secretAccessKey = RequiredString(credentials, "secretAccessKey");
            var sessionToken = RequiredString(credentials, "sessionToken");
            var expirationText = RequiredString(credentials, "expiration");
            if (!DateTimeOffset.TryParse(expirationText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var expiration))
            {
                throw Invalid($"the expiration '{expirationText}' is not a timestamp");
            }

            string? assumedArn = null, assumedId = null;
            if (first.TryGetProperty("assumedRoleUser", out var user) && user.ValueKind == JsonValueKind.Object)
            {
                assumedArn = OptionalString(user, "arn");
                assumedId = OptionalString(user, "assumedRoleId");
            }

            int? packed = first.TryGetProperty("packedPolicySize", out var p) && p.ValueKind == JsonValueKind.Number && p.TryGetInt32(out var size) ? size : null;
            var credentialSet = new RolesAnywhereCredentialSet(
                new AwsCredentials(accessKeyId, secretAccessKey, sessionToken, expiration),
                OptionalString(first, "roleArn"),
                assumedArn,
                assumedId,
                OptionalString(first, "sourceIdentity"),
                packed);
            return new CreateSessionResponse(credentialSet, OptionalString(root, "subjectArn"), response.RequestId);
        }
        catch (JsonException e)
        {
            throw new IamraException(ErrorIds.Aws.InvalidResponse, IamraErrorCategory.InvalidResult,
                $"Roles Anywhere CreateSession answered with a body that is not valid JSON ({e.Message}); request id {response.RequestId ?? "unknown"}. Check -EndpointUrl: it may not be a Roles Anywhere endpoint.", response.RequestId, e);
        }

        IamraException Invalid(string why) => new(ErrorIds.Aws.InvalidResponse, IamraErrorCategory.InvalidResult,
            $"Roles Anywhere CreateSession answered 201 but {why}; request id {response.RequestId ?? "unknown"}. No credentials were issued.", response.RequestId);

        string RequiredString(JsonElement element, string name) =>
            element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && !string.IsNullOrEmpty(value.GetString())
                ? value.GetString()!
                : throw Invalid($"'{name}' is missing or not a string");
    }

    private static string? OptionalString(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>Reads a JSON error: the code from <c>x-amzn-ErrorType</c> or <c>__type</c>, the message from <c>message</c>.</summary>
    internal static AwsServiceError ParseError(HttpStatusCode status, HttpResponseHeaders headers, byte[] body)
    {
        string? code = headers.TryGetValues("x-amzn-ErrorType", out var types) ? types.FirstOrDefault() : null;
        string? message = null;
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object)
            {
                code ??= OptionalString(root, "__type") ?? OptionalString(root, "code");
                message = OptionalString(root, "message") ?? OptionalString(root, "Message");
            }
        }
        catch (JsonException)
        {
            message = body.Length == 0 ? null : Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 300));
        }

        var requestId = headers.TryGetValues("x-amzn-RequestId", out var ids) ? ids.FirstOrDefault() : null;
        var normalized = AwsServiceError.NormalizeCode(code);
        if (normalized.Length == 0)
        {
            normalized = status switch
            {
                HttpStatusCode.Forbidden => "AccessDeniedException",
                HttpStatusCode.NotFound => "ResourceNotFoundException",
                (HttpStatusCode)429 => "ThrottlingException",
                _ => $"Http{(int)status}",
            };
        }

        return new AwsServiceError(status, normalized, message ?? $"HTTP {(int)status} {status}", requestId, headers.Date);
    }
}
