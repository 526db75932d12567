using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using RedshiftIamra.Sandbox.Postgres;

namespace RedshiftIamra.Sandbox;

/// <summary>
/// Amazon Redshift Serverless over AWS JSON 1.1: <c>POST /</c>,
/// <c>X-Amz-Target: RedshiftServerless.{GetWorkgroup|GetCredentials}</c>, signed with SigV4
/// HMAC as <c>redshift-serverless</c>. The sandbox's one workgroup shares the cluster's
/// PostgreSQL; <c>GetCredentials</c> sets the login <c>IAMR:&lt;role name&gt;</c>. Errors are
/// <c>{"__type","message"}</c> with <c>x-amzn-ErrorType</c>.
/// </summary>
internal sealed class RedshiftServerlessService : ISandboxService
{
    public const string SigningName = "redshift-serverless";
    public const string ContentType = "application/x-amz-json-1.1";

    private static readonly Regex s_workgroupName = new("^[a-z0-9-]{3,64}$", RegexOptions.CultureInvariant);
    private static readonly Regex s_dbName = new("^[A-Za-z][A-Za-z0-9_+.@-]{0,63}$", RegexOptions.CultureInvariant);

    private readonly SandboxConfiguration _configuration;
    private readonly SandboxCredentialStore _credentials;
    private readonly SandboxDatabase _database;
    private readonly TimeSpan _maxSkew;

    public RedshiftServerlessService(SandboxConfiguration configuration, SandboxCredentialStore credentials, SandboxDatabase database, TimeSpan maxSkew)
    {
        _configuration = configuration;
        _credentials = credentials;
        _database = database;
        _maxSkew = maxSkew;
    }

    public string Name => SigningName;

    public string EventSource => "redshift-serverless.amazonaws.com";

    public string? TargetPrefix => "RedshiftServerless.";

    public string? QuerySigningName => null;

    public string? MatchRestOperation(SandboxHttpRequest request) => null;

    public string WorkgroupArn => $"arn:aws:redshift-serverless:{_configuration.Region}:{_configuration.AccountId}:workgroup/{_database.WorkgroupId}";

    public SandboxHttpResponse Error(SandboxCall call, int status, string code, string message) => JsonError(status, code, message);

    public async Task<SandboxHttpResponse> HandleAsync(SandboxCall call, CancellationToken cancellationToken)
    {
        SandboxIssuedCredential caller;
        try
        {
            caller = HmacRequestVerifier.Verify(call.Request, _configuration.Region, SigningName, call.Now, _maxSkew, _credentials, call.Audit);
        }
        catch (HmacRejectedException e)
        {
            throw e.Rejection switch
            {
                HmacRejection.IncompleteSignature => new SandboxServiceException(400, "IncompleteSignatureException", e.Message),
                HmacRejection.SignatureDoesNotMatch => new SandboxServiceException(403, "InvalidSignatureException", e.Message),
                HmacRejection.InvalidClientTokenId => new SandboxServiceException(403, "UnrecognizedClientException", e.Message),
                HmacRejection.ExpiredToken => new SandboxServiceException(403, "ExpiredTokenException", e.Message),
                _ => new SandboxServiceException(403, "MissingAuthenticationTokenException", e.Message),
            };
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(call.Request.Body.Length == 0 ? "{}"u8.ToArray() : call.Request.Body);
        }
        catch (JsonException e)
        {
            throw new SandboxServiceException(400, "SerializationException", $"The request body is not valid JSON: {e.Message}");
        }

        using (document)
        {
            var input = document.RootElement;
            if (input.ValueKind != JsonValueKind.Object)
            {
                throw new SandboxServiceException(400, "SerializationException", "The request body must be a JSON object.");
            }

            try
            {
                return call.Operation switch
                {
                    "GetWorkgroup" => GetWorkgroup(call, input),
                    "GetCredentials" => await GetCredentialsAsync(call, input, caller, cancellationToken).ConfigureAwait(false),
                    _ => throw new SandboxServiceException(400, "UnknownOperationException", $"The operation RedshiftServerless.{call.Operation} is not known to this sandbox (it serves GetWorkgroup and GetCredentials)."),
                };
            }
            catch (Exception e) when (SandboxDatabaseErrors.IsDatabaseFailure(e))
            {
                throw new SandboxServiceException(500, "InternalServerException", $"The request processing has failed because of an unknown error, exception or failure. (Sandbox database: {e.Message})");
            }
        }
    }

    private SandboxHttpResponse GetWorkgroup(SandboxCall call, JsonElement input)
    {
        var name = OptionalString(input, "workgroupName");
        call.Audit.WorkgroupName = name;
        RequireWorkgroup(name ?? throw Validation("1 validation error detected: Value null at 'workgroupName' failed to satisfy constraint: Member must not be null"));
        var available = _database.ClusterStatus == "available";
        var body = AwsJson.Write(w =>
        {
            w.WriteStartObject("workgroup");
            w.WriteString("workgroupId", _database.WorkgroupId);
            w.WriteString("workgroupArn", WorkgroupArn);
            w.WriteString("workgroupName", _database.WorkgroupName);
            w.WriteString("namespaceName", "sandbox-namespace");
            w.WriteNumber("baseCapacity", 8);
            w.WriteBoolean("enhancedVpcRouting", false);
            w.WriteBoolean("publiclyAccessible", false);
            w.WriteString("status", available ? "AVAILABLE" : "MODIFYING");
            w.WriteString("creationDate", _database.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture));
            w.WriteNumber("port", _database.Port);
            w.WriteStartObject("endpoint");
            w.WriteString("address", _database.Host);
            w.WriteNumber("port", _database.Port);
            w.WriteStartArray("vpcEndpoints");
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndObject();
        });
        return new SandboxHttpResponse(200, Encoding.UTF8.GetBytes(body), ContentType);
    }

    private async Task<SandboxHttpResponse> GetCredentialsAsync(SandboxCall call, JsonElement input, SandboxIssuedCredential caller, CancellationToken cancellationToken)
    {
        var name = OptionalString(input, "workgroupName");
        var customDomain = OptionalString(input, "customDomainName");
        call.Audit.WorkgroupName = name ?? customDomain;
        var dbName = OptionalString(input, "dbName");
        call.Audit.DbName = dbName;
        if (name is not null)
        {
            RequireWorkgroup(name);
        }
        else if (customDomain is not null)
        {
            throw new SandboxServiceException(400, "ResourceNotFoundException", $"No workgroup is associated with the custom domain name {Shorten(customDomain)}.");
        }
        else
        {
            throw Validation("You must provide either a workgroup name or a custom domain name.");
        }

        if (dbName is not null && !s_dbName.IsMatch(dbName))
        {
            throw Validation($"1 validation error detected: Value '{Shorten(dbName)}' at 'dbName' failed to satisfy constraint: Member must be 1 to 64 letters, digits and _+.@-, starting with a letter");
        }

        var requested = RedshiftService.DefaultDuration;
        if (input.TryGetProperty("durationSeconds", out var d) && d.ValueKind != JsonValueKind.Null)
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt32(out requested))
            {
                throw new SandboxServiceException(400, "SerializationException", "durationSeconds must be a whole number.");
            }

            if (requested is < RedshiftService.MinimumDuration or > RedshiftService.MaximumDuration)
            {
                throw Validation($"1 validation error detected: Value '{requested}' at 'durationSeconds' failed to satisfy constraint: Member must have value between {RedshiftService.MinimumDuration} and {RedshiftService.MaximumDuration}");
            }
        }

        if (_database.ClusterStatus != "available")
        {
            throw new SandboxServiceException(409, "ConflictException", $"The workgroup {_database.WorkgroupName} is not available; its status is {_database.ClusterStatus}.");
        }

        var user = "IAMR:" + RedshiftService.RoleName(caller);
        call.Audit.DbUser = user;
        var seconds = _database.DurationCapSeconds is { } cap ? Math.Min(requested, cap) : requested;
        call.Audit.DurationSeconds = seconds;
        var lifetime = TimeSpan.FromSeconds(seconds);
        var expiration = call.Now + lifetime;
        var password = SandboxPostgres.RandomPassword(64);
        if (call.Malformed is { } malformed)
        {
            call.Audit.MalformedAnswer = true;
            return Malformed(malformed.Malformed, user, expiration);
        }

        await _database.SetLoginAsync(user, password, DateTimeOffset.UtcNow + lifetime, Array.Empty<string>(), cancellationToken).ConfigureAwait(false);
        var body = AwsJson.Write(w =>
        {
            w.WriteString("dbUser", user);
            w.WriteString("dbPassword", password);
            w.WriteNumber("expiration", Epoch(expiration));
            w.WriteNumber("nextRefreshTime", Epoch(expiration));
        });
        return new SandboxHttpResponse(200, Encoding.UTF8.GetBytes(body), ContentType);
    }

    private void RequireWorkgroup(string name)
    {
        if (!s_workgroupName.IsMatch(name))
        {
            throw Validation($"1 validation error detected: Value '{Shorten(name)}' at 'workgroupName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-z0-9-]+$ and have length 3 to 64");
        }

        if (name != _database.WorkgroupName)
        {
            throw new SandboxServiceException(400, "ResourceNotFoundException", $"Workgroup {name} not found.");
        }
    }

    private static SandboxHttpResponse Malformed(SandboxMalformedBody kind, string user, DateTimeOffset expiration)
    {
        var epoch = Epoch(expiration).ToString(CultureInfo.InvariantCulture);
        var real = $"{{\"dbUser\":\"{user}\",\"dbPassword\":\"malformed\",\"expiration\":{epoch},\"nextRefreshTime\":{epoch}}}";
        var body = kind switch
        {
            SandboxMalformedBody.TruncatedJson => real[..(real.Length / 2)],
            SandboxMalformedBody.WrongTypes => "{\"dbUser\":12345,\"dbPassword\":true,\"expiration\":\"soon\"}",
            SandboxMalformedBody.EmptyCredentialSet => "{}",
            SandboxMalformedBody.MissingFields => $"{{\"dbUser\":\"{user}\",\"expiration\":{epoch}}}",
            SandboxMalformedBody.NotJson => "<html><body><h1>502 Bad Gateway</h1></body></html>",
            SandboxMalformedBody.EmptyBody => string.Empty,
            SandboxMalformedBody.BadExpiration => real.Replace($"\"expiration\":{epoch}", "\"expiration\":\"the day after tomorrow\"", StringComparison.Ordinal),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
        };
        return new SandboxHttpResponse(200, Encoding.UTF8.GetBytes(body), kind == SandboxMalformedBody.NotJson ? "text/html" : ContentType);
    }

    /// <summary>A JSON 1.1 error: <c>{"__type","message"}</c>, the code also in <c>x-amzn-ErrorType</c>.</summary>
    internal static SandboxHttpResponse JsonError(int status, string code, string message)
    {
        var body = AwsJson.Write(w =>
        {
            w.WriteString("__type", code);
            w.WriteString("message", message);
        });
        var response = new SandboxHttpResponse(status, Encoding.UTF8.GetBytes(body), ContentType);
        response.Headers.Add(new("x-amzn-ErrorType", code));
        return response;
    }

    /// <summary>Epoch seconds with milliseconds, as AWS JSON writes timestamps.</summary>
    private static double Epoch(DateTimeOffset time) => Math.Round((time - DateTimeOffset.UnixEpoch).TotalSeconds, 3);

    private static string? OptionalString(JsonElement element, string name)
    {
        if (!element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : throw new SandboxServiceException(400, "SerializationException", $"{name} must be a string.");
    }

    private static SandboxServiceException Validation(string message) => new(400, "ValidationException", message);

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..80] + "...";
}
