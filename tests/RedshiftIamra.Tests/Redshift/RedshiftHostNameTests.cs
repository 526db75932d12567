using RedshiftIamra.Redshift;

namespace RedshiftIamra.Tests.Redshift;

/// <summary>
/// Host-name inference. The region must come from the label right before the service label,
/// also when a <c>.cn</c> suffix or a <c>:port</c> follows (the cases a greedy regex gets wrong).
/// </summary>
public sealed class RedshiftHostNameTests
{
    public static TheoryData<string, RedshiftHostKind, string?, string?, string?, int?> Cases => new()
    {
        // input, kind, identifier (cluster or workgroup), region, account, port
        { "examplecluster.abc123xyz789.us-east-1.redshift.amazonaws.com", RedshiftHostKind.Provisioned, "examplecluster", "us-east-1", null, null },
        { "examplecluster.abc123xyz789.us-west-2.redshift.amazonaws.com:5439", RedshiftHostKind.Provisioned, "examplecluster", "us-west-2", null, 5439 },
        { "examplecluster.abc123xyz789.cn-north-1.redshift.amazonaws.com.cn", RedshiftHostKind.Provisioned, "examplecluster", "cn-north-1", null, null },
        { "examplecluster.abc123xyz789.cn-northwest-1.redshift.amazonaws.com.cn:5439", RedshiftHostKind.Provisioned, "examplecluster", "cn-northwest-1", null, 5439 },
        { "my-cluster-01.cxyzabc123.eu-central-2.redshift.amazonaws.com:15439/dev", RedshiftHostKind.Provisioned, "my-cluster-01", "eu-central-2", null, 15439 },
        { "ExampleCluster.ABC123XYZ789.US-EAST-1.Redshift.AmazonAWS.com", RedshiftHostKind.Provisioned, "examplecluster", "us-east-1", null, null },
        { "examplecluster.abc123xyz789.us-east-1.redshift.amazonaws.com.", RedshiftHostKind.Provisioned, "examplecluster", "us-east-1", null, null },
        { "examplecluster.abc123xyz789.us-east-1.redshift.amazonaws.com.:5439", RedshiftHostKind.Provisioned, "examplecluster", "us-east-1", null, 5439 },
        { "  examplecluster.abc123xyz789.us-gov-west-1.redshift.amazonaws.com  ", RedshiftHostKind.Provisioned, "examplecluster", "us-gov-west-1", null, null },
        { "jdbc:redshift://examplecluster.abc123xyz789.ap-southeast-2.redshift.amazonaws.com:5439/sales", RedshiftHostKind.Provisioned, "examplecluster", "ap-southeast-2", null, 5439 },
        { "default-wg.111122223333.eu-central-1.redshift-serverless.amazonaws.com", RedshiftHostKind.Serverless, "default-wg", "eu-central-1", "111122223333", null },
        { "default-wg.111122223333.us-east-2.redshift-serverless.amazonaws.com:5440", RedshiftHostKind.Serverless, "default-wg", "us-east-2", "111122223333", 5440 },
        { "analytics.111122223333.cn-north-1.redshift-serverless.amazonaws.com.cn", RedshiftHostKind.Serverless, "analytics", "cn-north-1", "111122223333", null },
        { "analytics.111122223333.cn-north-1.redshift-serverless.amazonaws.com.cn:5439", RedshiftHostKind.Serverless, "analytics", "cn-north-1", "111122223333", 5439 },
        { "Analytics.111122223333.US-WEST-2.REDSHIFT-SERVERLESS.AMAZONAWS.COM.", RedshiftHostKind.Serverless, "analytics", "us-west-2", "111122223333", null },
        // custom domains, VPC endpoint names and near misses: unknown
        { "db.example.com", RedshiftHostKind.Unknown, null, null, null, null },
        { "db.example.com:5439", RedshiftHostKind.Unknown, null, null, null, 5439 },
        { "vpce-0abc123def456-xyz12345.vpce-svc-0123456789abcdef0.us-east-1.vpce.amazonaws.com", RedshiftHostKind.Unknown, null, null, null, null },
        { "vpce-0abc123def456-xyz12345.abc123xyz789.us-east-1.redshift.amazonaws.com", RedshiftHostKind.Unknown, null, null, null, null },
        { "my-endpoint.abc123xyz789.us-east-1.redshift.amazonaws.com.example.net", RedshiftHostKind.Unknown, null, null, null, null },
        { "examplecluster.abc123xyz789.cn-north-1.redshift.amazonaws.com", RedshiftHostKind.Unknown, null, null, null, null },
        { "examplecluster.abc123xyz789.us-east-1.redshift.amazonaws.com.cn", RedshiftHostKind.Unknown, null, null, null, null },
        { "analytics.1111.us-east-1.redshift-serverless.amazonaws.com", RedshiftHostKind.Unknown, null, null, null, null },
        { "examplecluster.us-east-1.redshift.amazonaws.com", RedshiftHostKind.Unknown, null, null, null, null },
        { "a.b.examplecluster.abc.us-east-1.redshift.amazonaws.com", RedshiftHostKind.Unknown, null, null, null, null },
        { "examplecluster.abc123xyz789.not-a-region.redshift.amazonaws.com", RedshiftHostKind.Unknown, null, null, null, null },
        { "my_cluster.abc123xyz789.us-east-1.redshift.amazonaws.com", RedshiftHostKind.Unknown, null, null, null, null },
        { "examplecluster.abc123xyz789.us-east-1.redshift.amazonaws.com:99999", RedshiftHostKind.Unknown, null, null, null, null },
        { "10.0.12.34:5439", RedshiftHostKind.Unknown, null, null, null, 5439 },
        { "", RedshiftHostKind.Unknown, null, null, null, null },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Host_names_are_read_from_the_right(string input, RedshiftHostKind kind, string? identifier, string? region, string? account, int? port)
    {
        var info = RedshiftHostName.Parse(input);

        Assert.Equal(kind, info.Kind);
        Assert.Equal(region, info.Region);
        Assert.Equal(account, info.AccountId);
        Assert.Equal(port, info.Port);
        switch (kind)
        {
            case RedshiftHostKind.Provisioned:
                Assert.Equal(identifier, info.ClusterIdentifier);
                Assert.Null(info.WorkgroupName);
                Assert.Null(info.Reason);
                break;
            case RedshiftHostKind.Serverless:
                Assert.Equal(identifier, info.WorkgroupName);
                Assert.Null(info.ClusterIdentifier);
                Assert.Null(info.Reason);
                break;
            default:
                Assert.Null(info.ClusterIdentifier);
                Assert.Null(info.WorkgroupName);
                Assert.Contains(RedshiftHostName.UnknownReason, info.Reason, StringComparison.Ordinal);
                Assert.StartsWith("unknown: ", info.ToString(), StringComparison.Ordinal);
                break;
        }
    }

    [Fact]
    public void The_database_after_a_slash_and_the_normalised_host_are_kept()
    {
        var info = RedshiftHostName.Parse("ExampleCluster.abc123xyz789.us-east-1.redshift.amazonaws.com.:5439/dev");
        Assert.Equal("dev", info.DbName);
        Assert.Equal("examplecluster.abc123xyz789.us-east-1.redshift.amazonaws.com", info.Host);
        Assert.Equal("provisioned cluster 'examplecluster' in us-east-1", info.ToString());
    }

    [Fact]
    public void Reasons_say_what_the_name_looks_like()
    {
        Assert.Contains("custom domain", RedshiftHostName.Parse("db.example.com").Reason, StringComparison.Ordinal);
        Assert.Contains("VPC endpoint", RedshiftHostName.Parse("vpce-0abc-xyz.vpce-svc-0123.us-east-1.vpce.amazonaws.com").Reason, StringComparison.Ordinal);
        Assert.Contains("VPC endpoint", RedshiftHostName.Parse("vpce-0abc-xyz.abc.us-east-1.redshift.amazonaws.com").Reason, StringComparison.Ordinal);
        Assert.Contains("12-digit account", RedshiftHostName.Parse("wg1.12345.us-east-1.redshift-serverless.amazonaws.com").Reason, StringComparison.Ordinal);
    }
}
