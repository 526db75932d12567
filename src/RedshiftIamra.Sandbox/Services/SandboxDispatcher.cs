using System.Net;
using System.Text;

namespace RedshiftIamra.Sandbox;

/// <summary>
/// Routes requests to services, plays injected faults, and writes one audit event per call.
/// </summary>
internal sealed class SandboxDispatcher : ISandboxHttpHandler
{
    private readonly IReadOnlyList<ISandboxService> _services;
    private readonly SandboxClock _clock;
    private readonly SandboxFaults _faults;
    private readonly SandboxAuditLog _audit;

    public SandboxDispatcher(IReadOnlyList<ISandboxService> services, SandboxClock clock, SandboxFaults faults, SandboxAuditLog audit)
    {
        _services = services;
        _clock = clock;
        _faults = faults;
        _audit = audit;
    }

    public async Task<SandboxHttpResponse> HandleAsync(SandboxHttpRequest request, CancellationToken cancellationToken)
    {
        var (service, operation) = Route(request);
        if (service is null || operation is null)
        {
            var message = $"No sandbox service takes {request.Method} {request.Path}{(request.GetHeader("X-Amz-Target") is { } target ? $" with X-Amz-Target {target}" : string.Empty)}{(_services.Any(s => s.QuerySigningName is not null) ? string.Empty : " (Redshift and Redshift Serverless need a sandbox started with Database on)")}.";
            Write(request, "sandbox", "UnknownOperation", 0, _clock.GetUtcNow(), 404, "UnknownOperationException", message, null, null);
            return AwsJson.Error(404, "UnknownOperationException", message);
        }

        var (callNumber, faults) = _faults.Next(service.Name, operation);
        var faultNames = faults.Count == 0 ? null : string.Join(",", faults);
        var shift = TimeSpan.Zero;
        SandboxFault? malformed = null;
        SandboxFault? answer = null;
        var answerDelay = TimeSpan.Zero;
        foreach (var fault in faults)
        {
            switch (fault.Kind)
            {
                case SandboxFaultKind.ClockShift:
                    shift += fault.ClockOffset;
                    break;
                case SandboxFaultKind.Delay:
                    await Task.Delay(fault.Delay, cancellationToken).ConfigureAwait(false);
                    break;
                case SandboxFaultKind.DelayAnswer:
                    answerDelay += fault.Delay;
                    break;
                case SandboxFaultKind.TamperRequest:
                    request = Tamper(request, fault.Tamper);
                    break;
                case SandboxFaultKind.MalformedBody:
                    malformed ??= fault;
                    break;
                default:
                    answer ??= fault;
                    break;
            }
        }

        var now = _clock.GetUtcNow() + shift;
        var call = new SandboxCall(request, service, operation, callNumber, now, malformed);
        if (answer is not null)
        {
            return Answer(call, answer, faultNames);
        }

        SandboxHttpResponse response;
        string outcome;
        string? error = null;
        try
        {
            response = await service.HandleAsync(call, cancellationToken).ConfigureAwait(false);
            outcome = call.Audit.MalformedAnswer ? "MalformedResponse" : "Success";
        }
        catch (SandboxServiceException e)
        {
            response = service.Error(call, e.Status, e.Code, e.Message);
            outcome = e.Code;
            error = e.Message;
        }

        Write(call, response.Status, outcome, error, faultNames);
        response.Date ??= now;
        if (answerDelay > TimeSpan.Zero)
        {
            await Task.Delay(answerDelay, cancellationToken).ConfigureAwait(false);
        }

        return response;
    }

    public void OnRejected(IPEndPoint? remote, int status, string message, string requestId)
    {
        _audit.Write(new SandboxAuditEvent
        {
            EventTime = _clock.GetUtcNow(),
            EventSource = "sandbox",
            EventName = "HttpRequestRejected",
            RequestId = requestId,
            Outcome = "Http" + status.ToString(System.Globalization.CultureInfo.InvariantCulture),
            HttpStatus = status,
            ErrorMessage = message,
            SourceIPAddress = remote?.Address.ToString(),
        });
    }

    private (ISandboxService? Service, string? Operation) Route(SandboxHttpRequest request)
    {
        var target = request.GetHeader("X-Amz-Target");
        if (target is not null)
        {
            foreach (var service in _services)
            {
                if (service.TargetPrefix is { } prefix && target.StartsWith(prefix, StringComparison.Ordinal) && target.Length > prefix.Length)
                {
                    return (service, target[prefix.Length..]);
                }
            }

            return (null, null);
        }

        if (request.FormParameters.TryGetValue("Action", out var action) && action.Length > 0)
        {
            var signingName = ScopeService(request.GetHeader("Authorization"));
            foreach (var service in _services)
            {
                if (service.QuerySigningName is { } name && string.Equals(name, signingName, StringComparison.Ordinal))
                {
                    return (service, action);
                }
            }

            // A scope that names no Query service goes to the only one there is, which then
            // refuses the scope the way AWS does (real endpoints are told apart by host name).
            var query = _services.Where(s => s.QuerySigningName is not null).ToList();
            return query.Count == 1 ? (query[0], action) : (null, null);
        }

        foreach (var service in _services)
        {
            if (service.MatchRestOperation(request) is { } operation)
            {
                return (service, operation);
            }
        }

        return (null, null);
    }

    /// <summary>The service name in <c>Credential=id/date/region/SERVICE/aws4_request</c>.</summary>
    private static string? ScopeService(string? authorization)
    {
        var start = authorization?.IndexOf("Credential=", StringComparison.Ordinal) ?? -1;
        if (start < 0)
        {
            return null;
        }

        var credential = authorization![(start + "Credential=".Length)..].Split(',')[0].Trim();
        var parts = credential.Split('/');
        return parts.Length == 5 ? parts[3] : null;
    }

    private SandboxHttpResponse Answer(SandboxCall call, SandboxFault fault, string? faultNames)
    {
        // No service looked at the call: name at least the key it was signed with (HMAC calls).
        call.Audit.AccessKeyId ??= HmacRequestVerifier.AccessKeyIdOf(call.Request.GetHeader("Authorization"));
        switch (fault.Kind)
        {
            case SandboxFaultKind.Reset:
                Write(call, 0, "ConnectionReset", "The connection was reset by a fault.", faultNames);
                return SandboxHttpResponse.Reset();

            case SandboxFaultKind.Scripted:
            {
                var response = new SandboxHttpResponse(fault.StatusCode, Encoding.UTF8.GetBytes(fault.Body ?? string.Empty), fault.ContentType)
                {
                    OmitStandardHeaders = fault.OmitStandardHeaders,
                    Date = call.Now,
                };
                response.Headers.AddRange(fault.Headers);
                Write(call, fault.StatusCode, "Scripted", null, faultNames);
                return response;
            }

            default:
            {
                var response = call.Service.Error(call, fault.StatusCode, fault.ErrorCode!, fault.Message!);
                Write(call, fault.StatusCode, call.Service.ProtocolErrorCode(fault.ErrorCode!), fault.Message, faultNames);
                response.Date ??= call.Now;
                return response;
            }
        }
    }

    /// <summary>Changes a signed request the way a meddling proxy would.</summary>
    private static SandboxHttpRequest Tamper(SandboxHttpRequest request, SandboxTamper tamper)
    {
        var headers = request.Headers.ToList();
        var body = request.Body;
        var target = request.Target;
        switch (tamper)
        {
            case SandboxTamper.Body:
                body = (byte[])body.Clone();
                if (body.Length > 0)
                {
                    // Keep it JSON: turn a digit into another digit, or else flip a letter's case.
                    var index = Array.FindIndex(body, b => b is >= (byte)'0' and <= (byte)'9');
                    if (index >= 0)
                    {
                        body[index] = (byte)(body[index] == '9' ? '8' : body[index] + 1);
                    }
                    else
                    {
                        body[^1] ^= 0x20;
                    }
                }

                break;
            case SandboxTamper.Query:
                target += (target.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "tampered=1";
                break;
            case SandboxTamper.Signature:
                Replace("Authorization", value =>
                {
                    var at = value.IndexOf("Signature=", StringComparison.Ordinal) + "Signature=".Length;
                    var digit = value[at];
                    return value[..at] + (digit == '0' ? '1' : '0') + value[(at + 1)..];
                });
                break;
            case SandboxTamper.ContentType:
                Replace("Content-Type", value => value + "; charset=utf-8");
                break;
        }

        return new SandboxHttpRequest(request.Method, target, request.Version, headers, body, request.RemoteEndPoint, request.LocalPort);

        void Replace(string name, Func<string, string> change)
        {
            var index = headers.FindIndex(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase));
            if (index >= 0)
            {
                headers[index] = new(headers[index].Key, change(headers[index].Value));
            }
        }
    }

    private void Write(SandboxCall call, int status, string outcome, string? error, string? faultNames)
    {
        var facts = call.Audit;
        _audit.Write(new SandboxAuditEvent
        {
            EventTime = call.Now,
            EventSource = call.Service.EventSource,
            EventName = call.Operation,
            RequestId = call.Request.RequestId,
            Outcome = outcome,
            HttpStatus = status,
            ErrorMessage = error,
            SourceIPAddress = call.Request.RemoteEndPoint?.Address.ToString(),
            UserAgent = call.Request.GetHeader("User-Agent"),
            CallNumber = call.CallNumber,
            Subject = facts.Subject,
            SerialNumber = facts.SerialNumber,
            TrustAnchorArn = facts.TrustAnchorArn,
            ProfileArn = facts.ProfileArn,
            RoleArn = facts.RoleArn,
            RoleSessionName = facts.RoleSessionName,
            AccessKeyId = facts.AccessKeyId,
            DurationSeconds = facts.DurationSeconds,
            DbUser = facts.DbUser,
            DbName = facts.DbName,
            ClusterIdentifier = facts.ClusterIdentifier,
            WorkgroupName = facts.WorkgroupName,
            Fault = faultNames,
        });
    }

    private void Write(SandboxHttpRequest request, string source, string name, long number, DateTimeOffset now, int status, string outcome, string? error, string? faults, string? accessKeyId)
    {
        _audit.Write(new SandboxAuditEvent
        {
            EventTime = now,
            EventSource = source,
            EventName = name,
            RequestId = request.RequestId,
            Outcome = outcome,
            HttpStatus = status,
            ErrorMessage = error,
            SourceIPAddress = request.RemoteEndPoint?.Address.ToString(),
            UserAgent = request.GetHeader("User-Agent"),
            CallNumber = number,
            AccessKeyId = accessKeyId,
            Fault = faults,
        });
    }
}
