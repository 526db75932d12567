using System.Net;
using RedshiftIamra.Aws;
using RedshiftIamra.Redshift;

namespace RedshiftIamra.Tests.Redshift;

/// <summary>Access-denied messages name the exact IAM actions and resource ARNs; codes map to stable ids.</summary>
public sealed class RedshiftErrorsTests
{
    private static readonly AwsEndpoint Endpoint = new(new Uri("https://redshift.us-east-1.amazonaws.com/"), "test");

    private static RedshiftErrorContext Context(string operation, string region = "us-east-1") => new(operation, region, Endpoint);

    [Fact]
    public void GetClusterCredentials_needs_dbuser_dbname_joingroup_and_createclusteruser()
    {
        var context = Context("GetClusterCredentials") with
        {
            AccountId = "111122223333",
            ClusterIdentifier = "examplecluster",
            DbUser = "alice",
            DbName = "dev",
            DbGroups = ["analysts", "etl"],
            AutoCreate = true,
        };

        Assert.Equal(
            "redshift:GetClusterCredentials on arn:aws:redshift:us-east-1:111122223333:dbuser:examplecluster/alice and arn:aws:redshift:us-east-1:111122223333:dbname:examplecluster/dev; "
            + "redshift:JoinGroup on arn:aws:redshift:us-east-1:111122223333:dbgroup:examplecluster/analysts, arn:aws:redshift:us-east-1:111122223333:dbgroup:examplecluster/etl; "
            + "redshift:CreateClusterUser on arn:aws:redshift:us-east-1:111122223333:dbuser:examplecluster/alice",
            RedshiftErrors.RequiredPermissions(context));
    }

    [Fact]
    public void Without_groups_autocreate_dbname_or_account_only_the_dbuser_with_a_placeholder_account()
    {
        var context = Context("GetClusterCredentials", "cn-north-1") with { ClusterIdentifier = "c1", DbUser = "bob" };
        Assert.Equal("redshift:GetClusterCredentials on arn:aws-cn:redshift:cn-north-1:<account>:dbuser:c1/bob", RedshiftErrors.RequiredPermissions(context));
    }

    [Theory]
    [InlineData("GetClusterCredentialsWithIAM", "dev", "redshift:GetClusterCredentialsWithIAM on arn:aws-us-gov:redshift:us-gov-west-1:111122223333:dbname:c1/dev")]
    [InlineData("GetClusterCredentialsWithIAM", null, "redshift:GetClusterCredentialsWithIAM on arn:aws-us-gov:redshift:us-gov-west-1:111122223333:dbname:c1/*")]
    [InlineData("DescribeClusters", null, "redshift:DescribeClusters on arn:aws-us-gov:redshift:us-gov-west-1:111122223333:cluster:c1")]
    public void Other_provisioned_operations(string operation, string? db, string expected)
    {
        var context = Context(operation, "us-gov-west-1") with { AccountId = "111122223333", ClusterIdentifier = "c1", DbName = db };
        Assert.Equal(expected, RedshiftErrors.RequiredPermissions(context));
    }

    [Fact]
    public void Serverless_GetCredentials_names_the_workgroup_arn_when_known_else_says_how_to_find_it()
    {
        var known = Context("GetCredentials") with { WorkgroupName = "analytics", WorkgroupArn = "arn:aws:redshift-serverless:us-east-1:111122223333:workgroup/8f14e45f-ceea-467f-a8f8-2b3b1d2c0a11" };
        Assert.Equal("redshift-serverless:GetCredentials on arn:aws:redshift-serverless:us-east-1:111122223333:workgroup/8f14e45f-ceea-467f-a8f8-2b3b1d2c0a11", RedshiftErrors.RequiredPermissions(known));

        var unknown = Context("GetCredentials") with { WorkgroupName = "analytics", AccountId = "111122223333" };
        var text = RedshiftErrors.RequiredPermissions(unknown);
        Assert.StartsWith("redshift-serverless:GetCredentials on arn:aws:redshift-serverless:us-east-1:111122223333:workgroup/<id of workgroup 'analytics'>", text, StringComparison.Ordinal);
        Assert.Contains("get-workgroup --workgroup-name analytics", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("AccessDenied", 403, ErrorIds.Redshift.AccessDenied, IamraErrorCategory.PermissionDenied)]
    [InlineData("AccessDeniedException", 400, ErrorIds.Redshift.AccessDenied, IamraErrorCategory.PermissionDenied)]
    [InlineData("UnauthorizedOperation", 403, ErrorIds.Redshift.AccessDenied, IamraErrorCategory.PermissionDenied)]
    [InlineData("ClusterNotFound", 404, ErrorIds.Redshift.ClusterNotFound, IamraErrorCategory.ObjectNotFound)]
    [InlineData("InvalidClusterState", 400, ErrorIds.Redshift.ClusterNotAvailable, IamraErrorCategory.ResourceUnavailable)]
    [InlineData("UnsupportedOperation", 400, ErrorIds.Redshift.UnsupportedOperation, IamraErrorCategory.InvalidOperation)]
    [InlineData("ExpiredToken", 403, ErrorIds.Redshift.ExpiredToken, IamraErrorCategory.AuthenticationError)]
    [InlineData("InvalidParameterValue", 400, ErrorIds.Redshift.InvalidParameter, IamraErrorCategory.InvalidArgument)]
    [InlineData("SignatureDoesNotMatch", 403, ErrorIds.Aws.SignatureRejected, IamraErrorCategory.AuthenticationError)]
    [InlineData("Throttling", 400, ErrorIds.Aws.Throttled, IamraErrorCategory.LimitsExceeded)]
    [InlineData("InternalFailure", 500, ErrorIds.Aws.ServiceUnavailable, IamraErrorCategory.ResourceUnavailable)]
    [InlineData("Whatever", 403, ErrorIds.Redshift.AccessDenied, IamraErrorCategory.PermissionDenied)]
    [InlineData("Whatever", 400, ErrorIds.Redshift.ServiceError, IamraErrorCategory.NotSpecified)]
    public void Codes_map_to_ids_and_categories(string code, int status, string expectedId, IamraErrorCategory category)
    {
        var error = new AwsServiceError((HttpStatusCode)status, code, "the service's words", "rid-9", null);
        var context = Context("GetClusterCredentials") with { ClusterIdentifier = "c1", DbUser = "alice" };
        var mapped = RedshiftErrors.Map(new AwsServiceException(error, "GetClusterCredentials", TimeSpan.FromSeconds(1.5), 4), context);
        Assert.Equal(expectedId, mapped.ErrorId);
        Assert.Equal(category, mapped.Category);
        Assert.Contains("the service's words", mapped.Message, StringComparison.Ordinal);
        Assert.Contains("rid-9", mapped.Message, StringComparison.Ordinal);
        Assert.IsType<AwsServiceException>(mapped.InnerException);
    }

    [Fact]
    public void ResourceNotFound_from_serverless_is_workgroup_not_found()
    {
        var error = new AwsServiceError(HttpStatusCode.BadRequest, "ResourceNotFoundException", "Workgroup wg1 not found", null, null);
        var mapped = RedshiftErrors.Map(new AwsServiceException(error, "GetWorkgroup", TimeSpan.Zero, 1), Context("GetWorkgroup") with { WorkgroupName = "wg1" });
        Assert.Equal(ErrorIds.Redshift.WorkgroupNotFound, mapped.ErrorId);
        Assert.Contains("'wg1'", mapped.Message, StringComparison.Ordinal);
        Assert.Equal("wg1", mapped.Target);
    }
}
