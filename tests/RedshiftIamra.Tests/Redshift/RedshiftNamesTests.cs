using RedshiftIamra.Redshift;

namespace RedshiftIamra.Tests.Redshift;

/// <summary>The naming rules, as a table: each bad value gives its error id and a message naming the value.</summary>
public sealed class RedshiftNamesTests
{
    private static readonly string Long64 = "a" + new string('b', 63);
    private static readonly string Long65 = "a" + new string('b', 64);

    public static TheoryData<string, string?, string?> Cases => new()
    {
        // kind, value, expected error id (null = valid)
        { "user", "alice", null },
        { "user", "A", null },
        { "user", "etl_user+1.x@corp-2", null },
        { "user", Long64, null },
        { "user", "publicity", null },
        { "user", "PUBLIC", RedshiftNames.InvalidDbUser },
        { "user", "public", RedshiftNames.InvalidDbUser },
        { "user", "Public", RedshiftNames.InvalidDbUser },
        { "user", "", RedshiftNames.InvalidDbUser },
        { "user", null, RedshiftNames.InvalidDbUser },
        { "user", "1alice", RedshiftNames.InvalidDbUser },
        { "user", "_alice", RedshiftNames.InvalidDbUser },
        { "user", "IAM:alice", RedshiftNames.InvalidDbUser },
        { "user", "a/b", RedshiftNames.InvalidDbUser },
        { "user", "al ice", RedshiftNames.InvalidDbUser },
        { "user", "élise", RedshiftNames.InvalidDbUser },
        { "user", Long65, RedshiftNames.InvalidDbUser },
        { "db", "dev", null },
        { "db", "Sales_2024", null },
        { "db", "public", null },
        { "db", "9db", RedshiftNames.InvalidDbName },
        { "db", "my db", RedshiftNames.InvalidDbName },
        { "db", "db;drop", RedshiftNames.InvalidDbName },
        { "db", Long65, RedshiftNames.InvalidDbName },
        { "group", "analysts", null },
        { "group", "etl.writers-2", null },
        { "group", "Analysts", RedshiftNames.InvalidDbGroup },
        { "group", "2analysts", RedshiftNames.InvalidDbGroup },
        { "group", "ana lysts", RedshiftNames.InvalidDbGroup },
        { "group", "", RedshiftNames.InvalidDbGroup },
        { "cluster", "examplecluster", null },
        { "cluster", "a", null },
        { "cluster", "my-cluster-01", null },
        { "cluster", "a" + new string('b', 62), null },
        { "cluster", "a" + new string('b', 63), RedshiftNames.InvalidClusterIdentifier },
        { "cluster", "My-Cluster", RedshiftNames.InvalidClusterIdentifier },
        { "cluster", "1cluster", RedshiftNames.InvalidClusterIdentifier },
        { "cluster", "-cluster", RedshiftNames.InvalidClusterIdentifier },
        { "cluster", "my--cluster", RedshiftNames.InvalidClusterIdentifier },
        { "cluster", "cluster-", RedshiftNames.InvalidClusterIdentifier },
        { "cluster", "my_cluster", RedshiftNames.InvalidClusterIdentifier },
        { "cluster", "examplecluster.abc123xyz789.us-east-1.redshift.amazonaws.com", RedshiftNames.InvalidClusterIdentifier },
        { "cluster", "", RedshiftNames.InvalidClusterIdentifier },
        { "workgroup", "abc", null },
        { "workgroup", "default-workgroup", null },
        { "workgroup", "1-2-3", null },
        { "workgroup", "-wg-", null },
        { "workgroup", new string('w', 64), null },
        { "workgroup", new string('w', 65), RedshiftNames.InvalidWorkgroupName },
        { "workgroup", "ab", RedshiftNames.InvalidWorkgroupName },
        { "workgroup", "Default", RedshiftNames.InvalidWorkgroupName },
        { "workgroup", "wg_1", RedshiftNames.InvalidWorkgroupName },
        { "workgroup", "wg.1", RedshiftNames.InvalidWorkgroupName },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Names_are_checked_against_the_rules(string kind, string? value, string? expectedErrorId)
    {
        Action check = kind switch
        {
            "user" => () => RedshiftNames.ValidateDbUser(value),
            "db" => () => RedshiftNames.ValidateDbName(value),
            "group" => () => RedshiftNames.ValidateDbGroup(value),
            "cluster" => () => RedshiftNames.ValidateClusterIdentifier(value),
            "workgroup" => () => RedshiftNames.ValidateWorkgroupName(value),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };

        if (expectedErrorId is null)
        {
            check();
            return;
        }

        var e = Assert.Throws<IamraException>(check);
        Assert.Equal(expectedErrorId, e.ErrorId);
        Assert.Equal(IamraErrorCategory.InvalidArgument, e.Category);
        Assert.Contains($"'{value}'", e.Message, StringComparison.Ordinal);
        Assert.Contains("Expected ", e.Message, StringComparison.Ordinal);
        Assert.Equal(value, e.Target);
    }

    [Theory]
    [InlineData(900, true)]
    [InlineData(3600, true)]
    [InlineData(1800, true)]
    [InlineData(899, false)]
    [InlineData(3601, false)]
    [InlineData(0, false)]
    [InlineData(-900, false)]
    [InlineData(43200, false)]
    public void Durations_are_900_to_3600_seconds(int seconds, bool valid)
    {
        if (valid)
        {
            Assert.Equal(seconds, RedshiftNames.ValidateDuration(seconds));
            return;
        }

        var e = Assert.Throws<IamraException>(() => RedshiftNames.ValidateDuration(seconds));
        Assert.Equal(RedshiftNames.InvalidDuration, e.ErrorId);
        Assert.Contains(seconds.ToString(System.Globalization.CultureInfo.InvariantCulture), e.Message, StringComparison.Ordinal);
        Assert.Contains("900 to 3600", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Messages_say_why_and_name_the_parameter()
    {
        Assert.Contains("reserved", Assert.Throws<IamraException>(() => RedshiftNames.ValidateDbUser("public")).Message, StringComparison.Ordinal);
        Assert.Contains("two hyphens in a row", Assert.Throws<IamraException>(() => RedshiftNames.ValidateClusterIdentifier("a--b")).Message, StringComparison.Ordinal);
        Assert.Contains("'my-cluster'", Assert.Throws<IamraException>(() => RedshiftNames.ValidateClusterIdentifier("My-Cluster")).Message, StringComparison.Ordinal);
        Assert.Contains("not the host name", Assert.Throws<IamraException>(() => RedshiftNames.ValidateClusterIdentifier("c.x.us-east-1.redshift.amazonaws.com")).Message, StringComparison.Ordinal);
        Assert.StartsWith("-DbGroup 'Ops'", Assert.Throws<IamraException>(() => RedshiftNames.ValidateDbGroup("Ops")).Message, StringComparison.Ordinal);
        Assert.StartsWith("-User ", Assert.Throws<IamraException>(() => RedshiftNames.ValidateDbUser("1x", "User")).Message, StringComparison.Ordinal);
        Assert.Contains("U+0009", Assert.Throws<IamraException>(() => RedshiftNames.ValidateDbName("a\tb")).Message, StringComparison.Ordinal);
    }
}
