using System.Net;
using System.Net.Http;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Amazon.S3.Transfer;
using RedshiftIamra.Sandbox;

namespace RedshiftIamra.Tests.S3;

/// <summary>
/// The AWS SDK for .NET (AWSSDK.S3 4: SigV4 with aws-chunked bodies and its default CRC32
/// trailer checksums, TransferUtility's multipart upload) against the sandbox's S3, over TLS
/// verified against the sandbox CA.
/// </summary>
public sealed class S3SdkTests : IClassFixture<S3PeersFixture>, IDisposable
{
    private readonly S3PeersFixture _peers;
    private readonly string _directory = Directory.CreateTempSubdirectory("s3-sdk-").FullName;

    public S3SdkTests(S3PeersFixture peers) => _peers = peers;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private AmazonS3Client Client(RedshiftIamra.Aws.AwsCredentials credentials) => new(
        new SessionAWSCredentials(credentials.AccessKeyId, credentials.SecretAccessKey, credentials.SessionToken),
        new AmazonS3Config
        {
            ServiceURL = _peers.Sandbox.S3Endpoint,
            ForcePathStyle = true,
            AuthenticationRegion = "us-east-1",
            MaxErrorRetry = 0,
            HttpClientFactory = new SandboxCaHttpClientFactory(_peers.Sandbox.TlsCaBundlePath),
        });

    [Fact]
    public async Task TransferUtilityMultipartUploadAndDownloadRoundTrip()
    {
        using var s3 = Client(_peers.Allowed);
        var bucket = _peers.Sandbox.StagingBucket;
        var source = Path.Combine(_directory, "big.bin");
        var bytes = new byte[11 * 1024 * 1024 + 3];
        new Random(7).NextBytes(bytes);
        await File.WriteAllBytesAsync(source, bytes);

        using var transfer = new TransferUtility(s3, new TransferUtilityConfig { MinSizeBeforePartUpload = 5 * 1024 * 1024 }); // multipart from 5 MiB
        await transfer.UploadAsync(new TransferUtilityUploadRequest
        {
            BucketName = bucket,
            Key = "sdk/big.bin",
            FilePath = source,
            PartSize = 5 * 1024 * 1024,
            ServerSideEncryptionMethod = ServerSideEncryptionMethod.AWSKMS,
            ServerSideEncryptionKeyManagementServiceKeyId = "alias/etl-staging",
        });

        var head = await s3.GetObjectMetadataAsync(bucket, "sdk/big.bin");
        Assert.Equal(bytes.Length, head.ContentLength);
        Assert.EndsWith("-3\"", head.ETag, StringComparison.Ordinal); // 5 MiB + 5 MiB + the rest
        Assert.Equal(ServerSideEncryptionMethod.AWSKMS, head.ServerSideEncryptionMethod);
        Assert.Equal("alias/etl-staging", head.ServerSideEncryptionKeyManagementServiceKeyId);

        var back = Path.Combine(_directory, "back.bin");
        await transfer.DownloadAsync(new TransferUtilityDownloadRequest { BucketName = bucket, Key = "sdk/big.bin", FilePath = back });
        Assert.Equal(SHA256.HashData(bytes), SHA256.HashData(await File.ReadAllBytesAsync(back)));

        using var range = await s3.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = "sdk/big.bin", ByteRange = new ByteRange(5 * 1024 * 1024, 5 * 1024 * 1024 + 9) });
        using var part = new MemoryStream();
        await range.ResponseStream.CopyToAsync(part);
        Assert.Equal(HttpStatusCode.PartialContent, range.HttpStatusCode);
        Assert.Equal(bytes.AsSpan(5 * 1024 * 1024, 10).ToArray(), part.ToArray());
    }

    [Fact]
    public async Task PutListPagesDeleteAndAbortMultipart()
    {
        using var s3 = Client(_peers.Allowed);
        const string bucket = "sdk-listing";
        await s3.PutBucketAsync(bucket);
        Assert.Equal(HttpStatusCode.OK, (await s3.HeadBucketAsync(new HeadBucketRequest { BucketName = bucket })).HttpStatusCode);
        for (var i = 0; i < 5; i++)
        {
            var put = await s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = $"in/part-{i}.csv", ContentBody = $"{i},row\n", ServerSideEncryptionMethod = ServerSideEncryptionMethod.AES256 });
            Assert.Equal(ServerSideEncryptionMethod.AES256, put.ServerSideEncryptionMethod);
        }

        var keys = new List<string>();
        var request = new ListObjectsV2Request { BucketName = bucket, Prefix = "in/part-", MaxKeys = 2 };
        var pages = 0;
        ListObjectsV2Response page;
        do
        {
            page = await s3.ListObjectsV2Async(request);
            pages++;
            keys.AddRange(page.S3Objects.Select(o => o.Key));
            request.ContinuationToken = page.NextContinuationToken;
        }
        while (page.IsTruncated == true);
        Assert.Equal(3, pages);
        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"in/part-{i}.csv"), keys);

        var deleted = await s3.DeleteObjectsAsync(new DeleteObjectsRequest { BucketName = bucket, Objects = keys.Take(4).Select(k => new KeyVersion { Key = k }).ToList() });
        Assert.Equal(4, deleted.DeletedObjects.Count);
        await s3.DeleteObjectAsync(bucket, "in/part-4.csv");
        Assert.Null((await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket })).S3Objects?.FirstOrDefault());

        var upload = await s3.InitiateMultipartUploadAsync(bucket, "in/aborted.bin");
        await s3.UploadPartAsync(new UploadPartRequest { BucketName = bucket, Key = "in/aborted.bin", UploadId = upload.UploadId, PartNumber = 1, InputStream = new MemoryStream(new byte[100]) });
        await s3.AbortMultipartUploadAsync(bucket, "in/aborted.bin", upload.UploadId);
        var gone = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
        {
            BucketName = bucket,
            Key = "in/aborted.bin",
            UploadId = upload.UploadId,
            PartETags = [new PartETag(1, "\"x\"")],
        }));
        Assert.Equal("NoSuchUpload", gone.ErrorCode);
        Assert.Null((await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket })).S3Objects?.FirstOrDefault());
    }

    [Fact]
    public async Task ErrorsComeBackAsS3ErrorCodes()
    {
        using var s3 = Client(_peers.Allowed);
        var bucket = _peers.Sandbox.StagingBucket;
        var noKey = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => s3.GetObjectAsync(bucket, "sdk/never.csv"));
        Assert.Equal(("NoSuchKey", HttpStatusCode.NotFound), (noKey.ErrorCode, noKey.StatusCode));
        var noBucket = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = "sdk-no-such-bucket" }));
        Assert.Equal(("NoSuchBucket", HttpStatusCode.NotFound), (noBucket.ErrorCode, noBucket.StatusCode));

        using var other = Client(_peers.Other);
        var denied = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => other.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "sdk/denied.csv", ContentBody = "x" }));
        Assert.Equal(("AccessDenied", HttpStatusCode.Forbidden), (denied.ErrorCode, denied.StatusCode));

        var wrong = new RedshiftIamra.Aws.AwsCredentials(_peers.Allowed.AccessKeyId, "x" + _peers.Allowed.SecretAccessKey[1..], _peers.Allowed.SessionToken);
        using var badKey = Client(wrong);
        var mismatch = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => badKey.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "sdk/bad.csv", ContentBody = "x" }));
        Assert.Equal(("SignatureDoesNotMatch", HttpStatusCode.Forbidden), (mismatch.ErrorCode, mismatch.StatusCode));
        Assert.Null(_peers.Sandbox.S3.Head(bucket, "sdk/bad.csv"));
    }

    [Fact]
    public async Task InjectedFaultsAnswerInS3sOwnWordsAndStoreNothing()
    {
        using var s3 = Client(_peers.Allowed);
        var bucket = _peers.Sandbox.StagingBucket;
        var faults = _peers.Sandbox.Faults;
        var cases = new (SandboxFault Fault, string Code, HttpStatusCode Status)[]
        {
            (SandboxFault.Throttle(), "SlowDown", HttpStatusCode.ServiceUnavailable),
            (SandboxFault.InternalError(), "InternalError", HttpStatusCode.InternalServerError),
            (SandboxFault.ExpiredToken(), "ExpiredToken", HttpStatusCode.BadRequest),
            (SandboxFault.ServiceError(403, "AccessDenied", "Access Denied"), "AccessDenied", HttpStatusCode.Forbidden),
        };
        foreach (var (fault, code, status) in cases)
        {
            var key = $"sdk/fault-{code}.csv";
            var rule = faults.ForNextCalls("s3:PutObject", 1, fault);
            var e = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = key, ContentBody = "a,b\n" }));
            Assert.Equal((code, status), (e.ErrorCode, e.StatusCode));
            Assert.Equal(1, rule.Hits);
            Assert.Null(_peers.Sandbox.S3.Head(bucket, key));
            Assert.Contains(_peers.Sandbox.GetAuditEvents(), a => a.EventName == "PutObject" && a.Key == key && a.Outcome == code && a.Fault == fault.ToString());
        }

        // The fault was for one call: the next one is S3 as usual.
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "sdk/fault-after.csv", ContentBody = "a,b\n" });
        Assert.NotNull(_peers.Sandbox.S3.Head(bucket, "sdk/fault-after.csv"));

        // Reset connections: the AWS SDK retries a reset read on its own, so the sixth call reads the object.
        var reset = faults.ForNextCalls("s3:GetObject", 5, SandboxFault.Reset());
        using (var read = await s3.GetObjectAsync(bucket, "sdk/fault-after.csv"))
        using (var text = new StreamReader(read.ResponseStream))
        {
            Assert.Equal("a,b\n", await text.ReadToEndAsync());
        }

        Assert.Equal(5, reset.Hits);
        Assert.Equal(5, _peers.Sandbox.GetAuditEvents().Count(a => a.EventName == "GetObject" && a.Outcome == "ConnectionReset" && a.HttpStatus == 0));

        // A fault S3 does not play is refused, not ignored.
        faults.ForNextCalls("s3:HeadObject", 1, SandboxFault.ShiftClock(TimeSpan.FromHours(1)));
        var refused = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => s3.GetObjectMetadataAsync(bucket, "sdk/fault-after.csv"));
        Assert.Equal(HttpStatusCode.NotImplemented, refused.StatusCode);
    }

    [Fact]
    public async Task DelayAnswerStoresTheObjectWhileTheClientHasHeardNothing()
    {
        using var s3 = Client(_peers.Allowed);
        var bucket = _peers.Sandbox.StagingBucket;
        var rule = _peers.Sandbox.Faults.ForNextCalls("s3:PutObject", 1, SandboxFault.DelayAnswerBy(TimeSpan.FromMinutes(2)));
        using var cancel = new CancellationTokenSource();
        var put = s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "sdk/unanswered.csv", ContentBody = "a,b\n" }, cancel.Token);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (_peers.Sandbox.S3.Head(bucket, "sdk/unanswered.csv") is null && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        // S3 has the object; the client is still waiting for the answer. A caller that gives up now
        // must still delete the key it started, not only the ones it heard back about.
        Assert.NotNull(_peers.Sandbox.S3.Head(bucket, "sdk/unanswered.csv"));
        Assert.False(put.IsCompleted);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => put);
        Assert.Equal(1, rule.Hits);
        Assert.NotNull(_peers.Sandbox.S3.Head(bucket, "sdk/unanswered.csv"));
    }

    /// <summary>HttpClients that trust the sandbox CA only (as the AWS CLI does with AWS_CA_BUNDLE).</summary>
    private sealed class SandboxCaHttpClientFactory(string caBundlePath) : HttpClientFactory
    {
        public override HttpClient CreateHttpClient(IClientConfig clientConfig)
        {
            var roots = new X509Certificate2Collection();
            roots.ImportFromPemFile(caBundlePath);
            var handler = new SocketsHttpHandler();
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
            {
                if (certificate is null || (errors & System.Net.Security.SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
                {
                    return false;
                }

                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.AddRange(roots);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                using var leaf = new X509Certificate2(certificate);
                return chain.Build(leaf);
            };
            return new HttpClient(handler);
        }
    }
}
