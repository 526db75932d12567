using System.Security.Cryptography;
using System.Text;
using RedshiftIamra.Aws;

namespace RedshiftIamra.Signing;

/// <summary>
/// SigV4 with an AWS secret access key (<c>AWS4-HMAC-SHA256</c>). Adds and signs
/// <c>X-Amz-Security-Token</c> for temporary credentials, as botocore does.
/// </summary>
public sealed class HmacSignatureProvider : ISignatureProvider
{
    /// <summary>The algorithm name.</summary>
    public const string AlgorithmName = "AWS4-HMAC-SHA256";

    /// <summary>The header that carries the session token of temporary credentials.</summary>
    public const string SecurityTokenHeader = "X-Amz-Security-Token";

    private readonly AwsCredentials _credentials;
    private readonly KeyValuePair<string, string>[] _headers;

    // The derived key depends on the date, region and service only: keep the last one.
    private DerivedKey? _lastKey;

    /// <summary>Creates a provider for <paramref name="credentials"/>.</summary>
    public HmacSignatureProvider(AwsCredentials credentials)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        _credentials = credentials;
        _headers = credentials.SessionToken is { } token
            ? [new KeyValuePair<string, string>(SecurityTokenHeader, token)]
            : [];
    }

    /// <inheritdoc />
    public string Algorithm => AlgorithmName;

    /// <summary>The access key id.</summary>
    public string CredentialId => _credentials.AccessKeyId;

    /// <summary><c>X-Amz-Security-Token</c> when the credentials have a session token, else nothing. Secret.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers => _headers;

    /// <inheritdoc />
    public string Sign(string stringToSign, string scopeDate, string region, string service)
    {
        ArgumentNullException.ThrowIfNull(stringToSign);
        var key = GetSigningKey(scopeDate, region, service);

        var byteCount = Encoding.UTF8.GetByteCount(stringToSign);
        Span<byte> data = byteCount <= 1024 ? stackalloc byte[byteCount] : new byte[byteCount];
        Encoding.UTF8.GetBytes(stringToSign, data);

        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(key, data, mac);
        return SigV4Text.ToLowerHex(mac);
    }

    /// <summary>Shows the algorithm and the access key id only.</summary>
    public override string ToString() => $"{AlgorithmName} {_credentials.AccessKeyId}";

    /// <summary>
    /// The AWS4 signing key: HMAC chain over <c>"AWS4" + secret</c>, the date, the region, the
    /// service and <c>aws4_request</c>.
    /// </summary>
    internal static byte[] DeriveSigningKey(string secretAccessKey, string scopeDate, string region, string service)
    {
        var secretBytes = new byte[4 + Encoding.UTF8.GetByteCount(secretAccessKey)];
        try
        {
            Encoding.ASCII.GetBytes("AWS4", secretBytes);
            Encoding.UTF8.GetBytes(secretAccessKey, secretBytes.AsSpan(4));

            Span<byte> key = stackalloc byte[HMACSHA256.HashSizeInBytes];
            Hmac(secretBytes, scopeDate, key);
            Hmac(key, region, key);
            Hmac(key, service, key);
            Hmac(key, "aws4_request", key);
            return key.ToArray();
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secretBytes);
        }
    }

    private static void Hmac(ReadOnlySpan<byte> key, string text, Span<byte> destination)
    {
        var max = Encoding.UTF8.GetMaxByteCount(text.Length);
        Span<byte> data = max <= 256 ? stackalloc byte[max] : new byte[max];
        var length = Encoding.UTF8.GetBytes(text, data);

        // Hash into a temporary: destination may be the key itself.
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(key, data[..length], mac);
        mac.CopyTo(destination);
    }

    private byte[] GetSigningKey(string scopeDate, string region, string service)
    {
        ArgumentException.ThrowIfNullOrEmpty(scopeDate);
        ArgumentException.ThrowIfNullOrEmpty(region);
        ArgumentException.ThrowIfNullOrEmpty(service);

        var last = Volatile.Read(ref _lastKey);
        if (last is not null && last.Date == scopeDate && last.Region == region && last.Service == service)
        {
            return last.Key;
        }

        var key = DeriveSigningKey(_credentials.SecretAccessKey, scopeDate, region, service);
        Volatile.Write(ref _lastKey, new DerivedKey(scopeDate, region, service, key));
        return key;
    }

    private sealed class DerivedKey(string date, string region, string service, byte[] key)
    {
        public string Date { get; } = date;

        public string Region { get; } = region;

        public string Service { get; } = service;

        public byte[] Key { get; } = key;
    }
}
