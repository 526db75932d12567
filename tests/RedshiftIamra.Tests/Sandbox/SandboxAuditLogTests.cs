using System.Text.Json;
using System.Text.RegularExpressions;
using RedshiftIamra.Aws;
using RedshiftIamra.Sandbox;

namespace RedshiftIamra.Tests.Sandbox;

/// <summary>The audit log: valid CloudTrail-like JSON lines, counts, and never a secret.</summary>
public sealed class SandboxAuditLogTests
{
    [Fact]
    public async Task Lines_are_JSON_events_that_match_memory_and_hold_no_secret_key_token_or_signature()
    {
        await using var sandbox = await SandboxHost.StartAsync();
        var log = new CapturingLog();
        var client = SandboxClients.Client(sandbox);
        var responses = new List<RedshiftIamra.RolesAnywhere.CreateSessionResponse>();
        for (var i = 0; i < 3; i++)
        {
            responses.Add(await client.CreateSessionAsync(SandboxClients.Request(sandbox, roleSessionName: $"audit-{i}"), log, CancellationToken.None));
        }

        sandbox.InjectFault("CreateSession", SandboxFault.Throttle());
        responses.Add(await client.CreateSessionAsync(SandboxClients.Request(sandbox), log, CancellationToken.None));
        await Assert.ThrowsAsync<IamraException>(() => client.CreateSessionAsync(SandboxClients.Request(sandbox) with { RoleArn = sandbox.AddRole("other") }, log, CancellationToken.None));
        await RawHttps.SendAsync(sandbox, "NONSENSE\r\n\r\n");

        var lines = File.ReadAllLines(sandbox.AuditLogPath);
        Assert.Equal(sandbox.GetAuditEvents().Count, lines.Length);
        Assert.Equal(7, lines.Length); // 3 + throttle + success + role refused + rejected HTTP
        foreach (var (line, inMemory) in lines.Zip(sandbox.GetAuditEvents()))
        {
            using var json = JsonDocument.Parse(line);
            var root = json.RootElement;
            Assert.Equal(inMemory.RequestId, root.GetProperty("requestId").GetString());
            Assert.Equal(inMemory.Outcome, root.GetProperty("outcome").GetString());
            Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$", root.GetProperty("eventTime").GetString());
            Assert.Equal(SandboxAuditLog.ToJson(inMemory), line);
        }

        using (var success = JsonDocument.Parse(lines[0]))
        {
            var e = success.RootElement;
            Assert.Equal("rolesanywhere.amazonaws.com", e.GetProperty("eventSource").GetString());
            Assert.Equal("CreateSession", e.GetProperty("eventName").GetString());
            Assert.Equal("Success", e.GetProperty("outcome").GetString());
            Assert.Equal("127.0.0.1", e.GetProperty("sourceIPAddress").GetString());
            Assert.Equal(sandbox.ClientCertificate.Subject, e.GetProperty("subject").GetString());
            Assert.Equal(sandbox.ClientCertificate.SerialNumberDecimal, e.GetProperty("serialNumber").GetString());
            Assert.Equal(sandbox.TrustAnchorArn, e.GetProperty("trustAnchorArn").GetString());
            Assert.Equal(sandbox.ProfileArn, e.GetProperty("profileArn").GetString());
            Assert.Equal(sandbox.RoleArn, e.GetProperty("roleArn").GetString());
            Assert.Equal("audit-0", e.GetProperty("roleSessionName").GetString());
            Assert.Equal(responses[0].CredentialSet.Credentials.AccessKeyId, e.GetProperty("accessKeyId").GetString());
            Assert.StartsWith("RedshiftIamra/", e.GetProperty("userAgent").GetString());
        }

        var counts = sandbox.Audit.CountByOutcome();
        Assert.Equal(4, counts["CreateSession"]["Success"]);
        Assert.Equal(1, counts["CreateSession"]["ThrottlingException"]);
        Assert.Equal(1, counts["CreateSession"]["AccessDeniedException"]);
        Assert.Equal(1, counts["HttpRequestRejected"]["Http400"]);
        Assert.Equal(6, sandbox.CountCalls("CreateSession"));

        // No issued secret, token or signature anywhere in the file.
        var text = File.ReadAllText(sandbox.AuditLogPath);
        var signatures = log.Signatures();
        Assert.True(signatures.Count >= 5, $"captured {signatures.Count} signatures"); // the engine logs the first attempt of each call
        var secrets = sandbox.Credentials.All.SelectMany(c => new[] { c.SecretAccessKey, c.SessionToken }).Concat(signatures).ToList();
        Assert.Equal(4 * 2 + signatures.Count, secrets.Count);
        Assert.All(secrets, secret => Assert.DoesNotContain(secret, text, StringComparison.Ordinal));
        Assert.DoesNotContain("PRIVATE KEY", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Signature=", text, StringComparison.Ordinal);
    }

    [Fact]
    public void ToJson_leaves_out_absent_values_and_escapes_text()
    {
        var json = SandboxAuditLog.ToJson(new SandboxAuditEvent
        {
            EventTime = new DateTimeOffset(2026, 11, 26, 20, 0, 0, 123, TimeSpan.Zero),
            EventSource = "rolesanywhere.amazonaws.com",
            EventName = "CreateSession",
            RequestId = "r-1",
            Outcome = "AccessDeniedException",
            HttpStatus = 403,
            ErrorMessage = "quote \" and newline \n",
        });

        Assert.Equal("""{"eventTime":"2026-11-26T20:00:00.123Z","eventSource":"rolesanywhere.amazonaws.com","eventName":"CreateSession","requestId":"r-1","outcome":"AccessDeniedException","httpStatus":403,"callNumber":0,"errorMessage":"quote \u0022 and newline \n"}""", json);
    }

    [Fact]
    public void ToJson_writes_an_S3_events_bucket_key_and_requested_encryption()
    {
        var json = SandboxAuditLog.ToJson(new SandboxAuditEvent
        {
            EventTime = new DateTimeOffset(2026, 12, 5, 16, 0, 0, TimeSpan.Zero),
            EventSource = "s3.amazonaws.com",
            EventName = "PutObject",
            RequestId = "r-2",
            Outcome = "Success",
            HttpStatus = 200,
            BucketName = "staging",
            Key = "etl/run/part_0000.csv.gz",
            ServerSideEncryption = "aws:kms",
            KmsKeyId = "arn:aws:kms:us-east-1:123456789012:key/k",
        });

        Assert.EndsWith(""","bucketName":"staging","key":"etl/run/part_0000.csv.gz","serverSideEncryption":"aws:kms","kmsKeyId":"arn:aws:kms:us-east-1:123456789012:key/k"}""", json, StringComparison.Ordinal);
    }

    /// <summary>Keeps the engine's debug text, which shows the Authorization header (signature included).</summary>
    private sealed class CapturingLog : IOperationLog
    {
        private readonly List<string> _lines = new();

        public void Verbose(string message) => Add(message);

        public void Debug(string message) => Add(message);

        public void Warning(string message) => Add(message);

        public List<string> Signatures()
        {
            lock (_lines)
            {
                return _lines.SelectMany(l => Regex.Matches(l, "Signature=([0-9a-f]{64,})").Select(m => m.Groups[1].Value)).Distinct().ToList();
            }
        }

        private void Add(string message)
        {
            lock (_lines)
            {
                _lines.Add(message);
            }
        }
    }
}
