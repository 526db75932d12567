using System.Text;

namespace RedshiftIamra.Signing;

/// <summary>Small text helpers shared by the SigV4 code: hex and RFC 3986 percent-encoding.</summary>
internal static class SigV4Text
{
    private const string UpperHexDigits = "0123456789ABCDEF";
    private const string LowerHexDigits = "0123456789abcdef";

    /// <summary>Lower-case hex of <paramref name="bytes"/>.</summary>
    public static string ToLowerHex(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return string.Empty;
        }

        // 1024 chars covers a 4096-bit RSA signature without touching the heap twice.
        Span<char> chars = bytes.Length <= 512 ? stackalloc char[bytes.Length * 2] : new char[bytes.Length * 2];
        for (var i = 0; i < bytes.Length; i++)
        {
            chars[2 * i] = LowerHexDigits[bytes[i] >> 4];
            chars[(2 * i) + 1] = LowerHexDigits[bytes[i] & 0xF];
        }

        return new string(chars);
    }

    /// <summary>True for the RFC 3986 unreserved characters <c>A-Z a-z 0-9 - _ . ~</c>.</summary>
    public static bool IsUnreserved(int c) =>
        c is (>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_' or '.' or '~';

    /// <summary>Appends <paramref name="b"/> as itself when unreserved, else as <c>%XX</c> (upper-case hex).</summary>
    public static void AppendEncodedByte(StringBuilder builder, byte b)
    {
        if (IsUnreserved(b))
        {
            builder.Append((char)b);
        }
        else
        {
            builder.Append('%').Append(UpperHexDigits[b >> 4]).Append(UpperHexDigits[b & 0xF]);
        }
    }

    /// <summary>Appends the UTF-8 bytes of <paramref name="value"/>, percent-encoded per RFC 3986.</summary>
    /// <param name="keepSlash">Leave <c>/</c> literal (for paths).</param>
    public static void AppendEncoded(StringBuilder builder, ReadOnlySpan<char> value, bool keepSlash)
    {
        Span<byte> utf8 = stackalloc byte[4];
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (IsUnreserved(c) || (keepSlash && c == '/'))
            {
                builder.Append(c);
                continue;
            }

            // Surrogate pairs encode together; a lone surrogate becomes U+FFFD like UTF8Encoding does.
            var length = char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1])
                ? Encoding.UTF8.GetBytes(value.Slice(i++, 2), utf8)
                : Encoding.UTF8.GetBytes(value.Slice(i, 1), utf8);
            for (var j = 0; j < length; j++)
            {
                AppendEncodedByte(builder, utf8[j]);
            }
        }
    }

    /// <summary>
    /// Appends an already percent-escaped URI component in canonical form: <c>%XX</c> escapes are
    /// decoded to bytes, other characters to their UTF-8 bytes, and every byte is re-encoded per
    /// RFC 3986. Byte-faithful: an escape of a byte that is not valid UTF-8 survives unchanged.
    /// A literal <c>+</c> is a plus sign, not a space.
    /// </summary>
    public static void AppendReencoded(StringBuilder builder, ReadOnlySpan<char> escaped)
    {
        Span<byte> utf8 = stackalloc byte[4];
        for (var i = 0; i < escaped.Length; i++)
        {
            var c = escaped[i];
            if (c == '%' && i + 2 < escaped.Length && IsHex(escaped[i + 1]) && IsHex(escaped[i + 2]))
            {
                AppendEncodedByte(builder, (byte)((HexValue(escaped[i + 1]) << 4) | HexValue(escaped[i + 2])));
                i += 2;
            }
            else if (c < 0x80)
            {
                AppendEncodedByte(builder, (byte)c);
            }
            else
            {
                var length = char.IsHighSurrogate(c) && i + 1 < escaped.Length && char.IsLowSurrogate(escaped[i + 1])
                    ? Encoding.UTF8.GetBytes(escaped.Slice(i++, 2), utf8)
                    : Encoding.UTF8.GetBytes(escaped.Slice(i, 1), utf8);
                for (var j = 0; j < length; j++)
                {
                    AppendEncodedByte(builder, utf8[j]);
                }
            }
        }
    }

    private static bool IsHex(char c) => c is (>= '0' and <= '9') or (>= 'a' and <= 'f') or (>= 'A' and <= 'F');

    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}
