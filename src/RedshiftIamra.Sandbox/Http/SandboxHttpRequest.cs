using System.Net;
using System.Text;

namespace RedshiftIamra.Sandbox;

/// <summary>One HTTP/1.1 request as the sandbox received it: nothing normalized, so a verifier sees what the client sent.</summary>
internal sealed class SandboxHttpRequest
{
    public SandboxHttpRequest(string method, string target, string version, IReadOnlyList<KeyValuePair<string, string>> headers, byte[] body, IPEndPoint? remoteEndPoint, int localPort)
    {
        Method = method;
        Target = target;
        Version = version;
        Headers = headers;
        Body = body;
        RemoteEndPoint = remoteEndPoint;
        LocalPort = localPort;
        var question = target.IndexOf('?', StringComparison.Ordinal);
        Path = question < 0 ? target : target[..question];
        Query = question < 0 ? string.Empty : target[(question + 1)..];
        RequestId = Guid.NewGuid().ToString();
    }

    /// <summary>The method exactly as sent (<c>POST</c>).</summary>
    public string Method { get; }

    /// <summary>The request target exactly as sent (<c>/sessions?profileArn=...</c>).</summary>
    public string Target { get; }

    /// <summary><c>HTTP/1.1</c> or <c>HTTP/1.0</c>.</summary>
    public string Version { get; }

    /// <summary>The escaped path, as sent.</summary>
    public string Path { get; }

    /// <summary>The escaped query, as sent, without the <c>?</c> (empty when none).</summary>
    public string Query { get; }

    /// <summary>Every header line in the order received; names as sent, values trimmed of surrounding white space.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; }

    public byte[] Body { get; }

    /// <summary>For servers that stream bodies: the body, read once from the connection (<see cref="Body"/> is then empty).</summary>
    public HttpBodyStream? BodyStream { get; internal set; }

    public IPEndPoint? RemoteEndPoint { get; }

    /// <summary>The port the request arrived on.</summary>
    public int LocalPort { get; }

    /// <summary>The id sent back in <c>x-amzn-RequestId</c> and written to the audit log.</summary>
    public string RequestId { get; }

    /// <summary>True when the client wants the connection kept open after the answer.</summary>
    public bool KeepAlive
    {
        get
        {
            var connection = GetHeader("Connection");
            if (Version == "HTTP/1.0")
            {
                return connection is not null && HasToken(connection, "keep-alive");
            }

            return connection is null || !HasToken(connection, "close");
        }
    }

    /// <summary>The values of a header (names compared case-insensitively), in the order received.</summary>
    public IEnumerable<string> GetHeaderValues(string name)
    {
        foreach (var header in Headers)
        {
            if (string.Equals(header.Key, name, StringComparison.OrdinalIgnoreCase))
            {
                yield return header.Value;
            }
        }
    }

    /// <summary>A header's values joined with <c>,</c>, or null when absent.</summary>
    public string? GetHeader(string name)
    {
        string? joined = null;
        foreach (var value in GetHeaderValues(name))
        {
            joined = joined is null ? value : joined + "," + value;
        }

        return joined;
    }

    /// <summary>The query parameters, percent-decoded (a <c>+</c> stays a plus); the first value of a repeated name wins.</summary>
    public IReadOnlyDictionary<string, string> QueryParameters => _queryParameters ??= ParseUrlEncoded(Query, plusIsSpace: false);

    private IReadOnlyDictionary<string, string>? _queryParameters;

    /// <summary>Parses <c>a=b&amp;c=d</c> text (query strings, form bodies).</summary>
    public static IReadOnlyDictionary<string, string> ParseUrlEncoded(string text, bool plusIsSpace)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in text.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var key = Decode(equals < 0 ? pair : pair[..equals]);
            var value = equals < 0 ? string.Empty : Decode(pair[(equals + 1)..]);
            result.TryAdd(key, value);
        }

        return result;

        string Decode(string s) => Uri.UnescapeDataString(plusIsSpace ? s.Replace('+', ' ') : s);
    }

    /// <summary>The body as a form (<c>application/x-www-form-urlencoded</c>), or an empty set when it is not one.</summary>
    public IReadOnlyDictionary<string, string> FormParameters
    {
        get
        {
            var type = GetHeader("Content-Type");
            if (type is null || !type.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase))
            {
                return new Dictionary<string, string>();
            }

            return ParseUrlEncoded(Encoding.UTF8.GetString(Body), plusIsSpace: true);
        }
    }

    private static bool HasToken(string headerValue, string token)
    {
        foreach (var part in headerValue.Split(','))
        {
            if (string.Equals(part.Trim(), token, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
