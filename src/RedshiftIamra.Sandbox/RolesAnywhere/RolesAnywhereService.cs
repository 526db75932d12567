using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace RedshiftIamra.Sandbox;

/// <summary>
/// IAM Roles Anywhere <c>CreateSession</c> (REST-JSON, <c>POST /sessions</c>), verifying what the
/// real service verifies, in this order: the Authorization header and credential scope, the
/// signing time, the signature, the request's parameters, the trust anchor (exists, enabled),
/// the certificate chain and validity, the profile (exists, enabled), the role, the session
/// name, the duration. Success is HTTP 201 with a credential set; the credentials go to the
/// shared credential store.
/// </summary>
internal sealed class RolesAnywhereService : ISandboxService
{
    public const string SigningName = "rolesanywhere";
    public const string CreateSessionOperation = "CreateSession";
    public const int MinimumDuration = 900;
    public const int MaximumDuration = 43200;
    public const int DefaultDuration = 3600;

    private static readonly Regex s_sessionName = new(@"^[\w+=,.@-]{2,64}$", RegexOptions.CultureInvariant);
    private static readonly Regex s_roleArn = new(@"^arn:aws[a-z-]*:iam::[0-9]{12}:role/[\x21-\x7E]{1,512}$", RegexOptions.CultureInvariant);

    private readonly SandboxConfiguration _configuration;
    private readonly SandboxCredentialStore _credentials;
    private readonly TimeSpan _maxSkew;

    public RolesAnywhereService(SandboxConfiguration configuration, SandboxCredentialStore credentials, TimeSpan maxSkew)
    {
        _configuration = configuration;
        _credentials = credentials;
        _maxSkew = maxSkew;
    }

    public string Name => SigningName;

    public string EventSource => "rolesanywhere.amazonaws.com";

    public string? TargetPrefix => null;

    public string? QuerySigningName => null;

    public string? MatchRestOperation(SandboxHttpRequest request) =>
        request.Method == "POST" && (request.Path == "/sessions" || request.Path == "/sessions/") ? CreateSessionOperation : null;

    public SandboxHttpResponse Error(SandboxCall call, int status, string code, string message) => AwsJson.Error(status, code, message);

    public Task<SandboxHttpResponse> HandleAsync(SandboxCall call, CancellationToken cancellationToken) => Task.FromResult(CreateSession(call));

    private SandboxHttpResponse CreateSession(SandboxCall call)
    {
        var request = call.Request;
        var audit = call.Audit;
        var verified = X509RequestVerifier.VerifySignature(request, _configuration.Region, SigningName, call.Now, _maxSkew, audit);
        try
        {
            return CreateSession(call, verified);
        }
        finally
        {
            verified.Leaf.Dispose();
            foreach (var certificate in verified.Intermediates)
            {
                certificate.Dispose();
            }
        }
    }

    private SandboxHttpResponse CreateSession(SandboxCall call, VerifiedX509Request verified)
    {
        var request = call.Request;
        var audit = call.Audit;
        var input = ReadInput(request);
        audit.TrustAnchorArn = input.TrustAnchorArn;
        audit.ProfileArn = input.ProfileArn;
        audit.RoleArn = input.RoleArn;

        var anchor = _configuration.GetTrustAnchor(input.TrustAnchorArn)
            ?? throw SandboxServiceException.NotFound($"Trust anchor {input.TrustAnchorArn} not found in account {_configuration.AccountId}, region {_configuration.Region}.");
        if (!anchor.Enabled)
        {
            throw SandboxServiceException.AccessDenied($"Trust anchor {anchor.Arn} is disabled.");
        }

        X509RequestVerifier.VerifyChain(verified, anchor, call.Now);

        var profile = _configuration.GetProfile(input.ProfileArn)
            ?? throw SandboxServiceException.NotFound($"Profile {input.ProfileArn} not found in account {_configuration.AccountId}, region {_configuration.Region}.");
        if (!profile.Enabled)
        {
            throw SandboxServiceException.AccessDenied($"Profile {profile.Arn} is disabled.");
        }

        if (!profile.RoleArns.Contains(input.RoleArn, StringComparer.Ordinal))
        {
            throw SandboxServiceException.AccessDenied($"Unable to assume role {input.RoleArn}: the role is not associated with the profile {profile.Arn}.");
        }

        var role = _configuration.GetRole(input.RoleArn)
            ?? throw SandboxServiceException.AccessDenied($"Unable to assume role {input.RoleArn}: the role does not exist.");

        if (input.RoleSessionName is { } sessionName)
        {
            if (!profile.AcceptRoleSessionName)
            {
                throw SandboxServiceException.Validation($"The profile {profile.Arn} does not let callers name the session (acceptRoleSessionName is false); leave the session name out.");
            }

            if (!s_sessionName.IsMatch(sessionName))
            {
                throw SandboxServiceException.Validation($"The session name '{Shorten(sessionName)}' is not valid: use 2 to 64 letters, digits and +=,.@_-.");
            }
        }

        var requested = input.DurationSeconds ?? DefaultDuration;
        if (requested is < MinimumDuration or > MaximumDuration)
        {
            throw SandboxServiceException.Validation($"durationSeconds {requested} is out of range: the session duration must be {MinimumDuration} to {MaximumDuration} seconds.");
        }

        var duration = Math.Min(requested, Math.Min(profile.DurationSeconds, role.MaxSessionDurationSeconds));
        var session = input.RoleSessionName ?? verified.SerialNumber;
        audit.RoleSessionName = session;
        audit.DurationSeconds = duration;

        if (call.Malformed is { } malformed)
        {
            audit.MalformedAnswer = true;
            return Malformed(malformed.Malformed, input.RoleArn, session);
        }

        var sourceIdentity = SourceIdentity(verified.Leaf);
        var credential = _credentials.Issue(EventSource, role.Arn, session, _configuration.AccountId, call.Now, TimeSpan.FromSeconds(duration), sourceIdentity, verified.SerialNumber);
        audit.AccessKeyId = credential.AccessKeyId;

        var body = AwsJson.Write(w =>
        {
            w.WriteStartArray("credentialSet");
            w.WriteStartObject();
            w.WriteStartObject("credentials");
            w.WriteString("accessKeyId", credential.AccessKeyId);
            w.WriteString("secretAccessKey", credential.SecretAccessKey);
            w.WriteString("sessionToken", credential.SessionToken);
            w.WriteString("expiration", credential.Expiration.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
            w.WriteEndObject();
            w.WriteStartObject("assumedRoleUser");
            w.WriteString("arn", credential.AssumedRoleArn);
            w.WriteString("assumedRoleId", credential.AssumedRoleId);
            w.WriteEndObject();
            w.WriteString("roleArn", credential.RoleArn);
            w.WriteString("sourceIdentity", sourceIdentity);
            w.WriteNumber("packedPolicySize", 0);
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteString("subjectArn", $"arn:aws:rolesanywhere:{_configuration.Region}:{_configuration.AccountId}:subject/{SubjectId(verified.Leaf)}");
        });
        return SandboxHttpResponse.Json(201, body);
    }

    private sealed record Input(string TrustAnchorArn, string ProfileArn, string RoleArn, int? DurationSeconds, string? RoleSessionName);

    /// <summary>The ARNs from the query (or the JSON body), and the body's duration and session name.</summary>
    private static Input ReadInput(SandboxHttpRequest request)
    {
        var query = request.QueryParameters;
        string? anchor = query.GetValueOrDefault("trustAnchorArn"), profile = query.GetValueOrDefault("profileArn"), role = query.GetValueOrDefault("roleArn");
        int? duration = null;
        string? sessionName = null;
        if (request.Body.Length > 0)
        {
            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(request.Body);
            }
            catch (JsonException e)
            {
                throw SandboxServiceException.Validation($"The request body is not valid JSON: {e.Message}");
            }

            using (document)
            {
                var root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object)
                {
                    throw SandboxServiceException.Validation("The request body must be a JSON object.");
                }

                if (root.TryGetProperty("durationSeconds", out var d) && d.ValueKind != JsonValueKind.Null)
                {
                    if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt32(out var seconds))
                    {
                        throw SandboxServiceException.Validation("durationSeconds must be a whole number of seconds (the session duration).");
                    }

                    duration = seconds;
                }

                sessionName = OptionalString(root, "roleSessionName");
                anchor ??= OptionalString(root, "trustAnchorArn");
                profile ??= OptionalString(root, "profileArn");
                role ??= OptionalString(root, "roleArn");
            }
        }

        if (string.IsNullOrEmpty(anchor) || string.IsNullOrEmpty(profile) || string.IsNullOrEmpty(role))
        {
            var missing = new[] { ("trustAnchorArn", anchor), ("profileArn", profile), ("roleArn", role) }.Where(p => string.IsNullOrEmpty(p.Item2)).Select(p => p.Item1);
            throw SandboxServiceException.Validation($"Missing required parameter(s): {string.Join(", ", missing)}.");
        }

        if (!s_roleArn.IsMatch(role))
        {
            throw SandboxServiceException.Validation($"The value '{Shorten(role)}' of roleArn is not an IAM ARN (arn:aws:iam::<account>:role/<name>).");
        }

        return new Input(anchor, profile, role, duration, sessionName);

        static string? OptionalString(JsonElement element, string name)
        {
            if (!element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            return value.ValueKind == JsonValueKind.String
                ? value.GetString()
                : throw SandboxServiceException.Validation($"{name} must be a string.");
        }
    }

    private SandboxHttpResponse Malformed(SandboxMalformedBody kind, string roleArn, string session)
    {
        var fake = $"{{\"credentialSet\":[{{\"credentials\":{{\"accessKeyId\":\"ASIAMALFORMED0000000\",\"secretAccessKey\":\"malformed\",\"sessionToken\":\"malformed\",\"expiration\":\"2030-01-01T00:00:00Z\"}},\"roleArn\":\"{roleArn}\"}}],\"subjectArn\":\"arn:aws:rolesanywhere:{_configuration.Region}:{_configuration.AccountId}:subject/00000000-0000-0000-0000-000000000000\"}}";
        var body = kind switch
        {
            SandboxMalformedBody.TruncatedJson => fake[..(fake.Length / 2)],
            SandboxMalformedBody.WrongTypes => "{\"credentialSet\":[{\"credentials\":{\"accessKeyId\":12345,\"secretAccessKey\":true,\"sessionToken\":[],\"expiration\":1893456000}}]}",
            SandboxMalformedBody.EmptyCredentialSet => $"{{\"credentialSet\":[],\"subjectArn\":\"arn:aws:rolesanywhere:{_configuration.Region}:{_configuration.AccountId}:subject/00000000-0000-0000-0000-000000000000\"}}",
            SandboxMalformedBody.MissingFields => $"{{\"credentialSet\":[{{\"credentials\":{{\"accessKeyId\":\"ASIAMALFORMED0000000\",\"expiration\":\"2030-01-01T00:00:00Z\"}},\"roleArn\":\"{roleArn}\"}}]}}",
            SandboxMalformedBody.NotJson => "<html><body><h1>502 Bad Gateway</h1></body></html>",
            SandboxMalformedBody.EmptyBody => string.Empty,
            SandboxMalformedBody.BadExpiration => fake.Replace("2030-01-01T00:00:00Z", "the day after " + session, StringComparison.Ordinal),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
        };
        return new SandboxHttpResponse(201, Encoding.UTF8.GetBytes(body), kind == SandboxMalformedBody.NotJson ? "text/html" : "application/json");
    }

    /// <summary><c>CN=common name</c>, as Roles Anywhere sets the source identity.</summary>
    private static string SourceIdentity(X509Certificate2 leaf)
    {
        var cn = leaf.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
        return string.IsNullOrEmpty(cn) ? leaf.Subject : "CN=" + cn;
    }

    /// <summary>A stable id for the certificate's subject and issuer (Roles Anywhere keeps one subject per identity).</summary>
    private static string SubjectId(X509Certificate2 leaf)
    {
        var hash = SHA256.HashData([.. leaf.SubjectName.RawData, .. leaf.IssuerName.RawData]);
        hash[6] = (byte)((hash[6] & 0x0F) | 0x40);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash.AsSpan(0, 16), bigEndian: true).ToString();
    }

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..80] + "...";
}
