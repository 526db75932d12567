using System.Globalization;
using RedshiftIamra.Aws;
using RedshiftIamra.Redshift;

namespace RedshiftIamra.CloudFormation;

/// <summary>The output keys of <c>deploy/redshift-iamra.yaml</c>.</summary>
public static class RedshiftIamraStackOutputs
{
    public const string TrustAnchorArn = "TrustAnchorArn";
    public const string ProfileArn = "ProfileArn";
    public const string RoleArn = "RedshiftAccessRoleArn";
    public const string Region = "Region";
    public const string ClusterIdentifier = "RedshiftClusterIdentifier";
    public const string ClusterEndpoint = "RedshiftClusterEndpoint";
    public const string ClusterPort = "RedshiftClusterPort";
    public const string WorkgroupName = "ServerlessWorkgroupName";
    public const string WorkgroupEndpoint = "ServerlessWorkgroupEndpoint";
    public const string DatabaseName = "RedshiftDatabaseName";
    public const string DbUser = "DbUser";
    public const string CertificateAuthorityArn = "CertificateAuthorityArn";
    public const string ClientCertificateArn = "ClientCertificateArn";
}

/// <summary>
/// Outputs for staged loads and UNLOAD exports, read when a stack has them: deploy/redshift-iamra.yaml
/// has the bucket, the prefix and the COPY role (its bucket encrypts with SSE-S3, so no KMS key); a
/// stack of the user's own may have any of them, or none.
/// </summary>
public static class RedshiftIamraStagingOutputs
{
    /// <summary>The staging bucket for Write-RedshiftTable -Method Staged and UNLOAD exports.</summary>
    public const string StagingBucket = "StagingBucketName";

    /// <summary>The key prefix staged objects go under (redshift-iamra/ otherwise).</summary>
    public const string StagingPrefix = "StagingPrefix";

    /// <summary>The IAM role the cluster or workgroup assumes for COPY and UNLOAD.</summary>
    public const string CopyRoleArn = "CopyRoleArn";

    /// <summary>A KMS key for SSE-KMS on staged objects (SSE-S3 otherwise).</summary>
    public const string StagingKmsKeyArn = "StagingKmsKeyArn";
}

/// <summary>Whether a stack in a given status can be used.</summary>
public enum StackReadiness
{
    /// <summary>Complete: its outputs describe resources that exist.</summary>
    Ready,

    /// <summary>Being updated (or rolled back to its last good state): usable, but its outputs may change.</summary>
    Changing,

    /// <summary>Creating, failed, rolled back, or being deleted: its outputs cannot be trusted.</summary>
    NotReady,

    /// <summary>Deleted.</summary>
    Deleted,
}

/// <summary>
/// Reads a RedshiftIamra stack: <c>DescribeStacks</c>, a status check, and the outputs the
/// cmdlets need, each checked (ARNs, region, names, port) so a wrong stack fails here.
/// </summary>
public static class RedshiftIamraStackReader
{
    public const string NotFound = ErrorIds.Stack.NotFound;
    public const string NotReady = ErrorIds.Stack.NotReady;
    public const string OutputMissing = ErrorIds.Stack.OutputMissing;
    public const string OutputInvalid = ErrorIds.Stack.OutputInvalid;

    public static async Task<RedshiftIamraStack> ReadAsync(ICloudFormationClient client, string stackName, string region, IOperationLog log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(log);
        CloudFormationNames.ValidateStackName(stackName);
        var response = await client.DescribeStacksAsync(new DescribeStacksRequest { StackName = stackName }, log, cancellationToken).ConfigureAwait(false);
        var stack = response.Stacks.Count switch
        {
            0 => throw new IamraException(NotFound, IamraErrorCategory.ObjectNotFound,
                $"CloudFormation knows no stack '{stackName}' in {region} (DescribeStacks returned none; request id {response.RequestId ?? "unknown"}). Check -StackName and -Region.", stackName),
            1 => response.Stacks[0],
            _ => response.Stacks.FirstOrDefault(s => s.StackName == stackName || s.StackId == stackName)
                ?? throw AwsQueryProtocol.InvalidResponse("CloudFormation", "DescribeStacks", response.RequestId, $"it returned {response.Stacks.Count} stacks for '{stackName}', none of them by that name"),
        };
        log.Verbose($"Stack {stack.StackName}: {stack.StackStatus}, {stack.Outputs.Count} output(s){(stack.StackId is null ? string.Empty : $", id {stack.StackId}")}.");
        return FromStack(stack, region, log);
    }

    /// <summary>Checks a stack's status and outputs and turns it into the cmdlets' object.</summary>
    public static RedshiftIamraStack FromStack(Stack stack, string region, IOperationLog log)
    {
        ArgumentNullException.ThrowIfNull(stack);
        ArgumentNullException.ThrowIfNull(log);
        CheckStatus(stack, region, log);

        var outputs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var output in stack.Outputs)
        {
            outputs[output.OutputKey] = output.OutputValue?.Trim() ?? string.Empty;
        }

        string? Optional(string key) => outputs.TryGetValue(key, out var value) && value.Length > 0 ? value : null;

        string Required(string key, string use) => Optional(key) ?? throw new IamraException(OutputMissing, IamraErrorCategory.InvalidData,
            $"The stack '{stack.StackName}' has no output '{key}' ({use}). {DescribeOutputs(outputs)} Is it a stack of deploy/redshift-iamra.yaml, and complete? An output added to the template appears after the stack is updated with it.", stack.StackName);

        var trustAnchorArn = Check(stack, RedshiftIamraStackOutputs.TrustAnchorArn, Required(RedshiftIamraStackOutputs.TrustAnchorArn, "Get-IamraSession -TrustAnchorArn"),
            v => AwsArn.ParseRolesAnywhere(v, "TrustAnchorArn", "trust-anchor"));
        var profileArn = Check(stack, RedshiftIamraStackOutputs.ProfileArn, Required(RedshiftIamraStackOutputs.ProfileArn, "Get-IamraSession -ProfileArn"),
            v => AwsArn.ParseRolesAnywhere(v, "ProfileArn", "profile"));
        var roleArn = Check(stack, RedshiftIamraStackOutputs.RoleArn, Required(RedshiftIamraStackOutputs.RoleArn, "Get-IamraSession -RoleArn"),
            v => AwsArn.ParseRole(v, "RoleArn"));

        // The identifiers come from their own outputs (this module's template) or, as the
        // template of the AWS sample stack has only the endpoints, from the endpoint host names,
        // read the way -Hostname reads them.
        var cluster = Optional(RedshiftIamraStackOutputs.ClusterIdentifier)
            ?? FromEndpoint(RedshiftIamraStackOutputs.ClusterEndpoint, RedshiftHostKind.Provisioned, log, outputs)?.ClusterIdentifier;
        var workgroup = Optional(RedshiftIamraStackOutputs.WorkgroupName)
            ?? FromEndpoint(RedshiftIamraStackOutputs.WorkgroupEndpoint, RedshiftHostKind.Serverless, log, outputs)?.WorkgroupName;
        if (cluster is null && workgroup is null)
        {
            throw new IamraException(OutputMissing, IamraErrorCategory.InvalidData,
                $"The stack '{stack.StackName}' names no Redshift to connect to: it has neither output '{RedshiftIamraStackOutputs.ClusterIdentifier}' nor '{RedshiftIamraStackOutputs.WorkgroupName}', and no '{RedshiftIamraStackOutputs.ClusterEndpoint}' or '{RedshiftIamraStackOutputs.WorkgroupEndpoint}' whose host name tells them (a custom domain does not). {DescribeOutputs(outputs)} Give -ClusterIdentifier or -WorkgroupName where you use the stack.", stack.StackName);
        }

        Check(stack, RedshiftIamraStackOutputs.ClusterIdentifier, cluster, v => RedshiftNames.ValidateClusterIdentifier(v));
        Check(stack, RedshiftIamraStackOutputs.WorkgroupName, workgroup, v => RedshiftNames.ValidateWorkgroupName(v));
        var stackRegion = Check(stack, RedshiftIamraStackOutputs.Region, Optional(RedshiftIamraStackOutputs.Region), v => AwsRegion.Validate(v)) ?? region;
        var dbName = Check(stack, RedshiftIamraStackOutputs.DatabaseName, Optional(RedshiftIamraStackOutputs.DatabaseName), v => RedshiftNames.ValidateDbName(v));
        var dbUser = Check(stack, RedshiftIamraStackOutputs.DbUser, Optional(RedshiftIamraStackOutputs.DbUser), v => RedshiftNames.ValidateDbUser(v));

        var port = 0;
        if (Optional(RedshiftIamraStackOutputs.ClusterPort) is { } portText
            && (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535))
        {
            throw new IamraException(OutputInvalid, IamraErrorCategory.InvalidData,
                $"The stack '{stack.StackName}' output '{RedshiftIamraStackOutputs.ClusterPort}' is '{portText}', not a port (1-65535).", stack.StackName);
        }

        Loading.RedshiftStagingSettings? staging = null;
        if (Optional(RedshiftIamraStagingOutputs.StagingBucket) is { } bucket)
        {
            var candidate = new Loading.RedshiftStagingSettings
            {
                Bucket = bucket,
                Prefix = Optional(RedshiftIamraStagingOutputs.StagingPrefix) ?? Loading.RedshiftStagingSettings.DefaultPrefix,
                CopyRoleArn = Optional(RedshiftIamraStagingOutputs.CopyRoleArn),
                KmsKeyId = Optional(RedshiftIamraStagingOutputs.StagingKmsKeyArn),
            };
            try
            {
                staging = candidate.Validate();
            }
            catch (IamraException e)
            {
                throw new IamraException(OutputInvalid, IamraErrorCategory.InvalidData,
                    $"The stack '{stack.StackName}' staging outputs ({RedshiftIamraStagingOutputs.StagingBucket}, {RedshiftIamraStagingOutputs.StagingPrefix}, {RedshiftIamraStagingOutputs.CopyRoleArn}, {RedshiftIamraStagingOutputs.StagingKmsKeyArn}) are not valid: {e.Message}", stack.StackName, e);
            }
        }

        return new RedshiftIamraStack
        {
            StackName = stack.StackName,
            StackId = stack.StackId,
            StackStatus = stack.StackStatus,
            Region = stackRegion,
            TrustAnchorArn = trustAnchorArn!,
            ProfileArn = profileArn!,
            RoleArn = roleArn!,
            ClusterIdentifier = cluster,
            Hostname = Optional(RedshiftIamraStackOutputs.ClusterEndpoint),
            Port = port,
            WorkgroupName = workgroup,
            ServerlessWorkgroupEndpoint = Optional(RedshiftIamraStackOutputs.WorkgroupEndpoint),
            DbName = dbName,
            DbUser = dbUser,
            CertificateAuthorityArn = Optional(RedshiftIamraStackOutputs.CertificateAuthorityArn),
            ClientCertificateArn = Optional(RedshiftIamraStackOutputs.ClientCertificateArn),
            Staging = staging,
            CreationTime = stack.CreationTime?.LocalDateTime,
            LastUpdatedTime = stack.LastUpdatedTime?.LocalDateTime,
            Outputs = outputs,
        };
    }

    /// <summary>
    /// Complete stacks are ready (an update rolled back to its last good state included);
    /// stacks being updated are usable with a warning; stacks being created, failed, rolled
    /// back after a failed creation, or being deleted are not.
    /// </summary>
    public static StackReadiness Classify(string status) => status switch
    {
        "CREATE_COMPLETE" or "UPDATE_COMPLETE" or "UPDATE_ROLLBACK_COMPLETE" or "IMPORT_COMPLETE" or "IMPORT_ROLLBACK_COMPLETE" => StackReadiness.Ready,
        "UPDATE_IN_PROGRESS" or "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS" or "UPDATE_ROLLBACK_IN_PROGRESS"
            or "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS" or "IMPORT_IN_PROGRESS" or "IMPORT_ROLLBACK_IN_PROGRESS" => StackReadiness.Changing,
        "DELETE_COMPLETE" => StackReadiness.Deleted,
        "ROLLBACK_COMPLETE" => StackReadiness.NotReady,
        _ when status.EndsWith("_COMPLETE", StringComparison.Ordinal) && !status.Contains("ROLLBACK", StringComparison.Ordinal) && !status.StartsWith("DELETE", StringComparison.Ordinal) => StackReadiness.Ready,
        _ => StackReadiness.NotReady,
    };

    /// <summary>The cluster or workgroup an endpoint output's host name names, or null (no such output, or a host name that does not tell).</summary>
    private static RedshiftHostInfo? FromEndpoint(string key, RedshiftHostKind kind, IOperationLog log, Dictionary<string, string> outputs)
    {
        if (!outputs.TryGetValue(key, out var value) || value.Length == 0)
        {
            return null;
        }

        var info = RedshiftHostName.Parse(value);
        if (info.Kind == kind)
        {
            log.Verbose($"Output '{key}' {value}: {info}.");
            return info;
        }

        log.Verbose($"Output '{key}' {value} does not name a {(kind == RedshiftHostKind.Provisioned ? "cluster" : "workgroup")}: {info}.");
        return null;
    }

    private static void CheckStatus(Stack stack, string region, IOperationLog log)
    {
        var reason = string.IsNullOrEmpty(stack.StackStatusReason) ? string.Empty : $" ({stack.StackStatusReason})";
        switch (Classify(stack.StackStatus))
        {
            case StackReadiness.Ready:
                return;

            case StackReadiness.Changing:
                log.Warning($"The stack '{stack.StackName}' is {stack.StackStatus}: its outputs are those of its last complete state and may change when the operation ends.");
                return;

            case StackReadiness.Deleted:
                throw new IamraException(NotFound, IamraErrorCategory.ObjectNotFound,
                    $"The stack '{stack.StackName}' in {region} was deleted ({stack.StackStatus}){reason}. Deploy it again (deploy/README.md), or name a stack that exists.", stack.StackName);
        }

        var advice = stack.StackStatus switch
        {
            "CREATE_IN_PROGRESS" or "REVIEW_IN_PROGRESS" => $"Wait until it is CREATE_COMPLETE (aws cloudformation wait stack-create-complete --stack-name {stack.StackName} --region {region}), then read it again.",
            "ROLLBACK_COMPLETE" or "ROLLBACK_IN_PROGRESS" or "ROLLBACK_FAILED" or "CREATE_FAILED" =>
                $"Its creation failed and its resources were (or are being) removed. The first failed event says why (aws cloudformation describe-stack-events --stack-name {stack.StackName} --region {region}); delete the stack and deploy it again.",
            "DELETE_IN_PROGRESS" or "DELETE_FAILED" => "It is being deleted (or its deletion failed): its resources may be gone.",
            _ => $"Its last operation failed; see its events (aws cloudformation describe-stack-events --stack-name {stack.StackName} --region {region}) and fix the stack before using it.",
        };
        throw new IamraException(NotReady, IamraErrorCategory.ResourceUnavailable,
            $"The stack '{stack.StackName}' is not ready: its status is {stack.StackStatus}{reason}. {advice}", stack.StackName);
    }

    private static string? Check(Stack stack, string key, string? value, Action<string> validate)
    {
        if (value is null)
        {
            return null;
        }

        try
        {
            validate(value);
            return value;
        }
        catch (IamraException e)
        {
            throw new IamraException(OutputInvalid, IamraErrorCategory.InvalidData,
                $"The stack '{stack.StackName}' output '{key}' = '{value}' is not valid: {e.Message}", stack.StackName, e);
        }
    }

    private static string DescribeOutputs(IReadOnlyDictionary<string, string> outputs) =>
        outputs.Count == 0 ? "The stack has no outputs." : $"Its outputs: {string.Join(", ", outputs.Keys.OrderBy(k => k, StringComparer.Ordinal))}.";
}
