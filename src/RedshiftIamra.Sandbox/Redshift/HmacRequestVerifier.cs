using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using RedshiftIamra.Signing;

namespace RedshiftIamra.Sandbox;

/// <summary>Why an HMAC-signed request was refused; each service names it in its own protocol.</summary>
internal enum HmacRejection
{
    /// <summary>The Authorization header is missing a part or malformed (<c>IncompleteSignature</c>).</summary>
    IncompleteSignature,

    /// <summary>Wrong scope, wrong time, or a signature that does not verify (<c>SignatureDoesNotMatch</c>).</summary>
    SignatureDoesNotMatch,

    /// <summary>An access key the sandbox never issued, a revoked one, or a token that does not belong to it (<c>InvalidClientTokenId</c>).</summary>
    InvalidClientTokenId,

    /// <summary>The credentials expired (<c>ExpiredToken</c>).</summary>
    ExpiredToken,

    /// <summary>No Authorization header at all (<c>MissingAuthenticationToken</c>).</summary>
    MissingAuthenticationToken,
}

/// <summary>How a service builds its canonical request, where it differs from the SigV4 default.</summary>
internal sealed record HmacCanonicalForm
{
    public static HmacCanonicalForm Default { get; } = new();

    /// <summary>The path as sent, neither normalised nor encoded again (S3).</summary>
    public bool PathAsSent { get; init; }

    /// <summary>The payload hash line as the client declared it (S3's <c>x-amz-content-sha256</c>); null hashes the body.</summary>
    public string? PayloadHash { get; init; }

    /// <summary>Also accept <c>name.localhost:port</c> as this endpoint (S3 virtual-host-style bucket addressing).</summary>
    public bool AllowBucketSubdomain { get; init; }

    /// <summary>The message for a request without an Authorization header, when the service words it its own way.</summary>
    public string? MissingAuthorizationMessage { get; init; }

    /// <summary>The message for expired credentials, when the service words it its own way.</summary>
    public string? ExpiredMessage { get; init; }
}

/// <summary>A verified request: who signed it, and what a streaming body's chunk signatures chain from.</summary>
internal sealed record HmacVerifiedRequest(SandboxIssuedCredential Credential, byte[] SigningKey, string AmzDate, string Scope, string SeedSignature);

/// <summary>An HMAC-signed request was refused.</summary>
internal sealed class HmacRejectedException(HmacRejection rejection, string message) : Exception(message)
{
    public HmacRejection Rejection { get; } = rejection;

    /// <summary>For a signature that does not verify: the canonical request and string to sign rebuilt here (S3 sends them back in its error).</summary>
    public (string CanonicalRequest, string StringToSign)? Rebuilt { get; init; }
}

/// <summary>
/// Verifies a request signed with SigV4 HMAC (<c>AWS4-HMAC-SHA256</c>) the way AWS does, from
/// the bytes received: the Authorization header, the credential scope (date, region, service),
/// the signing time (within the allowed skew), the access key (issued by this sandbox, not
/// revoked), the session token (the one issued with the key), the signature over a canonical
/// request rebuilt here with the key's secret, and last the key's expiry. Nothing the client
/// computed is trusted.
/// </summary>
internal static class HmacRequestVerifier
{
    public const string Algorithm = "AWS4-HMAC-SHA256";

    private static readonly string[] s_authorizationParameters = ["Credential", "SignedHeaders", "Signature"];

    public static SandboxIssuedCredential Verify(SandboxHttpRequest request, string region, string service, DateTimeOffset now, TimeSpan maxSkew, SandboxCredentialStore credentials, SandboxAuditFacts audit) =>
        Verify(request, region, service, now, maxSkew, credentials, audit, HmacCanonicalForm.Default).Credential;

    /// <summary>
    /// Verifies a request whose canonical form differs from the default: S3 signs the path as
    /// sent (no normalisation, no second encoding) and names the payload hash in
    /// <c>x-amz-content-sha256</c> (a hex digest, <c>UNSIGNED-PAYLOAD</c> or a <c>STREAMING-...</c>
    /// value) instead of hashing the body here. Returns what chunk signatures chain from.
    /// </summary>
    public static HmacVerifiedRequest Verify(SandboxHttpRequest request, string region, string service, DateTimeOffset now, TimeSpan maxSkew, SandboxCredentialStore credentials, SandboxAuditFacts audit, HmacCanonicalForm form)
    {
        // 1. The Authorization header and its three parts.
        var authorization = request.GetHeader("Authorization")
            ?? throw new HmacRejectedException(HmacRejection.MissingAuthenticationToken, "Request is missing Authentication Token");
        var space = authorization.IndexOf(' ', StringComparison.Ordinal);
        var algorithm = space < 0 ? authorization : authorization[..space];
        if (algorithm != Algorithm)
        {
            throw Incomplete($"Unsupported Authorization Type: '{Shorten(algorithm)}'; expected {Algorithm}.");
        }

        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var part in (space < 0 ? string.Empty : authorization[(space + 1)..]).Split(','))
        {
            var trimmed = part.Trim();
            var equals = trimmed.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0 || !parameters.TryAdd(trimmed[..equals], trimmed[(equals + 1)..]))
            {
                throw Incomplete($"Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters, each once, as name=value: '{Shorten(trimmed)}' is not one.");
            }
        }

        var missing = s_authorizationParameters.Where(p => !parameters.ContainsKey(p)).ToList();
        if (missing.Count > 0)
        {
            throw Incomplete(string.Join(" ", missing.Select(p => $"Authorization header requires '{p}' parameter.")));
        }

        var amzDate = request.GetHeader("X-Amz-Date")
            ?? throw Incomplete("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header (this endpoint takes X-Amz-Date).");

        // 2. The credential: key/date/region/service/aws4_request.
        var scope = parameters["Credential"].Split('/');
        if (scope.Length != 5 || scope[4] != "aws4_request" || scope[0].Length == 0)
        {
            throw Incomplete($"Credential '{Shorten(parameters["Credential"])}' is not <access key id>/<yyyyMMdd>/<region>/{service}/aws4_request.");
        }

        audit.AccessKeyId = scope[0];
        if (!DateTimeOffset.TryParseExact(amzDate, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var signingTime))
        {
            throw Mismatch($"X-Amz-Date '{Shorten(amzDate)}' is not an ISO 8601 basic time (yyyyMMddTHHmmssZ).");
        }

        if (scope[1] != amzDate[..8])
        {
            throw Mismatch($"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{Shorten(scope[1])}' != '{amzDate[..8]}', from '{amzDate}'.");
        }

        if (scope[2] != region)
        {
            throw Mismatch($"Credential should be scoped to a valid region, not '{Shorten(scope[2])}'. This endpoint is in '{region}'.");
        }

        if (scope[3] != service)
        {
            throw Mismatch($"Credential should be scoped to correct service: '{service}'.");
        }

        // 3. The signed headers: lower case, sorted, present; host and x-amz-date among them.
        var signedHeaders = parameters["SignedHeaders"];
        var names = signedHeaders.Split(';');
        if (names.Any(n => n.Length == 0 || !string.Equals(n, n.ToLowerInvariant(), StringComparison.Ordinal)) || !names.SequenceEqual(names.OrderBy(n => n, StringComparer.Ordinal)) || names.Distinct().Count() != names.Length)
        {
            throw Incomplete($"SignedHeaders '{Shorten(signedHeaders)}' must be lower-case header names, sorted, each once, joined with ';'.");
        }

        foreach (var required in new[] { "host", "x-amz-date" })
        {
            if (!names.Contains(required))
            {
                throw Incomplete($"'{required}' must be a 'SignedHeader' in the AWS Authorization.");
            }
        }

        var absent = names.Where(n => request.GetHeader(n) is null).ToList();
        if (absent.Count > 0)
        {
            throw Mismatch($"SignedHeaders names {string.Join(';', absent)}, which the request does not have.");
        }

        var host = request.GetHeader("Host")!;
        if (!X509RequestVerifier.IsThisEndpoint(host, request.LocalPort)
            && !(form.AllowBucketSubdomain && host.IndexOf('.', StringComparison.Ordinal) is > 0 and var dot && X509RequestVerifier.IsThisEndpoint(host[(dot + 1)..], request.LocalPort)))
        {
            throw Mismatch($"The signed Host '{Shorten(host)}' does not name this endpoint (127.0.0.1:{request.LocalPort}); sign and send the Host with its port.");
        }

        var signatureHex = parameters["Signature"];
        if (signatureHex.Length != 64 || !signatureHex.All(char.IsAsciiHexDigitLower))
        {
            throw Mismatch("Signature must be 64 lower-case hex digits (HMAC-SHA256).");
        }

        // 4. The signing time, against the server's clock.
        if (signingTime < now - maxSkew)
        {
            throw Mismatch($"Signature expired: {amzDate} is now earlier than {Format(now - maxSkew)} ({Format(now)} - {maxSkew.TotalMinutes:0} min.)");
        }

        if (signingTime > now + maxSkew)
        {
            throw Mismatch($"Signature not yet current: {amzDate} is still later than {Format(now + maxSkew)} ({Format(now)} + {maxSkew.TotalMinutes:0} min.)");
        }

        // 5. The access key and its session token.
        var token = request.GetHeader(HmacSignatureProvider.SecurityTokenHeader);
        var status = credentials.Check(scope[0], token, now, out var credential);
        switch (status)
        {
            case SandboxCredentialStatus.UnknownAccessKey:
            case SandboxCredentialStatus.Revoked:
                throw new HmacRejectedException(HmacRejection.InvalidClientTokenId, "The security token included in the request is invalid.");
            case SandboxCredentialStatus.SessionTokenMismatch:
                throw new HmacRejectedException(HmacRejection.InvalidClientTokenId,
                    token is null
                        ? "The security token included in the request is invalid: temporary credentials need their session token in X-Amz-Security-Token."
                        : "The security token included in the request is invalid.");
        }

        audit.RoleArn = credential!.RoleArn;
        audit.RoleSessionName = credential.RoleSessionName;

        // 6. The signature, over the canonical request rebuilt from what was received.
        var canonical = form.PayloadHash is null && !form.PathAsSent
            ? X509RequestVerifier.CanonicalRequestText(request, names)
            : X509RequestVerifier.CanonicalRequestText(request, names, form.PathAsSent ? request.Path : CanonicalRequest.CanonicalizePath(request.Path), form.PayloadHash);
        var canonicalHash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(canonical))).ToLowerInvariant();
        var stringToSign = string.Join('\n', Algorithm, amzDate, string.Join('/', scope[1..]), canonicalHash);
        var key = HmacSignatureProvider.DeriveSigningKey(credential.SecretAccessKey, scope[1], scope[2], scope[3]);
        var expected = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(stringToSign));
        if (!CryptographicOperations.FixedTimeEquals(expected, Convert.FromHexString(signatureHex)))
        {
            throw new HmacRejectedException(HmacRejection.SignatureDoesNotMatch, $"The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details. (Canonical request SHA-256 {canonicalHash}.)")
            {
                Rebuilt = (canonical, stringToSign),
            };
        }

        // 7. Last, the key's lifetime: only its holder learns that it expired.
        if (status == SandboxCredentialStatus.Expired)
        {
            throw new HmacRejectedException(HmacRejection.ExpiredToken, form.ExpiredMessage ?? "The security token included in the request is expired");
        }

        return new HmacVerifiedRequest(credential, key, amzDate, string.Join('/', scope[1..]), signatureHex);
    }

    /// <summary>The access key id an Authorization header names, or null (for audit lines of calls no service handled).</summary>
    public static string? AccessKeyIdOf(string? authorization)
    {
        if (authorization is null || !authorization.StartsWith(Algorithm + " ", StringComparison.Ordinal))
        {
            return null;
        }

        var start = authorization.IndexOf("Credential=", StringComparison.Ordinal);
        if (start < 0)
        {
            return null;
        }

        var credential = authorization[(start + "Credential=".Length)..];
        var slash = credential.IndexOf('/', StringComparison.Ordinal);
        return slash > 0 ? credential[..slash] : null;
    }

    private static HmacRejectedException Incomplete(string message) => new(HmacRejection.IncompleteSignature, message);

    private static HmacRejectedException Mismatch(string message) => new(HmacRejection.SignatureDoesNotMatch, message);

    private static string Format(DateTimeOffset time) => time.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..80] + "...";
}
