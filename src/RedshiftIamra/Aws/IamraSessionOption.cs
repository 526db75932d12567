using RedshiftIamra.Aws;

namespace RedshiftIamra;

/// <summary>
/// The rarely changed settings of the AWS calls a cmdlet makes (Roles Anywhere CreateSession,
/// Redshift and CloudFormation), made by <c>New-IamraSessionOption</c> and given to any cmdlet
/// as <c>-SessionOption</c>, so that they are not ten more parameters on every cmdlet.
/// </summary>
public sealed record IamraSessionOption
{
    /// <summary>The default per-attempt timeout of an AWS call.</summary>
    public const int DefaultTimeoutSeconds = 15;

    /// <summary>An HTTPS proxy instead of the standard settings (<c>HTTPS_PROXY</c>, <c>NO_PROXY</c>).</summary>
    public Uri? Proxy { get; init; }

    /// <summary>How long one attempt of an AWS call may take, in seconds (1 to 300).</summary>
    public int TimeoutSeconds { get; init; } = DefaultTimeoutSeconds;

    /// <summary>Allows a plain http AWS endpoint that is not on this machine.</summary>
    public bool AllowInsecureEndpoint { get; init; }

    /// <summary>How long before expiry a cached session or database credential is renewed; null keeps each cache's default.</summary>
    public TimeSpan? RenewalMargin { get; init; }

    /// <summary>The HTTP settings these options describe, with the CA bundle given beside them.</summary>
    public AwsHttpSettings HttpSettings(string? caBundlePath) => new()
    {
        Proxy = Proxy,
        CaBundlePath = caBundlePath,
        AttemptTimeout = TimeSpan.FromSeconds(TimeoutSeconds),
    };

    /// <summary>Checks the values a user typed (before any network call).</summary>
    public IamraSessionOption Validated()
    {
        if (TimeoutSeconds is < 1 or > 300)
        {
            throw new IamraException(ErrorIds.Aws.InvalidSessionOption, IamraErrorCategory.InvalidArgument,
                $"-TimeoutSeconds {TimeoutSeconds} is out of range: give 1 to 300 seconds.", TimeoutSeconds);
        }

        if (Proxy is { } proxy && (!proxy.IsAbsoluteUri || (proxy.Scheme != Uri.UriSchemeHttp && proxy.Scheme != Uri.UriSchemeHttps)))
        {
            throw new IamraException(ErrorIds.Aws.InvalidSessionOption, IamraErrorCategory.InvalidArgument,
                $"-Proxy '{proxy}' is not an http(s) proxy address: give e.g. http://proxy.example.com:3128.", proxy);
        }

        return this;
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"Proxy={(Proxy is null ? "(standard)" : Proxy.ToString())}; TimeoutSeconds={TimeoutSeconds}; AllowInsecureEndpoint={AllowInsecureEndpoint}; RenewalMargin={(RenewalMargin is null ? "(default)" : RenewalMargin.ToString())}";
}
