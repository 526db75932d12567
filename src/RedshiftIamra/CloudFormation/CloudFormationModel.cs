using RedshiftIamra.Aws;

namespace RedshiftIamra.CloudFormation;

// Request and response shapes of the CloudFormation (2010-05-15) operation the module calls,
// named like the AWS SDK's models so the client can be swapped for the SDK's.

/// <summary>The input of CloudFormation <c>DescribeStacks</c>.</summary>
public sealed record DescribeStacksRequest
{
    /// <summary>A stack name or stack id (ARN). A deleted stack is found only by its id.</summary>
    public string? StackName { get; init; }

    public string? NextToken { get; init; }
}

/// <summary>One output of a stack.</summary>
public sealed record Output(string OutputKey, string? OutputValue)
{
    public string? Description { get; init; }

    public string? ExportName { get; init; }
}

/// <summary>A stack of a <c>DescribeStacks</c> answer (the members the module uses).</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "A CloudFormation stack, named like the AWS SDK's model of the same shape.")]
public sealed record Stack(string StackName, string StackStatus)
{
    public string? StackId { get; init; }

    public string? StackStatusReason { get; init; }

    public string? Description { get; init; }

    public DateTimeOffset? CreationTime { get; init; }

    public DateTimeOffset? LastUpdatedTime { get; init; }

    public IReadOnlyList<Output> Outputs { get; init; } = Array.Empty<Output>();
}

/// <summary>The output of <c>DescribeStacks</c>.</summary>
public sealed record DescribeStacksResponse(IReadOnlyList<Stack> Stacks, string? NextToken)
{
    public string? RequestId { get; init; }
}

/// <summary>AWS CloudFormation, as much of it as the module needs. Shaped like the AWS SDK client so it can be replaced by it.</summary>
public interface ICloudFormationClient
{
    Task<DescribeStacksResponse> DescribeStacksAsync(DescribeStacksRequest request, IOperationLog log, CancellationToken cancellationToken);
}
