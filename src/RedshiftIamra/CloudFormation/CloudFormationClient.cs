using System.Globalization;
using System.Xml.Linq;
using RedshiftIamra.Aws;

namespace RedshiftIamra.CloudFormation;

/// <summary>
/// Calls AWS CloudFormation over the AWS Query protocol, API version 2010-05-15:
/// <c>POST /</c> with a form body, signed with SigV4 (HMAC) as <c>cloudformation</c>.
/// </summary>
public sealed class CloudFormationClient : ICloudFormationClient
{
    public const string SigningName = "cloudformation";
    public const string ApiVersion = "2010-05-15";
    public const string XmlNamespace = "http://cloudformation.amazonaws.com/doc/2010-05-15/";

    /// <summary>The key of <c>AWS_ENDPOINT_URL_CLOUDFORMATION</c>.</summary>
    public const string EndpointEnvironmentKey = "CLOUDFORMATION";

    private const string ServiceName = "CloudFormation";

    private readonly AwsClientConfig _config;
    private readonly AwsRequestSender _sender;

    public CloudFormationClient(AwsClientConfig config, AwsRequestSender? sender = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        _config = config;
        _sender = sender ?? AwsRequestSender.Default;
    }

    /// <summary>The endpoint for <paramref name="region"/>: the explicit URL, then <c>AWS_ENDPOINT_URL_CLOUDFORMATION</c>, <c>AWS_ENDPOINT_URL</c>, then the regional (or FIPS) default.</summary>
    public static AwsEndpoint ResolveEndpoint(string? explicitUrl, string region, bool allowInsecureHttp = false, Func<string, string?>? environment = null) =>
        AwsEndpoint.Resolve(explicitUrl, EndpointEnvironmentKey, SigningName, region, allowInsecureHttp, environment);

    public async Task<DescribeStacksResponse> DescribeStacksAsync(DescribeStacksRequest request, IOperationLog log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.StackName is not null)
        {
            CloudFormationNames.ValidateStackName(request.StackName);
        }

        var context = new CloudFormationErrorContext("DescribeStacks", _config.Region, _config.Endpoint) { StackName = request.StackName };
        var call = new AwsQueryCall(ServiceName, SigningName, context.Operation, BuildDescribeStacksBody(request), "DescribeStacksResult");
        var result = await AwsQueryProtocol.SendAsync(_sender, _config, call,
            e => CloudFormationErrors.Map(e, context with { AccountId = _config.Credentials.AccountId }), log, cancellationToken).ConfigureAwait(false);

        var stacks = new List<Stack>();
        foreach (var item in AwsQueryProtocol.Members(AwsQueryProtocol.Child(result.Element, "Stacks")))
        {
            var outputs = new List<Output>();
            foreach (var output in AwsQueryProtocol.Members(AwsQueryProtocol.Child(item, "Outputs")))
            {
                outputs.Add(new Output(Required(output, "OutputKey", context, result.RequestId), AwsQueryProtocol.Child(output, "OutputValue")?.Value)
                {
                    Description = AwsQueryProtocol.Text(output, "Description"),
                    ExportName = AwsQueryProtocol.Text(output, "ExportName"),
                });
            }

            stacks.Add(new Stack(Required(item, "StackName", context, result.RequestId), Required(item, "StackStatus", context, result.RequestId))
            {
                StackId = AwsQueryProtocol.Text(item, "StackId"),
                StackStatusReason = AwsQueryProtocol.Text(item, "StackStatusReason"),
                Description = AwsQueryProtocol.Text(item, "Description"),
                CreationTime = Time(item, "CreationTime", context, result.RequestId),
                LastUpdatedTime = Time(item, "LastUpdatedTime", context, result.RequestId),
                Outputs = outputs,
            });
        }

        return new DescribeStacksResponse(stacks, AwsQueryProtocol.Text(result.Element, "NextToken") is { Length: > 0 } next ? next : null)
        {
            RequestId = result.RequestId,
        };
    }

    internal static byte[] BuildDescribeStacksBody(DescribeStacksRequest request)
    {
        var form = new AwsQueryForm("DescribeStacks", ApiVersion);
        form.Add("StackName", request.StackName);
        form.Add("NextToken", request.NextToken);
        return form.ToBytes();
    }

    private static string Required(XElement parent, string name, CloudFormationErrorContext context, string? requestId) =>
        AwsQueryProtocol.Text(parent, name) is { Length: > 0 } value ? value : throw AwsQueryProtocol.InvalidResponse(ServiceName, context.Operation, requestId, $"'{name}' is missing");

    private static DateTimeOffset? Time(XElement parent, string name, CloudFormationErrorContext context, string? requestId)
    {
        var text = AwsQueryProtocol.Text(parent, name);
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)
            ? time
            : throw AwsQueryProtocol.InvalidResponse(ServiceName, context.Operation, requestId, $"'{name}' = '{text}' is not a timestamp");
    }
}
