using System.Globalization;
using System.Net.Http.Headers;

namespace RedshiftIamra.Signing;

/// <summary>
/// Signs an <see cref="HttpRequestMessage"/> with AWS Signature Version 4, with any
/// <see cref="ISignatureProvider"/> (HMAC with an AWS secret, or an X.509 certificate key).
/// </summary>
/// <remarks>
/// <para>Sets <c>X-Amz-Date</c>, <c>Host</c> (with <c>:port</c> for a non-default port), the
/// provider's headers, and <c>Authorization</c>; a header of those names already on the request
/// is replaced, so a retried request can be signed again.</para>
/// <para>Signed headers: <c>host</c>, <c>content-type</c> when the request has content with a
/// type, and every <c>x-amz-*</c> request header (which covers <c>x-amz-date</c>,
/// <c>x-amz-target</c>, <c>x-amz-security-token</c>, <c>x-amz-x509</c>,
/// <c>x-amz-x509-chain</c>). Other headers (<c>User-Agent</c>, <c>Accept</c>, <c>Content-Length</c>,
/// ...) are not signed, so the HTTP stack may add or change them afterwards.</para>
/// <para>Thread-safe: one signer may serve many requests at once.</para>
/// </remarks>
public sealed class SigV4Signer
{
    /// <summary>The <c>X-Amz-Date</c> header name.</summary>
    public const string AmzDateHeader = "X-Amz-Date";

    private const string AmzHeaderPrefix = "x-amz-";

    private readonly TimeProvider _timeProvider;

    /// <summary>Creates a signer that reads the signing time from <paramref name="timeProvider"/> (the system clock by default).</summary>
    public SigV4Signer(TimeProvider? timeProvider = null)
    {
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Signs <paramref name="request"/> at the current time of the signer's clock.</summary>
    /// <inheritdoc cref="Sign(HttpRequestMessage, ReadOnlySpan{byte}, ISignatureProvider, string, string, DateTimeOffset)"/>
    public SigningResult Sign(HttpRequestMessage request, ReadOnlySpan<byte> body, ISignatureProvider provider, string region, string service) =>
        Sign(request, body, provider, region, service, _timeProvider.GetUtcNow());

    /// <summary>Signs <paramref name="request"/> at <paramref name="signingTime"/>.</summary>
    /// <param name="request">The request, with an absolute URI and its content (and content type) already set.</param>
    /// <param name="body">The exact bytes of the request content (empty when there is none).</param>
    /// <param name="provider">Signs the string to sign and supplies the algorithm, credential id and extra headers.</param>
    /// <param name="region">The signing region, e.g. <c>us-east-1</c>.</param>
    /// <param name="service">The signing name, e.g. <c>rolesanywhere</c>, <c>redshift</c>.</param>
    /// <param name="signingTime">The signing time (converted to UTC).</param>
    /// <returns>The pieces of the signature, for debug output.</returns>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822:Mark members as static", Justification = "Public instance API next to the overload that reads the signer's clock; callers hold a signer.")]
    public SigningResult Sign(HttpRequestMessage request, ReadOnlySpan<byte> body, ISignatureProvider provider, string region, string service, DateTimeOffset signingTime)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentException.ThrowIfNullOrWhiteSpace(region);
        ArgumentException.ThrowIfNullOrWhiteSpace(service);
        var uri = request.RequestUri;
        if (uri is null || !uri.IsAbsoluteUri)
        {
            throw new ArgumentException("The request needs an absolute RequestUri to be signed.", nameof(request));
        }

        CheckBodyMatchesContent(request.Content, body.Length);

        var amzDate = FormatAmzDate(signingTime);
        var scopeDate = amzDate[..8];
        var host = HostHeaderValue(uri);

        // Replace what an earlier signing (a retry) may have left.
        var headers = request.Headers;
        headers.Authorization = null;
        headers.Remove(AmzDateHeader);
        foreach (var header in provider.Headers)
        {
            headers.Remove(header.Key);
        }

        headers.Host = host;
        headers.TryAddWithoutValidation(AmzDateHeader, amzDate);
        foreach (var header in provider.Headers)
        {
            if (!headers.TryAddWithoutValidation(header.Key, header.Value))
            {
                throw new InvalidOperationException($"The header '{header.Key}' cannot be added to the request.");
            }
        }

        var toSign = new List<KeyValuePair<string, string>>(8) { new("host", host) };
        if (request.Content is { } content && content.Headers.NonValidated.TryGetValues("Content-Type", out var contentTypes))
        {
            foreach (var value in contentTypes)
            {
                toSign.Add(new("content-type", value));
            }
        }

        foreach (var header in headers.NonValidated)
        {
            if (header.Key.StartsWith(AmzHeaderPrefix, StringComparison.OrdinalIgnoreCase))
            {
                foreach (var value in header.Value)
                {
                    toSign.Add(new(header.Key, value));
                }
            }
        }

        var canonicalRequest = CanonicalRequest.Create(request.Method.Method, uri, toSign, CanonicalRequest.HashPayload(body));
        var credentialScope = string.Concat(scopeDate, "/", region, "/", service, "/aws4_request");
        var stringToSign = string.Concat([provider.Algorithm, "\n", amzDate, "\n", credentialScope, "\n", canonicalRequest.ComputeHash()]);
        var signature = provider.Sign(stringToSign, scopeDate, region, service);

        var parameter = string.Concat(["Credential=", provider.CredentialId, "/", credentialScope, ", SignedHeaders=", canonicalRequest.SignedHeaders, ", Signature=", signature]);
        headers.Authorization = new AuthenticationHeaderValue(provider.Algorithm, parameter);

        return new SigningResult(provider.Algorithm, amzDate, credentialScope, canonicalRequest, stringToSign, signature, provider.Algorithm + " " + parameter);
    }

    /// <summary>The SigV4 time stamp, <c>yyyyMMddTHHmmssZ</c> in UTC.</summary>
    public static string FormatAmzDate(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);

    /// <summary>The <c>Host</c> header for <paramref name="uri"/>: the host, and <c>:port</c> when the port is not the scheme's default.</summary>
    public static string HostHeaderValue(Uri uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        var host = uri.HostNameType == UriHostNameType.IPv6 ? uri.Host : uri.IdnHost;
        return uri.IsDefaultPort ? host : string.Create(CultureInfo.InvariantCulture, $"{host}:{uri.Port}");
    }

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2208:Instantiate argument exceptions correctly", Justification = "The exception names the 'body' parameter of the public Sign method that called this check.")]
    private static void CheckBodyMatchesContent(HttpContent? content, int bodyLength)
    {
        if (content is null)
        {
            if (bodyLength != 0)
            {
                throw new ArgumentException("A body was given to sign but the request has no Content.", "body");
            }

            return;
        }

        if (content.Headers.ContentLength is { } length && length != bodyLength)
        {
            throw new ArgumentException(
                $"The body to sign has {bodyLength} bytes but the request content has {length}: sign the exact content bytes.",
                "body");
        }
    }
}
