using System.Text.RegularExpressions;

namespace RedshiftIamra.Loading;

/// <summary>
/// Where staged loads and exports put their files: an S3 bucket and prefix the Roles Anywhere
/// role may write, the IAM role the cluster or workgroup assumes for COPY and UNLOAD, and an
/// optional KMS key (SSE-KMS; SSE-S3 otherwise). Never a secret.
/// </summary>
public sealed partial record RedshiftStagingSettings
{
    /// <summary>The prefix staged files go under when none is given.</summary>
    public const string DefaultPrefix = "redshift-iamra/";

    public required string Bucket { get; init; }

    public string Prefix { get; init; } = DefaultPrefix;

    /// <summary>The role ARN COPY and UNLOAD name in IAM_ROLE, or <c>default</c> for the cluster's default role.</summary>
    public string? CopyRoleArn { get; init; }

    /// <summary>A KMS key id or ARN: staged objects are written with SSE-KMS under it.</summary>
    public string? KmsKeyId { get; init; }

    /// <summary>An S3 endpoint other than AWS's (an interface endpoint's DNS name, a test server).</summary>
    public string? EndpointUrl { get; init; }

    /// <summary>The bucket's region when it is not the connection's.</summary>
    public string? Region { get; init; }

    public override string ToString() => $"s3://{Bucket}/{Prefix}";

    /// <summary>
    /// The staging settings a command uses: the connection's (<paramref name="saved"/>) with each
    /// value typed on the command line over its own; null when neither names a bucket and nothing
    /// else was typed. A typed prefix, role or key without any bucket is an error naming what is missing.
    /// </summary>
    public static RedshiftStagingSettings? Merge(RedshiftStagingSettings? saved, string? bucket, string? prefix, string? copyRoleArn, string? kmsKeyId, string? endpointUrl)
    {
        if (bucket is null && prefix is null && copyRoleArn is null && kmsKeyId is null && endpointUrl is null)
        {
            return saved?.Validate();
        }

        var name = bucket ?? saved?.Bucket ?? throw new IamraException(ErrorIds.Staging.NotConfigured, IamraErrorCategory.InvalidArgument,
            "-StagingPrefix, -CopyRoleArn, -KmsKeyId and -S3EndpointUrl need a staging bucket: give -StagingBucket too, or set the connection's Staging.", bucket);
        return new RedshiftStagingSettings
        {
            Bucket = name,
            Prefix = prefix ?? saved?.Prefix ?? DefaultPrefix,
            CopyRoleArn = copyRoleArn ?? saved?.CopyRoleArn,
            KmsKeyId = kmsKeyId ?? saved?.KmsKeyId,
            EndpointUrl = endpointUrl ?? saved?.EndpointUrl,
            Region = saved?.Region,
        }.Validate();
    }

    /// <summary>Checks the settings before anything is sent; throws an error that names the bad value.</summary>
    public RedshiftStagingSettings Validate()
    {
        if (string.IsNullOrEmpty(Bucket) || Bucket.Length is < 3 or > 63 || !BucketPattern().IsMatch(Bucket) || Bucket.Contains("..", StringComparison.Ordinal))
        {
            throw Bad($"'{Bucket}' is not an S3 bucket name (3 to 63 lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit).", Bucket);
        }

        var prefix = Prefix ?? string.Empty;
        if (prefix.StartsWith('/') || prefix.Contains("//", StringComparison.Ordinal) || prefix.Contains('\\', StringComparison.Ordinal) || prefix.Length > 512)
        {
            throw Bad($"The staging prefix '{prefix}' is not usable: no leading '/', no '//' or '\\', at most 512 characters (e.g. etl/staging/).", prefix);
        }

        if (CopyRoleArn is not null && CopyRoleArn != "default" && !RolePattern().IsMatch(CopyRoleArn))
        {
            throw Bad($"'{CopyRoleArn}' is not an IAM role ARN (arn:aws:iam::123456789012:role/name) or 'default'.", CopyRoleArn);
        }

        if (KmsKeyId is not null && (KmsKeyId.Length == 0 || KmsKeyId.Any(char.IsWhiteSpace)))
        {
            throw Bad("-KmsKeyId is empty or holds spaces: give a key id, alias or ARN.", KmsKeyId);
        }

        if (EndpointUrl is not null && (!Uri.TryCreate(EndpointUrl, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http")))
        {
            throw Bad($"'{EndpointUrl}' is not an http(s) URL for the S3 endpoint.", EndpointUrl);
        }

        return prefix.Length == 0 || prefix.EndsWith('/') ? this with { Prefix = prefix } : this with { Prefix = prefix + "/" };
    }

    private static IamraException Bad(string message, object? target) => new(ErrorIds.Staging.Invalid, IamraErrorCategory.InvalidArgument, message, target);

    [GeneratedRegex("^[a-z0-9][a-z0-9.-]*[a-z0-9]$")]
    private static partial Regex BucketPattern();

    [GeneratedRegex(@"^arn:aws(-[a-z]+)*:iam::\d{12}:role/[\w+=,.@/-]+$")]
    private static partial Regex RolePattern();
}
