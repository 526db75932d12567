using System.Net;
using RedshiftIamra.Aws;

namespace RedshiftIamra.Redshift;

/// <summary>What a Redshift call was about, for error messages that name the exact IAM action and resource.</summary>
public sealed record RedshiftErrorContext(string Operation, string Region, AwsEndpoint Endpoint)
{
    public string? ClusterIdentifier { get; init; }

    public string? WorkgroupName { get; init; }

    /// <summary>The workgroup's ARN when known (GetWorkgroup gives it): its last part is an id, not the name.</summary>
    public string? WorkgroupArn { get; init; }

    public string? DbUser { get; init; }

    public string? DbName { get; init; }

    public IReadOnlyList<string> DbGroups { get; init; } = Array.Empty<string>();

    public bool AutoCreate { get; init; }

    public string? CustomDomainName { get; init; }

    /// <summary>The caller's account (from the assumed-role ARN), or null: ARNs then say <c>&lt;account&gt;</c>.</summary>
    public string? AccountId { get; init; }
}

/// <summary>Turns Redshift and Redshift Serverless errors into messages that name the cause and the fix.</summary>
public static class RedshiftErrors
{
    /// <summary>True for the error a caller answers by renewing its AWS session once and calling again.</summary>
    public static bool IsExpiredToken(Exception exception) => exception is IamraException { ErrorId: ErrorIds.Redshift.ExpiredToken };

    public static IamraException Map(AwsServiceException exception, RedshiftErrorContext context)
    {
        var error = exception.Error;
        var service = context.Operation == "GetCredentials" || context.Operation == "GetWorkgroup" ? "Redshift Serverless" : "Redshift";
        var said = $"{service} said: {error.Code}: {error.Message}{(error.RequestId is null ? string.Empty : $" (request id {error.RequestId})")}.";
        object target = context.ClusterIdentifier ?? context.WorkgroupName ?? context.CustomDomainName ?? (object)context.Endpoint.Uri;
        var where = $"{context.Region} ({context.Endpoint.Uri.Host})";

        if (error.IsThrottling)
        {
            return new IamraException(ErrorIds.Aws.Throttled, IamraErrorCategory.LimitsExceeded,
                $"{service} kept throttling {context.Operation} after {exception.Attempts} attempts in {exception.Elapsed.TotalSeconds:0.0} s. {said} Reuse database credentials until they near expiry, or spread the callers out.", target, exception);
        }

        if (error.IsTransient)
        {
            return new IamraException(ErrorIds.Aws.ServiceUnavailable, IamraErrorCategory.ResourceUnavailable,
                $"{service} failed {context.Operation} with a server error after {exception.Attempts} attempts in {exception.Elapsed.TotalSeconds:0.0} s. {said} Try again later.", target, exception);
        }

        switch (error.Code)
        {
            case "ClusterNotFound" or "ClusterNotFoundFault":
                return new IamraException(ErrorIds.Redshift.ClusterNotFound, IamraErrorCategory.ObjectNotFound,
                    $"The cluster {Describe(context.ClusterIdentifier, context.CustomDomainName)} was not found in {where}. {said} Check -ClusterIdentifier (the first label of the host name, not the whole host name) and -Region{(context.CustomDomainName is null ? string.Empty : ", and that the custom domain is associated with the cluster")}.", target, exception);

            case "ResourceNotFoundException" when service == "Redshift Serverless":
                return new IamraException(ErrorIds.Redshift.WorkgroupNotFound, IamraErrorCategory.ObjectNotFound,
                    $"The workgroup {Describe(context.WorkgroupName, context.CustomDomainName)} was not found in {where}. {said} Check -WorkgroupName (the first label of the host name) and -Region.", target, exception);

            case "AccessDenied" or "AccessDeniedException" or "UnauthorizedOperation" or "AccessDeniedFault":
                return new IamraException(ErrorIds.Redshift.AccessDenied, IamraErrorCategory.PermissionDenied,
                    $"{service} denied {context.Operation}{For(context)}. {said} The role needs {RequiredPermissions(context)} in its identity policy (and no SCP or permissions boundary denying it).", target, exception) { RecommendedAction = "Grant " + RequiredPermissions(context) };

            case "UnsupportedOperation" or "UnsupportedOperationFault":
                return new IamraException(ErrorIds.Redshift.UnsupportedOperation, IamraErrorCategory.InvalidOperation,
                    $"{service} does not support {context.Operation}{For(context)}. {said} {(context.Operation == "GetClusterCredentialsWithIAM" ? "The cluster may not support IAM identity credentials; use -DbUser (GetClusterCredentials) instead." : "Check the cluster's type and version, and the parameters.")}", target, exception);

            case "InvalidClusterState" or "InvalidClusterStateFault":
                return new IamraException(ErrorIds.Redshift.ClusterNotAvailable, IamraErrorCategory.ResourceUnavailable,
                    $"The cluster {Describe(context.ClusterIdentifier, context.CustomDomainName)} is not available for {context.Operation} (it may be creating, paused, resizing or rebooting). {said} Wait until its status is 'available' (DescribeClusters), or resume it.", target, exception);

            case "ExpiredToken" or "ExpiredTokenException":
                return new IamraException(ErrorIds.Redshift.ExpiredToken, IamraErrorCategory.AuthenticationError,
                    $"The AWS session used for {context.Operation} has expired. {said} Renew the session (Get-IamraSession -Force) and call again.", target, exception);

            case "InvalidParameterValue" or "InvalidParameterCombination" or "ValidationException" or "InvalidParameterValueException":
                return new IamraException(ErrorIds.Redshift.InvalidParameter, IamraErrorCategory.InvalidArgument,
                    $"{service} rejected the parameters of {context.Operation}{For(context)}. {said}", target, exception);

            case "SignatureDoesNotMatch" or "InvalidSignatureException" or "IncompleteSignature":
                return new IamraException(ErrorIds.Aws.SignatureRejected, IamraErrorCategory.AuthenticationError,
                    $"{service} rejected the request signature of {context.Operation}. {said} The secret access key does not belong to the access key id, or a proxy changed the request.", target, exception);

            case "InvalidClientTokenId" or "UnrecognizedClientException" or "InvalidAccessKeyId":
                return new IamraException(ErrorIds.Aws.InvalidClientToken, IamraErrorCategory.AuthenticationError,
                    $"AWS does not know the access key or session token {context.Operation} was signed with. {said} The key may be deleted or inactive, or the session token belongs to another key; get fresh credentials.", target, exception);
        }

        if (error.Status == HttpStatusCode.Forbidden)
        {
            return new IamraException(ErrorIds.Redshift.AccessDenied, IamraErrorCategory.PermissionDenied,
                $"{service} refused {context.Operation}{For(context)} (HTTP 403). {said} The role may need {RequiredPermissions(context)}.", target, exception);
        }

        return new IamraException(ErrorIds.Redshift.ServiceError, IamraErrorCategory.NotSpecified, $"{service} {context.Operation}{For(context)} failed. {said}", target, exception);
    }

    /// <summary>The IAM actions and resource ARNs the caller needs for the call, spelled out.</summary>
    public static string RequiredPermissions(RedshiftErrorContext context)
    {
        var partition = AwsPartition.Of(context.Region);
        var account = string.IsNullOrEmpty(context.AccountId) ? "<account>" : context.AccountId;
        var prefix = $"arn:{partition}:redshift:{context.Region}:{account}";
        var cluster = context.ClusterIdentifier ?? "<cluster>";
        var parts = new List<string>();
        switch (context.Operation)
        {
            case "GetClusterCredentials":
            {
                var user = context.DbUser ?? "<user>";
                var resources = new List<string> { $"{prefix}:dbuser:{cluster}/{user}" };
                if (context.DbName is not null)
                {
                    resources.Add($"{prefix}:dbname:{cluster}/{context.DbName}");
                }

                parts.Add($"redshift:GetClusterCredentials on {string.Join(" and ", resources)}");
                if (context.DbGroups.Count > 0)
                {
                    parts.Add($"redshift:JoinGroup on {string.Join(", ", context.DbGroups.Select(g => $"{prefix}:dbgroup:{cluster}/{g}"))}");
                }

                if (context.AutoCreate)
                {
                    parts.Add($"redshift:CreateClusterUser on {prefix}:dbuser:{cluster}/{user}");
                }

                break;
            }

            case "GetClusterCredentialsWithIAM":
                parts.Add($"redshift:GetClusterCredentialsWithIAM on {prefix}:dbname:{cluster}/{context.DbName ?? "*"}");
                break;

            case "DescribeClusters":
                parts.Add($"redshift:DescribeClusters on {(context.ClusterIdentifier is null ? "*" : $"{prefix}:cluster:{cluster}")}");
                break;

            case "GetCredentials":
                parts.Add($"redshift-serverless:GetCredentials on {WorkgroupArn(context, partition, account)}");
                break;

            case "GetWorkgroup":
                parts.Add($"redshift-serverless:GetWorkgroup on {WorkgroupArn(context, partition, account)}");
                break;

            default:
                parts.Add($"permission for {context.Operation}");
                break;
        }

        return string.Join("; ", parts);
    }

    private static string WorkgroupArn(RedshiftErrorContext context, string partition, string account)
    {
        if (!string.IsNullOrEmpty(context.WorkgroupArn))
        {
            return context.WorkgroupArn;
        }

        // The ARN ends in the workgroup's id, which only GetWorkgroup tells.
        return $"arn:{partition}:redshift-serverless:{context.Region}:{account}:workgroup/<id of workgroup '{context.WorkgroupName ?? context.CustomDomainName ?? "?"}'> (aws redshift-serverless get-workgroup --workgroup-name {context.WorkgroupName ?? "<name>"} shows its workgroupArn)";
    }

    private static string For(RedshiftErrorContext context)
    {
        var what = new List<string>();
        if (context.ClusterIdentifier is not null)
        {
            what.Add($"cluster '{context.ClusterIdentifier}'");
        }

        if (context.WorkgroupName is not null)
        {
            what.Add($"workgroup '{context.WorkgroupName}'");
        }

        if (context.CustomDomainName is not null)
        {
            what.Add($"custom domain '{context.CustomDomainName}'");
        }

        if (context.DbUser is not null)
        {
            what.Add($"user '{context.DbUser}'");
        }

        if (context.DbName is not null)
        {
            what.Add($"database '{context.DbName}'");
        }

        return what.Count == 0 ? string.Empty : $" for {string.Join(", ", what)}";
    }

    private static string Describe(string? identifier, string? customDomain) =>
        identifier is not null ? $"'{identifier}'" : customDomain is not null ? $"with custom domain '{customDomain}'" : "(none given)";
}
