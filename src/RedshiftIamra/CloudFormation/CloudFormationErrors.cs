using System.Net;
using RedshiftIamra.Aws;

namespace RedshiftIamra.CloudFormation;

/// <summary>What a CloudFormation call was about, for error messages that name the stack, the action and the resource.</summary>
public sealed record CloudFormationErrorContext(string Operation, string Region, AwsEndpoint Endpoint)
{
    public string? StackName { get; init; }

    /// <summary>The caller's account when known, for the resource ARN access-denied messages name.</summary>
    public string? AccountId { get; init; }
}

/// <summary>Turns CloudFormation errors into messages that name the cause and the fix.</summary>
public static class CloudFormationErrors
{
    public static IamraException Map(AwsServiceException exception, CloudFormationErrorContext context)
    {
        ArgumentNullException.ThrowIfNull(exception);
        ArgumentNullException.ThrowIfNull(context);
        var error = exception.Error;
        var said = $"CloudFormation said: {error.Code}: {error.Message}{(error.RequestId is null ? string.Empty : $" (request id {error.RequestId})")}.";
        object target = context.StackName ?? (object)context.Endpoint.Uri;
        var where = $"{context.Region} ({context.Endpoint.Uri.Host})";
        var stack = context.StackName is null ? "the stacks" : $"the stack '{context.StackName}'";

        if (error.IsThrottling)
        {
            return new IamraException(ErrorIds.Aws.Throttled, IamraErrorCategory.LimitsExceeded,
                $"CloudFormation kept throttling {context.Operation} after {exception.Attempts} attempts in {exception.Elapsed.TotalSeconds:0.0} s. {said} Read the stack once and keep the result (Save-RedshiftIamraConfig), or spread the callers out.", target, exception);
        }

        if (error.IsTransient)
        {
            return new IamraException(ErrorIds.Aws.ServiceUnavailable, IamraErrorCategory.ResourceUnavailable,
                $"CloudFormation failed {context.Operation} with a server error after {exception.Attempts} attempts in {exception.Elapsed.TotalSeconds:0.0} s. {said} Try again later.", target, exception);
        }

        switch (error.Code)
        {
            case "ValidationError" when error.Message.Contains("does not exist", StringComparison.OrdinalIgnoreCase):
                return new IamraException(ErrorIds.Stack.NotFound, IamraErrorCategory.ObjectNotFound,
                    $"{Capital(stack)} does not exist in {where}. {said} Check -StackName and -Region: a stack lives in one region and account (aws cloudformation list-stacks --region {context.Region} lists them).", target, exception);

            case "AccessDenied" or "AccessDeniedException" or "UnauthorizedOperation":
                return new IamraException(ErrorIds.Stack.AccessDenied, IamraErrorCategory.PermissionDenied,
                    $"CloudFormation denied {context.Operation} on {stack}. {said} The caller needs {RequiredPermission(context)}.", target, exception) { RecommendedAction = "Grant " + RequiredPermission(context) };

            case "ExpiredToken" or "ExpiredTokenException":
                return new IamraException(ErrorIds.Aws.ExpiredToken, IamraErrorCategory.AuthenticationError,
                    $"The AWS session used for {context.Operation} has expired. {said} Renew the session (Get-IamraSession -Force) or the profile's credentials, and call again.", target, exception);

            case "SignatureDoesNotMatch" or "InvalidSignatureException" or "IncompleteSignature":
                return new IamraException(ErrorIds.Aws.SignatureRejected, IamraErrorCategory.AuthenticationError,
                    $"CloudFormation rejected the request signature of {context.Operation}. {said} The secret access key does not belong to the access key id, or a proxy changed the request.", target, exception);

            case "InvalidClientTokenId" or "UnrecognizedClientException" or "InvalidAccessKeyId":
                return new IamraException(ErrorIds.Aws.InvalidClientToken, IamraErrorCategory.AuthenticationError,
                    $"AWS does not know the access key or session token {context.Operation} was signed with. {said} The key may be deleted or inactive, or the session token belongs to another key; get fresh credentials.", target, exception);

            case "ValidationError" or "InvalidParameterValue" or "InvalidParameterCombination":
                return new IamraException(ErrorIds.Stack.InvalidParameter, IamraErrorCategory.InvalidArgument,
                    $"CloudFormation rejected the parameters of {context.Operation} for {stack}. {said}", target, exception);
        }

        if (error.Status == HttpStatusCode.Forbidden)
        {
            return new IamraException(ErrorIds.Stack.AccessDenied, IamraErrorCategory.PermissionDenied,
                $"CloudFormation refused {context.Operation} on {stack} (HTTP 403). {said} The caller may need {RequiredPermission(context)}.", target, exception);
        }

        return new IamraException(ErrorIds.Stack.ServiceError, IamraErrorCategory.NotSpecified, $"CloudFormation {context.Operation} for {stack} failed. {said}", target, exception);
    }

    /// <summary>The IAM action and resource the caller needs, spelled out.</summary>
    public static string RequiredPermission(CloudFormationErrorContext context)
    {
        var account = string.IsNullOrEmpty(context.AccountId) ? "<account>" : context.AccountId;
        var name = context.StackName is null ? "*" : CloudFormationNames.NameOf(context.StackName);
        return $"cloudformation:{context.Operation} on arn:{AwsPartition.Of(context.Region)}:cloudformation:{context.Region}:{account}:stack/{name}/*";
    }

    private static string Capital(string text) => char.ToUpperInvariant(text[0]) + text[1..];
}
