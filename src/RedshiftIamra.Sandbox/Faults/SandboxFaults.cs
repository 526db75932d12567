using System.Collections.Concurrent;

namespace RedshiftIamra.Sandbox;

/// <summary>What an injected fault does.</summary>
public enum SandboxFaultKind
{
    /// <summary>Answer <c>ThrottlingException</c> ("Rate exceeded"), HTTP 429 or 400.</summary>
    Throttle,

    /// <summary>Answer HTTP 500 <c>InternalServerException</c>.</summary>
    InternalError,

    /// <summary>Answer HTTP 503 <c>ServiceUnavailableException</c>.</summary>
    ServiceUnavailable,

    /// <summary>Close the connection without answering.</summary>
    Reset,

    /// <summary>Wait before handling the call (combines with the other kinds).</summary>
    Delay,

    /// <summary>
    /// Handle the call, then wait before answering (combines with the other kinds): the service
    /// has done the work (an object is stored, a session issued) while the client has heard nothing.
    /// </summary>
    DelayAnswer,

    /// <summary>Handle the call, and when it succeeds answer a malformed body instead of the real one (no credentials are issued).</summary>
    MalformedBody,

    /// <summary>Handle the call with the server clock shifted (combines with the other kinds).</summary>
    ClockShift,

    /// <summary>Answer exactly the given status, headers and body.</summary>
    Scripted,

    /// <summary>Change the request before the service verifies it, as a meddling proxy would.</summary>
    TamperRequest,

    /// <summary>Answer that the session token expired (<c>ExpiredToken</c> in Query services, <c>ExpiredTokenException</c> in JSON ones), HTTP 403.</summary>
    ExpiredToken,

    /// <summary>Answer any service error (status, code, message) in the service's own protocol.</summary>
    ServiceError,
}

/// <summary>Malformed success bodies.</summary>
public enum SandboxMalformedBody
{
    /// <summary>The real JSON, cut in half.</summary>
    TruncatedJson,

    /// <summary>Numbers and booleans where strings belong.</summary>
    WrongTypes,

    /// <summary><c>"credentialSet": []</c>.</summary>
    EmptyCredentialSet,

    /// <summary>Credentials without secret and token.</summary>
    MissingFields,

    /// <summary>An HTML page.</summary>
    NotJson,

    /// <summary>No body at all.</summary>
    EmptyBody,

    /// <summary>An expiration that is not a time.</summary>
    BadExpiration,
}

/// <summary>How <see cref="SandboxFaultKind.TamperRequest"/> changes a request after it was signed.</summary>
public enum SandboxTamper
{
    /// <summary>Change one byte of the body.</summary>
    Body,

    /// <summary>Change a query parameter's value.</summary>
    Query,

    /// <summary>Change one digit of the signature.</summary>
    Signature,

    /// <summary>Change the value of the signed Content-Type header.</summary>
    ContentType,
}

/// <summary>One fault to play. Build with the static methods.</summary>
public sealed record SandboxFault
{
    public required SandboxFaultKind Kind { get; init; }

    public int StatusCode { get; init; }

    public string? ErrorCode { get; init; }

    public string? Message { get; init; }

    public TimeSpan Delay { get; init; }

    public TimeSpan ClockOffset { get; init; }

    public SandboxMalformedBody Malformed { get; init; }

    public SandboxTamper Tamper { get; init; }

    public string? Body { get; init; }

    public string? ContentType { get; init; }

    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = [];

    /// <summary>For <see cref="SandboxFaultKind.Scripted"/>: leave out <c>Date</c> and <c>x-amzn-RequestId</c>.</summary>
    public bool OmitStandardHeaders { get; init; }

    /// <summary>Throttling: <c>ThrottlingException</c> "Rate exceeded" with HTTP 429 (or 400, as some AWS services answer).</summary>
    public static SandboxFault Throttle(int statusCode = 429) =>
        new() { Kind = SandboxFaultKind.Throttle, StatusCode = statusCode, ErrorCode = "ThrottlingException", Message = "Rate exceeded" };

    public static SandboxFault InternalError() =>
        new() { Kind = SandboxFaultKind.InternalError, StatusCode = 500, ErrorCode = "InternalServerException", Message = "An internal error occurred. Try again later." };

    public static SandboxFault ServiceUnavailable() =>
        new() { Kind = SandboxFaultKind.ServiceUnavailable, StatusCode = 503, ErrorCode = "ServiceUnavailableException", Message = "The service is unavailable. Try again later." };

    public static SandboxFault Reset() => new() { Kind = SandboxFaultKind.Reset };

    /// <summary>The session token expired: <c>ExpiredToken</c> (Query) / <c>ExpiredTokenException</c> (JSON), HTTP 403, "The security token included in the request is expired".</summary>
    public static SandboxFault ExpiredToken() =>
        new() { Kind = SandboxFaultKind.ExpiredToken, StatusCode = 403, ErrorCode = "ExpiredTokenException", Message = "The security token included in the request is expired" };

    /// <summary>Any error, in the protocol of the service called (Query XML or JSON), e.g. <c>ServiceError(403, "AccessDenied", "...")</c>.</summary>
    public static SandboxFault ServiceError(int statusCode, string errorCode, string message) =>
        new() { Kind = SandboxFaultKind.ServiceError, StatusCode = statusCode, ErrorCode = errorCode, Message = message };

    public static SandboxFault DelayBy(TimeSpan delay) => new() { Kind = SandboxFaultKind.Delay, Delay = delay };

    /// <summary>Handles the call, then holds the answer for <paramref name="delay"/>.</summary>
    public static SandboxFault DelayAnswerBy(TimeSpan delay) => new() { Kind = SandboxFaultKind.DelayAnswer, Delay = delay };

    public static SandboxFault MalformedBody(SandboxMalformedBody body) => new() { Kind = SandboxFaultKind.MalformedBody, Malformed = body };

    public static SandboxFault ShiftClock(TimeSpan offset) => new() { Kind = SandboxFaultKind.ClockShift, ClockOffset = offset };

    public static SandboxFault TamperRequest(SandboxTamper tamper) => new() { Kind = SandboxFaultKind.TamperRequest, Tamper = tamper };

    /// <summary>Answers exactly <paramref name="statusCode"/>, <paramref name="body"/> and <paramref name="headers"/> (framing headers are added).</summary>
    public static SandboxFault Scripted(int statusCode, string body, IEnumerable<KeyValuePair<string, string>>? headers = null, string? contentType = "application/json", bool omitStandardHeaders = false) =>
        new()
        {
            Kind = SandboxFaultKind.Scripted,
            StatusCode = statusCode,
            Body = body,
            ContentType = contentType,
            Headers = headers?.ToList() ?? [],
            OmitStandardHeaders = omitStandardHeaders,
        };

    public override string ToString() => Kind switch
    {
        SandboxFaultKind.Throttle => $"Throttle({StatusCode})",
        SandboxFaultKind.Delay => $"Delay({Delay.TotalMilliseconds:0}ms)",
        SandboxFaultKind.DelayAnswer => $"DelayAnswer({Delay.TotalMilliseconds:0}ms)",
        SandboxFaultKind.ClockShift => $"ClockShift({ClockOffset})",
        SandboxFaultKind.MalformedBody => $"MalformedBody({Malformed})",
        SandboxFaultKind.TamperRequest => $"TamperRequest({Tamper})",
        SandboxFaultKind.Scripted => $"Scripted({StatusCode})",
        SandboxFaultKind.ServiceError => $"ServiceError({StatusCode} {ErrorCode})",
        _ => Kind.ToString(),
    };
}

/// <summary>A fault played on calls <see cref="FirstCall"/>..<see cref="LastCall"/> (1-based, counted per operation since the sandbox started).</summary>
public sealed class SandboxFaultRule
{
    private int _hits;

    internal SandboxFaultRule(string operation, long firstCall, long lastCall, SandboxFault fault)
    {
        Operation = operation;
        FirstCall = firstCall;
        LastCall = lastCall;
        Fault = fault;
    }

    /// <summary>The operation (<c>CreateSession</c>), <c>service:operation</c>, or <c>*</c> for every call.</summary>
    public string Operation { get; }

    public long FirstCall { get; }

    public long LastCall { get; }

    public SandboxFault Fault { get; }

    /// <summary>How many calls this rule has shaped.</summary>
    public int Hits => Volatile.Read(ref _hits);

    internal void Hit() => Interlocked.Increment(ref _hits);

    public override string ToString() => $"{Fault} on {Operation} calls {FirstCall}..{(LastCall == long.MaxValue ? "∞" : LastCall)}";
}

/// <summary>
/// Fault injection: rules per operation for "the next N calls" or "calls K..M". Every call a
/// service takes is numbered per operation; the rules whose range holds that number apply.
/// </summary>
public sealed class SandboxFaults
{
    private readonly ConcurrentDictionary<string, long> _calls = new(StringComparer.Ordinal);
    private readonly object _lock = new();
    private readonly List<SandboxFaultRule> _rules = new();

    public IReadOnlyList<SandboxFaultRule> Rules
    {
        get
        {
            lock (_lock)
            {
                return _rules.ToList();
            }
        }
    }

    /// <summary>How many calls an operation (or <c>*</c>: all operations) has had.</summary>
    public long CallCount(string operation) => _calls.GetValueOrDefault(OperationKey(operation));

    /// <summary>Plays <paramref name="fault"/> on the next <paramref name="count"/> calls of <paramref name="operation"/>.</summary>
    public SandboxFaultRule ForNextCalls(string operation, int count, SandboxFault fault)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        lock (_lock)
        {
            var next = CallCount(operation) + 1;
            return AddLocked(new SandboxFaultRule(operation, next, next + count - 1, fault));
        }
    }

    /// <summary>Plays <paramref name="fault"/> on calls <paramref name="firstCall"/>..<paramref name="lastCall"/> of <paramref name="operation"/> (1-based, since start).</summary>
    public SandboxFaultRule ForCalls(string operation, long firstCall, long lastCall, SandboxFault fault)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(firstCall, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(lastCall, firstCall);
        lock (_lock)
        {
            return AddLocked(new SandboxFaultRule(operation, firstCall, lastCall, fault));
        }
    }

    /// <summary>Plays <paramref name="fault"/> on every later call of <paramref name="operation"/> until removed.</summary>
    public SandboxFaultRule Always(string operation, SandboxFault fault)
    {
        lock (_lock)
        {
            return AddLocked(new SandboxFaultRule(operation, CallCount(operation) + 1, long.MaxValue, fault));
        }
    }

    public bool Remove(SandboxFaultRule rule)
    {
        lock (_lock)
        {
            return _rules.Remove(rule);
        }
    }

    public void Clear()
    {
        lock (_lock)
        {
            _rules.Clear();
        }
    }

    /// <summary>Numbers a call and returns the faults that apply to it, in the order added.</summary>
    internal (long CallNumber, IReadOnlyList<SandboxFault> Faults) Next(string service, string operation)
    {
        lock (_lock)
        {
            _calls.AddOrUpdate("*", 1, (_, n) => n + 1);
            var number = _calls.AddOrUpdate(operation, 1, (_, n) => n + 1);
            var total = _calls["*"];
            var faults = new List<SandboxFault>();
            foreach (var rule in _rules)
            {
                var matches = rule.Operation == "*"
                    ? total >= rule.FirstCall && total <= rule.LastCall
                    : (rule.Operation == operation || rule.Operation == service + ":" + operation) && number >= rule.FirstCall && number <= rule.LastCall;
                if (matches)
                {
                    rule.Hit();
                    faults.Add(rule.Fault);
                }
            }

            return (number, faults);
        }
    }

    private SandboxFaultRule AddLocked(SandboxFaultRule rule)
    {
        _rules.Add(rule);
        return rule;
    }

    private static string OperationKey(string operation)
    {
        var colon = operation.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? operation : operation[(colon + 1)..];
    }
}
