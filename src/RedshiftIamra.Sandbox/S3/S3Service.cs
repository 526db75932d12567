using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace RedshiftIamra.Sandbox.S3;

/// <summary>An S3 error: HTTP status, S3 error code, message, and the resource it names.</summary>
internal sealed class S3Exception(int status, string code, string message) : Exception(message)
{
    public int Status { get; } = status;

    public string Code { get; } = code;

    public string? Resource { get; init; }

    /// <summary>For SignatureDoesNotMatch: what the sandbox signed, sent back as S3 does so a client can compare.</summary>
    public string? CanonicalRequest { get; init; }

    public string? StringToSign { get; init; }

    public static S3Exception AccessDenied() => new(403, "AccessDenied", "Access Denied");

    public static S3Exception NoSuchBucket(string bucket) => new(404, "NoSuchBucket", "The specified bucket does not exist") { Resource = bucket };

    public static S3Exception NoSuchKey(string key) => new(404, "NoSuchKey", "The specified key does not exist.") { Resource = key };

    public static S3Exception NoSuchUpload() => new(404, "NoSuchUpload", "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.");

    public static S3Exception InvalidArgument(string message) => new(400, "InvalidArgument", message);

    public static S3Exception InvalidRequest(string message) => new(400, "InvalidRequest", message);

    public static S3Exception MalformedXml() => new(400, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema");
}

/// <summary>
/// Amazon S3's REST API as the sandbox plays it, on its own HTTPS listener (bodies stream to
/// disk): path-style (<c>https://127.0.0.1:PORT/bucket/key</c>) and virtual-host-style
/// (<c>bucket.localhost:PORT</c>) addressing, SigV4 HMAC with the credentials the sandbox
/// issued (payload hash in <c>x-amz-content-sha256</c>: a hex digest, <c>UNSIGNED-PAYLOAD</c>,
/// or an <c>aws-chunked</c> streaming body, signed or not, with trailing checksums), bucket
/// policies that allow named roles only, and S3's XML error shapes. The facts and their sources
/// are in the sandbox README ("S3").
/// </summary>
internal sealed class S3Service : ISandboxHttpHandler
{
    public const string Namespace = "http://s3.amazonaws.com/doc/2006-03-01/";
    private const int MaxXmlBodyBytes = 1024 * 1024;
    private const long MinPartSize = 5L * 1024 * 1024;
    private static readonly string s_emptySha256 = Convert.ToHexString(SHA256.HashData([])).ToLowerInvariant();

    private readonly S3ObjectStore _store;
    private readonly SandboxConfiguration _configuration;
    private readonly SandboxCredentialStore _credentials;
    private readonly SandboxAuditLog _audit;
    private readonly TimeProvider _clock;
    private readonly TimeSpan _maxSkew;
    private readonly SandboxFaults? _faults;

    public S3Service(S3ObjectStore store, SandboxConfiguration configuration, SandboxCredentialStore credentials, SandboxAuditLog audit, TimeProvider clock, TimeSpan maxSkew, SandboxFaults? faults = null)
    {
        _faults = faults;
        _store = store;
        _configuration = configuration;
        _credentials = credentials;
        _audit = audit;
        _clock = clock;
        _maxSkew = maxSkew;
    }

    /// <summary>The longest time one request may take, body included.</summary>
    public TimeSpan MaxRequestTime { get; init; } = TimeSpan.FromMinutes(30);

    public void OnRejected(IPEndPoint? remote, int status, string message, string requestId) =>
        _audit.Write(new SandboxAuditEvent
        {
            EventTime = _clock.GetUtcNow(),
            EventSource = "s3.amazonaws.com",
            EventName = "HttpRequestRejected",
            RequestId = requestId,
            Outcome = "Http" + status.ToString(CultureInfo.InvariantCulture),
            HttpStatus = status,
            ErrorMessage = message,
            SourceIPAddress = remote?.Address.ToString(),
        });

    public async Task<SandboxHttpResponse> HandleAsync(SandboxHttpRequest request, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(MaxRequestTime);
        var audit = new SandboxAuditFacts();
        var operation = "Unknown";
        string? bucket = null;
        string? key = null;
        SandboxHttpResponse response;
        long callNumber = 0;
        string? faultNames = null;
        var answerDelay = TimeSpan.Zero;
        try
        {
            (bucket, key) = Address(request);
            operation = Operation(request, bucket, key);
            IReadOnlyList<SandboxFault> faults = [];
            if (_faults is not null)
            {
                (callNumber, faults) = _faults.Next("s3", operation);
                faultNames = faults.Count == 0 ? null : string.Join(",", faults);
            }

            var fault = await PlayFaultsAsync(faults, timeout.Token).ConfigureAwait(false);
            answerDelay = faults.Where(f => f.Kind == SandboxFaultKind.DelayAnswer).Aggregate(TimeSpan.Zero, (sum, f) => sum + f.Delay);
            if (fault is { Kind: SandboxFaultKind.Reset })
            {
                response = SandboxHttpResponse.Reset();
            }
            else if (fault is not null)
            {
                response = FaultAnswer(request, fault, key ?? bucket);
            }
            else
            {
                var now = _clock.GetUtcNow();
                var verified = Authenticate(request, now, audit);
                response = await DispatchAsync(request, operation, bucket, key, verified, now, timeout.Token).ConfigureAwait(false);
            }
        }
        catch (S3Exception e)
        {
            response = Error(request, e.Status, e.Code, e.Message, e.Resource ?? key ?? bucket, e);
        }
        catch (AwsChunkedException e)
        {
            response = Error(request, e.Code == "SignatureDoesNotMatch" ? 403 : 400, e.Code, e.Message, key);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            response = Error(request, 400, "RequestTimeout", "Your socket connection to the server was not read from or written to within the timeout period. Idle connections will be closed.", key);
            response = new SandboxHttpResponse(response.Status, response.Body, response.ContentType) { Close = true };
        }
        catch (IOException e)
        {
            response = Error(request, 400, "IncompleteBody", "You did not provide the number of bytes specified by the Content-Length HTTP header: " + e.Message, key);
            response = new SandboxHttpResponse(response.Status, response.Body, response.ContentType) { Close = true };
        }

        _audit.Write(new SandboxAuditEvent
        {
            EventTime = _clock.GetUtcNow(),
            EventSource = "s3.amazonaws.com",
            EventName = operation,
            RequestId = request.RequestId,
            Outcome = response.Abort ? "ConnectionReset" : response.Status < 300 ? "Success" : ErrorCodeOf(response),
            HttpStatus = response.Status,
            SourceIPAddress = request.RemoteEndPoint?.Address.ToString(),
            UserAgent = request.GetHeader("User-Agent"),
            AccessKeyId = audit.AccessKeyId,
            RoleArn = audit.RoleArn,
            RoleSessionName = audit.RoleSessionName,
            BucketName = bucket,
            Key = key,
            ServerSideEncryption = operation is "PutObject" or "CreateMultipartUpload" ? request.GetHeader("x-amz-server-side-encryption") : null,
            KmsKeyId = operation is "PutObject" or "CreateMultipartUpload" ? request.GetHeader("x-amz-server-side-encryption-aws-kms-key-id") : null,
            CallNumber = callNumber,
            Fault = faultNames,
        });
        response.Headers.Add(new("x-amz-request-id", request.RequestId));
        if (answerDelay > TimeSpan.Zero)
        {
            await Task.Delay(answerDelay, cancellationToken).ConfigureAwait(false);
        }

        return response;
    }

    // ---- injected faults ----------------------------------------------------------------------

    /// <summary>
    /// Plays <see cref="SandboxFaultKind.Delay"/> and returns the fault that answers instead of S3,
    /// if any. The request-shaping kinds (clock shift, tampering, malformed bodies) belong to the
    /// JSON and Query services; S3 refuses them rather than ignore them.
    /// </summary>
    private static async Task<SandboxFault?> PlayFaultsAsync(IReadOnlyList<SandboxFault> faults, CancellationToken cancellationToken)
    {
        SandboxFault? answer = null;
        foreach (var fault in faults)
        {
            switch (fault.Kind)
            {
                case SandboxFaultKind.Delay:
                    await Task.Delay(fault.Delay, cancellationToken).ConfigureAwait(false);
                    break;
                case SandboxFaultKind.DelayAnswer:
                    break;
                case SandboxFaultKind.ClockShift or SandboxFaultKind.TamperRequest or SandboxFaultKind.MalformedBody:
                    throw new S3Exception(501, "NotImplemented", $"The sandbox's S3 does not play the fault {fault}; it plays Delay, DelayAnswer, Reset, Scripted and error answers.");
                default:
                    answer ??= fault;
                    break;
            }
        }

        return answer;
    }

    /// <summary>
    /// An error fault in S3's own words: throttling is <c>503 SlowDown</c>, an internal error
    /// <c>500 InternalError</c>, an expired token <c>400 ExpiredToken</c> (Amazon S3 API
    /// Reference, "Error responses", list of error codes); other errors as given.
    /// </summary>
    private static SandboxHttpResponse FaultAnswer(SandboxHttpRequest request, SandboxFault fault, string? resource) => fault.Kind switch
    {
        SandboxFaultKind.Scripted => Scripted(fault),
        SandboxFaultKind.Throttle => Error(request, 503, "SlowDown", "Please reduce your request rate.", resource),
        SandboxFaultKind.InternalError => Error(request, 500, "InternalError", "We encountered an internal error. Please try again.", resource),
        SandboxFaultKind.ServiceUnavailable => Error(request, 503, "ServiceUnavailable", "Reduce your request rate.", resource),
        SandboxFaultKind.ExpiredToken => Error(request, 400, "ExpiredToken", "The provided token has expired.", resource),
        _ => Error(request, fault.StatusCode, fault.ErrorCode ?? "InternalError", fault.Message ?? string.Empty, resource),
    };

    private static SandboxHttpResponse Scripted(SandboxFault fault)
    {
        var response = new SandboxHttpResponse(fault.StatusCode, Encoding.UTF8.GetBytes(fault.Body ?? string.Empty), fault.ContentType)
        {
            OmitStandardHeaders = fault.OmitStandardHeaders,
        };
        response.Headers.AddRange(fault.Headers);
        return response;
    }

    // ---- addressing and authentication ----------------------------------------------------

    /// <summary>The bucket and key a request names: <c>bucket.localhost:PORT</c> (virtual host) or the first path segment (path style).</summary>
    private static (string? Bucket, string? Key) Address(SandboxHttpRequest request)
    {
        var host = request.GetHeader("Host") ?? string.Empty;
        var colon = host.LastIndexOf(':');
        var name = colon > 0 && !host.EndsWith(']') ? host[..colon] : host;
        var path = Uri.UnescapeDataString(request.Path);
        if (name.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase))
        {
            var bucket = name[..^".localhost".Length];
            return (bucket, path.Length <= 1 ? null : path[1..]);
        }

        var rest = path.TrimStart('/');
        if (rest.Length == 0)
        {
            return (null, null);
        }

        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            return (rest, null);
        }

        var key = rest[(slash + 1)..];
        return (rest[..slash], key.Length == 0 ? null : key);
    }

    private static string Operation(SandboxHttpRequest request, string? bucket, string? key)
    {
        var query = request.QueryParameters;
        return (request.Method, bucket is null, key is null) switch
        {
            ("GET", true, _) => "ListBuckets",
            ("PUT", false, true) => "CreateBucket",
            ("HEAD", false, true) => "HeadBucket",
            ("DELETE", false, true) => "DeleteBucket",
            ("GET", false, true) when query.ContainsKey("location") => "GetBucketLocation",
            ("GET", false, true) when query.TryGetValue("list-type", out var v) && v == "2" => "ListObjectsV2",
            ("GET", false, true) => "ListObjects",
            ("POST", false, true) when query.ContainsKey("delete") => "DeleteObjects",
            ("PUT", false, false) when query.ContainsKey("uploadId") => "UploadPart",
            ("PUT", false, false) when request.GetHeader("x-amz-copy-source") is not null => "CopyObject",
            ("PUT", false, false) => "PutObject",
            ("POST", false, false) when query.ContainsKey("uploads") => "CreateMultipartUpload",
            ("POST", false, false) when query.ContainsKey("uploadId") => "CompleteMultipartUpload",
            ("DELETE", false, false) when query.ContainsKey("uploadId") => "AbortMultipartUpload",
            ("GET", false, false) when query.ContainsKey("uploadId") => "ListParts",
            ("GET", false, false) => "GetObject",
            ("HEAD", false, false) => "HeadObject",
            ("DELETE", false, false) => "DeleteObject",
            _ => "Unknown",
        };
    }

    private HmacVerifiedRequest Authenticate(SandboxHttpRequest request, DateTimeOffset now, SandboxAuditFacts audit)
    {
        if (request.GetHeader("Authorization") is null)
        {
            if (request.QueryParameters.ContainsKey("X-Amz-Signature"))
            {
                throw S3Exception.InvalidRequest("Presigned URLs are not supported by the sandbox's S3; sign the Authorization header.");
            }

            throw S3Exception.AccessDenied();
        }

        var payloadHash = request.GetHeader("x-amz-content-sha256")
            ?? throw S3Exception.InvalidRequest("Missing required header for this request: x-amz-content-sha256");
        var form = new HmacCanonicalForm { PathAsSent = true, PayloadHash = payloadHash, AllowBucketSubdomain = true };
        try
        {
            return HmacRequestVerifier.Verify(request, _configuration.Region, "s3", now, _maxSkew, _credentials, audit, form);
        }
        catch (HmacRejectedException e)
        {
            throw e.Rejection switch
            {
                HmacRejection.MissingAuthenticationToken => S3Exception.AccessDenied(),
                HmacRejection.IncompleteSignature => new S3Exception(400, "AuthorizationHeaderMalformed", "The authorization header is malformed; " + e.Message),
                HmacRejection.SignatureDoesNotMatch when e.Message.StartsWith("Signature expired", StringComparison.Ordinal) || e.Message.StartsWith("Signature not yet current", StringComparison.Ordinal) =>
                    new S3Exception(403, "RequestTimeTooSkewed", "The difference between the request time and the current time is too large."),
                HmacRejection.SignatureDoesNotMatch when e.Message.StartsWith("Credential should be scoped to a valid region", StringComparison.Ordinal) =>
                    new S3Exception(400, "AuthorizationHeaderMalformed", $"The authorization header is malformed; the region is wrong; expecting '{_configuration.Region}'"),
                HmacRejection.SignatureDoesNotMatch => new S3Exception(403, "SignatureDoesNotMatch", e.Rebuilt is not null
                    ? "The request signature we calculated does not match the signature you provided. Check your key and signing method."
                    : e.Message)
                {
                    CanonicalRequest = e.Rebuilt?.CanonicalRequest,
                    StringToSign = e.Rebuilt?.StringToSign,
                },
                HmacRejection.InvalidClientTokenId when request.GetHeader("X-Amz-Security-Token") is not null && _credentials.Find(AccessKeyOf(request)) is not null =>
                    new S3Exception(400, "InvalidToken", "The provided token is malformed or otherwise invalid."),
                HmacRejection.InvalidClientTokenId => new S3Exception(403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records."),
                HmacRejection.ExpiredToken => new S3Exception(400, "ExpiredToken", "The provided token has expired."),
                _ => S3Exception.AccessDenied(),
            };
        }
    }

    private static string AccessKeyOf(SandboxHttpRequest request) => HmacRequestVerifier.AccessKeyIdOf(request.GetHeader("Authorization")) ?? string.Empty;

    /// <summary>The bucket, when it exists and its policy allows the caller's role.</summary>
    private S3Bucket Authorize(string bucket, HmacVerifiedRequest verified)
    {
        var b = _store.FindBucket(bucket) ?? throw S3Exception.NoSuchBucket(bucket);
        if (!b.AllowedRoleArns.Contains(verified.Credential.RoleArn))
        {
            throw S3Exception.AccessDenied();
        }

        return b;
    }

    // ---- operations ---------------------------------------------------------------------------

    private async Task<SandboxHttpResponse> DispatchAsync(SandboxHttpRequest request, string operation, string? bucket, string? key, HmacVerifiedRequest verified, DateTimeOffset now, CancellationToken cancellationToken)
    {
        switch (operation)
        {
            case "ListBuckets":
                return ListBuckets(verified);
            case "CreateBucket":
                return await CreateBucketAsync(request, bucket!, verified, now, cancellationToken).ConfigureAwait(false);
            case "Unknown":
                throw new S3Exception(501, "NotImplemented", $"The sandbox's S3 does not implement {request.Method} {Shorten(request.Target)}.");
            case "CopyObject":
            case "ListParts":
            case "ListObjects":
                throw new S3Exception(501, "NotImplemented", $"The sandbox's S3 does not implement {operation}.");
        }

        var b = Authorize(bucket!, verified);
        switch (operation)
        {
            case "HeadBucket":
                return new SandboxHttpResponse(200) { Headers = { new("x-amz-bucket-region", _configuration.Region) } };
            case "DeleteBucket":
                if (!_store.DeleteBucket(b.Name))
                {
                    throw new S3Exception(409, "BucketNotEmpty", "The bucket you tried to delete is not empty") { Resource = b.Name };
                }

                return new SandboxHttpResponse(204);
            case "GetBucketLocation":
                return Xml(200, new XElement(X("LocationConstraint"), _configuration.Region == "us-east-1" ? null : _configuration.Region));
            case "ListObjectsV2":
                return ListObjectsV2(request, b);
            case "DeleteObjects":
                return await DeleteObjectsAsync(request, b, verified, cancellationToken).ConfigureAwait(false);
            case "PutObject":
                return await PutObjectAsync(request, b, key!, verified, now, cancellationToken).ConfigureAwait(false);
            case "CreateMultipartUpload":
                return CreateMultipartUpload(request, b, key!, now);
            case "UploadPart":
                return await UploadPartAsync(request, b, key!, verified, cancellationToken).ConfigureAwait(false);
            case "CompleteMultipartUpload":
                return await CompleteMultipartUploadAsync(request, b, key!, verified, now, cancellationToken).ConfigureAwait(false);
            case "AbortMultipartUpload":
                if (_store.FindUpload(b.Name, key!, request.QueryParameters["uploadId"]) is null || !_store.EndUpload(request.QueryParameters["uploadId"]))
                {
                    throw S3Exception.NoSuchUpload();
                }

                return new SandboxHttpResponse(204);
            case "GetObject":
            case "HeadObject":
                return GetObject(request, b, key!, head: operation == "HeadObject");
            case "DeleteObject":
                _store.Delete(b.Name, key!);
                return new SandboxHttpResponse(204);
            default:
                throw new S3Exception(501, "NotImplemented", $"The sandbox's S3 does not implement {operation}.");
        }
    }

    private SandboxHttpResponse ListBuckets(HmacVerifiedRequest verified)
    {
        var role = verified.Credential;
        var owner = new XElement(X("Owner"), new XElement(X("ID"), OwnerId), new XElement(X("DisplayName"), "sandbox"));
        return Xml(200, new XElement(X("ListAllMyBucketsResult"),
            owner,
            new XElement(X("Buckets"), _store.Buckets.Select(b => new XElement(X("Bucket"),
                new XElement(X("Name"), b.Name),
                new XElement(X("CreationDate"), IsoTime(b.CreationDate)),
                new XElement(X("BucketRegion"), _configuration.Region))))));
    }

    private string OwnerId => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(_configuration.AccountId))).ToLowerInvariant();

    private async Task<SandboxHttpResponse> CreateBucketAsync(SandboxHttpRequest request, string bucket, HmacVerifiedRequest verified, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await ReadSmallBodyAsync(request, verified, cancellationToken).ConfigureAwait(false);
        if (!IsBucketName(bucket))
        {
            throw new S3Exception(400, "InvalidBucketName", "The specified bucket is not valid.") { Resource = bucket };
        }

        if (_store.CreateBucket(bucket, now, [verified.Credential.RoleArn]) is null)
        {
            var existing = _store.FindBucket(bucket)!;
            throw existing.AllowedRoleArns.Contains(verified.Credential.RoleArn)
                ? new S3Exception(409, "BucketAlreadyOwnedByYou", "Your previous request to create the named bucket succeeded and you already own it.") { Resource = bucket }
                : new S3Exception(409, "BucketAlreadyExists", "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.") { Resource = bucket };
        }

        return new SandboxHttpResponse(200) { Headers = { new("Location", "/" + bucket) } };
    }

    /// <summary>Bucket naming rules (S3 User Guide, "Bucket naming rules"): 3-63 lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit.</summary>
    internal static bool IsBucketName(string name) =>
        System.Text.RegularExpressions.Regex.IsMatch(name, "^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$") && !name.Contains("..", StringComparison.Ordinal)
        && !IPAddress.TryParse(name, out _);

    private SandboxHttpResponse ListObjectsV2(SandboxHttpRequest request, S3Bucket bucket)
    {
        var query = request.QueryParameters;
        var prefix = query.GetValueOrDefault("prefix") ?? string.Empty;
        var delimiter = query.GetValueOrDefault("delimiter");
        if (delimiter?.Length == 0)
        {
            delimiter = null;
        }

        var urlEncode = query.TryGetValue("encoding-type", out var encoding) && encoding == "url";
        if (encoding is not null && encoding != "url")
        {
            throw S3Exception.InvalidArgument("Invalid Encoding Method specified in Request");
        }

        var maxKeys = 1000;
        if (query.TryGetValue("max-keys", out var maxText) && (!int.TryParse(maxText, NumberStyles.None, CultureInfo.InvariantCulture, out maxKeys) || maxKeys < 0))
        {
            throw S3Exception.InvalidArgument("Provided max-keys not an integer or within integer range");
        }

        maxKeys = Math.Min(maxKeys, 1000);
        string? after = query.GetValueOrDefault("start-after");
        var token = query.GetValueOrDefault("continuation-token");
        if (token is not null)
        {
            try
            {
                after = Encoding.UTF8.GetString(Convert.FromBase64String(token));
            }
            catch (FormatException)
            {
                throw S3Exception.InvalidArgument("The continuation token provided is incorrect");
            }
        }

        var contents = new List<S3ObjectInfo>();
        var prefixes = new List<string>();
        var truncated = false;
        string? last = null;
        foreach (var info in _store.List(bucket.Name, prefix))
        {
            if (after is not null && string.CompareOrdinal(info.Key, after) <= 0)
            {
                continue;
            }

            string? common = null;
            if (delimiter is not null)
            {
                var at = info.Key.IndexOf(delimiter, prefix.Length, StringComparison.Ordinal);
                if (at >= 0)
                {
                    common = info.Key[..(at + delimiter.Length)];
                }
            }

            if (common is not null && prefixes.Count > 0 && prefixes[^1] == common)
            {
                last = info.Key;
                continue;
            }

            if (contents.Count + prefixes.Count >= maxKeys)
            {
                truncated = true;
                break;
            }

            if (common is not null)
            {
                prefixes.Add(common);
            }
            else
            {
                contents.Add(info);
            }

            last = info.Key;
        }

        // A common prefix is skipped as a whole on the next page.
        var nextAfter = prefixes.Count > 0 && (contents.Count == 0 || string.CompareOrdinal(prefixes[^1], contents[^1].Key) > 0) ? prefixes[^1] + "\uffff" : last;
        string Enc(string s) => urlEncode ? Uri.EscapeDataString(s).Replace("%2F", "/", StringComparison.Ordinal) : s;
        var root = new XElement(X("ListBucketResult"),
            new XElement(X("Name"), bucket.Name),
            new XElement(X("Prefix"), Enc(prefix)),
            token is null ? null : new XElement(X("ContinuationToken"), token),
            query.TryGetValue("start-after", out var sa) ? new XElement(X("StartAfter"), Enc(sa)) : null,
            new XElement(X("KeyCount"), contents.Count + prefixes.Count),
            new XElement(X("MaxKeys"), maxKeys),
            delimiter is null ? null : new XElement(X("Delimiter"), Enc(delimiter)),
            urlEncode ? new XElement(X("EncodingType"), "url") : null,
            new XElement(X("IsTruncated"), truncated ? "true" : "false"),
            truncated && nextAfter is not null ? new XElement(X("NextContinuationToken"), Convert.ToBase64String(Encoding.UTF8.GetBytes(nextAfter))) : null,
            contents.Select(o => new XElement(X("Contents"),
                new XElement(X("Key"), Enc(o.Key)),
                new XElement(X("LastModified"), IsoTime(o.LastModified)),
                new XElement(X("ETag"), o.ETag),
                o.Checksum is { } c ? new XElement(X("ChecksumAlgorithm"), c.Algorithm) : null,
                new XElement(X("Size"), o.Size),
                new XElement(X("StorageClass"), "STANDARD"))),
            prefixes.Select(p => new XElement(X("CommonPrefixes"), new XElement(X("Prefix"), Enc(p)))));
        return Xml(200, root);
    }

    private async Task<SandboxHttpResponse> DeleteObjectsAsync(SandboxHttpRequest request, S3Bucket bucket, HmacVerifiedRequest verified, CancellationToken cancellationToken)
    {
        if (request.GetHeader("Content-MD5") is null && !request.Headers.Any(h => S3Checksum.AlgorithmOfHeader(h.Key) is not null) && request.GetHeader("x-amz-trailer") is null)
        {
            throw S3Exception.InvalidRequest("Missing required header for this request: Content-MD5");
        }

        var body = await ReadSmallBodyAsync(request, verified, cancellationToken).ConfigureAwait(false);
        var document = ParseXml(body);
        var root = document.Root!;
        if (root.Name.LocalName != "Delete")
        {
            throw S3Exception.MalformedXml();
        }

        var quiet = string.Equals(root.Elements().FirstOrDefault(e => e.Name.LocalName == "Quiet")?.Value, "true", StringComparison.OrdinalIgnoreCase);
        var keys = root.Elements().Where(e => e.Name.LocalName == "Object").Select(o => o.Elements().FirstOrDefault(e => e.Name.LocalName == "Key")?.Value).ToList();
        if (keys.Count is 0 or > 1000 || keys.Any(k => string.IsNullOrEmpty(k)))
        {
            throw S3Exception.MalformedXml();
        }

        var result = new XElement(X("DeleteResult"));
        foreach (var key in keys)
        {
            _store.Delete(bucket.Name, key!);
            if (!quiet)
            {
                result.Add(new XElement(X("Deleted"), new XElement(X("Key"), key)));
            }
        }

        return Xml(200, result);
    }

    private static S3ObjectAttributes Attributes(SandboxHttpRequest request)
    {
        var sse = request.GetHeader("x-amz-server-side-encryption");
        var kmsKey = request.GetHeader("x-amz-server-side-encryption-aws-kms-key-id");
        if (sse is not null && sse is not ("AES256" or "aws:kms" or "aws:kms:dsse"))
        {
            throw S3Exception.InvalidArgument($"The encryption method specified is not supported: '{Shorten(sse)}' (AES256, aws:kms or aws:kms:dsse).");
        }

        if (kmsKey is not null && sse is not ("aws:kms" or "aws:kms:dsse"))
        {
            throw S3Exception.InvalidArgument("Server Side Encryption with AWS KMS managed key requires HTTP header x-amz-server-side-encryption : aws:kms");
        }

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var header in request.Headers)
        {
            if (header.Key.StartsWith("x-amz-meta-", StringComparison.OrdinalIgnoreCase))
            {
                metadata[header.Key["x-amz-meta-".Length..].ToLowerInvariant()] = header.Value;
            }
        }

        var encoding = request.GetHeader("Content-Encoding");
        if (encoding is not null)
        {
            // aws-chunked is the transfer's, not the object's.
            var kept = encoding.Split(',').Select(e => e.Trim()).Where(e => e.Length > 0 && !e.Equals("aws-chunked", StringComparison.OrdinalIgnoreCase)).ToList();
            encoding = kept.Count == 0 ? null : string.Join(",", kept);
        }

        return new S3ObjectAttributes
        {
            ContentType = request.GetHeader("Content-Type"),
            ContentEncoding = encoding,
            Metadata = metadata,
            ServerSideEncryption = sse ?? "AES256",
            KmsKeyId = sse is "aws:kms" or "aws:kms:dsse" ? kmsKey : null,
        };
    }

    private async Task<SandboxHttpResponse> PutObjectAsync(SandboxHttpRequest request, S3Bucket bucket, string key, HmacVerifiedRequest verified, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ValidateKey(key);
        var attributes = Attributes(request);
        var (staged, checksum) = await ReceiveBodyAsync(request, verified, null, cancellationToken).ConfigureAwait(false);
        var info = _store.Commit(bucket.Name, key, staged, attributes, now, checksum);
        var response = new SandboxHttpResponse(200);
        response.Headers.Add(new("ETag", info.ETag));
        AddEncryptionHeaders(response, info.ServerSideEncryption, info.KmsKeyId);
        if (checksum is { } c)
        {
            response.Headers.Add(new("x-amz-checksum-" + c.Algorithm.ToLowerInvariant(), c.Value));
        }

        return response;
    }

    private static void ValidateKey(string key)
    {
        if (Encoding.UTF8.GetByteCount(key) > 1024)
        {
            throw new S3Exception(400, "KeyTooLongError", "Your key is too long") { Resource = key };
        }
    }

    private static void AddEncryptionHeaders(SandboxHttpResponse response, string sse, string? kmsKeyId)
    {
        response.Headers.Add(new("x-amz-server-side-encryption", sse));
        if (kmsKeyId is not null)
        {
            response.Headers.Add(new("x-amz-server-side-encryption-aws-kms-key-id", kmsKeyId));
        }
    }

    private SandboxHttpResponse CreateMultipartUpload(SandboxHttpRequest request, S3Bucket bucket, string key, DateTimeOffset now)
    {
        ValidateKey(key);
        var attributes = Attributes(request);
        var algorithm = request.GetHeader("x-amz-checksum-algorithm");
        if (algorithm is not null && S3Checksum.Create(algorithm) is null)
        {
            throw S3Exception.InvalidRequest($"Checksum algorithm '{Shorten(algorithm)}' is not one of CRC32, CRC32C, CRC64NVME, SHA1, SHA256.");
        }

        var upload = _store.CreateUpload(bucket.Name, key, attributes, algorithm?.ToUpperInvariant(), now);
        var response = Xml(200, new XElement(X("InitiateMultipartUploadResult"),
            new XElement(X("Bucket"), bucket.Name), new XElement(X("Key"), key), new XElement(X("UploadId"), upload.UploadId)));
        AddEncryptionHeaders(response, attributes.ServerSideEncryption, attributes.KmsKeyId);
        if (upload.ChecksumAlgorithm is not null)
        {
            response.Headers.Add(new("x-amz-checksum-algorithm", upload.ChecksumAlgorithm));
        }

        return response;
    }

    private async Task<SandboxHttpResponse> UploadPartAsync(SandboxHttpRequest request, S3Bucket bucket, string key, HmacVerifiedRequest verified, CancellationToken cancellationToken)
    {
        var query = request.QueryParameters;
        if (!int.TryParse(query.GetValueOrDefault("partNumber"), NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number is < 1 or > 10000)
        {
            throw S3Exception.InvalidArgument("Part number must be an integer between 1 and 10000, inclusive");
        }

        var upload = _store.FindUpload(bucket.Name, key, query["uploadId"]) ?? throw S3Exception.NoSuchUpload();
        var (staged, checksum) = await ReceiveBodyAsync(request, verified, upload.ChecksumAlgorithm, cancellationToken).ConfigureAwait(false);
        var etag = "\"" + Convert.ToHexString(staged.Md5).ToLowerInvariant() + "\"";
        _store.AddPart(upload, new S3Part(number, staged.Size, etag, staged.FilePath, checksum?.Value));
        var response = new SandboxHttpResponse(200);
        response.Headers.Add(new("ETag", etag));
        AddEncryptionHeaders(response, upload.Attributes.ServerSideEncryption, upload.Attributes.KmsKeyId);
        if (checksum is { } c)
        {
            response.Headers.Add(new("x-amz-checksum-" + c.Algorithm.ToLowerInvariant(), c.Value));
        }

        return response;
    }

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5351:Do Not Use Broken Cryptographic Algorithms", Justification = "S3 defines a multipart object's ETag as the MD5 of its parts' MD5s; it is an identifier, not a security measure.")]
    private async Task<SandboxHttpResponse> CompleteMultipartUploadAsync(SandboxHttpRequest request, S3Bucket bucket, string key, HmacVerifiedRequest verified, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var upload = _store.FindUpload(bucket.Name, key, request.QueryParameters["uploadId"]) ?? throw S3Exception.NoSuchUpload();
        var document = ParseXml(await ReadSmallBodyAsync(request, verified, cancellationToken).ConfigureAwait(false));
        if (document.Root!.Name.LocalName != "CompleteMultipartUpload")
        {
            throw S3Exception.MalformedXml();
        }

        var listed = new List<(int Number, string ETag)>();
        foreach (var part in document.Root.Elements().Where(e => e.Name.LocalName == "Part"))
        {
            var numberText = part.Elements().FirstOrDefault(e => e.Name.LocalName == "PartNumber")?.Value;
            var etag = part.Elements().FirstOrDefault(e => e.Name.LocalName == "ETag")?.Value;
            if (!int.TryParse(numberText, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || etag is null)
            {
                throw S3Exception.MalformedXml();
            }

            listed.Add((number, etag.StartsWith('"') ? etag : "\"" + etag + "\""));
        }

        if (listed.Count == 0)
        {
            throw S3Exception.MalformedXml();
        }

        for (var i = 1; i < listed.Count; i++)
        {
            if (listed[i].Number <= listed[i - 1].Number)
            {
                throw new S3Exception(400, "InvalidPartOrder", "The list of parts was not in ascending order. The parts list must be specified in order by part number.");
            }
        }

        var parts = new List<S3Part>();
        foreach (var (number, etag) in listed)
        {
            if (!upload.Parts.TryGetValue(number, out var part) || part.ETag != etag)
            {
                throw new S3Exception(400, "InvalidPart", "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.");
            }

            parts.Add(part);
        }

        for (var i = 0; i < parts.Count - 1; i++)
        {
            if (parts[i].Size < MinPartSize)
            {
                throw new S3Exception(400, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed object size.");
            }
        }

        var staged = await _store.ConcatenateAsync(parts, cancellationToken).ConfigureAwait(false);
        var md5s = parts.SelectMany(p => Convert.FromHexString(p.ETag.Trim('"'))).ToArray();
        var etagAll = "\"" + Convert.ToHexString(MD5.HashData(md5s)).ToLowerInvariant() + "-" + parts.Count.ToString(CultureInfo.InvariantCulture) + "\"";
        (string, string)? checksum = null;
        if (upload.ChecksumAlgorithm is { } algorithm && parts.All(p => p.Checksum is not null))
        {
            // The checksum of the checksums, "-N" (S3 User Guide, "Checking object integrity": multipart uploads).
            var composite = S3Checksum.Create(algorithm)!;
            foreach (var part in parts)
            {
                composite.Append(Convert.FromBase64String(part.Checksum!));
            }

            checksum = (algorithm, composite.DigestBase64() + "-" + parts.Count.ToString(CultureInfo.InvariantCulture));
        }

        var info = _store.Commit(bucket.Name, key, staged, upload.Attributes, now, checksum, etagAll);
        _store.EndUpload(upload.UploadId);
        var response = Xml(200, new XElement(X("CompleteMultipartUploadResult"),
            new XElement(X("Location"), $"https://127.0.0.1:{request.LocalPort}/{bucket.Name}/{Uri.EscapeDataString(key)}"),
            new XElement(X("Bucket"), bucket.Name),
            new XElement(X("Key"), key),
            new XElement(X("ETag"), info.ETag),
            checksum is { } c ? new XElement(X("Checksum" + c.Item1), c.Item2) : null));
        AddEncryptionHeaders(response, info.ServerSideEncryption, info.KmsKeyId);
        return response;
    }

    private SandboxHttpResponse GetObject(SandboxHttpRequest request, S3Bucket bucket, string key, bool head)
    {
        var info = _store.Head(bucket.Name, key) ?? throw S3Exception.NoSuchKey(key);
        long start = 0;
        var length = info.Size;
        var status = 200;
        var range = request.GetHeader("Range");
        if (range is not null && TryParseRange(range, info.Size, out var first, out var last) is var parsed && parsed is not null)
        {
            if (parsed == false)
            {
                throw new S3Exception(416, "InvalidRange", "The requested range is not satisfiable") { Resource = key };
            }

            start = first;
            length = last - first + 1;
            status = 206;
        }

        Stream? body = null;
        if (!head && length > 0)
        {
            var stream = _store.OpenRead(info);
            stream.Seek(start, SeekOrigin.Begin);
            body = stream;
        }

        var response = new SandboxHttpResponse(status, null, info.ContentType) { BodyStream = body, ContentLength = length };
        response.Headers.Add(new("ETag", info.ETag));
        response.Headers.Add(new("Last-Modified", info.LastModified.ToString("r", CultureInfo.InvariantCulture)));
        response.Headers.Add(new("Accept-Ranges", "bytes"));
        if (status == 206)
        {
            response.Headers.Add(new("Content-Range", $"bytes {start}-{start + length - 1}/{info.Size}"));
        }

        if (info.ContentEncoding is not null)
        {
            response.Headers.Add(new("Content-Encoding", info.ContentEncoding));
        }

        foreach (var (name, value) in info.Metadata)
        {
            response.Headers.Add(new("x-amz-meta-" + name, value));
        }

        AddEncryptionHeaders(response, info.ServerSideEncryption, info.KmsKeyId);
        if (info.Checksum is { } c && status == 200 && string.Equals(request.GetHeader("x-amz-checksum-mode"), "ENABLED", StringComparison.OrdinalIgnoreCase))
        {
            response.Headers.Add(new("x-amz-checksum-" + c.Algorithm.ToLowerInvariant(), c.Value));
            if (c.Value.Contains('-', StringComparison.Ordinal))
            {
                response.Headers.Add(new("x-amz-checksum-type", "COMPOSITE"));
            }
        }

        return response;
    }

    /// <summary>One byte range (RFC 9110): null to ignore the header (malformed or several ranges, as S3 does), false when unsatisfiable.</summary>
    private static bool? TryParseRange(string header, long size, out long first, out long last)
    {
        first = 0;
        last = size - 1;
        if (!header.StartsWith("bytes=", StringComparison.Ordinal) || header.Contains(',', StringComparison.Ordinal))
        {
            return null;
        }

        var spec = header["bytes=".Length..];
        var dash = spec.IndexOf('-', StringComparison.Ordinal);
        if (dash < 0)
        {
            return null;
        }

        var a = spec[..dash].Trim();
        var b = spec[(dash + 1)..].Trim();
        if (a.Length == 0)
        {
            if (!long.TryParse(b, NumberStyles.None, CultureInfo.InvariantCulture, out var suffix))
            {
                return null;
            }

            if (suffix == 0 || size == 0)
            {
                return false;
            }

            first = Math.Max(0, size - suffix);
            return true;
        }

        if (!long.TryParse(a, NumberStyles.None, CultureInfo.InvariantCulture, out first))
        {
            return null;
        }

        if (b.Length > 0)
        {
            if (!long.TryParse(b, NumberStyles.None, CultureInfo.InvariantCulture, out last) || last < first)
            {
                return null;
            }

            last = Math.Min(last, size - 1);
        }

        return first < size;
    }

    // ---- bodies -------------------------------------------------------------------------------

    /// <summary>
    /// Receives an upload's body to a temporary file, decoding <c>aws-chunked</c> and verifying
    /// what the request declared: the payload hash, chunk and trailer signatures, the decoded
    /// length, Content-MD5, and an additional checksum sent as a header or a trailer.
    /// </summary>
    private async Task<(S3ObjectStore.Staged Staged, (string Algorithm, string Value)? Checksum)> ReceiveBodyAsync(SandboxHttpRequest request, HmacVerifiedRequest verified, string? uploadAlgorithm, CancellationToken cancellationToken)
    {
        var raw = request.BodyStream ?? (Stream)new MemoryStream(request.Body);
        var declared = request.GetHeader("x-amz-content-sha256")!;
        Stream body;
        AwsChunkedStream? chunked = null;
        long? decodedLength = null;
        switch (declared)
        {
            case "UNSIGNED-PAYLOAD":
                body = raw;
                break;
            case "STREAMING-AWS4-HMAC-SHA256-PAYLOAD":
            case "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER":
            case "STREAMING-UNSIGNED-PAYLOAD-TRAILER":
                var lengthText = request.GetHeader("x-amz-decoded-content-length")
                    ?? throw new S3Exception(411, "MissingContentLength", "You must provide the Content-Length HTTP header (x-amz-decoded-content-length for aws-chunked bodies).");
                if (!long.TryParse(lengthText, NumberStyles.None, CultureInfo.InvariantCulture, out var decoded))
                {
                    throw S3Exception.InvalidArgument("x-amz-decoded-content-length must be a number of bytes.");
                }

                decodedLength = decoded;
                var signed = declared != "STREAMING-UNSIGNED-PAYLOAD-TRAILER";
                var trailer = declared.EndsWith("-TRAILER", StringComparison.Ordinal);
                if (trailer && request.GetHeader("x-amz-trailer") is null)
                {
                    throw S3Exception.InvalidRequest("A STREAMING-...-TRAILER body needs the x-amz-trailer header naming its trailing checksum.");
                }

                chunked = new AwsChunkedStream(new BufferedStream(raw, 64 * 1024), signed ? verified : null, trailer);
                body = chunked;
                break;
            default:
                if (declared.Length != 64 || !declared.All(char.IsAsciiHexDigit))
                {
                    throw S3Exception.InvalidArgument($"x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER or a valid sha256 value.");
                }

                body = new HashingStream(raw, HashAlgorithmName.SHA256);
                break;
        }

        // The additional checksum: a header (x-amz-checksum-crc32: ...) or a trailer it names (x-amz-trailer: x-amz-checksum-crc32).
        string? algorithm = null;
        string? headerValue = null;
        foreach (var header in request.Headers)
        {
            if (S3Checksum.AlgorithmOfHeader(header.Key) is { } a)
            {
                algorithm = a;
                headerValue = header.Value;
            }
        }

        var trailerName = request.GetHeader("x-amz-trailer");
        if (trailerName is not null)
        {
            algorithm = S3Checksum.AlgorithmOfHeader(trailerName.Trim())
                ?? throw S3Exception.InvalidRequest($"The value specified in the x-amz-trailer header is not supported: '{Shorten(trailerName)}'.");
        }

        algorithm ??= request.GetHeader("x-amz-sdk-checksum-algorithm")?.ToUpperInvariant() ?? uploadAlgorithm;
        var checksum = algorithm is null ? null : S3Checksum.Create(algorithm)
            ?? throw S3Exception.InvalidRequest($"Checksum algorithm '{Shorten(algorithm)}' is not one of CRC32, CRC32C, CRC64NVME, SHA1, SHA256.");

        var staged = await _store.StageAsync(body, checksum, cancellationToken).ConfigureAwait(false);
        try
        {
            if (body is HashingStream hashing)
            {
                var computed = Convert.ToHexString(hashing.Hash()).ToLowerInvariant();
                if (!computed.Equals(declared, StringComparison.OrdinalIgnoreCase))
                {
                    throw new S3Exception(400, "XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.");
                }
            }

            if (decodedLength is { } expectedLength && staged.Size != expectedLength)
            {
                throw new S3Exception(400, "IncompleteBody", $"The aws-chunked body decoded to {staged.Size} bytes, not the {expectedLength} of x-amz-decoded-content-length.");
            }

            if (request.GetHeader("Content-MD5") is { } md5)
            {
                byte[] wanted;
                try
                {
                    wanted = Convert.FromBase64String(md5);
                }
                catch (FormatException)
                {
                    throw new S3Exception(400, "InvalidDigest", "The Content-MD5 you specified was invalid.");
                }

                if (!wanted.AsSpan().SequenceEqual(staged.Md5))
                {
                    throw new S3Exception(400, "BadDigest", "The Content-MD5 you specified did not match what we received.");
                }
            }

            (string, string)? result = null;
            if (checksum is not null)
            {
                var value = checksum.DigestBase64();
                var claimed = trailerName is not null ? chunked?.Trailers.GetValueOrDefault(trailerName.Trim().ToLowerInvariant()) : headerValue;
                if (trailerName is not null && claimed is null)
                {
                    throw new S3Exception(400, "MalformedTrailerError", $"The request body's trailer does not hold the {trailerName.Trim()} that x-amz-trailer announced.");
                }

                if (claimed is not null && claimed != value)
                {
                    throw new S3Exception(400, "BadDigest", $"The {checksum.Algorithm} you specified did not match the calculated checksum.");
                }

                result = (checksum.Algorithm, value);
            }

            return (staged, result);
        }
        catch
        {
            _store.Discard(staged);
            throw;
        }
    }

    /// <summary>A small XML body (DeleteObjects, CompleteMultipartUpload, CreateBucket), at most 1 MiB, its payload hash verified.</summary>
    private async Task<byte[]> ReadSmallBodyAsync(SandboxHttpRequest request, HmacVerifiedRequest verified, CancellationToken cancellationToken)
    {
        if (request.BodyStream is { Length: > MaxXmlBodyBytes })
        {
            throw new S3Exception(400, "MaxMessageLengthExceeded", "Your request was too big.");
        }

        var (staged, _) = await ReceiveBodyAsync(request, verified, null, cancellationToken).ConfigureAwait(false);
        try
        {
            return staged.Size > MaxXmlBodyBytes
                ? throw new S3Exception(400, "MaxMessageLengthExceeded", "Your request was too big.")
                : await File.ReadAllBytesAsync(staged.FilePath, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _store.Discard(staged);
        }
    }

    private static XDocument ParseXml(byte[] body)
    {
        try
        {
            using var reader = XmlReader.Create(new MemoryStream(body), new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, MaxCharactersInDocument = MaxXmlBodyBytes });
            return XDocument.Load(reader);
        }
        catch (XmlException)
        {
            throw S3Exception.MalformedXml();
        }
    }

    // ---- answers ------------------------------------------------------------------------------

    private static XName X(string name) => XName.Get(name, Namespace);

    private static string IsoTime(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static SandboxHttpResponse Xml(int status, XElement root)
    {
        var text = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + root.ToString(SaveOptions.DisableFormatting);
        return new SandboxHttpResponse(status, Encoding.UTF8.GetBytes(text), "application/xml");
    }

    /// <summary>S3's error document (no body for HEAD, as S3 sends none).</summary>
    private static SandboxHttpResponse Error(SandboxHttpRequest request, int status, string code, string message, string? resource, S3Exception? exception = null)
    {
        if (request.Method == "HEAD")
        {
            return new SandboxHttpResponse(status) { Headers = { new("x-amz-error-code", code) } };
        }

        var root = new XElement("Error",
            new XElement("Code", code),
            new XElement("Message", message),
            code switch
            {
                "NoSuchKey" or "KeyTooLongError" => new XElement("Key", resource),
                "NoSuchBucket" or "BucketAlreadyOwnedByYou" or "BucketAlreadyExists" or "BucketNotEmpty" or "InvalidBucketName" => new XElement("BucketName", resource),
                _ => null,
            },
            exception?.StringToSign is { } toSign ? new XElement("StringToSign", toSign) : null,
            exception?.CanonicalRequest is { } canonical ? new XElement("CanonicalRequest", canonical) : null,
            new XElement("RequestId", request.RequestId),
            new XElement("HostId", Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(request.RequestId)))));
        var text = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + root.ToString(SaveOptions.DisableFormatting);
        return new SandboxHttpResponse(status, Encoding.UTF8.GetBytes(text), "application/xml");
    }

    private static string ErrorCodeOf(SandboxHttpResponse response)
    {
        foreach (var header in response.Headers)
        {
            if (header.Key == "x-amz-error-code")
            {
                return header.Value;
            }
        }

        var text = Encoding.UTF8.GetString(response.Body);
        var start = text.IndexOf("<Code>", StringComparison.Ordinal);
        var end = text.IndexOf("</Code>", StringComparison.Ordinal);
        return start >= 0 && end > start ? text[(start + 6)..end] : "Http" + response.Status.ToString(CultureInfo.InvariantCulture);
    }

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..80] + "...";

    /// <summary>Passes bytes through and hashes them.</summary>
    private sealed class HashingStream(Stream inner, HashAlgorithmName algorithm) : Stream
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(algorithm);

        public byte[] Hash() => _hash.GetHashAndReset();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var n = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            _hash.AppendData(buffer.Span[..n]);
            return n;
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = inner.Read(buffer, offset, count);
            _hash.AppendData(buffer, offset, n);
            return n;
        }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            _hash.Dispose();
            base.Dispose(disposing);
        }
    }
}
