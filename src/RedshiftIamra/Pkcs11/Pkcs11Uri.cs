using System.Collections.Frozen;
using System.Globalization;
using System.Security;
using System.Text;

namespace RedshiftIamra.Pkcs11;

/// <summary>
/// An RFC 7512 <c>pkcs11:</c> URI: path attributes (<c>token</c>, <c>manufacturer</c>,
/// <c>serial</c>, <c>model</c>, <c>slot-id</c>, <c>object</c>, <c>id</c>, <c>type</c>, ...)
/// after <c>pkcs11:</c> separated by <c>;</c>, and query attributes (<c>pin-value</c>,
/// <c>pin-source</c>, <c>module-path</c>, <c>module-name</c>) after <c>?</c> separated by
/// <c>&amp;</c>. Values are percent-encoded; <c>id</c> is any bytes, percent-encoded.
/// </summary>
/// <remarks>
/// The PIN from <c>pin-value</c> is kept only as a <see cref="SecureString"/>;
/// <see cref="ToString"/> never shows it.
/// </remarks>
public sealed class Pkcs11Uri
{
    public const string Scheme = "pkcs11:";

    private static readonly FrozenSet<string> s_pathAttributes = new HashSet<string>(StringComparer.Ordinal)
    {
        "token", "manufacturer", "serial", "model", "library-manufacturer", "library-description",
        "library-version", "object", "type", "id", "slot-description", "slot-manufacturer", "slot-id",
    }.ToFrozenSet(StringComparer.Ordinal);

    private static readonly FrozenSet<string> s_queryAttributes = new HashSet<string>(StringComparer.Ordinal)
    {
        "pin-source", "pin-value", "module-name", "module-path",
    }.ToFrozenSet(StringComparer.Ordinal);

    private static readonly FrozenSet<string> s_types = new[] { "public", "private", "cert", "secret-key", "data" }.ToFrozenSet(StringComparer.Ordinal);

    private readonly Dictionary<string, string> _path;
    private readonly Dictionary<string, string> _query;
    private readonly List<string> _pathOrder;

    private Pkcs11Uri(Dictionary<string, string> path, List<string> pathOrder, Dictionary<string, string> query, byte[]? id, SecureString? pin)
    {
        _path = path;
        _pathOrder = pathOrder;
        _query = query;
        Id = id;
        PinValue = pin;
    }

    /// <summary><c>token</c>: the token label.</summary>
    public string? Token => Get(_path, "token");

    public string? Manufacturer => Get(_path, "manufacturer");

    /// <summary><c>serial</c>: the token serial number.</summary>
    public string? Serial => Get(_path, "serial");

    public string? Model => Get(_path, "model");

    /// <summary><c>slot-id</c>: the slot number, when given.</summary>
    public ulong? SlotId => Get(_path, "slot-id") is { } s ? ulong.Parse(s, NumberStyles.None, CultureInfo.InvariantCulture) : null;

    /// <summary><c>object</c>: the object label (<c>CKA_LABEL</c>) of the key or certificate.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1720:Identifier contains type name", Justification = "Named after the RFC 7512 'object' attribute it returns, like the other attribute properties.")]
    public string? Object => Get(_path, "object");

    /// <summary><c>id</c>: the object id (<c>CKA_ID</c>) bytes.</summary>
    public byte[]? Id { get; }

    /// <summary><c>type</c>: <c>private</c>, <c>cert</c>, <c>public</c>, <c>secret-key</c> or <c>data</c>.</summary>
    public string? Type => Get(_path, "type");

    /// <summary><c>pin-source</c>: where to read the PIN from (a file path or a <c>file:</c> URI).</summary>
    public string? PinSource => Get(_query, "pin-source");

    /// <summary><c>pin-value</c>: the PIN itself (prefer <c>pin-source</c> or a prompt: a URI is easily logged).</summary>
    public SecureString? PinValue { get; }

    /// <summary><c>module-path</c>: the PKCS#11 library file.</summary>
    public string? ModulePath => Get(_query, "module-path");

    /// <summary><c>module-name</c>: the PKCS#11 library name (not resolved by this module; use <c>module-path</c>).</summary>
    public string? ModuleName => Get(_query, "module-name");

    /// <summary>True when the text starts with <c>pkcs11:</c> (any case).</summary>
    public static bool LooksLikeUri(string? text) => text is not null && text.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase);

    /// <summary>Parses a <c>pkcs11:</c> URI; throws <see cref="IamraException"/> (<see cref="ErrorIds.Pkcs11.UriInvalid"/>) saying what is wrong. The message never repeats a PIN.</summary>
    public static Pkcs11Uri Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        text = text.Trim();
        if (!LooksLikeUri(text))
        {
            throw Invalid("it does not start with 'pkcs11:' (e.g. pkcs11:token=my-token;object=my-key)");
        }

        var rest = text[Scheme.Length..];
        var question = rest.IndexOf('?', StringComparison.Ordinal);
        var pathText = question < 0 ? rest : rest[..question];
        var queryText = question < 0 ? string.Empty : rest[(question + 1)..];

        var path = new Dictionary<string, string>(StringComparer.Ordinal);
        var pathOrder = new List<string>();
        var query = new Dictionary<string, string>(StringComparer.Ordinal);
        byte[]? id = null;
        SecureString? pin = null;
        try
        {
            foreach (var part in Split(pathText, ';'))
            {
                var (name, raw) = NameValue(part, "path");
                if (!s_pathAttributes.Contains(name) && !IsVendor(name))
                {
                    throw Invalid($"'{name}' is not a path attribute of RFC 7512 (token, manufacturer, serial, model, slot-id, object, id, type, ...)");
                }

                if (path.ContainsKey(name) || (name == "id" && id is not null))
                {
                    throw Invalid($"the attribute '{name}' appears twice");
                }

                pathOrder.Add(name);

                if (name == "id")
                {
                    id = Decode(raw, name);
                    continue;
                }

                var value = DecodeText(raw, name);
                if (name == "type" && !s_types.Contains(value))
                {
                    throw Invalid($"type '{value}' is not one of public, private, cert, secret-key, data");
                }

                if (name == "slot-id" && !ulong.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out _))
                {
                    throw Invalid($"slot-id '{value}' is not a decimal number");
                }

                path[name] = value;
            }

            foreach (var part in Split(queryText, '&'))
            {
                var (name, raw) = NameValue(part, "query");
                if (!s_queryAttributes.Contains(name) && !IsVendor(name))
                {
                    throw Invalid($"'{name}' is not a query attribute of RFC 7512 (pin-value, pin-source, module-path, module-name)");
                }

                if (query.ContainsKey(name) || (name == "pin-value" && pin is not null))
                {
                    throw Invalid($"the attribute '{name}' appears twice");
                }

                if (name == "pin-value")
                {
                    pin = DecodeSecret(raw);
                    continue;
                }

                query[name] = DecodeText(raw, name);
            }

            if (pin is not null && query.ContainsKey("pin-source"))
            {
                throw Invalid("it has both pin-value and pin-source; give one");
            }
        }
        catch
        {
            pin?.Dispose();
            throw;
        }

        return new Pkcs11Uri(path, pathOrder, query, id, pin);
    }

    /// <summary>
    /// The URI of one identity: <c>pkcs11:token=..;object=..;id=..;type=private</c> with the
    /// given query attributes (never <c>pin-value</c>).
    /// </summary>
    public static string Build(string? token, string? objectLabel, byte[]? id, string? type, string? modulePath = null, string? pinSource = null)
    {
        var builder = new StringBuilder(Scheme);
        var first = true;
        void Path(string name, string? value)
        {
            if (value is null)
            {
                return;
            }

            if (!first)
            {
                builder.Append(';');
            }

            first = false;
            builder.Append(name).Append('=').Append(value);
        }

        Path("token", token is null ? null : Encode(token, query: false));
        Path("object", objectLabel is null ? null : Encode(objectLabel, query: false));
        Path("id", id is null ? null : EncodeBytes(id));
        Path("type", type);

        var separator = '?';
        foreach (var (name, value) in new[] { ("module-path", modulePath), ("pin-source", pinSource) })
        {
            if (value is not null)
            {
                builder.Append(separator).Append(name).Append('=').Append(Encode(value, query: true));
                separator = '&';
            }
        }

        return builder.ToString();
    }

    /// <summary>The URI as given, without <c>pin-value</c> (the PIN is never shown).</summary>
    public override string ToString()
    {
        var builder = new StringBuilder(Scheme);
        var first = true;
        foreach (var name in _pathOrder)
        {
            var value = name == "id" ? EncodeBytes(Id!) : Encode(_path[name], query: false);
            builder.Append(first ? string.Empty : ";").Append(name).Append('=').Append(value);
            first = false;
        }

        var separator = '?';
        foreach (var (name, value) in _query)
        {
            builder.Append(separator).Append(name).Append('=').Append(Encode(value, query: true));
            separator = '&';
        }

        return builder.ToString();
    }

    /// <summary>Hexadecimal of an id, as pkcs11-tool shows it (<c>01a2</c>).</summary>
    public static string ToHex(byte[] id) => Convert.ToHexString(id).ToLowerInvariant();

    /// <summary>Parses a hexadecimal key id as pkcs11-tool takes it (<c>01a2</c>, <c>01:a2</c>, <c>0x01a2</c>); throws <see cref="IamraException"/> when it is not hex.</summary>
    public static byte[] ParseHexId(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var cleaned = text.Trim();
        if (cleaned.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            cleaned = cleaned[2..];
        }

        cleaned = cleaned.Replace(":", string.Empty, StringComparison.Ordinal).Replace(" ", string.Empty, StringComparison.Ordinal).Replace("-", string.Empty, StringComparison.Ordinal);
        if (cleaned.Length == 0 || cleaned.Length % 2 != 0 || !cleaned.All(Uri.IsHexDigit))
        {
            throw new IamraException(ErrorIds.Pkcs11.UriInvalid, IamraErrorCategory.InvalidArgument,
                $"-KeyId '{text}' is not a hexadecimal key id (e.g. 01 or 0a1b2c, as pkcs11-tool --list-objects shows it).", text);
        }

        return Convert.FromHexString(cleaned);
    }

    private static string? Get(Dictionary<string, string> map, string name) => map.TryGetValue(name, out var value) ? value : null;

    private static bool IsVendor(string name) => name.Contains('-', StringComparison.Ordinal) && !name.StartsWith('-') && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '-');

    private static IEnumerable<string> Split(string text, char separator) =>
        text.Length == 0 ? Array.Empty<string>() : text.Split(separator).Where(p => p.Length > 0);

    private static (string Name, string Raw) NameValue(string part, string where)
    {
        var equals = part.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0)
        {
            // Never echo the part: it could be a PIN typed without its name.
            throw Invalid($"a {where} attribute has no name=value form");
        }

        return (part[..equals], part[(equals + 1)..]);
    }

    private static string DecodeText(string raw, string name)
    {
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(Decode(raw, name));
        }
        catch (DecoderFallbackException)
        {
            throw Invalid($"the value of '{name}' is not UTF-8 after percent-decoding");
        }
    }

    private static SecureString DecodeSecret(string raw)
    {
        var bytes = Decode(raw, "pin-value");
        var chars = Array.Empty<char>();
        try
        {
            chars = Encoding.UTF8.GetChars(bytes);
            var secure = new SecureString();
            foreach (var c in chars)
            {
                secure.AppendChar(c);
            }

            secure.MakeReadOnly();
            return secure;
        }
        finally
        {
            Array.Clear(bytes);
            Array.Clear(chars);
        }
    }

    private static byte[] Decode(string raw, string name)
    {
        var bytes = new List<byte>(raw.Length);
        Span<byte> buffer = stackalloc byte[4];
        for (var i = 0; i < raw.Length; i++)
        {
            var c = raw[i];
            if (c == '%')
            {
                if (i + 2 >= raw.Length || !Uri.IsHexDigit(raw[i + 1]) || !Uri.IsHexDigit(raw[i + 2]))
                {
                    throw Invalid($"the value of '{name}' has a '%' not followed by two hexadecimal digits");
                }

                bytes.Add(Convert.ToByte(raw.Substring(i + 1, 2), 16));
                i += 2;
            }
            else
            {
                var count = Encoding.UTF8.GetBytes(raw.AsSpan(i, char.IsHighSurrogate(c) && i + 1 < raw.Length ? 2 : 1), buffer);
                for (var b = 0; b < count; b++)
                {
                    bytes.Add(buffer[b]);
                }

                if (count == 4)
                {
                    i++;
                }
            }
        }

        return bytes.ToArray();
    }

    private static string Encode(string value, bool query)
    {
        var builder = new StringBuilder(value.Length);
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            var c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~' or ':' or '@' or '!' or '$' or '\'' or '(' or ')' or '*' or '+' or ',' or '[' or ']'
                || (query && c is '/' or '?' or '|'))
            {
                builder.Append(c);
            }
            else
            {
                builder.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }

    private static string EncodeBytes(byte[] bytes)
    {
        var builder = new StringBuilder(bytes.Length * 3);
        foreach (var b in bytes)
        {
            builder.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
        }

        return builder.ToString();
    }

    private static IamraException Invalid(string why) =>
        new(ErrorIds.Pkcs11.UriInvalid, IamraErrorCategory.InvalidArgument,
            $"The PKCS#11 URI is not valid: {why}. The form is pkcs11:token=<label>;object=<key label>;id=%01?pin-source=file:/path (RFC 7512).");
}
