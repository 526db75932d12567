namespace RedshiftIamra.Aws;

/// <summary>Where an AWS API is called, and why there (for -Verbose).</summary>
public sealed record AwsEndpoint(Uri Uri, string Source)
{
    public const string InvalidEndpointErrorId = ErrorIds.Aws.InvalidEndpoint;

    /// <summary>The cmdlet parameter that names the endpoint of a service (one name per service across the module).</summary>
    public static string ParameterName(string serviceEnvironmentKey) => serviceEnvironmentKey switch
    {
        "ROLESANYWHERE" => "-RolesAnywhereEndpointUrl",
        "CLOUDFORMATION" => "-CloudFormationEndpointUrl",
        _ => "-RedshiftEndpointUrl",
    };

    /// <summary>
    /// Resolves an API endpoint the way AWS SDKs do: the explicit parameter, then
    /// <c>AWS_ENDPOINT_URL_{SERVICE}</c>, then <c>AWS_ENDPOINT_URL</c>, then the regional
    /// default (FIPS when <c>AWS_USE_FIPS_ENDPOINT</c> is true). The signing region never
    /// changes with a custom endpoint.
    /// </summary>
    public static AwsEndpoint Resolve(string? explicitUrl, string serviceEnvironmentKey, string hostPrefix, string region,
        bool allowInsecureHttp, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        if (!string.IsNullOrWhiteSpace(explicitUrl))
        {
            var parameter = ParameterName(serviceEnvironmentKey);
            return new AwsEndpoint(Validate(explicitUrl, parameter, allowInsecureHttp), $"the {parameter} parameter");
        }

        var serviceVariable = "AWS_ENDPOINT_URL_" + serviceEnvironmentKey;
        var value = environment(serviceVariable);
        if (!string.IsNullOrWhiteSpace(value))
        {
            return new AwsEndpoint(Validate(value, serviceVariable, allowInsecureHttp), $"the {serviceVariable} environment variable");
        }

        value = environment("AWS_ENDPOINT_URL");
        if (!string.IsNullOrWhiteSpace(value))
        {
            return new AwsEndpoint(Validate(value, "AWS_ENDPOINT_URL", allowInsecureHttp), "the AWS_ENDPOINT_URL environment variable");
        }

        var fips = string.Equals(environment("AWS_USE_FIPS_ENDPOINT"), "true", StringComparison.OrdinalIgnoreCase);
        var host = $"{hostPrefix}{(fips ? "-fips" : string.Empty)}.{region}.{AwsPartition.DnsSuffix(region)}";
        return new AwsEndpoint(new Uri($"https://{host}/"), fips ? $"the FIPS endpoint for {region} (AWS_USE_FIPS_ENDPOINT)" : $"the default endpoint for {region}");
    }

    /// <summary>
    /// An endpoint must be an absolute https URL; plain http is accepted only for loopback
    /// addresses, or anywhere when the caller explicitly allows it.
    /// </summary>
    public static Uri Validate(string value, string source, bool allowInsecureHttp)
    {
        if (!Uri.TryCreate(value.Trim(), UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp) || string.IsNullOrEmpty(uri.Host))
        {
            throw new IamraException(InvalidEndpointErrorId, IamraErrorCategory.InvalidArgument,
                $"{source} '{value}' is not an endpoint URL. Expected https://host[:port][/path].", value);
        }

        if (uri.Scheme == Uri.UriSchemeHttp && !uri.IsLoopback && !allowInsecureHttp)
        {
            throw new IamraException(InvalidEndpointErrorId, IamraErrorCategory.SecurityError,
                $"{source} '{value}' uses plain http to a remote host, which would send signed requests and receive credentials unencrypted. Use https, or pass -AllowInsecureEndpoint if you really mean it.", value);
        }

        if (!string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment))
        {
            throw new IamraException(InvalidEndpointErrorId, IamraErrorCategory.InvalidArgument,
                $"{source} '{value}' must not have a query string or fragment.", value);
        }

        return uri.AbsolutePath.EndsWith('/') ? uri : new Uri(uri.GetLeftPart(UriPartial.Path) + "/");
    }
}
