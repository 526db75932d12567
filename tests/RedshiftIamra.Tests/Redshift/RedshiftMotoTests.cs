using RedshiftIamra.Aws;
using RedshiftIamra.Redshift;

namespace RedshiftIamra.Tests.Redshift;

/// <summary>
/// Our Redshift client against moto_server with SigV4 signature checking and IAM policy
/// evaluation on: moto recomputes each signature with botocore from the IAM user's secret.
/// </summary>
public sealed class RedshiftMotoTests(MotoServerFixture moto) : IClassFixture<MotoServerFixture>
{
    [Fact]
    public async Task GetClusterCredentials_is_accepted_and_answered()
    {
        var before = DateTimeOffset.UtcNow;
        var response = await moto.Client(moto.Admin).GetClusterCredentialsAsync(new GetClusterCredentialsRequest
        {
            DbUser = "alice",
            ClusterIdentifier = MotoServerFixture.ClusterIdentifier,
            DbName = MotoServerFixture.DbName,
            DurationSeconds = 3600,
            DbGroups = ["analysts"],
        }, NullOperationLog.Instance, default);

        Assert.Equal("IAM:alice", response.DbUser);
        Assert.False(string.IsNullOrEmpty(response.DbPassword));
        Assert.InRange(response.Expiration, before.AddSeconds(3600 - 60), DateTimeOffset.UtcNow.AddSeconds(3600 + 60));
        Assert.False(string.IsNullOrEmpty(response.RequestId));
    }

    [Fact]
    public async Task AutoCreate_true_is_sent_as_true()
    {
        var response = await moto.Client(moto.Admin).GetClusterCredentialsAsync(new GetClusterCredentialsRequest
        {
            DbUser = "newuser",
            ClusterIdentifier = MotoServerFixture.ClusterIdentifier,
            AutoCreate = true,
        }, NullOperationLog.Instance, default);

        // moto answers IAMA: only when it read AutoCreate as true.
        Assert.Equal("IAMA:newuser", response.DbUser);
        Assert.InRange(response.Expiration, DateTimeOffset.UtcNow.AddSeconds(900 - 60), DateTimeOffset.UtcNow.AddSeconds(900 + 60));
    }

    [Fact]
    public async Task DescribeClusters_returns_the_cluster_and_its_endpoint()
    {
        var response = await moto.Client(moto.Admin).DescribeClustersAsync(new DescribeClustersRequest { ClusterIdentifier = MotoServerFixture.ClusterIdentifier }, NullOperationLog.Instance, default);

        var cluster = Assert.Single(response.Clusters);
        Assert.Equal(MotoServerFixture.ClusterIdentifier, cluster.ClusterIdentifier);
        Assert.Equal("available", cluster.ClusterStatus);
        Assert.Equal(MotoServerFixture.DbName, cluster.DBName);
        Assert.NotNull(cluster.Endpoint);
        Assert.Equal(5439, cluster.Endpoint!.Port);
        var host = RedshiftHostName.Parse(cluster.Endpoint.Address);
        Assert.Equal(RedshiftHostKind.Provisioned, host.Kind);
        Assert.Equal(MotoServerFixture.ClusterIdentifier, host.ClusterIdentifier);
        Assert.Equal(MotoServerFixture.Region, host.Region);
    }

    [Fact]
    public async Task Unknown_cluster_is_RedshiftClusterNotFound()
    {
        var e = await Assert.ThrowsAsync<IamraException>(() => moto.Client(moto.Admin).GetClusterCredentialsAsync(
            new GetClusterCredentialsRequest { DbUser = "alice", ClusterIdentifier = "nosuchcluster" }, NullOperationLog.Instance, default));

        Assert.Equal(ErrorIds.Redshift.ClusterNotFound, e.ErrorId);
        Assert.Contains("nosuchcluster", e.Message, StringComparison.Ordinal);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, Assert.IsType<AwsServiceException>(e.InnerException).Error.Status);
    }

    [Fact]
    public async Task A_wrong_secret_key_is_rejected_so_signatures_really_are_checked()
    {
        var forged = new AwsCredentials(moto.Admin.AccessKeyId, moto.Admin.SecretAccessKey[..^1] + (moto.Admin.SecretAccessKey[^1] == 'A' ? "B" : "A"));
        var e = await Assert.ThrowsAsync<IamraException>(() => moto.Client(forged).DescribeClustersAsync(
            new DescribeClustersRequest { ClusterIdentifier = MotoServerFixture.ClusterIdentifier }, NullOperationLog.Instance, default));

        Assert.Equal(ErrorIds.Aws.SignatureRejected, e.ErrorId);
        Assert.Equal("SignatureDoesNotMatch", Assert.IsType<AwsServiceException>(e.InnerException).Error.Code);
    }

    [Fact]
    public async Task An_unknown_access_key_is_rejected()
    {
        var e = await Assert.ThrowsAsync<IamraException>(() => moto.Client(new AwsCredentials("AKIANOSUCHKEY0000000", "whatever")).DescribeClustersAsync(
            new DescribeClustersRequest(), NullOperationLog.Instance, default));
        Assert.Equal(ErrorIds.Aws.InvalidClientToken, e.ErrorId);
    }

    [Fact]
    public async Task A_user_without_the_permission_gets_RedshiftAccessDenied_naming_action_and_resource()
    {
        var reader = moto.Client(moto.Reader, accountId: MotoServerFixture.AccountId);
        var described = await reader.DescribeClustersAsync(new DescribeClustersRequest { ClusterIdentifier = MotoServerFixture.ClusterIdentifier }, NullOperationLog.Instance, default);
        Assert.Single(described.Clusters);

        var e = await Assert.ThrowsAsync<IamraException>(() => reader.GetClusterCredentialsAsync(
            new GetClusterCredentialsRequest { DbUser = "alice", ClusterIdentifier = MotoServerFixture.ClusterIdentifier, DbName = "dev" }, NullOperationLog.Instance, default));
        Assert.Equal(ErrorIds.Redshift.AccessDenied, e.ErrorId);
        Assert.Contains("is not authorized to perform: redshift:GetClusterCredentials", e.Message, StringComparison.Ordinal);
        Assert.Contains("redshift:GetClusterCredentials on arn:aws:redshift:us-east-1:123456789012:dbuser:examplecluster/alice and arn:aws:redshift:us-east-1:123456789012:dbname:examplecluster/dev", e.Message, StringComparison.Ordinal);
    }
}
