using RedshiftIamra.Aws;

namespace RedshiftIamra.Tests.Engine;

public class ArnAndEndpointTests
{
    private const string Anchor = "arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor/2b7d0c1e-6d5f-4b8a-9a61-0c4f2d9e8a11";

    [Theory]
    [InlineData("arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor/2b7d0c1e-6d5f-4b8a-9a61-0c4f2d9e8a11", "us-east-1")]
    [InlineData("arn:aws-cn:rolesanywhere:cn-north-1:123456789012:trust-anchor/2b7d0c1e-6d5f-4b8a-9a61-0c4f2d9e8a11", "cn-north-1")]
    [InlineData("arn:aws-us-gov:rolesanywhere:us-gov-west-1:123456789012:trust-anchor/2b7d0c1e-6d5f-4b8a-9a61-0c4f2d9e8a11", "us-gov-west-1")]
    public void TrustAnchorArnsParseWithTheirRegion(string arn, string region)
    {
        Assert.Equal(region, AwsArn.ParseRolesAnywhere(arn, "TrustAnchorArn", "trust-anchor").Region);
    }

    [Theory]
    [InlineData("", "not an ARN")]
    [InlineData("trust-anchor/abc", "not an ARN")]
    [InlineData("arn:aws:iam::123456789012:role/x", "not 'rolesanywhere'")]
    [InlineData("arn:aws:rolesanywhere:useast1:123456789012:trust-anchor/2b7d0c1e-6d5f-4b8a-9a61-0c4f2d9e8a11", "not a region")]
    [InlineData("arn:aws:rolesanywhere:cn-north-1:123456789012:trust-anchor/2b7d0c1e-6d5f-4b8a-9a61-0c4f2d9e8a11", "not in partition aws")]
    [InlineData("arn:aws:rolesanywhere:us-east-1:12345:trust-anchor/2b7d0c1e-6d5f-4b8a-9a61-0c4f2d9e8a11", "12-digit")]
    [InlineData("arn:aws:rolesanywhere:us-east-1:123456789012:profile/2b7d0c1e-6d5f-4b8a-9a61-0c4f2d9e8a11", "trust-anchor/<id>")]
    [InlineData("arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor/not-a-uuid", "UUID")]
    [InlineData("arn:aws-xyz:rolesanywhere:us-east-1:123456789012:trust-anchor/2b7d0c1e-6d5f-4b8a-9a61-0c4f2d9e8a11", "partition")]
    public void BadTrustAnchorArnsNameTheValueAndTheProblem(string arn, string why)
    {
        var e = Assert.Throws<IamraException>(() => AwsArn.ParseRolesAnywhere(arn, "TrustAnchorArn", "trust-anchor"));
        Assert.Equal("IamraInvalidArn", e.ErrorId);
        Assert.Equal(IamraErrorCategory.InvalidArgument, e.Category);
        Assert.Contains($"-TrustAnchorArn '{arn}'", e.Message);
        Assert.Contains(why, e.Message);
    }

    [Theory]
    [InlineData("arn:aws:iam::123456789012:role/redshift-etl", "redshift-etl")]
    [InlineData("arn:aws:iam::123456789012:role/service/team/redshift+etl@x", "redshift+etl@x")]
    public void RoleArnsParse(string arn, string name) => Assert.Equal(name, AwsArn.ParseRole(arn, "RoleArn").RoleName);

    [Theory]
    [InlineData("arn:aws:iam:us-east-1:123456789012:role/x")]
    [InlineData("arn:aws:iam::123456789012:user/x")]
    [InlineData("arn:aws:iam::123456789012:role/")]
    [InlineData("arn:aws:sts::123456789012:assumed-role/x/y")]
    [InlineData("arn:aws:iam::123456789012:role/has space")]
    public void BadRoleArnsAreRejected(string arn)
    {
        Assert.Equal("IamraInvalidArn", Assert.Throws<IamraException>(() => AwsArn.ParseRole(arn, "RoleArn")).ErrorId);
    }

    [Theory]
    [InlineData("us-east-1", true)]
    [InlineData("ap-southeast-4", true)]
    [InlineData("us-gov-west-1", true)]
    [InlineData("cn-northwest-1", true)]
    [InlineData("US-EAST-1", false)]
    [InlineData("us-east", false)]
    [InlineData("mars-1", false)]
    [InlineData("", false)]
    public void RegionNames(string region, bool valid) => Assert.Equal(valid, AwsRegion.IsValid(region));

    [Theory]
    [InlineData("us-east-1", "https://rolesanywhere.us-east-1.amazonaws.com/")]
    [InlineData("cn-north-1", "https://rolesanywhere.cn-north-1.amazonaws.com.cn/")]
    public void DefaultEndpointFollowsThePartition(string region, string expected)
    {
        var endpoint = AwsEndpoint.Resolve(null, "ROLESANYWHERE", "rolesanywhere", region, false, _ => null);
        Assert.Equal(expected, endpoint.Uri.ToString());
        Assert.Contains(region, endpoint.Source);
    }

    [Fact]
    public void EndpointPrecedenceIsParameterThenServiceVariableThenGlobalThenFips()
    {
        var env = new Dictionary<string, string?>
        {
            ["AWS_ENDPOINT_URL_ROLESANYWHERE"] = "https://service.example.test",
            ["AWS_ENDPOINT_URL"] = "https://global.example.test",
            ["AWS_USE_FIPS_ENDPOINT"] = "true",
        };
        string? Read(string key) => env.TryGetValue(key, out var v) ? v : null;

        Assert.Equal("https://explicit.example.test/", AwsEndpoint.Resolve("https://explicit.example.test", "ROLESANYWHERE", "rolesanywhere", "us-east-1", false, Read).Uri.ToString());
        var fromService = AwsEndpoint.Resolve(null, "ROLESANYWHERE", "rolesanywhere", "us-east-1", false, Read);
        Assert.Equal("https://service.example.test/", fromService.Uri.ToString());
        Assert.Contains("AWS_ENDPOINT_URL_ROLESANYWHERE", fromService.Source);
        env.Remove("AWS_ENDPOINT_URL_ROLESANYWHERE");
        Assert.Equal("https://global.example.test/", AwsEndpoint.Resolve(null, "ROLESANYWHERE", "rolesanywhere", "us-east-1", false, Read).Uri.ToString());
        env.Remove("AWS_ENDPOINT_URL");
        Assert.Equal("https://rolesanywhere-fips.us-east-1.amazonaws.com/", AwsEndpoint.Resolve(null, "ROLESANYWHERE", "rolesanywhere", "us-east-1", false, Read).Uri.ToString());
    }

    [Theory]
    [InlineData("http://127.0.0.1:8080", true)]
    [InlineData("http://localhost:8080/", true)]
    [InlineData("https://vpce-0abc.rolesanywhere.us-east-1.vpce.amazonaws.com", true)]
    [InlineData("http://rolesanywhere.example.test", false)]
    [InlineData("ftp://example.test", false)]
    [InlineData("rolesanywhere.us-east-1.amazonaws.com", false)]
    [InlineData("https://example.test/?x=1", false)]
    public void EndpointsMustBeHttpsExceptLoopback(string url, bool accepted)
    {
        if (accepted)
        {
            Assert.NotNull(AwsEndpoint.Validate(url, "-EndpointUrl", allowInsecureHttp: false));
        }
        else
        {
            var e = Assert.Throws<IamraException>(() => AwsEndpoint.Validate(url, "-EndpointUrl", allowInsecureHttp: false));
            Assert.Equal("IamraInvalidEndpoint", e.ErrorId);
            Assert.Contains(url, e.Message);
        }
    }

    [Fact]
    public void PlainHttpToARemoteHostNeedsTheExplicitSwitch()
    {
        Assert.Equal("http://example.test/", AwsEndpoint.Validate("http://example.test", "-EndpointUrl", allowInsecureHttp: true).ToString());
    }

    [Fact]
    public void AnchorConstantIsValid() => Assert.Equal("123456789012", AwsArn.ParseRolesAnywhere(Anchor, "TrustAnchorArn", "trust-anchor").Account);
}
