namespace RedshiftIamra.Signing;

/// <summary>
/// What <see cref="SigV4Signer"/> computed for one request, for <c>-Debug</c> output and tests.
/// Holds no secret in any public member: the canonical request redacts the session token.
/// </summary>
public sealed class SigningResult
{
    internal SigningResult(string algorithm, string amzDate, string credentialScope, CanonicalRequest canonicalRequest, string stringToSign, string signature, string authorization)
    {
        Algorithm = algorithm;
        AmzDate = amzDate;
        CredentialScope = credentialScope;
        CanonicalRequest = canonicalRequest;
        StringToSign = stringToSign;
        Signature = signature;
        Authorization = authorization;
    }

    /// <summary>The algorithm, e.g. <c>AWS4-HMAC-SHA256</c>.</summary>
    public string Algorithm { get; }

    /// <summary>The <c>X-Amz-Date</c> value, <c>yyyyMMddTHHmmssZ</c>.</summary>
    public string AmzDate { get; }

    /// <summary>The credential scope, <c>yyyyMMdd/region/service/aws4_request</c>.</summary>
    public string CredentialScope { get; }

    /// <summary>The canonical request (its text form redacts secret header values).</summary>
    public CanonicalRequest CanonicalRequest { get; }

    /// <summary>The signed header list, e.g. <c>content-type;host;x-amz-date</c>.</summary>
    public string SignedHeaders => CanonicalRequest.SignedHeaders;

    /// <summary>The string to sign: algorithm, date, scope and the hash of the canonical request.</summary>
    public string StringToSign { get; }

    /// <summary>The signature, lower-case hex.</summary>
    public string Signature { get; }

    /// <summary>The value set in the <c>Authorization</c> header.</summary>
    public string Authorization { get; }

    /// <summary>The canonical request (redacted), the string to sign and the Authorization value, for <c>-Debug</c>.</summary>
    public string ToDebugString() =>
        $"CanonicalRequest:\n{CanonicalRequest.ToDebugString()}\n\nStringToSign:\n{StringToSign}\n\nAuthorization: {Authorization}";

    /// <summary>Same as <see cref="ToDebugString"/>.</summary>
    public override string ToString() => ToDebugString();
}
