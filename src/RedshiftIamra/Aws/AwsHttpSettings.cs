using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace RedshiftIamra.Aws;

/// <summary>
/// How the module talks HTTP to an AWS API: proxy, extra trusted roots, timeouts and the
/// retry budget. Proxy and CA bundle default to the standard settings (<c>HTTPS_PROXY</c>,
/// <c>NO_PROXY</c>, <c>AWS_CA_BUNDLE</c>).
/// </summary>
public sealed record AwsHttpSettings
{
    /// <summary>An explicit proxy; null uses the standard environment/system proxy.</summary>
    public Uri? Proxy { get; init; }

    /// <summary>A PEM file of extra trusted root certificates; null reads <c>AWS_CA_BUNDLE</c>.</summary>
    public string? CaBundlePath { get; init; }

    /// <summary>How long one attempt may take, from connect to the last byte.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How long a TCP connect may take.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Attempts in all, the first included.</summary>
    public int MaxAttempts { get; init; } = 4;

    /// <summary>The first retry waits up to this long; later ones up to twice the previous.</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan RetryMaxDelay { get; init; } = TimeSpan.FromSeconds(5);

    public string? EffectiveCaBundlePath => CaBundlePath ?? NullIfEmpty(Environment.GetEnvironmentVariable("AWS_CA_BUNDLE"));

    private static string? NullIfEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s;
}

/// <summary>One <see cref="HttpClient"/> per endpoint and settings, kept by the module's <see cref="IamraContext"/>.</summary>
public static class AwsHttpClients
{
    public const string CaBundleErrorId = ErrorIds.Aws.CaBundleInvalid;

    public static HttpClient For(Uri endpoint, AwsHttpSettings settings) => IamraContext.Current.HttpClients.For(endpoint, settings);

    internal static HttpClient Create(AwsHttpSettings settings, string? bundlePath)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = settings.ConnectTimeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(60),
            AutomaticDecompression = DecompressionMethods.None,
            AllowAutoRedirect = false,
            UseCookies = false,
        };
        if (settings.Proxy is not null)
        {
            handler.Proxy = new WebProxy(settings.Proxy);
            handler.UseProxy = true;
        }

        if (bundlePath is not null)
        {
            var roots = LoadBundle(bundlePath);
            handler.SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, chain, errors) => ValidateWithExtraRoots(certificate, errors, roots),
            };
        }

        return new HttpClient(handler, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
    }

    internal static X509Certificate2Collection LoadBundle(string path)
    {
        if (!File.Exists(path))
        {
            throw new IamraException(CaBundleErrorId, IamraErrorCategory.ObjectNotFound,
                $"The CA bundle '{path}' (from -CaBundlePath or AWS_CA_BUNDLE) does not exist.", path);
        }

        var roots = new X509Certificate2Collection();
        try
        {
            roots.ImportFromPemFile(path);
        }
        catch (System.Security.Cryptography.CryptographicException e)
        {
            throw new IamraException(CaBundleErrorId, IamraErrorCategory.InvalidData,
                $"The CA bundle '{path}' is not a PEM file of certificates: {e.Message}", path, e);
        }

        if (roots.Count == 0)
        {
            throw new IamraException(CaBundleErrorId, IamraErrorCategory.InvalidData,
                $"The CA bundle '{path}' holds no PEM certificate.", path);
        }

        return roots;
    }

    /// <summary>
    /// Accepts a server certificate that the system trusts, or that chains to one of the
    /// bundle's roots. The host name must match in both cases.
    /// </summary>
    internal static bool ValidateWithExtraRoots(X509Certificate? certificate, SslPolicyErrors errors, X509Certificate2Collection roots)
    {
        if (errors == SslPolicyErrors.None)
        {
            return true;
        }

        if (certificate is null || (errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        using var leaf = new X509Certificate2(certificate);
        return chain.Build(leaf);
    }
}

/// <summary>The HTTP clients of one <see cref="IamraContext"/>: one per endpoint, proxy and CA bundle.</summary>
public sealed class AwsHttpClientPool : IContextPart
{
    private readonly ConcurrentDictionary<(string Authority, Uri? Proxy, string? Bundle), Lazy<HttpClient>> _clients = new();

    public string Name => "HttpClients";

    public int Alive => _clients.Count;

    public HttpClient For(Uri endpoint, AwsHttpSettings settings)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(settings);
        var bundle = settings.EffectiveCaBundlePath;
        var key = (endpoint.GetLeftPart(UriPartial.Authority), settings.Proxy, bundle);
        var lazy = _clients.GetOrAdd(key, k => new Lazy<HttpClient>(() => AwsHttpClients.Create(settings, k.Bundle)));
        try
        {
            return lazy.Value;
        }
        catch
        {
            _clients.TryRemove(key, out _);
            throw;
        }
    }

    /// <summary>Closes every client.</summary>
    public void Release()
    {
        foreach (var key in _clients.Keys)
        {
            if (_clients.TryRemove(key, out var lazy) && lazy.IsValueCreated)
            {
                lazy.Value.Dispose();
            }
        }
    }
}
