using System.Security.Cryptography;

namespace RedshiftIamra.Sandbox.S3;

/// <summary>A bucket and who may use it (its bucket policy: the roles whose sessions are allowed; everyone else is denied).</summary>
public sealed class S3Bucket
{
    internal S3Bucket(string name, DateTimeOffset created, IEnumerable<string> allowedRoleArns)
    {
        Name = name;
        CreationDate = created;
        AllowedRoleArns = new HashSet<string>(allowedRoleArns, StringComparer.Ordinal);
    }

    public string Name { get; }

    public DateTimeOffset CreationDate { get; }

    /// <summary>The roles whose sessions the bucket policy allows (every S3 action); others get AccessDenied.</summary>
    public ISet<string> AllowedRoleArns { get; }

    internal SortedDictionary<string, S3ObjectInfo> Objects { get; } = new(StringComparer.Ordinal);
}

/// <summary>One stored object version (the sandbox keeps the latest only), its bytes in a file.</summary>
public sealed record S3ObjectInfo
{
    public required string Bucket { get; init; }

    public required string Key { get; init; }

    public required long Size { get; init; }

    /// <summary>The entity tag with its quotes, as S3 sends it (<c>"md5hex"</c>, or <c>"md5hex-N"</c> for multipart uploads).</summary>
    public required string ETag { get; init; }

    public required DateTimeOffset LastModified { get; init; }

    public string ContentType { get; init; } = "binary/octet-stream";

    public string? ContentEncoding { get; init; }

    /// <summary><c>x-amz-meta-*</c> headers, names lower case without the prefix.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();

    /// <summary><c>AES256</c> (the default, SSE-S3), <c>aws:kms</c> or <c>aws:kms:dsse</c>.</summary>
    public string ServerSideEncryption { get; init; } = "AES256";

    public string? KmsKeyId { get; init; }

    /// <summary>The additional checksum stored with the object (algorithm, base64 value; multipart: <c>value-N</c>), if the upload sent one.</summary>
    public (string Algorithm, string Value)? Checksum { get; init; }

    internal string FilePath { get; init; } = string.Empty;
}

/// <summary>What an upload says about the object besides its bytes.</summary>
internal sealed record S3ObjectAttributes
{
    public string? ContentType { get; init; }

    public string? ContentEncoding { get; init; }

    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();

    public string ServerSideEncryption { get; init; } = "AES256";

    public string? KmsKeyId { get; init; }
}

/// <summary>A multipart upload in progress.</summary>
internal sealed class S3MultipartUpload
{
    public required string UploadId { get; init; }

    public required string Bucket { get; init; }

    public required string Key { get; init; }

    public required S3ObjectAttributes Attributes { get; init; }

    public required DateTimeOffset Initiated { get; init; }

    public string? ChecksumAlgorithm { get; init; }

    public SortedDictionary<int, S3Part> Parts { get; } = new();
}

internal sealed record S3Part(int Number, long Size, string ETag, string FilePath, string? Checksum);

/// <summary>
/// The sandbox's S3 storage: buckets and objects in memory, object bytes in files under the
/// sandbox working directory (<c>s3/</c>), so bodies of any size need no memory. Writes go to a
/// temporary file first and replace the object at once; readers of the old bytes keep them.
/// </summary>
public sealed class S3ObjectStore
{
    private readonly object _lock = new();
    private readonly Dictionary<string, S3Bucket> _buckets = new(StringComparer.Ordinal);
    private readonly Dictionary<string, S3MultipartUpload> _uploads = new(StringComparer.Ordinal);
    private readonly string _objects;
    private readonly string _temporary;

    public S3ObjectStore(string directory)
    {
        Directory = directory;
        _objects = Path.Combine(directory, "objects");
        _temporary = Path.Combine(directory, "tmp");
        System.IO.Directory.CreateDirectory(_objects);
        System.IO.Directory.CreateDirectory(_temporary);
    }

    public string Directory { get; }

    public IReadOnlyList<S3Bucket> Buckets
    {
        get
        {
            lock (_lock)
            {
                return _buckets.Values.OrderBy(b => b.Name, StringComparer.Ordinal).ToList();
            }
        }
    }

    /// <summary>Creates a bucket whose policy allows the sessions of <paramref name="allowedRoleArns"/>; null when the name is taken.</summary>
    public S3Bucket? CreateBucket(string name, DateTimeOffset now, IEnumerable<string> allowedRoleArns)
    {
        lock (_lock)
        {
            if (_buckets.ContainsKey(name))
            {
                return null;
            }

            var bucket = new S3Bucket(name, now, allowedRoleArns);
            _buckets[name] = bucket;
            return bucket;
        }
    }

    public S3Bucket? FindBucket(string name)
    {
        lock (_lock)
        {
            return _buckets.GetValueOrDefault(name);
        }
    }

    /// <summary>Deletes an empty bucket: false when it has objects.</summary>
    internal bool DeleteBucket(string name)
    {
        lock (_lock)
        {
            if (_buckets.TryGetValue(name, out var bucket) && bucket.Objects.Count > 0)
            {
                return false;
            }

            _buckets.Remove(name);
            return true;
        }
    }

    public S3ObjectInfo? Head(string bucket, string key)
    {
        lock (_lock)
        {
            return _buckets.TryGetValue(bucket, out var b) ? b.Objects.GetValueOrDefault(key) : null;
        }
    }

    /// <summary>Every object whose key starts with <paramref name="prefix"/>, in key order (UTF-8 binary order for the keys used here).</summary>
    public IReadOnlyList<S3ObjectInfo> List(string bucket, string prefix)
    {
        lock (_lock)
        {
            if (!_buckets.TryGetValue(bucket, out var b))
            {
                return [];
            }

            return b.Objects.Values.Where(o => o.Key.StartsWith(prefix, StringComparison.Ordinal)).ToList();
        }
    }

    /// <summary>Opens an object's bytes for reading (a later overwrite does not disturb the reader).</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822:Mark members as static", Justification = "Part of the store's instance API: every object operation goes through the store that owns the object.")]
    public Stream OpenRead(S3ObjectInfo info) =>
        new FileStream(info.FilePath, new FileStreamOptions { Mode = FileMode.Open, Access = FileAccess.Read, Share = FileShare.Read | FileShare.Delete, Options = FileOptions.Asynchronous | FileOptions.SequentialScan, BufferSize = 64 * 1024 });

    /// <summary>Stores an object from a stream (for the sandbox itself, e.g. UNLOAD): the bucket must exist.</summary>
    public async Task<S3ObjectInfo> PutAsync(string bucket, string key, Stream data, DateTimeOffset now, string? contentType = null, CancellationToken cancellationToken = default)
    {
        var staged = await StageAsync(data, null, cancellationToken).ConfigureAwait(false);
        return Commit(bucket, key, staged, new S3ObjectAttributes { ContentType = contentType }, now, null);
    }

    /// <summary>Deletes an object; true when it existed.</summary>
    public bool Delete(string bucket, string key)
    {
        S3ObjectInfo? removed;
        lock (_lock)
        {
            if (!_buckets.TryGetValue(bucket, out var b) || !b.Objects.Remove(key, out removed))
            {
                return false;
            }
        }

        TryDelete(removed.FilePath);
        return true;
    }

    /// <summary>The bytes of an upload written to a temporary file, with their MD5 and size.</summary>
    internal sealed record Staged(string FilePath, long Size, byte[] Md5, S3Checksum? Checksum);

    /// <summary>Writes a body to a temporary file, computing MD5 (and an additional checksum).</summary>
    internal async Task<Staged> StageAsync(Stream data, S3Checksum? checksum, CancellationToken cancellationToken)
    {
        var path = Path.Combine(_temporary, Guid.NewGuid().ToString("N"));
        try
        {
            using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
            long size = 0;
            await using (var file = new FileStream(path, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Options = FileOptions.Asynchronous, BufferSize = 0 }))
            {
                var buffer = new byte[64 * 1024];
                int n;
                while ((n = await data.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    md5.AppendData(buffer, 0, n);
                    checksum?.Append(buffer.AsSpan(0, n));
                    await file.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
                    size += n;
                }
            }

            return new Staged(path, size, md5.GetHashAndReset(), checksum);
        }
        catch
        {
            TryDelete(path);
            throw;
        }
    }

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822:Mark members as static", Justification = "Part of the store's instance API: every object operation goes through the store that owns the object.")]
    internal void Discard(Staged staged) => TryDelete(staged.FilePath);

    /// <summary>Makes a staged body the object's bytes; null when the bucket is gone.</summary>
    internal S3ObjectInfo Commit(string bucket, string key, Staged staged, S3ObjectAttributes attributes, DateTimeOffset now, (string, string)? checksum, string? etag = null)
    {
        var final = Path.Combine(_objects, Guid.NewGuid().ToString("N"));
        File.Move(staged.FilePath, final);
        var info = new S3ObjectInfo
        {
            Bucket = bucket,
            Key = key,
            Size = staged.Size,
            ETag = etag ?? "\"" + Convert.ToHexString(staged.Md5).ToLowerInvariant() + "\"",
            LastModified = new DateTimeOffset(now.UtcTicks - (now.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero),
            ContentType = attributes.ContentType ?? "binary/octet-stream",
            ContentEncoding = attributes.ContentEncoding,
            Metadata = attributes.Metadata,
            ServerSideEncryption = attributes.ServerSideEncryption,
            KmsKeyId = attributes.KmsKeyId,
            Checksum = checksum,
            FilePath = final,
        };
        S3ObjectInfo? replaced = null;
        lock (_lock)
        {
            if (!_buckets.TryGetValue(bucket, out var b))
            {
                TryDelete(final);
                throw new InvalidOperationException($"The bucket '{bucket}' does not exist.");
            }

            b.Objects.Remove(key, out replaced);
            b.Objects[key] = info;
        }

        if (replaced is not null)
        {
            TryDelete(replaced.FilePath);
        }

        return info;
    }

    internal S3MultipartUpload CreateUpload(string bucket, string key, S3ObjectAttributes attributes, string? checksumAlgorithm, DateTimeOffset now)
    {
        var upload = new S3MultipartUpload
        {
            UploadId = Convert.ToBase64String(RandomNumberGenerator.GetBytes(48)).Replace('+', '.').Replace('/', '_').TrimEnd('='),
            Bucket = bucket,
            Key = key,
            Attributes = attributes,
            Initiated = now,
            ChecksumAlgorithm = checksumAlgorithm,
        };
        lock (_lock)
        {
            _uploads[upload.UploadId] = upload;
        }

        return upload;
    }

    internal S3MultipartUpload? FindUpload(string bucket, string key, string uploadId)
    {
        lock (_lock)
        {
            return _uploads.TryGetValue(uploadId, out var u) && u.Bucket == bucket && u.Key == key ? u : null;
        }
    }

    internal void AddPart(S3MultipartUpload upload, S3Part part)
    {
        S3Part? replaced;
        lock (_lock)
        {
            upload.Parts.Remove(part.Number, out replaced);
            upload.Parts[part.Number] = part;
        }

        if (replaced is not null)
        {
            TryDelete(replaced.FilePath);
        }
    }

    /// <summary>Ends an upload (completed or aborted); its part files are deleted unless kept.</summary>
    internal bool EndUpload(string uploadId)
    {
        S3MultipartUpload? upload;
        lock (_lock)
        {
            if (!_uploads.Remove(uploadId, out upload))
            {
                return false;
            }
        }

        foreach (var part in upload.Parts.Values)
        {
            TryDelete(part.FilePath);
        }

        return true;
    }

    /// <summary>Concatenates parts into a staged body.</summary>
    internal async Task<Staged> ConcatenateAsync(IReadOnlyList<S3Part> parts, CancellationToken cancellationToken)
    {
        var path = Path.Combine(_temporary, Guid.NewGuid().ToString("N"));
        long size = 0;
        await using (var file = new FileStream(path, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Options = FileOptions.Asynchronous }))
        {
            foreach (var part in parts)
            {
                await using var source = new FileStream(part.FilePath, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 64 * 1024, useAsync: true);
                await source.CopyToAsync(file, cancellationToken).ConfigureAwait(false);
                size += part.Size;
            }
        }

        return new Staged(path, size, [], null);
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
