using System.Buffers.Binary;
using System.Security.Cryptography;

namespace RedshiftIamra.Sandbox.S3;

/// <summary>
/// The additional checksums S3 verifies (<c>x-amz-checksum-crc32</c>, <c>-crc32c</c>,
/// <c>-crc64nvme</c>, <c>-sha1</c>, <c>-sha256</c>): base64 of the big-endian digest.
/// Source: Amazon S3 User Guide, "Checking object integrity".
/// </summary>
internal abstract class S3Checksum
{
    public static readonly string[] Algorithms = ["CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256"];

    public abstract string Algorithm { get; }

    /// <summary>The header that carries it, e.g. <c>x-amz-checksum-crc32</c>.</summary>
    public string HeaderName => "x-amz-checksum-" + Algorithm.ToLowerInvariant();

    public abstract void Append(ReadOnlySpan<byte> data);

    public abstract byte[] Digest();

    public string DigestBase64() => Convert.ToBase64String(Digest());

    /// <summary>A checksum for an algorithm name (<c>CRC32</c>, <c>crc32c</c>, ...), or null when S3 has no such algorithm.</summary>
    public static S3Checksum? Create(string algorithm) => algorithm.ToUpperInvariant() switch
    {
        "CRC32" => new Crc32Checksum(0xEDB88320u, "CRC32"),
        "CRC32C" => new Crc32Checksum(0x82F63B78u, "CRC32C"),
        "CRC64NVME" => new Crc64Checksum(),
        "SHA1" => new HashChecksum(HashAlgorithmName.SHA1, "SHA1"),
        "SHA256" => new HashChecksum(HashAlgorithmName.SHA256, "SHA256"),
        _ => null,
    };

    /// <summary>The algorithm a checksum header names (<c>x-amz-checksum-crc32</c> → <c>CRC32</c>), or null.</summary>
    public static string? AlgorithmOfHeader(string header)
    {
        const string prefix = "x-amz-checksum-";
        if (!header.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var name = header[prefix.Length..].ToUpperInvariant();
        return Algorithms.Contains(name) ? name : null;
    }

    private sealed class Crc32Checksum : S3Checksum
    {
        private readonly uint[] _table;
        private readonly string _algorithm;
        private uint _crc = 0xFFFFFFFFu;

        public Crc32Checksum(uint polynomial, string algorithm)
        {
            _algorithm = algorithm;
            _table = new uint[256];
            for (uint i = 0; i < 256; i++)
            {
                var c = i;
                for (var k = 0; k < 8; k++)
                {
                    c = (c & 1) != 0 ? polynomial ^ (c >> 1) : c >> 1;
                }

                _table[i] = c;
            }
        }

        public override string Algorithm => _algorithm;

        public override void Append(ReadOnlySpan<byte> data)
        {
            var crc = _crc;
            foreach (var b in data)
            {
                crc = _table[(crc ^ b) & 0xFF] ^ (crc >> 8);
            }

            _crc = crc;
        }

        public override byte[] Digest()
        {
            var bytes = new byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(bytes, ~_crc);
            return bytes;
        }
    }

    private sealed class Crc64Checksum : S3Checksum
    {
        private static readonly ulong[] s_table = BuildTable(0x9A6C9329AC4BC9B5UL);
        private ulong _crc = ulong.MaxValue;

        public override string Algorithm => "CRC64NVME";

        public override void Append(ReadOnlySpan<byte> data)
        {
            var crc = _crc;
            foreach (var b in data)
            {
                crc = s_table[(crc ^ b) & 0xFF] ^ (crc >> 8);
            }

            _crc = crc;
        }

        public override byte[] Digest()
        {
            var bytes = new byte[8];
            BinaryPrimitives.WriteUInt64BigEndian(bytes, ~_crc);
            return bytes;
        }

        private static ulong[] BuildTable(ulong polynomial)
        {
            var table = new ulong[256];
            for (ulong i = 0; i < 256; i++)
            {
                var c = i;
                for (var k = 0; k < 8; k++)
                {
                    c = (c & 1) != 0 ? polynomial ^ (c >> 1) : c >> 1;
                }

                table[i] = c;
            }

            return table;
        }
    }

    private sealed class HashChecksum(HashAlgorithmName name, string algorithm) : S3Checksum
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(name);

        public override string Algorithm => algorithm;

        public override void Append(ReadOnlySpan<byte> data) => _hash.AppendData(data);

        public override byte[] Digest() => _hash.GetHashAndReset();
    }
}
