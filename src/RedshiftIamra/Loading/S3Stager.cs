using System.Collections.Concurrent;
using System.Net;
using System.Net.Http;
using System.Net.Security;
using System.Text;
using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Amazon.S3.Transfer;
using RedshiftIamra.Aws;

namespace RedshiftIamra.Loading;

/// <summary>
/// The staging bucket, seen from one load or export: a run prefix of its own
/// (<c>{prefix}{yyyyMMddTHHmmss}-{id}/</c>), uploads with server-side encryption (SSE-S3, or
/// SSE-KMS with a key), multipart for large parts (the transfer utility splits above 16 MB),
/// the COPY manifest, and the clean-up that deletes every object of the run (those it put and
/// whatever a listing of the run prefix still finds), whether the load succeeded, failed or was
/// cancelled. AWSSDK.S3 signs with the same AWS credentials as the connection (the Roles
/// Anywhere session), asked on every request so a renewed session is used.
/// </summary>
internal sealed class S3Stager : IAsyncDisposable
{
    private readonly AmazonS3Client _client;
    private readonly TransferUtility _transfer;
    private readonly RedshiftStagingSettings _settings;
    private readonly ConcurrentDictionary<string, byte> _keys = new();

    public S3Stager(RedshiftStagingSettings settings, AwsCredentialSource credentials, string region, AwsHttpSettings? http = null)
    {
        _settings = settings.Validate();
        var config = new AmazonS3Config
        {
            RegionEndpoint = RegionEndpoint.GetBySystemName(settings.Region ?? region),
            Timeout = TimeSpan.FromMinutes(5),
        };
        if (settings.EndpointUrl is not null)
        {
            config.ServiceURL = settings.EndpointUrl;
            config.AuthenticationRegion = settings.Region ?? region;
            config.ForcePathStyle = true;
        }

        if (http?.EffectiveCaBundlePath is { } bundle)
        {
            config.HttpClientFactory = new BundleHttpClientFactory(AwsHttpClients.LoadBundle(bundle));
        }

        _client = new AmazonS3Client(new SourceCredentials(credentials), config);
        _transfer = new TransferUtility(_client, new TransferUtilityConfig { ConcurrentServiceRequests = 4 });
        RunPrefix = $"{_settings.Prefix}{DateTime.UtcNow:yyyyMMdd'T'HHmmss}-{Guid.NewGuid().ToString("N")[..12]}/";
    }

    public string Bucket => _settings.Bucket;

    /// <summary>This run's prefix: every object of the run is under it.</summary>
    public string RunPrefix { get; }

    public string Url(string key) => $"s3://{Bucket}/{key}";

    /// <summary>The keys this run has put and not yet deleted.</summary>
    public IReadOnlyCollection<string> Keys => _keys.Keys.ToList();

    /// <summary>Puts and deletes a tiny object, so a bucket the role cannot write fails before any data is prepared.</summary>
    public async Task ProbeAsync(CancellationToken cancellationToken)
    {
        var key = RunPrefix + "write-probe";
        try
        {
            await PutTextAsync(key, "probe", cancellationToken).ConfigureAwait(false);
            await _client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = Bucket, Key = key }, cancellationToken).ConfigureAwait(false);
            _keys.TryRemove(key, out _);
        }
        catch (AmazonServiceException e)
        {
            throw Explain(e, "write a test object to");
        }
    }

    public async Task PutTextAsync(string key, string text, CancellationToken cancellationToken)
    {
        _keys[key] = 0;
        var request = new PutObjectRequest { BucketName = Bucket, Key = key, ContentBody = text, ContentType = "application/json" };
        Encrypt(request);
        await _client.PutObjectAsync(request, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Uploads a local file (multipart above 16 MB).</summary>
    public async Task UploadFileAsync(string path, string key, CancellationToken cancellationToken)
    {
        _keys[key] = 0;
        var request = new TransferUtilityUploadRequest
        {
            BucketName = Bucket,
            Key = key,
            FilePath = path,
            PartSize = 16L * 1024 * 1024,
            ContentType = "application/gzip",
        };
        if (_settings.KmsKeyId is not null)
        {
            request.ServerSideEncryptionMethod = ServerSideEncryptionMethod.AWSKMS;
            request.ServerSideEncryptionKeyManagementServiceKeyId = _settings.KmsKeyId;
        }
        else
        {
            request.ServerSideEncryptionMethod = ServerSideEncryptionMethod.AES256;
        }

        try
        {
            await _transfer.UploadAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonServiceException e)
        {
            throw Explain(e, $"upload {key} to");
        }
    }

    /// <summary>The manifest COPY reads: every part, each mandatory.</summary>
    public static string Manifest(IEnumerable<string> urls)
    {
        var json = new StringBuilder("{\"entries\":[");
        var first = true;
        foreach (var url in urls)
        {
            json.Append(first ? string.Empty : ",").Append("{\"url\":").Append(System.Text.Json.JsonSerializer.Serialize(url)).Append(",\"mandatory\":true}");
            first = false;
        }

        return json.Append("]}").ToString();
    }

    /// <summary>Lists the run's objects (for exports: the parts UNLOAD wrote).</summary>
    public async Task<List<(string Key, long Size)>> ListAsync(string prefix, CancellationToken cancellationToken)
    {
        // The request asks without the trailing '/' and filters here: moto_server 5.2 (the test
        // peer) miscomputes the signature of a query value that holds '/'; S3 answers the same.
        var result = new List<(string, long)>();
        var asked = prefix.TrimEnd('/');
        string? token = null;
        do
        {
            var page = await _client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = Bucket, Prefix = asked, ContinuationToken = token }, cancellationToken).ConfigureAwait(false);
            foreach (var o in (page.S3Objects ?? new List<S3Object>()).Where(o => o.Key.StartsWith(prefix, StringComparison.Ordinal)))
            {
                result.Add((o.Key, o.Size ?? 0));
            }

            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (token is not null);
        return result;
    }

    public async Task DownloadAsync(string key, string path, CancellationToken cancellationToken)
    {
        using var response = await _client.GetObjectAsync(new GetObjectRequest { BucketName = Bucket, Key = key }, cancellationToken).ConfigureAwait(false);
        await using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
        await response.ResponseStream.CopyToAsync(file, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes every object of the run: the keys put, then whatever a listing of the run prefix still holds. Returns how many were deleted.</summary>
    public async Task<int> CleanUpAsync()
    {
        // Never cancelled: clean-up runs after Ctrl+C too.
        var deleted = 0;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var keys = new HashSet<string>(_keys.Keys, StringComparer.Ordinal);
        try
        {
            foreach (var (key, _) in await ListAsync(RunPrefix, timeout.Token).ConfigureAwait(false))
            {
                keys.Add(key);
            }
        }
        catch (AmazonServiceException)
        {
            // Delete what is known; the bucket's lifecycle rule expires anything left.
        }

        foreach (var chunk in keys.Chunk(1000))
        {
            var request = new DeleteObjectsRequest { BucketName = Bucket, Quiet = true, Objects = chunk.Select(k => new KeyVersion { Key = k }).ToList() };
            var response = await _client.DeleteObjectsAsync(request, timeout.Token).ConfigureAwait(false);
            deleted += chunk.Length - (response.DeleteErrors?.Count ?? 0);
            foreach (var key in chunk)
            {
                _keys.TryRemove(key, out _);
            }

            if (response.DeleteErrors is { Count: > 0 } errors)
            {
                throw new IamraException(ErrorIds.Staging.Failed, IamraErrorCategory.WriteError,
                    $"{errors.Count} staged object(s) under s3://{Bucket}/{RunPrefix} could not be deleted ({errors[0].Code}: {errors[0].Message}); the bucket's lifecycle rule removes them within a day.", Url(RunPrefix));
            }
        }

        return deleted;
    }

    private void Encrypt(PutObjectRequest request)
    {
        if (_settings.KmsKeyId is not null)
        {
            request.ServerSideEncryptionMethod = ServerSideEncryptionMethod.AWSKMS;
            request.ServerSideEncryptionKeyManagementServiceKeyId = _settings.KmsKeyId;
        }
        else
        {
            request.ServerSideEncryptionMethod = ServerSideEncryptionMethod.AES256;
        }
    }

    internal IamraException Explain(AmazonServiceException e, string what)
    {
        var denied = e.StatusCode is HttpStatusCode.Forbidden || e.ErrorCode is "AccessDenied" or "NoSuchBucket" or "AllAccessDisabled" or "InvalidAccessKeyId" or "SignatureDoesNotMatch" or "KMS.AccessDeniedException";
        var message = $"Cannot {what} the staging bucket s3://{Bucket}/{RunPrefix}: {e.ErrorCode ?? e.StatusCode.ToString()} {e.Message}";
        return denied
            ? new IamraException(ErrorIds.Staging.AccessDenied, IamraErrorCategory.PermissionDenied,
                message + " The role of the Roles Anywhere session needs s3:PutObject, s3:GetObject, s3:DeleteObject and s3:ListBucket on the staging prefix (and kms:GenerateDataKey on the key with -KmsKeyId); check -StagingBucket and -StagingPrefix.", Url(RunPrefix), e)
            : new IamraException(ErrorIds.Staging.Failed, IamraErrorCategory.WriteError, message, Url(RunPrefix), e);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_keys.IsEmpty)
        {
            try
            {
                await CleanUpAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is AmazonServiceException or IamraException or OperationCanceledException or HttpRequestException)
            {
                // Best effort here; the load reports a failed clean-up itself.
            }
        }

        _transfer.Dispose();
        _client.Dispose();
    }

    /// <summary>The connection's AWS credential source, asked on every request.</summary>
    private sealed class SourceCredentials : AWSCredentials
    {
        private readonly AwsCredentialSource _source;

        public SourceCredentials(AwsCredentialSource source) => _source = source;

        public override ImmutableCredentials GetCredentials() => GetCredentialsAsync().GetAwaiter().GetResult();

        public override async Task<ImmutableCredentials> GetCredentialsAsync()
        {
            var c = await _source.GetCredentialsAsync(CancellationToken.None).ConfigureAwait(false);
            return new ImmutableCredentials(c.AccessKeyId, c.SecretAccessKey, c.SessionToken);
        }
    }

    /// <summary>An HTTP client that also trusts the roots of a CA bundle (AWS_CA_BUNDLE / -CaBundlePath).</summary>
    private sealed class BundleHttpClientFactory : HttpClientFactory
    {
        private readonly System.Security.Cryptography.X509Certificates.X509Certificate2Collection _roots;

        public BundleHttpClientFactory(System.Security.Cryptography.X509Certificates.X509Certificate2Collection roots) => _roots = roots;

        public override HttpClient CreateHttpClient(IClientConfig clientConfig)
        {
            var handler = new SocketsHttpHandler
            {
                SslOptions = new SslClientAuthenticationOptions
                {
                    RemoteCertificateValidationCallback = (_, certificate, _, errors) => AwsHttpClients.ValidateWithExtraRoots(certificate, errors, _roots),
                },
            };
            return new HttpClient(handler, disposeHandler: true);
        }
    }
}
