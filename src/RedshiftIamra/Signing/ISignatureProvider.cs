namespace RedshiftIamra.Signing;

/// <summary>
/// What differs between the SigV4 signing kinds: the algorithm name, the credential id in the
/// scope, the headers the kind adds, and how the string to sign is signed.
/// </summary>
/// <remarks>Implementations must be safe to call from several threads at once.</remarks>
public interface ISignatureProvider
{
    /// <summary>The algorithm, e.g. <c>AWS4-HMAC-SHA256</c>, <c>AWS4-X509-RSA-SHA256</c>, <c>AWS4-X509-ECDSA-SHA256</c>.</summary>
    string Algorithm { get; }

    /// <summary>The id before the scope in <c>Credential=</c>: the access key id, or the certificate serial in decimal.</summary>
    string CredentialId { get; }

    /// <summary>
    /// Headers to add to the request before signing; all of them are signed
    /// (<c>X-Amz-Security-Token</c>; <c>X-Amz-X509</c>, <c>X-Amz-X509-Chain</c>).
    /// Values may be secret: never log them.
    /// </summary>
    IReadOnlyList<KeyValuePair<string, string>> Headers { get; }

    /// <summary>Signs the UTF-8 bytes of <paramref name="stringToSign"/>; returns the signature as lower-case hex.</summary>
    /// <param name="stringToSign">The SigV4 string to sign.</param>
    /// <param name="scopeDate">The scope date, <c>yyyyMMdd</c>.</param>
    /// <param name="region">The signing region.</param>
    /// <param name="service">The signing name of the service.</param>
    string Sign(string stringToSign, string scopeDate, string region, string service);
}
