using RedshiftIamra.Aws;
using RedshiftIamra.RolesAnywhere;
using RedshiftIamra.Sandbox;
using RedshiftIamra.Tests.Sandbox;

namespace RedshiftIamra.Tests.RolesAnywhere;

/// <summary>
/// Answers the sandbox does not give by itself, scripted byte for byte (status, headers, body),
/// to pin down how the real client reads them.
/// </summary>
public sealed class RolesAnywhereScriptedAnswerTests
{
    private static async Task<(SandboxHost Sandbox, RolesAnywhereClient Client)> ScriptAsync(SandboxFault fault, int count = 1, int maxAttempts = 4)
    {
        var sandbox = await SandboxHost.StartAsync();
        sandbox.InjectFault("CreateSession", fault, count);
        return (sandbox, SandboxClients.Client(sandbox, SandboxClients.FastHttp(sandbox, maxAttempts)));
    }

    [Fact]
    public async Task Unknown_keys_are_ignored_and_the_first_credential_set_is_used()
    {
        const string body = """
            {"credentialSet":[
              {"credentials":{"accessKeyId":"ASIAFIRST","secretAccessKey":"s1","sessionToken":"t1","expiration":"2030-01-02T03:04:05Z","future":1},
               "assumedRoleUser":{"arn":"arn:aws:sts::123456789012:assumed-role/r/s","assumedRoleId":"AROAX:s"},
               "roleArn":"arn:aws:iam::123456789012:role/r","sourceIdentity":"CN=x","packedPolicySize":7,"newField":{"a":[1,2]}},
              {"credentials":{"accessKeyId":"ASIASECOND","secretAccessKey":"s2","sessionToken":"t2","expiration":"2030-01-02T03:04:05Z"}}],
             "subjectArn":"arn:aws:rolesanywhere:us-east-1:123456789012:subject/1","enrolledAt":"whenever"}
            """;
        var (sandbox, client) = await ScriptAsync(SandboxFault.Scripted(201, body));
        await using var _ = sandbox;

        var response = await SandboxClients.CreateAsync(client, SandboxClients.Request(sandbox));

        Assert.Equal("ASIAFIRST", response.CredentialSet.Credentials.AccessKeyId);
        Assert.Equal(new DateTimeOffset(2030, 1, 2, 3, 4, 5, TimeSpan.Zero), response.CredentialSet.Credentials.Expiration);
        Assert.Equal(7, response.CredentialSet.PackedPolicySize);
        Assert.Equal("AROAX:s", response.CredentialSet.AssumedRoleId);
        Assert.Equal("arn:aws:rolesanywhere:us-east-1:123456789012:subject/1", response.SubjectArn);
        Assert.Equal(sandbox.GetAuditEvents()[0].RequestId, response.RequestId);
    }

    [Fact]
    public async Task The_error_code_is_read_from_a_namespaced___type_when_the_header_is_absent()
    {
        var (sandbox, client) = await ScriptAsync(SandboxFault.Scripted(403, """{"__type":"com.amazonaws.rolesanywhere#AccessDeniedException:http://internal/","message":"Untrusted Signing Certificate"}"""));
        await using var _ = sandbox;

        var e = await SandboxClients.FailsAsync(client, SandboxClients.Request(sandbox));

        Assert.Equal(ErrorIds.Session.UntrustedCertificate, e.ErrorId);
        var inner = Assert.IsType<AwsServiceException>(e.InnerException);
        Assert.Equal("AccessDeniedException", inner.Error.Code);
    }

    [Fact]
    public async Task A_capitalised_Message_and_a_header_code_with_details_are_understood()
    {
        var (sandbox, client) = await ScriptAsync(SandboxFault.Scripted(404, """{"Message":"Profile not found"}""", [new("x-amzn-ErrorType", "ResourceNotFoundException:http://internal.amazon.com/coral/")]));
        await using var _ = sandbox;

        var e = await SandboxClients.FailsAsync(client, SandboxClients.Request(sandbox));

        Assert.Equal(ErrorIds.Session.ResourceNotFound, e.ErrorId);
        Assert.Contains("Profile not found", e.Message);
    }

    [Fact]
    public async Task A_validation_message_about_the_roleSessionName_is_not_a_role_refusal()
    {
        var (sandbox, client) = await ScriptAsync(SandboxFault.Scripted(400, """{"message":"Invalid roleSessionName for profile arn:aws:rolesanywhere:us-east-1:123456789012:profile/x"}""", [new("x-amzn-ErrorType", "ValidationException")]));
        await using var _ = sandbox;

        var e = await SandboxClients.FailsAsync(client, SandboxClients.Request(sandbox));

        Assert.Equal(ErrorIds.Session.ValidationFailed, e.ErrorId);
    }

    [Fact]
    public async Task A_403_without_a_code_or_JSON_is_access_denied_with_the_text_shown()
    {
        var (sandbox, client) = await ScriptAsync(SandboxFault.Scripted(403, "Forbidden by policy", contentType: "text/plain", omitStandardHeaders: true));
        await using var _ = sandbox;

        var e = await SandboxClients.FailsAsync(client, SandboxClients.Request(sandbox));

        Assert.Equal(ErrorIds.Session.AccessDenied, e.ErrorId);
        Assert.Contains("Forbidden by policy", e.Message);
        var inner = Assert.IsType<AwsServiceException>(e.InnerException);
        Assert.Null(inner.Error.RequestId);
    }

    [Fact]
    public async Task A_502_HTML_page_from_a_proxy_is_retried_as_a_server_error()
    {
        var (sandbox, client) = await ScriptAsync(SandboxFault.Scripted(502, "<html>Bad Gateway</html>", contentType: "text/html"), count: 2);
        await using var _ = sandbox;

        await SandboxClients.CreateAsync(client, SandboxClients.Request(sandbox));

        Assert.Equal(["Scripted", "Scripted", "Success"], sandbox.GetAuditEvents().Select(e => e.Outcome));
    }

    [Fact]
    public async Task A_429_without_a_code_is_throttling()
    {
        var (sandbox, client) = await ScriptAsync(SandboxFault.Scripted(429, string.Empty, contentType: null), count: 10, maxAttempts: 2);
        await using var _ = sandbox;

        var e = await SandboxClients.FailsAsync(client, SandboxClients.Request(sandbox));

        Assert.Equal(ErrorIds.Aws.Throttled, e.ErrorId);
        Assert.Equal(2, sandbox.CountCalls("CreateSession"));
    }

    [Fact]
    public async Task A_200_success_is_accepted_like_201()
    {
        var (sandbox, client) = await ScriptAsync(SandboxFault.Scripted(200, """{"credentialSet":[{"credentials":{"accessKeyId":"ASIA200","secretAccessKey":"s","sessionToken":"t","expiration":"2030-01-01T00:00:00Z"}}]}"""));
        await using var _ = sandbox;

        var response = await SandboxClients.CreateAsync(client, SandboxClients.Request(sandbox));

        Assert.Equal("ASIA200", response.CredentialSet.Credentials.AccessKeyId);
        Assert.Null(response.SubjectArn);
    }
}
