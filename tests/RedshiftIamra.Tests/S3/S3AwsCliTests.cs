using System.Security.Cryptography;
using System.Text.Json;

namespace RedshiftIamra.Tests.S3;

/// <summary>
/// The AWS CLI (botocore: SigV4, its default checksums, multipart above 8 MiB) against the
/// sandbox's S3 and against moto_server's S3 as an independent peer: the same commands give the
/// same results and the same error codes.
/// </summary>
public sealed class S3AwsCliTests : IClassFixture<S3PeersFixture>, IDisposable
{
    private readonly S3PeersFixture _peers;
    private readonly string _directory = Directory.CreateTempSubdirectory("s3-cli-").FullName;

    public S3AwsCliTests(S3PeersFixture peers) => _peers = peers;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private IEnumerable<(string Name, AwsCli Cli)> Peers() => [("sandbox", _peers.SandboxCli), ("moto", _peers.MotoCli)];

    private static async Task<string> BucketAsync(AwsCli cli, string name)
    {
        var result = await cli.RunAsync("s3api", "create-bucket", "--bucket", name);
        Assert.True(result.ExitCode == 0 || result.Error.Contains("BucketAlreadyOwnedByYou", StringComparison.Ordinal), result.ToString());
        return name;
    }

    private string File(string name, int size, int seed)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        var path = Path.Combine(_directory, name);
        System.IO.File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public async Task CpLsRmGiveTheSameResultsAsMotoForSmallAndMultipartFiles()
    {
        var small = File("small.csv", 1000, 1);
        var large = File("large.bin", 12 * 1024 * 1024 + 17, 2); // above the CLI's 8 MiB multipart threshold
        var listings = new Dictionary<string, string>();
        foreach (var (name, cli) in Peers())
        {
            var bucket = await BucketAsync(cli, "cli-roundtrip");
            await cli.OkAsync("s3", "cp", small, $"s3://{bucket}/in/small.csv");
            await cli.OkAsync("s3", "cp", large, $"s3://{bucket}/in/deep/large.bin");
            var listing = await cli.OkAsync("s3", "ls", $"s3://{bucket}/in/", "--recursive");
            listings[name] = string.Join('\n', listing.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => string.Join(' ', l.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(2))));
            var top = await cli.OkAsync("s3", "ls", $"s3://{bucket}/in/");
            Assert.Contains("PRE deep/", top, StringComparison.Ordinal);

            var back = Path.Combine(_directory, name + "-large.bin");
            await cli.OkAsync("s3", "cp", $"s3://{bucket}/in/deep/large.bin", back);
            Assert.Equal(SHA256.HashData(System.IO.File.ReadAllBytes(large)), SHA256.HashData(System.IO.File.ReadAllBytes(back)));

            var head = JsonDocument.Parse(await cli.OkAsync("s3api", "head-object", "--bucket", bucket, "--key", "in/deep/large.bin")).RootElement;
            Assert.Equal(12 * 1024 * 1024 + 17, head.GetProperty("ContentLength").GetInt64());
            Assert.EndsWith("-2\"", head.GetProperty("ETag").GetString(), StringComparison.Ordinal); // two parts of 8 MiB + rest

            await cli.OkAsync("s3", "rm", $"s3://{bucket}/in/", "--recursive");
            var empty = await cli.RunAsync("s3", "ls", $"s3://{bucket}/in/", "--recursive");
            Assert.True(empty.ExitCode == 1 && empty.Output.Trim().Length == 0, empty.ToString()); // "aws s3 ls" exits 1 when nothing matches
        }

        Assert.Equal("1000 in/small.csv\n12582929 in/deep/large.bin".Split('\n').Order(), listings["sandbox"].Split('\n').Order());
        Assert.Equal(listings["moto"], listings["sandbox"]);
    }

    [Fact]
    public async Task ListObjectsV2WithPrefixDelimiterAndPagesMatchesMoto()
    {
        var results = new Dictionary<string, (string Delimited, string Paged)>();
        var body = File("row.csv", 10, 3);
        foreach (var (name, cli) in Peers())
        {
            // (moto fails the signature of a key with '+'; the sandbox takes it, as S3 does.)
            var bucket = await BucketAsync(cli, "cli-listing");
            foreach (var key in new[] { "p/a.csv", "p/b.csv", "p/sub/c.csv", "p/sub/d.csv", "p/sub2/e.csv", "q/f.csv", "p/ü space.csv" })
            {
                await cli.OkAsync("s3api", "put-object", "--bucket", bucket, "--key", key, "--body", body);
            }

            var delimited = JsonDocument.Parse(await cli.OkAsync("s3api", "list-objects-v2", "--bucket", bucket, "--prefix", "p/", "--delimiter", "/")).RootElement;
            var keys = delimited.GetProperty("Contents").EnumerateArray().Select(c => c.GetProperty("Key").GetString() + ":" + c.GetProperty("Size").GetInt64());
            var prefixes = delimited.GetProperty("CommonPrefixes").EnumerateArray().Select(c => c.GetProperty("Prefix").GetString());
            var paged = JsonDocument.Parse(await cli.OkAsync("s3api", "list-objects-v2", "--bucket", bucket, "--page-size", "2")).RootElement;
            var all = paged.GetProperty("Contents").EnumerateArray().Select(c => c.GetProperty("Key").GetString());
            results[name] = (string.Join(",", keys) + "|" + string.Join(",", prefixes), string.Join(",", all));
        }

        Assert.Equal("p/a.csv:10,p/b.csv:10,p/ü space.csv:10|p/sub/,p/sub2/", results["sandbox"].Delimited);
        Assert.Equal(results["moto"], results["sandbox"]);
    }

    [Fact]
    public async Task RangeGetDeleteObjectsAndEncryptionHeadersMatchMoto()
    {
        var source = File("digits.txt", 0, 0);
        System.IO.File.WriteAllText(source, "0123456789");
        var seen = new Dictionary<string, string>();
        foreach (var (name, cli) in Peers())
        {
            var bucket = await BucketAsync(cli, "cli-misc");
            var put = JsonDocument.Parse(await cli.OkAsync("s3api", "put-object", "--bucket", bucket, "--key", "kms.txt", "--body", source,
                "--server-side-encryption", "aws:kms", "--ssekms-key-id", "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab")).RootElement;
            Assert.Equal("aws:kms", put.GetProperty("ServerSideEncryption").GetString());
            Assert.Equal("arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab", put.GetProperty("SSEKMSKeyId").GetString());
            var head = JsonDocument.Parse(await cli.OkAsync("s3api", "head-object", "--bucket", bucket, "--key", "kms.txt")).RootElement;
            Assert.Equal("aws:kms", head.GetProperty("ServerSideEncryption").GetString());

            var part = Path.Combine(_directory, name + "-range.txt");
            var range = JsonDocument.Parse(await cli.OkAsync("s3api", "get-object", "--bucket", bucket, "--key", "kms.txt", "--range", "bytes=2-5", part)).RootElement;
            Assert.Equal("bytes 2-5/10", range.GetProperty("ContentRange").GetString());
            Assert.Equal("2345", System.IO.File.ReadAllText(part));
            var tail = Path.Combine(_directory, name + "-tail.txt");
            await cli.OkAsync("s3api", "get-object", "--bucket", bucket, "--key", "kms.txt", "--range", "bytes=-3", tail);
            Assert.Equal("789", System.IO.File.ReadAllText(tail));

            await cli.OkAsync("s3api", "put-object", "--bucket", bucket, "--key", "a", "--body", source);
            await cli.OkAsync("s3api", "put-object", "--bucket", bucket, "--key", "b", "--body", source);
            var deleted = JsonDocument.Parse(await cli.OkAsync("s3api", "delete-objects", "--bucket", bucket, "--delete", """{"Objects":[{"Key":"a"},{"Key":"b"},{"Key":"never-was"}]}""")).RootElement;
            var listing = await cli.OkAsync("s3api", "list-objects-v2", "--bucket", bucket, "--query", "Contents[].Key", "--output", "text");
            seen[name] = string.Join(",", deleted.GetProperty("Deleted").EnumerateArray().Select(d => d.GetProperty("Key").GetString()).Order()) + "|" + listing.Trim();
        }

        Assert.Equal("a,b,never-was|kms.txt", seen["sandbox"]);
        Assert.Equal(seen["moto"], seen["sandbox"]);
    }

    [Fact]
    public async Task ErrorCodesMatchMoto()
    {
        var codes = new Dictionary<string, string>();
        foreach (var (name, cli) in Peers())
        {
            var bucket = await BucketAsync(cli, "cli-errors");
            var noKey = await cli.RunAsync("s3api", "get-object", "--bucket", bucket, "--key", "missing.csv", Path.Combine(_directory, "x"));
            var noBucket = await cli.RunAsync("s3api", "list-objects-v2", "--bucket", "no-such-bucket-here");
            var headMissing = await cli.RunAsync("s3api", "head-object", "--bucket", bucket, "--key", "missing.csv");
            var badUpload = await cli.RunAsync("s3api", "complete-multipart-upload", "--bucket", bucket, "--key", "k", "--upload-id", "nope",
                "--multipart-upload", """{"Parts":[{"PartNumber":1,"ETag":"\"x\""}]}""");
            codes[name] = string.Join(",", Code(noKey), Code(noBucket), headMissing.Error.Contains("404", StringComparison.Ordinal) ? "404" : headMissing.ToString());
            if (name == "sandbox")
            {
                // moto answers 500 here; S3's API reference says NoSuchUpload (404).
                Assert.Equal("NoSuchUpload", Code(badUpload));
            }
        }

        Assert.Equal("NoSuchKey,NoSuchBucket,404", codes["sandbox"]);
        Assert.Equal(codes["moto"], codes["sandbox"]);
    }

    [Fact]
    public async Task TheStagingBucketRefusesOtherRolesAndBadSignatures()
    {
        var bucket = _peers.Sandbox.StagingBucket;
        var file = File("denied.csv", 5, 4);
        var denied = await _peers.OtherCli.RunAsync("s3", "cp", file, $"s3://{bucket}/denied.csv");
        Assert.Contains("AccessDenied", denied.Error, StringComparison.Ordinal);
        var deniedList = await _peers.OtherCli.RunAsync("s3api", "list-objects-v2", "--bucket", bucket);
        Assert.Contains("AccessDenied", deniedList.Error, StringComparison.Ordinal);

        await _peers.SandboxCli.OkAsync("s3", "cp", file, $"s3://{bucket}/allowed.csv");
        var wrongSecret = new AwsCli(_peers.Sandbox.S3Endpoint, new RedshiftIamra.Aws.AwsCredentials(_peers.Allowed.AccessKeyId, "x" + _peers.Allowed.SecretAccessKey[1..], _peers.Allowed.SessionToken, null), _peers.Sandbox.TlsCaBundlePath);
        Assert.Contains("SignatureDoesNotMatch", (await wrongSecret.RunAsync("s3api", "head-bucket", "--bucket", bucket)).Error + (await wrongSecret.RunAsync("s3", "ls", $"s3://{bucket}/")).Error, StringComparison.Ordinal);
        var unknownKey = new AwsCli(_peers.Sandbox.S3Endpoint, new RedshiftIamra.Aws.AwsCredentials("ASIAUNKNOWNKEY00000", _peers.Allowed.SecretAccessKey, _peers.Allowed.SessionToken, null), _peers.Sandbox.TlsCaBundlePath);
        Assert.Contains("InvalidAccessKeyId", (await unknownKey.RunAsync("s3", "ls", $"s3://{bucket}/")).Error, StringComparison.Ordinal);
        Assert.Contains(_peers.Sandbox.StagingBucket, await _peers.SandboxCli.OkAsync("s3", "ls"), StringComparison.Ordinal);
    }

    private static string Code(CliResult result)
    {
        var open = result.Error.IndexOf('(', StringComparison.Ordinal);
        var close = result.Error.IndexOf(')', open + 1);
        return result.ExitCode != 0 && open >= 0 && close > open ? result.Error[(open + 1)..close] : result.ToString();
    }
}
