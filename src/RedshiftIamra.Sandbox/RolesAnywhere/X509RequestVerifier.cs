using System.Collections.Frozen;
using System.Globalization;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using RedshiftIamra.Signing;

namespace RedshiftIamra.Sandbox;

/// <summary>A request whose SigV4-X509 signature verified: the leaf, the intermediates it sent, and its signing time.</summary>
internal sealed record VerifiedX509Request(X509Certificate2 Leaf, IReadOnlyList<X509Certificate2> Intermediates, string Algorithm, string SerialNumber, DateTimeOffset SigningTime);

/// <summary>
/// Verifies a request signed with an X.509 key the way IAM Roles Anywhere does, from the bytes
/// received: the Authorization header, the credential scope, the signing time, and the
/// signature over a canonical request rebuilt here (nothing the client computed is trusted).
/// Then, separately, the certificate chain up to a trust anchor.
/// </summary>
internal static class X509RequestVerifier
{
    public const string RsaAlgorithm = "AWS4-X509-RSA-SHA256";
    public const string EcdsaAlgorithm = "AWS4-X509-ECDSA-SHA256";

    private const string RsaOid = "1.2.840.113549.1.1.1";
    private const string EcPublicKeyOid = "1.2.840.10045.2.1";
    private static readonly string[] s_requiredSignedHeaders = ["content-type", "host", "x-amz-date", "x-amz-x509"];

    // Certificate signature algorithms Roles Anywhere refuses (MD5, SHA-1).
    private static readonly FrozenDictionary<string, string> s_weakSignatureAlgorithms = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["1.2.840.113549.1.1.4"] = "MD5 with RSA",
        ["1.2.840.113549.1.1.5"] = "SHA-1 with RSA",
        ["1.2.840.10045.4.1"] = "ECDSA with SHA-1",
        ["1.2.840.10040.4.3"] = "DSA with SHA-1",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>Checks the Authorization header, the scope, the time and the signature; throws <see cref="SandboxServiceException"/> (403) on the first problem.</summary>
    public static VerifiedX509Request VerifySignature(SandboxHttpRequest request, string region, string service, DateTimeOffset now, TimeSpan maxSkew, SandboxAuditFacts audit)
    {
        // 1. The Authorization header.
        var authorization = request.GetHeader("Authorization") ?? throw Denied("Invalid signature: the request has no Authorization header.");
        var space = authorization.IndexOf(' ', StringComparison.Ordinal);
        var algorithm = space < 0 ? authorization : authorization[..space];
        if (algorithm is not (RsaAlgorithm or EcdsaAlgorithm))
        {
            throw Denied($"Invalid signature: the algorithm '{Shorten(algorithm)}' is not supported; expected {RsaAlgorithm} or {EcdsaAlgorithm}.");
        }

        var parameters = ParseParameters(space < 0 ? string.Empty : authorization[(space + 1)..]);
        var credential = parameters.GetValueOrDefault("Credential") ?? throw Denied("Invalid signature: the Authorization header has no Credential.");
        var signedHeaders = parameters.GetValueOrDefault("SignedHeaders") ?? throw Denied("Invalid signature: the Authorization header has no SignedHeaders.");
        var signatureHex = parameters.GetValueOrDefault("Signature") ?? throw Denied("Invalid signature: the Authorization header has no Signature.");

        // 2. The certificate it claims to be signed with.
        var leafText = request.GetHeader(X509SignatureProvider.CertificateHeader) ?? throw Denied("Invalid signature: the X-Amz-X509 header with the signing certificate is missing.");
        var leaf = ParseCertificate(leafText) ?? throw Denied("Invalid signature: the X-Amz-X509 header is not a base64 DER certificate.");
        var serial = new BigInteger(leaf.GetSerialNumber(), isUnsigned: true, isBigEndian: false).ToString(CultureInfo.InvariantCulture);
        audit.Subject = leaf.Subject;
        audit.SerialNumber = serial;

        var keyOid = leaf.PublicKey.Oid.Value;
        var expectedAlgorithm = keyOid switch
        {
            RsaOid => RsaAlgorithm,
            EcPublicKeyOid => EcdsaAlgorithm,
            _ => throw Denied($"Invalid signature: the X-Amz-X509 certificate has a {leaf.PublicKey.Oid.FriendlyName ?? keyOid} key; only RSA and ECDSA keys can sign."),
        };
        if (algorithm != expectedAlgorithm)
        {
            throw Denied($"Invalid signature: the algorithm {algorithm} does not match the certificate's {(keyOid == RsaOid ? "RSA" : "ECDSA")} key (expected {expectedAlgorithm}).");
        }

        // 3. The credential: serial/date/region/service/aws4_request.
        var scope = credential.Split('/');
        if (scope.Length != 5 || scope[4] != "aws4_request")
        {
            throw Denied($"Invalid signature: the Credential '{Shorten(credential)}' is not <serial>/<yyyyMMdd>/<region>/{service}/aws4_request.");
        }

        if (scope[0] != serial)
        {
            throw Denied($"Invalid signature: the credential serial number {Shorten(scope[0])} does not match the serial number {serial} of the X-Amz-X509 certificate (the serial must be in decimal).");
        }

        var amzDate = request.GetHeader("X-Amz-Date") ?? throw Denied("Invalid signature: the X-Amz-Date header is missing.");
        if (!DateTimeOffset.TryParseExact(amzDate, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var signingTime))
        {
            throw Denied($"Invalid signature: X-Amz-Date '{Shorten(amzDate)}' is not an ISO 8601 basic time (yyyyMMddTHHmmssZ).");
        }

        if (scope[1] != amzDate[..8])
        {
            throw Denied($"Invalid signature: the credential scope date {Shorten(scope[1])} does not match the date of X-Amz-Date {amzDate}.");
        }

        if (scope[2] != region)
        {
            throw Denied($"Invalid signature: the credential scope region '{Shorten(scope[2])}' is wrong; this endpoint is in '{region}'.");
        }

        if (scope[3] != service)
        {
            throw Denied($"Invalid signature: the credential scope service '{Shorten(scope[3])}' is wrong; expected '{service}'.");
        }

        // 4. The signed headers.
        var names = signedHeaders.Split(';');
        if (names.Any(n => n.Length == 0 || !string.Equals(n, n.ToLowerInvariant(), StringComparison.Ordinal)) || !names.SequenceEqual(names.OrderBy(n => n, StringComparer.Ordinal)) || names.Distinct().Count() != names.Length)
        {
            throw Denied($"Invalid signature: SignedHeaders '{Shorten(signedHeaders)}' must be lower-case header names, sorted, each once, joined with ';'.");
        }

        var required = request.GetHeader(X509SignatureProvider.ChainHeader) is null ? s_requiredSignedHeaders : [.. s_requiredSignedHeaders, "x-amz-x509-chain"];
        var missing = required.Where(r => !names.Contains(r)).ToList();
        if (missing.Count > 0)
        {
            throw Denied($"Invalid signature: SignedHeaders must include {string.Join(';', required)}; missing {string.Join(';', missing)}.");
        }

        var absent = names.Where(n => request.GetHeader(n) is null).ToList();
        if (absent.Count > 0)
        {
            throw Denied($"Invalid signature: SignedHeaders names {string.Join(';', absent)}, which the request does not have.");
        }

        // The Host a client signs must name this endpoint, port included (it is not the default port).
        var host = request.GetHeader("Host")!;
        if (!IsThisEndpoint(host, request.LocalPort))
        {
            throw Denied($"Invalid signature: the signed Host '{Shorten(host)}' does not name this endpoint (127.0.0.1:{request.LocalPort}); sign and send the Host with its port.");
        }

        if (signatureHex.Length == 0 || signatureHex.Length % 2 != 0 || !signatureHex.All(char.IsAsciiHexDigitLower))
        {
            throw Denied("Invalid signature: Signature must be lower-case hex.");
        }

        // 5. The signing time, against the server's clock.
        if (signingTime < now - maxSkew)
        {
            throw Denied($"Signature expired: {amzDate} is now earlier than {Format(now - maxSkew)} ({Format(now)} - {maxSkew.TotalMinutes:0} min.)");
        }

        if (signingTime > now + maxSkew)
        {
            throw Denied($"Signature expired: {amzDate} is now later than {Format(now + maxSkew)} ({Format(now)} + {maxSkew.TotalMinutes:0} min.)");
        }

        // 6. The signature, over the canonical request rebuilt from what was received.
        var canonical = CanonicalRequestText(request, names);
        var canonicalHash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(canonical))).ToLowerInvariant();
        var stringToSign = string.Join('\n', algorithm, amzDate, string.Join('/', scope[1..]), canonicalHash);
        var signature = Convert.FromHexString(signatureHex);
        var data = Encoding.UTF8.GetBytes(stringToSign);
        bool valid;
        if (keyOid == RsaOid)
        {
            using var rsa = leaf.GetRSAPublicKey()!;
            valid = rsa.VerifyData(data, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        }
        else
        {
            using var ecdsa = leaf.GetECDsaPublicKey()!;
            valid = ecdsa.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        }

        if (!valid)
        {
            throw Denied($"Invalid signature: the signature does not verify with the public key of the X-Amz-X509 certificate over the canonical request (SHA-256 {canonicalHash}). Check the canonical request, the string to sign, and that the key belongs to the certificate.");
        }

        var intermediates = ParseChain(request.GetHeader(X509SignatureProvider.ChainHeader));
        return new VerifiedX509Request(leaf, intermediates, algorithm, serial, signingTime);
    }

    /// <summary>
    /// Checks the leaf is an end-entity certificate that chains (through the intermediates sent)
    /// to a CA of the trust anchor, and that every certificate of the chain is valid at <paramref name="now"/>.
    /// </summary>
    public static void VerifyChain(VerifiedX509Request verified, SandboxTrustAnchor anchor, DateTimeOffset now)
    {
        var leaf = verified.Leaf;
        foreach (var extension in leaf.Extensions)
        {
            if (extension is X509BasicConstraintsExtension { CertificateAuthority: true })
            {
                throw Denied($"Untrusted signing certificate: {leaf.Subject} is a CA certificate (basic constraints CA:TRUE); an end-entity certificate must sign.");
            }

            if (extension is X509KeyUsageExtension usage && (usage.KeyUsages & X509KeyUsageFlags.DigitalSignature) == 0)
            {
                throw Denied($"Untrusted signing certificate: the key usage of {leaf.Subject} ({usage.KeyUsages}) lacks Digital Signature.");
            }
        }

        if (leaf.Version < 3)
        {
            throw Denied($"Untrusted signing certificate: {leaf.Subject} is an X.509 version {leaf.Version} certificate; version 3 is required.");
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(anchor.Certificates.ToArray());
        chain.ChainPolicy.ExtraStore.AddRange(verified.Intermediates.ToArray());
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        chain.ChainPolicy.VerificationTime = now.UtcDateTime;
        chain.ChainPolicy.VerificationTimeIgnored = false;
        chain.ChainPolicy.VerificationFlags = X509VerificationFlags.IgnoreNotTimeValid;
        var built = chain.Build(leaf);
        var elements = chain.ChainElements.Select(e => e.Certificate).ToList();
        var root = elements.Count > 0 ? elements[^1] : null;
        var anchored = root is not null && anchor.Certificates.Any(c => c.RawData.AsSpan().SequenceEqual(root.RawData));
        if (!built || !anchored)
        {
            var problems = string.Join("; ", chain.ChainStatus
                .Where(s => s.Status != X509ChainStatusFlags.NotTimeValid)
                .Select(s => s.Status + (string.IsNullOrWhiteSpace(s.StatusInformation) ? string.Empty : " (" + s.StatusInformation.Trim() + ")"))
                .Distinct());
            throw Denied($"Untrusted signing certificate: {leaf.Subject} (issued by {leaf.Issuer}) does not chain to a CA of the trust anchor {anchor.Arn}{(verified.Intermediates.Count == 0 ? " and no intermediate was sent in X-Amz-X509-Chain" : string.Empty)}: {(problems.Length == 0 ? "no path to its CA" : problems)}.");
        }

        foreach (var certificate in elements)
        {
            if (s_weakSignatureAlgorithms.TryGetValue(certificate.SignatureAlgorithm.Value ?? string.Empty, out var weak) && !ReferenceEquals(certificate, root))
            {
                throw Denied($"Untrusted signing certificate: {certificate.Subject} is signed with {weak}; SHA-256 or stronger is required.");
            }
        }

        for (var i = 0; i < elements.Count; i++)
        {
            var certificate = elements[i];
            var what = i == 0 ? $"the signing certificate {certificate.Subject}" : $"the CA certificate {certificate.Subject}";
            var notAfter = new DateTimeOffset(certificate.NotAfter.ToUniversalTime());
            var notBefore = new DateTimeOffset(certificate.NotBefore.ToUniversalTime());
            if (now > notAfter)
            {
                throw Denied($"Certificate expired: {what} expired on {notAfter:yyyy-MM-dd HH:mm:ss} UTC (server time {now.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC).");
            }

            if (now < notBefore)
            {
                throw Denied($"Certificate not yet valid: {what} is valid from {notBefore:yyyy-MM-dd HH:mm:ss} UTC (server time {now.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC).");
            }
        }
    }

    /// <summary>The SigV4 canonical request of what was received, with <paramref name="signedHeaders"/> taken from the request.</summary>
    internal static string CanonicalRequestText(SandboxHttpRequest request, IReadOnlyList<string> signedHeaders) =>
        CanonicalRequestText(request, signedHeaders, CanonicalRequest.CanonicalizePath(request.Path), payloadHash: null);

    /// <summary>The canonical request with a given canonical path, and the payload hash line as given (null: the body's SHA-256).</summary>
    internal static string CanonicalRequestText(SandboxHttpRequest request, IReadOnlyList<string> signedHeaders, string canonicalPath, string? payloadHash)
    {
        var builder = new StringBuilder(1024);
        builder.Append(request.Method).Append('\n');
        builder.Append(canonicalPath).Append('\n');
        builder.Append(CanonicalRequest.CanonicalizeQuery(request.Query)).Append('\n');
        foreach (var name in signedHeaders)
        {
            var values = request.GetHeaderValues(name).Select(CanonicalRequest.CanonicalizeHeaderValue);
            builder.Append(name).Append(':').Append(string.Join(',', values)).Append('\n');
        }

        builder.Append('\n').Append(string.Join(';', signedHeaders)).Append('\n');
        builder.Append(payloadHash ?? Convert.ToHexString(SHA256.HashData(request.Body)).ToLowerInvariant());
        return builder.ToString();
    }

    internal static bool IsThisEndpoint(string host, int port)
    {
        var suffix = ":" + port.ToString(CultureInfo.InvariantCulture);
        if (!host.EndsWith(suffix, StringComparison.Ordinal))
        {
            return false;
        }

        var name = host[..^suffix.Length];
        return name is "127.0.0.1" or "[::1]" || name.Equals("localhost", StringComparison.OrdinalIgnoreCase);
    }

    private static List<X509Certificate2> ParseChain(string? header)
    {
        if (header is null)
        {
            return [];
        }

        var list = new List<X509Certificate2>();
        var parts = header.Split(',');
        for (var i = 0; i < parts.Length; i++)
        {
            list.Add(ParseCertificate(parts[i]) ?? throw Denied($"Untrusted signing certificate: entry {i + 1} of X-Amz-X509-Chain is not a base64 DER certificate."));
        }

        return list;
    }

    private static X509Certificate2? ParseCertificate(string base64)
    {
        try
        {
            var der = Convert.FromBase64String(base64.Trim());
            return new X509Certificate2(der);
        }
        catch (Exception e) when (e is FormatException or CryptographicException)
        {
            return null;
        }
    }

    private static Dictionary<string, string> ParseParameters(string text)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var part in text.Split(','))
        {
            var trimmed = part.Trim();
            var equals = trimmed.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw Denied($"Invalid signature: the Authorization header part '{Shorten(trimmed)}' is not name=value.");
            }

            if (!result.TryAdd(trimmed[..equals], trimmed[(equals + 1)..]))
            {
                throw Denied($"Invalid signature: the Authorization header names {trimmed[..equals]} twice.");
            }
        }

        return result;
    }

    private static string Format(DateTimeOffset time) => time.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..80] + "...";

    private static SandboxServiceException Denied(string message) => SandboxServiceException.AccessDenied(message);
}
