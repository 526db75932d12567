using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace RedshiftIamra.Signing;

/// <summary>
/// The SigV4 canonical request: method, canonical URI, canonical query string, canonical
/// headers, a blank line, the signed-header list, and the hex SHA-256 of the payload. One
/// builder for both signing kinds (HMAC with an AWS secret, X.509 with a certificate key).
/// </summary>
/// <remarks>
/// The exact text can hold a secret (the <c>x-amz-security-token</c> header of temporary
/// credentials), so it is internal; <see cref="ToString"/> and <see cref="ToDebugString"/>
/// show it with that value redacted.
/// </remarks>
public sealed class CanonicalRequest
{
    /// <summary>What <see cref="ToDebugString"/> shows instead of a secret header value.</summary>
    public const string Redacted = "<redacted>";

    /// <summary>Lower-case hex SHA-256 of an empty payload.</summary>
    public const string EmptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    // Lower-case names of headers whose value is a secret.
    private static readonly string[] SecretHeaderNames = ["x-amz-security-token"];

    private readonly string[] _headerNames;
    private readonly string[] _headerValues;

    private CanonicalRequest(string method, string canonicalUri, string canonicalQueryString, string[] headerNames, string[] headerValues, string payloadHash)
    {
        Method = method;
        CanonicalUri = canonicalUri;
        CanonicalQueryString = canonicalQueryString;
        _headerNames = headerNames;
        _headerValues = headerValues;
        SignedHeaders = string.Join(';', headerNames);
        PayloadHash = payloadHash;
        CanonicalHeaders = BuildCanonicalHeaders(redact: false);
        Text = string.Concat([Method, "\n", CanonicalUri, "\n", CanonicalQueryString, "\n", CanonicalHeaders, "\n", SignedHeaders, "\n", PayloadHash]);
    }

    /// <summary>The HTTP method, upper case.</summary>
    public string Method { get; }

    /// <summary>The canonical URI: the request path, normalized and percent-encoded; <c>/</c> when empty.</summary>
    public string CanonicalUri { get; }

    /// <summary>The canonical query string (empty when there is no query).</summary>
    public string CanonicalQueryString { get; }

    /// <summary>The signed header names, lower case, sorted, joined with <c>;</c>.</summary>
    public string SignedHeaders { get; }

    /// <summary>The signed header names, lower case, sorted.</summary>
    public IReadOnlyList<string> SignedHeaderNames => _headerNames;

    /// <summary>Lower-case hex SHA-256 of the payload.</summary>
    public string PayloadHash { get; }

    /// <summary>The canonical header block (<c>name:value\n</c> per header). May hold a secret.</summary>
    internal string CanonicalHeaders { get; }

    /// <summary>The exact canonical request text that is hashed. May hold a secret.</summary>
    internal string Text { get; }

    /// <summary>
    /// Builds the canonical request.
    /// </summary>
    /// <param name="method">The HTTP method.</param>
    /// <param name="uri">The absolute request URI; its escaped path and query are canonicalized.</param>
    /// <param name="headers">
    /// The headers to sign. Names are compared case-insensitively; a name given more than once
    /// has its values joined with <c>,</c> in the order given.
    /// </param>
    /// <param name="payloadHash">Lower-case hex SHA-256 of the body (see <see cref="HashPayload"/>).</param>
    public static CanonicalRequest Create(string method, Uri uri, IEnumerable<KeyValuePair<string, string>> headers, string payloadHash)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(method);
        ArgumentNullException.ThrowIfNull(uri);
        ArgumentNullException.ThrowIfNull(headers);
        ArgumentException.ThrowIfNullOrWhiteSpace(payloadHash);
        if (!uri.IsAbsoluteUri)
        {
            throw new ArgumentException("The request URI must be absolute.", nameof(uri));
        }

        // Sort by lower-case name (ordinal), keeping the given order of repeated names.
        var list = new List<(string Name, string Value, int Order)>();
        foreach (var header in headers)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(header.Key, nameof(headers));
            list.Add((header.Key.Trim().ToLowerInvariant(), CanonicalizeHeaderValue(header.Value ?? string.Empty), list.Count));
        }

        list.Sort(static (a, b) =>
        {
            var byName = string.CompareOrdinal(a.Name, b.Name);
            return byName != 0 ? byName : a.Order.CompareTo(b.Order);
        });

        var names = new List<string>(list.Count);
        var values = new List<string>(list.Count);
        for (var i = 0; i < list.Count; i++)
        {
            if (names.Count > 0 && names[^1] == list[i].Name)
            {
                values[^1] = values[^1] + "," + list[i].Value;
            }
            else
            {
                names.Add(list[i].Name);
                values.Add(list[i].Value);
            }
        }

        return new CanonicalRequest(
            method.Trim().ToUpperInvariant(),
            CanonicalizePath(uri.AbsolutePath),
            CanonicalizeQuery(uri.Query),
            [.. names],
            [.. values],
            payloadHash);
    }

    /// <summary>
    /// Percent-encodes <paramref name="value"/> per RFC 3986 as SigV4 wants it: the UTF-8 bytes,
    /// with only <c>A-Z a-z 0-9 - _ . ~</c> left literal and upper-case hex escapes.
    /// </summary>
    public static string EncodeRfc3986(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var builder = new StringBuilder(value.Length + 16);
        SigV4Text.AppendEncoded(builder, value, keepSlash: false);
        return builder.ToString();
    }

    /// <summary>
    /// The canonical URI of a path as it goes on the wire (already escaped, e.g.
    /// <see cref="Uri.AbsolutePath"/>): empty and <c>.</c>/<c>..</c> segments are removed
    /// (as AWS does for every service but S3), then the path is percent-encoded once more with
    /// <c>/</c> kept, so <c>/a%20b</c> becomes <c>/a%2520b</c>. An empty path becomes <c>/</c>.
    /// </summary>
    public static string CanonicalizePath(string escapedPath)
    {
        ArgumentNullException.ThrowIfNull(escapedPath);
        if (escapedPath.Length == 0 || escapedPath == "/")
        {
            return "/";
        }

        var builder = new StringBuilder(escapedPath.Length + 16);
        var segments = 0;
        var stack = new List<int>(); // builder lengths before each kept segment, to pop on ".."
        var rest = escapedPath.AsSpan();
        while (NextPart(ref rest, '/', out var segment))
        {
            if (segment.IsEmpty || segment is ".")
            {
                continue;
            }

            if (segment is "..")
            {
                if (stack.Count > 0)
                {
                    builder.Length = stack[^1];
                    stack.RemoveAt(stack.Count - 1);
                    segments--;
                }

                continue;
            }

            stack.Add(builder.Length);
            builder.Append('/');
            SigV4Text.AppendEncoded(builder, segment, keepSlash: false);
            segments++;
        }

        if (segments == 0)
        {
            return "/";
        }

        if (escapedPath[^1] == '/')
        {
            builder.Append('/');
        }

        return builder.ToString();
    }

    /// <summary>
    /// The canonical query string of an escaped query (with or without the leading <c>?</c>, e.g.
    /// <see cref="Uri.Query"/>): each key and value is decoded and re-encoded per RFC 3986, a key
    /// without <c>=</c> gets an empty value, and the pairs are sorted by encoded key, then by
    /// encoded value. <c>+</c> is a literal plus (it becomes <c>%2B</c>), not a space.
    /// </summary>
    public static string CanonicalizeQuery(string escapedQuery)
    {
        ArgumentNullException.ThrowIfNull(escapedQuery);
        var query = escapedQuery.AsSpan();
        if (query.StartsWith("?"))
        {
            query = query[1..];
        }

        if (query.IsEmpty)
        {
            return string.Empty;
        }

        var pairs = new List<(string Key, string Value)>();
        var builder = new StringBuilder(64);
        while (NextPart(ref query, '&', out var pair))
        {
            if (pair.IsEmpty)
            {
                continue;
            }

            var equals = pair.IndexOf('=');
            var key = equals < 0 ? pair : pair[..equals];
            var value = equals < 0 ? [] : pair[(equals + 1)..];

            builder.Clear();
            SigV4Text.AppendReencoded(builder, key);
            var encodedKey = builder.ToString();
            builder.Clear();
            SigV4Text.AppendReencoded(builder, value);
            pairs.Add((encodedKey, builder.ToString()));
        }

        pairs.Sort(static (a, b) =>
        {
            var byKey = string.CompareOrdinal(a.Key, b.Key);
            return byKey != 0 ? byKey : string.CompareOrdinal(a.Value, b.Value);
        });

        builder.Clear();
        foreach (var (key, value) in pairs)
        {
            if (builder.Length > 0)
            {
                builder.Append('&');
            }

            builder.Append(key).Append('=').Append(value);
        }

        return builder.ToString();
    }

    /// <summary>A header value in canonical form: trimmed, each run of white space collapsed to one space.</summary>
    public static string CanonicalizeHeaderValue(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var span = value.AsSpan().Trim();
        if (!NeedsCollapse(span))
        {
            return span.Length == value.Length ? value : span.ToString();
        }

        var builder = new StringBuilder(span.Length);
        var inSpace = false;
        foreach (var c in span)
        {
            if (char.IsWhiteSpace(c))
            {
                inSpace = true;
                continue;
            }

            if (inSpace)
            {
                builder.Append(' ');
                inSpace = false;
            }

            builder.Append(c);
        }

        return builder.ToString();
    }

    /// <summary>Lower-case hex SHA-256 of <paramref name="payload"/>.</summary>
    public static string HashPayload(ReadOnlySpan<byte> payload)
    {
        if (payload.IsEmpty)
        {
            return EmptyPayloadHash;
        }

        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(payload, hash);
        return SigV4Text.ToLowerHex(hash);
    }

    /// <summary>The canonical request with secret header values replaced by <see cref="Redacted"/>.</summary>
    public string ToDebugString()
    {
        var hasSecret = false;
        foreach (var name in _headerNames)
        {
            hasSecret |= IsSecretHeader(name);
        }

        return hasSecret
            ? string.Concat([Method, "\n", CanonicalUri, "\n", CanonicalQueryString, "\n", BuildCanonicalHeaders(redact: true), "\n", SignedHeaders, "\n", PayloadHash])
            : Text;
    }

    /// <summary>Same as <see cref="ToDebugString"/>: secret values are redacted.</summary>
    public override string ToString() => ToDebugString();

    /// <summary>Lower-case hex SHA-256 of the exact canonical request text.</summary>
    internal string ComputeHash()
    {
        var byteCount = Encoding.UTF8.GetByteCount(Text);
        var rented = ArrayPool<byte>.Shared.Rent(byteCount);
        try
        {
            var written = Encoding.UTF8.GetBytes(Text, rented);
            Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
            SHA256.HashData(rented.AsSpan(0, written), hash);
            return SigV4Text.ToLowerHex(hash);
        }
        finally
        {
            // The text may hold a session token: do not leave it in a shared buffer.
            CryptographicOperations.ZeroMemory(rented.AsSpan(0, byteCount));
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    // Splits off the text before the next separator; false when nothing is left.
    private static bool NextPart(ref ReadOnlySpan<char> rest, char separator, out ReadOnlySpan<char> part)
    {
        if (rest.IsEmpty)
        {
            part = default;
            return false;
        }

        var index = rest.IndexOf(separator);
        if (index < 0)
        {
            part = rest;
            rest = [];
        }
        else
        {
            part = rest[..index];
            rest = rest[(index + 1)..];
        }

        return true;
    }

    private static bool IsSecretHeader(string lowerName) => Array.IndexOf(SecretHeaderNames, lowerName) >= 0;

    private static bool NeedsCollapse(ReadOnlySpan<char> span)
    {
        for (var i = 0; i < span.Length; i++)
        {
            if (char.IsWhiteSpace(span[i]) && (span[i] != ' ' || (i + 1 < span.Length && char.IsWhiteSpace(span[i + 1]))))
            {
                return true;
            }
        }

        return false;
    }

    private string BuildCanonicalHeaders(bool redact)
    {
        var builder = new StringBuilder(256);
        for (var i = 0; i < _headerNames.Length; i++)
        {
            builder.Append(_headerNames[i]).Append(':')
                .Append(redact && IsSecretHeader(_headerNames[i]) ? Redacted : _headerValues[i])
                .Append('\n');
        }

        return builder.ToString();
    }
}
