using System.Diagnostics;
using RedshiftIamra.Aws;
using RedshiftIamra.RolesAnywhere;
using RedshiftIamra.Sandbox;
using RedshiftIamra.Tests.Sandbox;

namespace RedshiftIamra.Tests.RolesAnywhere;

/// <summary>
/// Retries, timeouts, resets, malformed answers and clock skew, played by the sandbox's fault
/// injection against the real client. Each test has its own sandbox, so call counts are its own.
/// </summary>
public sealed class RolesAnywhereSandboxRetryTests
{
    [Theory]
    [InlineData(429)]
    [InlineData(400)]
    public async Task Two_throttles_then_success_succeeds_on_the_third_attempt(int status)
    {
        await using var sandbox = await SandboxHost.StartAsync();
        sandbox.InjectFault("CreateSession", SandboxFault.Throttle(status), count: 2);

        var response = await SandboxClients.CreateAsync(SandboxClients.Client(sandbox), SandboxClients.Request(sandbox));

        var events = sandbox.Audit.Find("CreateSession");
        Assert.Equal(3, events.Count);
        Assert.Equal(["ThrottlingException", "ThrottlingException", "Success"], events.Select(e => e.Outcome));
        Assert.Equal([status, status, 201], events.Select(e => e.HttpStatus));
        Assert.Equal([1L, 2L, 3L], events.Select(e => e.CallNumber));
        Assert.Equal(response.CredentialSet.Credentials.AccessKeyId, events[2].AccessKeyId);
        Assert.Equal(response.RequestId, events[2].RequestId);
    }

    [Fact]
    public async Task Persistent_throttling_ends_in_IamraThrottled_after_MaxAttempts()
    {
        await using var sandbox = await SandboxHost.StartAsync();
        sandbox.Faults.Always("CreateSession", SandboxFault.Throttle());

        var e = await SandboxClients.FailsAsync(SandboxClients.Client(sandbox, SandboxClients.FastHttp(sandbox, maxAttempts: 3)), SandboxClients.Request(sandbox));

        Assert.Equal(ErrorIds.Aws.Throttled, e.ErrorId);
        Assert.Contains("after 3 attempts", e.Message);
        Assert.Equal(3, sandbox.CountCalls("CreateSession", "ThrottlingException"));
    }

    [Theory]
    [InlineData(503)]
    [InlineData(500)]
    public async Task A_persistent_server_error_ends_in_IamraServiceUnavailable_after_MaxAttempts(int status)
    {
        await using var sandbox = await SandboxHost.StartAsync();
        sandbox.Faults.Always("CreateSession", status == 503 ? SandboxFault.ServiceUnavailable() : SandboxFault.InternalError());

        var e = await SandboxClients.FailsAsync(SandboxClients.Client(sandbox, SandboxClients.FastHttp(sandbox, maxAttempts: 4)), SandboxClients.Request(sandbox));

        Assert.Equal(ErrorIds.Aws.ServiceUnavailable, e.ErrorId);
        Assert.Equal(4, sandbox.CountCalls("CreateSession"));
        Assert.All(sandbox.GetAuditEvents(), a => Assert.Equal(status, a.HttpStatus));
    }

    [Fact]
    public async Task Calls_K_to_M_fail_and_the_others_succeed()
    {
        await using var sandbox = await SandboxHost.StartAsync();
        sandbox.Faults.ForCalls("CreateSession", 2, 3, SandboxFault.ServiceUnavailable());
        var client = SandboxClients.Client(sandbox);

        await SandboxClients.CreateAsync(client, SandboxClients.Request(sandbox)); // call 1
        await SandboxClients.CreateAsync(client, SandboxClients.Request(sandbox)); // calls 2, 3 fail; 4 succeeds

        Assert.Equal(["Success", "ServiceUnavailableException", "ServiceUnavailableException", "Success"], sandbox.GetAuditEvents().Select(e => e.Outcome));
    }

    [Fact]
    public async Task A_delay_longer_than_the_attempt_timeout_ends_in_IamraTimeout()
    {
        await using var sandbox = await SandboxHost.StartAsync();
        sandbox.Faults.Always("CreateSession", SandboxFault.DelayBy(TimeSpan.FromSeconds(5)));
        var http = SandboxClients.FastHttp(sandbox, maxAttempts: 2, attemptTimeout: TimeSpan.FromMilliseconds(300));
        var stopwatch = Stopwatch.StartNew();

        var e = await SandboxClients.FailsAsync(SandboxClients.Client(sandbox, http), SandboxClients.Request(sandbox));

        Assert.Equal(ErrorIds.Aws.Timeout, e.ErrorId);
        Assert.InRange(stopwatch.Elapsed, TimeSpan.FromMilliseconds(550), TimeSpan.FromSeconds(4));
    }

    [Fact]
    public async Task A_delay_shorter_than_the_attempt_timeout_only_slows_the_answer()
    {
        await using var sandbox = await SandboxHost.StartAsync();
        sandbox.InjectFault("CreateSession", SandboxFault.DelayBy(TimeSpan.FromMilliseconds(400)));
        var stopwatch = Stopwatch.StartNew();

        await SandboxClients.CreateAsync(SandboxClients.Client(sandbox), SandboxClients.Request(sandbox));

        Assert.True(stopwatch.Elapsed >= TimeSpan.FromMilliseconds(390), $"answered after {stopwatch.ElapsedMilliseconds} ms");
        Assert.Equal(1, sandbox.CountCalls("CreateSession", "Success"));
    }

    [Fact]
    public async Task A_session_issued_whose_answer_is_lost_is_retried_and_the_retry_gets_its_own()
    {
        await using var sandbox = await SandboxHost.StartAsync();
        sandbox.InjectFault("CreateSession", SandboxFault.DelayAnswerBy(TimeSpan.FromSeconds(10)));
        var http = SandboxClients.FastHttp(sandbox, maxAttempts: 2, attemptTimeout: TimeSpan.FromMilliseconds(500));

        var session = await SandboxClients.CreateAsync(SandboxClients.Client(sandbox, http), SandboxClients.Request(sandbox));

        // The first call was handled (the audit says so) but never answered in time; the retry's answer is the one used.
        var events = sandbox.GetAuditEvents();
        Assert.Equal(["Success", "Success"], events.Select(e => e.Outcome));
        Assert.Equal("DelayAnswer(10000ms)", events[0].Fault);
        Assert.Equal(events[1].AccessKeyId, session.CredentialSet.Credentials.AccessKeyId);
        Assert.NotEqual(events[0].AccessKeyId, session.CredentialSet.Credentials.AccessKeyId);
    }

    [Fact]
    public async Task A_reset_connection_is_retried()
    {
        await using var sandbox = await SandboxHost.StartAsync();
        sandbox.InjectFault("CreateSession", SandboxFault.Reset());

        await SandboxClients.CreateAsync(SandboxClients.Client(sandbox), SandboxClients.Request(sandbox));

        Assert.Equal(["ConnectionReset", "Success"], sandbox.GetAuditEvents().Select(e => e.Outcome));
    }

    [Fact]
    public async Task Connections_reset_every_time_end_in_IamraEndpointUnreachable()
    {
        await using var sandbox = await SandboxHost.StartAsync();
        sandbox.Faults.Always("CreateSession", SandboxFault.Reset());

        var e = await SandboxClients.FailsAsync(SandboxClients.Client(sandbox, SandboxClients.FastHttp(sandbox, maxAttempts: 2)), SandboxClients.Request(sandbox));

        Assert.Equal(ErrorIds.Aws.EndpointUnreachable, e.ErrorId);
        Assert.True(sandbox.CountCalls("CreateSession", "ConnectionReset") >= 2);
    }

    [Theory]
    [InlineData(SandboxMalformedBody.TruncatedJson)]
    [InlineData(SandboxMalformedBody.WrongTypes)]
    [InlineData(SandboxMalformedBody.EmptyCredentialSet)]
    [InlineData(SandboxMalformedBody.MissingFields)]
    [InlineData(SandboxMalformedBody.NotJson)]
    [InlineData(SandboxMalformedBody.EmptyBody)]
    [InlineData(SandboxMalformedBody.BadExpiration)]
    public async Task A_malformed_success_body_is_IamraInvalidResponse_and_not_retried(SandboxMalformedBody kind)
    {
        await using var sandbox = await SandboxHost.StartAsync();
        sandbox.InjectFault("CreateSession", SandboxFault.MalformedBody(kind));

        var e = await SandboxClients.FailsAsync(SandboxClients.Client(sandbox), SandboxClients.Request(sandbox));

        Assert.Equal(ErrorIds.Aws.InvalidResponse, e.ErrorId);
        var audit = Assert.Single(sandbox.GetAuditEvents());
        Assert.Equal("MalformedResponse", audit.Outcome);
        Assert.Equal(0, sandbox.Credentials.Count);
    }

    [Theory]
    [InlineData(20)]
    [InlineData(-20)]
    public async Task A_server_clock_20_minutes_off_is_corrected_once_and_the_call_succeeds(int minutes)
    {
        await using var sandbox = await SandboxHost.StartAsync(new SandboxOptions { ClockOffset = TimeSpan.FromMinutes(minutes) });

        var response = await SandboxClients.CreateAsync(SandboxClients.Client(sandbox), SandboxClients.Request(sandbox));

        var events = sandbox.Audit.Find("CreateSession");
        Assert.Equal(["AccessDeniedException", "Success"], events.Select(e => e.Outcome));
        Assert.StartsWith("Signature expired:", events[0].ErrorMessage);
        Assert.Contains(minutes > 0 ? "is now earlier than" : "is now later than", events[0].ErrorMessage);

        // The credentials expire by the server's clock.
        var expected = DateTimeOffset.UtcNow.AddMinutes(minutes).AddSeconds(3600);
        Assert.InRange(response.CredentialSet.Credentials.Expiration!.Value, expected.AddSeconds(-10), expected.AddSeconds(10));
    }

    [Fact]
    public async Task A_clock_correction_is_undone_when_the_server_clock_is_fixed()
    {
        await using var sandbox = await SandboxHost.StartAsync(new SandboxOptions { ClockOffset = TimeSpan.FromMinutes(20) });
        var client = SandboxClients.Client(sandbox);
        await SandboxClients.CreateAsync(client, SandboxClients.Request(sandbox)); // learns the 20 minutes

        sandbox.ClockOffset = TimeSpan.Zero; // the server's clock is fixed (NTP)
        await SandboxClients.CreateAsync(client, SandboxClients.Request(sandbox));

        Assert.Equal(["AccessDeniedException", "Success", "AccessDeniedException", "Success"], sandbox.Audit.Find("CreateSession").Select(e => e.Outcome));
        await SandboxClients.CreateAsync(client, SandboxClients.Request(sandbox));
        Assert.Equal("Success", sandbox.GetAuditEvents()[^1].Outcome);
        Assert.Equal(5, sandbox.CountCalls("CreateSession"));
    }
}
