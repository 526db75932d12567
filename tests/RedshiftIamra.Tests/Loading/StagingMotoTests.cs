using System.IO.Compression;
using System.Text;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using RedshiftIamra.Aws;
using RedshiftIamra.Loading;
using RedshiftIamra.Tests.Redshift;

namespace RedshiftIamra.Tests.Loading;

/// <summary>moto_server's S3 (signatures and IAM policies checked) and a real PostgreSQL, shared by the staging tests.</summary>
public sealed class StagingFixture : IAsyncLifetime
{
    public MotoServerFixture Moto { get; } = new();

    public LoadingFixture Db { get; } = new();

    public string Bucket { get; } = "staging-" + Guid.NewGuid().ToString("N")[..8];

    public async Task InitializeAsync()
    {
        await Db.InitializeAsync();
        await Moto.InitializeAsync();
        using var s3 = Client(Moto.Admin);
        await s3.PutBucketAsync(new PutBucketRequest { BucketName = Bucket });
    }

    public async Task DisposeAsync()
    {
        await Moto.DisposeAsync();
        await Db.DisposeAsync();
    }

    public AmazonS3Client Client(AwsCredentials credentials) => new(
        new BasicAWSCredentials(credentials.AccessKeyId, credentials.SecretAccessKey),
        new AmazonS3Config { RegionEndpoint = Amazon.RegionEndpoint.USEast1, ServiceURL = Moto.Endpoint.ToString(), ForcePathStyle = true, AuthenticationRegion = MotoServerFixture.Region });

    public RedshiftStagingSettings Settings(string prefix, string? bucket = null) => new()
    {
        Bucket = bucket ?? Bucket,
        Prefix = prefix,
        CopyRoleArn = "arn:aws:iam::123456789012:role/redshift-copy",
        EndpointUrl = Moto.Endpoint.ToString(),
    };

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822:Mark members as static", Justification = "A fixture helper, called through the fixture like the others.")]
    public AwsCredentialSource Source(AwsCredentials credentials) => AwsCredentialSources.FromCredentials(credentials, "moto IAM user");

    /// <summary>Every key under the prefix, as the AWS CLI lists them (an independent S3 client).</summary>
    public async Task<List<string>> KeysAsync(string prefix)
    {
        var start = new System.Diagnostics.ProcessStartInfo("aws") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "--endpoint-url", Moto.Endpoint.ToString(), "s3api", "list-objects-v2", "--bucket", Bucket, "--prefix", prefix.TrimEnd('/'), "--query", "Contents[].Key", "--output", "text" })
        {
            start.ArgumentList.Add(a);
        }

        start.Environment["AWS_ACCESS_KEY_ID"] = Moto.Admin.AccessKeyId;
        start.Environment["AWS_SECRET_ACCESS_KEY"] = Moto.Admin.SecretAccessKey;
        start.Environment["AWS_DEFAULT_REGION"] = MotoServerFixture.Region;
        start.Environment.Remove("AWS_PROFILE");
        using var process = System.Diagnostics.Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"aws s3api list-objects-v2 failed: {error}");
        return output.Split(new[] { '\t', '\n' }, StringSplitOptions.RemoveEmptyEntries).Select(k => k.Trim()).Where(k => k.Length > 0 && k != "None" && k.StartsWith(prefix, StringComparison.Ordinal)).ToList();
    }
}

public class StagingMotoTests : IClassFixture<StagingFixture>
{
    private readonly StagingFixture _f;

    public StagingMotoTests(StagingFixture fixture) => _f = fixture;

    private static string Prefix() => "t-" + Guid.NewGuid().ToString("N")[..8] + "/";

    [Fact]
    public async Task The_write_probe_passes_on_a_writable_bucket_and_leaves_nothing()
    {
        var prefix = Prefix();
        await using var stager = new S3Stager(_f.Settings(prefix), _f.Source(_f.Moto.Admin), MotoServerFixture.Region);
        await stager.ProbeAsync(CancellationToken.None);
        Assert.Empty(await _f.KeysAsync(prefix));
    }

    [Fact]
    public async Task A_bucket_the_role_cannot_write_fails_the_probe_with_a_clear_error()
    {
        await using var reader = new S3Stager(_f.Settings(Prefix()), _f.Source(_f.Moto.Reader), MotoServerFixture.Region);
        var denied = await Assert.ThrowsAsync<IamraException>(() => reader.ProbeAsync(CancellationToken.None));
        Assert.Equal(ErrorIds.Staging.AccessDenied, denied.ErrorId);
        Assert.Contains("s3:PutObject", denied.Message, StringComparison.Ordinal);

        await using var missing = new S3Stager(_f.Settings(Prefix(), "no-such-bucket-here"), _f.Source(_f.Moto.Admin), MotoServerFixture.Region);
        var notFound = await Assert.ThrowsAsync<IamraException>(() => missing.ProbeAsync(CancellationToken.None));
        Assert.Equal(ErrorIds.Staging.AccessDenied, notFound.ErrorId);
        Assert.Contains("NoSuchBucket", notFound.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rows_become_several_gzip_csv_parts_that_hold_every_row_and_clean_up_removes_them()
    {
        var prefix = Prefix();
        await using var stager = new S3Stager(_f.Settings(prefix), _f.Source(_f.Moto.Admin), MotoServerFixture.Region);
        List<string> urls;
        await using (var parts = new StagedParts(stager, workers: 3, partBytes: 16 * 1024, CancellationToken.None, chunkChars: 8 * 1024))
        {
            for (var i = 1; i <= 30_000; i++)
            {
                parts.AddRow(new object[] { i, i % 7 == 0 ? DBNull.Value : $"row \"{i}\", with comma", (long)i * i }, i);
            }

            urls = await parts.CompleteAsync();
            Assert.True(parts.CompressedBytes < parts.RawBytes);
            // A COPY error's (file, line) leads back to the row: line 1 of every part is the first row of a chunk.
            Assert.All(urls, url => Assert.True(parts.RowAt(url, 1) is { Exact: true }));
            Assert.Null(parts.RowAt(urls[0], 10_000_000));
        }

        Assert.True(urls.Count > 3, $"expected several parts, got {urls.Count}");
        var keys = await _f.KeysAsync(prefix);
        Assert.Equal(urls.Select(u => u[$"s3://{_f.Bucket}/".Length..]).OrderBy(k => k), keys.OrderBy(k => k));
        Assert.All(keys, k => Assert.StartsWith(stager.RunPrefix, k, StringComparison.Ordinal));

        // Every row is in exactly one part, as the CSV the writer formats.
        using var s3 = _f.Client(_f.Moto.Admin);
        var lines = new List<string>();
        foreach (var key in keys)
        {
            using var response = await s3.GetObjectAsync(_f.Bucket, key);
            Assert.Equal(ServerSideEncryptionMethod.AES256, response.ServerSideEncryptionMethod);
            using var gzip = new GZipStream(response.ResponseStream, CompressionMode.Decompress);
            using var text = new StreamReader(gzip, Encoding.UTF8);
            lines.AddRange((await text.ReadToEndAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }

        Assert.Equal(30_000, lines.Count);
        Assert.Contains("14,\\N,196", lines);
        Assert.Contains("15,\"row \"\"15\"\", with comma\",225", lines);

        var deleted = await stager.CleanUpAsync();
        Assert.Equal(keys.Count, deleted);
        Assert.Empty(await _f.KeysAsync(prefix));
    }

    [Fact]
    public async Task A_cancelled_upload_leaves_no_staged_object()
    {
        var prefix = Prefix();
        using var cancel = new CancellationTokenSource();
        var stager = new S3Stager(_f.Settings(prefix), _f.Source(_f.Moto.Admin), MotoServerFixture.Region);
        var parts = new StagedParts(stager, workers: 2, partBytes: 16 * 1024, cancel.Token);
        var random = new Random(5);
        var failed = false;
        try
        {
            for (var i = 1; i <= 200_000; i++)
            {
                parts.AddRow(new object[] { i, random.NextInt64().ToString("x16", System.Globalization.CultureInfo.InvariantCulture) }, i);
                if (i == 60_000)
                {
                    cancel.Cancel();
                }
            }
        }
        catch (OperationCanceledException)
        {
            failed = true;
        }

        Assert.True(failed, "cancelling must stop the writer");
        await parts.DisposeAsync();
        await stager.CleanUpAsync();
        await stager.DisposeAsync();
        Assert.Empty(await _f.KeysAsync(prefix));
    }

    [Fact]
    public async Task A_failed_copy_rolls_back_and_deletes_every_staged_object()
    {
        // Plain PostgreSQL has no COPY FROM 's3://...': the COPY fails after the parts and the
        // manifest are uploaded, which is the failure path a bad row takes on Redshift.
        var table = LoadingFixture.Unique("stagedfail");
        _f.Db.Execute($"create table {table} (id integer, name varchar(50))");
        _f.Db.Execute($"insert into {table} values (0, 'before')");
        var prefix = Prefix();
        var options = new TableLoadOptions { Table = TableName.Parse(table), Method = LoadMethod.Staged, Staging = _f.Settings(prefix), PartBytes = 32 * 1024, Truncate = true };

        var e = Assert.Throws<IamraException>(() => _f.Db.Load(options, new[] { "id", "name" }, Enumerable.Range(1, 20_000).Select(i => new object?[] { i, "name " + i }), _f.Source(_f.Moto.Admin)));

        Assert.Equal(ErrorIds.Loading.LoadFailed, e.ErrorId);
        Assert.Contains("COPY into", e.Message, StringComparison.Ordinal);
        Assert.Equal(1, _f.Db.Count(table));
        Assert.Empty(await _f.KeysAsync(prefix));
    }

    [Fact]
    public void Auto_stays_direct_for_a_small_load_and_staged_needs_a_role()
    {
        var table = LoadingFixture.Unique("auto");
        _f.Db.Execute($"create table {table} (id integer)");
        var result = _f.Db.Load(new TableLoadOptions { Table = TableName.Parse(table), Staging = _f.Settings(Prefix()) }, new[] { "id" }, Enumerable.Range(1, 100).Select(i => new object?[] { i }), _f.Source(_f.Moto.Admin));
        Assert.Equal(LoadMethod.Direct, result.Method);

        var e = Assert.Throws<IamraException>(() => _f.Db.Load(new TableLoadOptions { Table = TableName.Parse(table), Method = LoadMethod.Staged }, new[] { "id" }, new[] { new object?[] { 1 } }));
        Assert.Equal(ErrorIds.Staging.NotConfigured, e.ErrorId);
        Assert.Equal(100, _f.Db.Count(table));
    }
}
