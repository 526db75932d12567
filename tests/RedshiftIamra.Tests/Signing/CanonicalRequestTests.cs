using System.Security.Cryptography;
using RedshiftIamra.Signing;

namespace RedshiftIamra.Tests.Signing;

public sealed class CanonicalRequestTests
{
    [Theory]
    [InlineData("AZaz09-_.~", "AZaz09-_.~")]
    [InlineData(":", "%3A")]
    [InlineData("/", "%2F")]
    [InlineData(" ", "%20")]
    [InlineData("+", "%2B")]
    [InlineData("=", "%3D")]
    [InlineData("&", "%26")]
    [InlineData("%", "%25")]
    [InlineData("*", "%2A")]
    [InlineData("ü", "%C3%BC")]
    [InlineData("€", "%E2%82%AC")]
    [InlineData("😀", "%F0%9F%98%80")]
    [InlineData("arn:aws:iam::111122223333:role/r", "arn%3Aaws%3Aiam%3A%3A111122223333%3Arole%2Fr")]
    public void Rfc3986_encoding_leaves_only_unreserved_characters_literal(string value, string expected)
    {
        Assert.Equal(expected, CanonicalRequest.EncodeRfc3986(value));
    }

    [Theory]
    [InlineData("", "")]
    [InlineData("?", "")]
    [InlineData("?b=2&a=1", "a=1&b=2")]
    [InlineData("?a=2&a=1&a=10", "a=1&a=10&a=2")] // repeated keys sorted by value
    [InlineData("?c&b=&a", "a=&b=&c=")] // empty values
    [InlineData("?x=a:b/c", "x=a%3Ab%2Fc")]
    [InlineData("?x=a%3ab%2fc", "x=a%3Ab%2Fc")] // lower-case escapes become upper case
    [InlineData("?x=a%20b", "x=a%20b")]
    [InlineData("?x=a+b", "x=a%2Bb")] // '+' is a literal plus, not a space
    [InlineData("?x=%7E~", "x=~~")]
    [InlineData("?x=a=b", "x=a%3Db")] // only the first '=' separates
    [InlineData("?x=%C3%BC&%C3%A9=1", "%C3%A9=1&x=%C3%BC")]
    [InlineData("?x=ü", "x=%C3%BC")] // raw non-ASCII is UTF-8 encoded
    [InlineData("?x=%FF", "x=%FF")] // a byte that is not UTF-8 survives unchanged
    [InlineData("?x=100%", "x=100%25")] // a stray '%' is encoded
    [InlineData("?a-b=1&a%20b=2", "a%20b=2&a-b=1")] // sorted by the encoded key ('%' < '-')
    [InlineData("?a=1&&b=2", "a=1&b=2")]
    public void Query_is_decoded_re_encoded_and_sorted(string query, string expected)
    {
        Assert.Equal(expected, CanonicalRequest.CanonicalizeQuery(query));
    }

    [Theory]
    [InlineData("", "/")]
    [InlineData("/", "/")]
    [InlineData("/sessions", "/sessions")]
    [InlineData("/a/b/", "/a/b/")]
    [InlineData("/a%20b", "/a%2520b")] // the wire path is encoded once more, as AWS does for non-S3 services
    [InlineData("/%C3%BC", "/%25C3%25BC")]
    [InlineData("/ü", "/%C3%BC")]
    [InlineData("/a:b", "/a%3Ab")]
    [InlineData("/a~b", "/a~b")]
    [InlineData("/a//b", "/a/b")] // empty segments removed
    [InlineData("/a/./b/../c", "/a/c")]
    [InlineData("/..", "/")]
    [InlineData("//", "/")]
    public void Path_is_normalized_and_encoded(string path, string expected)
    {
        Assert.Equal(expected, CanonicalRequest.CanonicalizePath(path));
    }

    [Theory]
    [InlineData("value", "value")]
    [InlineData("  value  ", "value")]
    [InlineData("a   b", "a b")]
    [InlineData("a \t b", "a b")]
    [InlineData("\ta b\t", "a b")]
    [InlineData("application/x-www-form-urlencoded;  charset=utf-8", "application/x-www-form-urlencoded; charset=utf-8")]
    [InlineData("", "")]
    public void Header_values_are_trimmed_and_inner_whitespace_collapsed(string value, string expected)
    {
        Assert.Equal(expected, CanonicalRequest.CanonicalizeHeaderValue(value));
    }

    [Fact]
    public void Header_names_are_lower_cased_sorted_and_repeats_joined_in_order()
    {
        var request = CanonicalRequest.Create(
            "post",
            new Uri("https://Example.Test/"),
            [
                new("X-Amz-Date", "20261126T000000Z"),
                new("HOST", "example.test"),
                new("x-amz-meta-b", "second  value"),
                new("Content-Type", "application/json"),
                new("X-AMZ-META-B", " first"),
                new("x-amz-meta-a", "z"),
            ],
            CanonicalRequest.EmptyPayloadHash);

        Assert.Equal("POST", request.Method);
        Assert.Equal(["content-type", "host", "x-amz-date", "x-amz-meta-a", "x-amz-meta-b"], request.SignedHeaderNames);
        Assert.Equal("content-type;host;x-amz-date;x-amz-meta-a;x-amz-meta-b", request.SignedHeaders);
        Assert.Equal(
            "POST\n/\n\ncontent-type:application/json\nhost:example.test\nx-amz-date:20261126T000000Z\nx-amz-meta-a:z\nx-amz-meta-b:second value,first\n\ncontent-type;host;x-amz-date;x-amz-meta-a;x-amz-meta-b\n" + CanonicalRequest.EmptyPayloadHash,
            request.Text);
    }

    [Fact]
    public void Uri_path_and_query_come_from_the_escaped_uri()
    {
        var request = CanonicalRequest.Create(
            "GET",
            new Uri("https://example.test/a b/c?z=1&y=a b"),
            [new("host", "example.test")],
            CanonicalRequest.EmptyPayloadHash);

        Assert.Equal("/a%2520b/c", request.CanonicalUri);
        Assert.Equal("y=a%20b&z=1", request.CanonicalQueryString);
    }

    [Fact]
    public void Empty_payload_hash_is_sha256_of_nothing()
    {
        Assert.Equal(CanonicalRequest.EmptyPayloadHash, Convert.ToHexStringLower(SHA256.HashData([])));
        Assert.Equal(CanonicalRequest.EmptyPayloadHash, CanonicalRequest.HashPayload([]));
    }

    [Fact]
    public void Payload_hash_is_lower_case_hex_sha256()
    {
        var body = "Action=DescribeClusters&Version=2012-12-01"u8.ToArray();
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(body)), CanonicalRequest.HashPayload(body));
    }

    [Fact]
    public void Relative_uri_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => CanonicalRequest.Create("GET", new Uri("/x", UriKind.Relative), [], CanonicalRequest.EmptyPayloadHash));
    }
}
