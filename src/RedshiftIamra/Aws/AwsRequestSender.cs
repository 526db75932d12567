using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Authentication;
using RedshiftIamra.Signing;

namespace RedshiftIamra.Aws;

/// <summary>One AWS API request, before signing.</summary>
public sealed record AwsRequest(string Operation, HttpMethod Method, Uri Uri, byte[] Body, string? ContentType)
{
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = Array.Empty<KeyValuePair<string, string>>();
}

/// <summary>A successful (2xx) response.</summary>
public sealed record AwsResponse(HttpStatusCode Status, byte[] Body, string? RequestId, DateTimeOffset? ServerDate, TimeSpan Elapsed, int Attempts);

/// <summary>
/// Sends signed AWS requests: a fresh signature for every attempt, a timeout per attempt,
/// retries with full-jitter exponential backoff on throttling, 5xx and connection failures,
/// cancellation, and clock skew detected from the server's <c>Date</c> header (the signing
/// time is corrected once and the request retried; a skew that persists is reported).
/// </summary>
public sealed class AwsRequestSender
{
    private static readonly TimeSpan s_skewTolerance = TimeSpan.FromMinutes(4);

    private readonly TimeProvider _time;
    private readonly SigV4Signer _signer;

    public AwsRequestSender(TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        _signer = new SigV4Signer(_time);
    }

    public static AwsRequestSender Default { get; } = new();

    public async Task<AwsResponse> SendAsync(
        AwsRequest request,
        ISignatureProvider signatureProvider,
        string region,
        string service,
        AwsHttpSettings settings,
        Func<HttpStatusCode, HttpResponseHeaders, byte[], AwsServiceError> parseError,
        IOperationLog log,
        CancellationToken cancellationToken)
    {
        var client = AwsHttpClients.For(request.Uri, settings);
        var stopwatch = Stopwatch.StartNew();
        var host = request.Uri.Authority;
        var skewCorrected = false;
        Exception? lastTransportError = null;
        AwsServiceError? lastServiceError = null;

        for (var attempt = 1; ; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var message = new HttpRequestMessage(request.Method, request.Uri);
            message.Content = new ByteArrayContent(request.Body);
            if (request.ContentType is not null)
            {
                message.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(request.ContentType);
            }

            foreach (var header in request.Headers)
            {
                message.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }

            message.Headers.UserAgent.ParseAdd(UserAgent);
            var offset = IamraContext.Current.Clocks.SigningOffset(host);
            var signing = _signer.Sign(message, request.Body, signatureProvider, region, service, _time.GetUtcNow() + offset);
            if (attempt == 1)
            {
                log.Debug($"{request.Operation}: {request.Method} {request.Uri}{Environment.NewLine}{signing.ToDebugString()}");
            }

            using var attemptTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            attemptTimeout.CancelAfter(settings.AttemptTimeout);
            HttpResponseMessage response;
            byte[] body;
            try
            {
                response = await client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, attemptTimeout.Token).ConfigureAwait(false);
                body = await response.Content.ReadAsByteArrayAsync(attemptTimeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (OperationCanceledException e)
            {
                lastTransportError = e;
                log.Verbose($"{request.Operation}: attempt {attempt} timed out after {settings.AttemptTimeout.TotalSeconds:0.#} s.");
                if (attempt >= settings.MaxAttempts)
                {
                    throw new IamraException(ErrorIds.Aws.Timeout, IamraErrorCategory.OperationTimeout,
                        $"{request.Operation} to {request.Uri.Host} timed out: no answer within {settings.AttemptTimeout.TotalSeconds:0.#} s, {attempt} attempts in {stopwatch.Elapsed.TotalSeconds:0.0} s. Check the network path to the endpoint (proxy, firewall), or raise the timeout.", request.Uri, e);
                }

                await DelayAsync(attempt, settings, null, cancellationToken).ConfigureAwait(false);
                continue;
            }
            catch (HttpRequestException e)
            {
                var tls = FindInner<AuthenticationException>(e);
                if (tls is not null)
                {
                    throw new IamraException(ErrorIds.Aws.TlsFailure, IamraErrorCategory.SecurityError,
                        $"TLS with {request.Uri.Host} failed: {tls.Message} The endpoint's certificate is not trusted or is not for that host name. If you use a private endpoint or a TLS-inspecting proxy, give its root CA with -CaBundlePath or AWS_CA_BUNDLE; never turn verification off.", request.Uri, e);
                }

                var socket = FindInner<SocketException>(e);
                if (socket?.SocketErrorCode is SocketError.HostNotFound or SocketError.NoData)
                {
                    throw new IamraException(ErrorIds.Aws.EndpointUnreachable, IamraErrorCategory.ConnectionError,
                        $"The host {request.Uri.Host} cannot be resolved (DNS). Check the endpoint URL, the region, and this machine's DNS (a VPC endpoint needs private DNS or -EndpointUrl).", request.Uri, e);
                }

                lastTransportError = e;
                log.Verbose($"{request.Operation}: attempt {attempt} failed: {e.Message}");
                if (attempt >= settings.MaxAttempts)
                {
                    throw new IamraException(ErrorIds.Aws.EndpointUnreachable, IamraErrorCategory.ConnectionError,
                        $"{request.Operation} could not reach {request.Uri.GetLeftPart(UriPartial.Authority)} after {attempt} attempts in {stopwatch.Elapsed.TotalSeconds:0.0} s: {e.Message} Check the endpoint, proxy (HTTPS_PROXY, -Proxy) and firewall.", request.Uri, e);
                }

                await DelayAsync(attempt, settings, null, cancellationToken).ConfigureAwait(false);
                continue;
            }

            using (response)
            {
                var requestId = FirstHeader(response.Headers, "x-amzn-RequestId") ?? FirstHeader(response.Headers, "x-amz-request-id");
                var serverDate = response.Headers.Date;
                ServerClock.Observe(request.Uri, serverDate, _time.GetUtcNow());
                if (response.IsSuccessStatusCode)
                {
                    log.Verbose($"{request.Operation}: HTTP {(int)response.StatusCode} in {stopwatch.ElapsedMilliseconds} ms ({attempt} attempt{(attempt == 1 ? string.Empty : "s")}){(requestId is null ? string.Empty : $", request id {requestId}")}.");
                    return new AwsResponse(response.StatusCode, body, requestId, serverDate, stopwatch.Elapsed, attempt);
                }

                var error = parseError(response.StatusCode, response.Headers, body);
                lastServiceError = error;
                log.Verbose($"{request.Operation}: attempt {attempt}: {error}");

                if (error.MayBeClockSkew && serverDate is { } date)
                {
                    // Compare with the offset this attempt was signed with: a learned offset goes stale when the server's clock is fixed.
                    var skew = date - _time.GetUtcNow();
                    if ((skew - offset).Duration() > s_skewTolerance)
                    {
                        if (!skewCorrected)
                        {
                            skewCorrected = true;
                            IamraContext.Current.Clocks.SetSigningOffset(host, skew);
                            log.Warning($"This machine's clock differs from {request.Uri.Host}'s by {FormatSkew(skew)}; signing with the server's time. Fix the clock (NTP): other tools will fail.");
                            attempt--;
                            continue;
                        }

                        throw new IamraException(ErrorIds.Aws.ClockSkew, IamraErrorCategory.AuthenticationError,
                            $"{request.Operation} was rejected because this machine's clock differs from the server's by {FormatSkew(skew)} ({error.Message}). Synchronise the clock (NTP) and try again.", request.Uri);
                    }
                }

                if (!error.IsRetryable || attempt >= settings.MaxAttempts)
                {
                    throw new AwsServiceException(error, request.Operation, stopwatch.Elapsed, attempt);
                }

                await DelayAsync(attempt, settings, RetryAfter(response), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public static string UserAgent { get; } = $"RedshiftIamra/{typeof(AwsRequestSender).Assembly.GetName().Version?.ToString(3) ?? "0"} ({Environment.OSVersion.Platform}; .NET {Environment.Version})";

    private static string FormatSkew(TimeSpan skew) => ServerClock.Describe(skew);

    private static Task DelayAsync(int attempt, AwsHttpSettings settings, TimeSpan? retryAfter, CancellationToken cancellationToken)
    {
        var ceiling = Math.Min(settings.RetryMaxDelay.TotalMilliseconds, settings.RetryBaseDelay.TotalMilliseconds * Math.Pow(2, attempt - 1));
        var delay = TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * ceiling);
        if (retryAfter is { } after && after > delay)
        {
            delay = after < settings.RetryMaxDelay ? after : settings.RetryMaxDelay;
        }

        return Task.Delay(delay, cancellationToken);
    }

    private static TimeSpan? RetryAfter(HttpResponseMessage response) =>
        response.Headers.RetryAfter?.Delta ?? (response.Headers.RetryAfter?.Date is { } date ? date - DateTimeOffset.UtcNow : null);

    private static string? FirstHeader(HttpResponseHeaders headers, string name) =>
        headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    private static T? FindInner<T>(Exception e) where T : Exception
    {
        for (Exception? current = e; current is not null; current = current.InnerException)
        {
            if (current is T match)
            {
                return match;
            }
        }

        return null;
    }
}
