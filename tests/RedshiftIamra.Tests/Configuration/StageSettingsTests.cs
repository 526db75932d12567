using System.Reflection;
using RedshiftIamra.CloudFormation;
using RedshiftIamra.Configuration;
using RedshiftIamra.Loading;

namespace RedshiftIamra.Tests.Configuration;

/// <summary>
/// The precedence rule (what the user gave, then a saved configuration, then a stack) and the
/// stage mappers the cmdlets call with it: every saved setting reaches its stage, groups that are
/// one thing (certificate source, target) are taken whole, and a stack fills a configuration as
/// Save-RedshiftIamraConfig documents.
/// </summary>
public sealed class StageSettingsTests
{
    private static SettingPrecedence Given(params string[] names) => new(new HashSet<string>(names, StringComparer.OrdinalIgnoreCase));

    [Fact]
    public void A_certificate_source_never_prints_a_PIN_its_PKCS11_URI_carries()
    {
        var source = new CertificateSourceSettings { Kind = CertificateSourceKind.Pkcs11Uri, Pkcs11Uri = "pkcs11:token=t;object=k?pin-value=123456" };
        Assert.DoesNotContain("123456", source.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("pin-value", source.ToString(), StringComparison.Ordinal);
        Assert.Contains("PKCS#11", source.ToString(), StringComparison.Ordinal);
        Assert.Contains("/tmp/c.pem", (source with { Kind = CertificateSourceKind.Path, CertificatePath = "/tmp/c.pem" }).ToString(), StringComparison.Ordinal);
    }

    /// <summary>A configuration with every setting set to a value no default has.</summary>
    private static RedshiftIamraConfig Everything() => new()
    {
        Name = "all",
        TrustAnchorArn = "arn:aws:rolesanywhere:eu-west-1:111122223333:trust-anchor/saved",
        ProfileArn = "arn:aws:rolesanywhere:eu-west-1:111122223333:profile/saved",
        RoleArn = "arn:aws:iam::111122223333:role/saved",
        SessionDurationSeconds = 1234,
        RolesAnywhereEndpointUrl = "https://rolesanywhere.saved.example",
        RoleSessionName = "saved-session",
        CaBundlePath = "/saved/ca.pem",
        Region = "eu-west-1",
        ClusterIdentifier = "saved-cluster",
        Hostname = "saved.example",
        Port = 5440,
        DbName = "saved_db",
        DbUser = "saved_user",
        UseIamIdentity = true,
        AutoCreate = true,
        DbGroup = new[] { "saved_group" },
        DurationSeconds = 1800,
        RedshiftEndpointUrl = "https://redshift.saved.example",
        CustomDomainName = "db.saved.example",
        RootCertificatePath = "/saved/root.pem",
        Staging = new RedshiftStagingSettings { Bucket = "saved-bucket", CopyRoleArn = "arn:aws:iam::111122223333:role/copy" },
    };

    [Fact]
    public void A_given_value_wins_and_a_saved_value_fills_the_rest_and_then_counts_as_given()
    {
        var given = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "RoleArn" };
        var precedence = new SettingPrecedence(given);

        Assert.Equal("typed", precedence.Pick("RoleArn", "typed", "saved"));
        Assert.Equal("saved", precedence.Pick("ProfileArn", null, "saved"));
        Assert.Null(precedence.Pick<string>("TrustAnchorArn", null, null));
        Assert.Equal(900, precedence.Pick("SessionDurationSeconds", 900, null));

        Assert.Equal(new[] { "-RoleArn" }, precedence.Overridden);
        Assert.Contains("ProfileArn", given);
        Assert.DoesNotContain("TrustAnchorArn", given);
    }

    [Fact]
    public void A_saved_switch_turns_on_and_never_off()
    {
        Assert.True(Given().Pick("Latest", false, true));
        Assert.True(Given("Latest").Pick("Latest", true, false));
        Assert.False(Given().Pick("Latest", false, false));
    }

    /// <summary>Each stage's setting with the same name as a saved one must come from the configuration when nothing was given: a stage that forgets one fails here.</summary>
    [Theory]
    [InlineData(typeof(RolesAnywhereSettings))]
    [InlineData(typeof(RedshiftTargetSettings))]
    [InlineData(typeof(RedshiftConnectSettings))]
    public void Every_saved_setting_of_a_stage_reaches_it_when_nothing_was_given(Type stage)
    {
        var config = Everything();
        var result = stage.Name switch
        {
            nameof(RolesAnywhereSettings) => (object)new RolesAnywhereSettings().WithConfig(config, Given()),
            nameof(RedshiftTargetSettings) => new RedshiftTargetSettings().WithConfig(config, Given()),
            _ => new RedshiftConnectSettings().WithConfig(config, Given()).WithStagingFromConfig(config, Given()),
        };

        var checkedNames = new List<string>();
        foreach (var property in stage.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var saved = typeof(RedshiftIamraConfig).GetProperty(property.Name);
            if (saved is null || (stage == typeof(RedshiftTargetSettings) && property.Name == nameof(RedshiftTargetSettings.WorkgroupName)))
            {
                continue; // the sample configuration names a cluster, not a workgroup
            }

            var expected = saved.GetValue(config);
            var actual = property.GetValue(result);
            if (expected is IEnumerable<string> list)
            {
                Assert.Equal(list, Assert.IsAssignableFrom<IEnumerable<string>>(actual));
            }
            else
            {
                Assert.True(Equals(expected, actual), $"{stage.Name}.{property.Name}: expected the saved '{expected}', got '{actual}'.");
            }

            checkedNames.Add(property.Name);
        }

        Assert.True(checkedNames.Count >= 2, "the stage shares settings with a saved configuration");
    }

    [Fact]
    public void Every_saved_setting_belongs_to_a_stage()
    {
        var stages = new[] { typeof(CertificateSourceSettings), typeof(RolesAnywhereSettings), typeof(RedshiftTargetSettings), typeof(RedshiftConnectSettings) };
        var covered = stages.SelectMany(s => s.GetProperties()).Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        var notSettings = new[] { nameof(RedshiftIamraConfig.Name), nameof(RedshiftIamraConfig.StackName), nameof(RedshiftIamraConfig.SavedAt), nameof(RedshiftIamraConfig.ConfigPath), nameof(RedshiftIamraConfig.Certificate), nameof(RedshiftIamraConfig.Target) };
        var missing = typeof(RedshiftIamraConfig).GetProperties().Select(p => p.Name).Where(n => !notSettings.Contains(n) && !covered.Contains(n)).ToList();
        Assert.True(missing.Count == 0, "saved settings no stage maps: " + string.Join(", ", missing));
    }

    [Fact]
    public void Typed_values_override_saved_ones_value_by_value_and_are_listed()
    {
        var precedence = Given("RoleArn", "DbName");
        var session = new RolesAnywhereSettings { RoleArn = "arn:aws:iam::111122223333:role/typed" }.WithConfig(Everything(), precedence);
        var target = new RedshiftTargetSettings { DbName = "typed_db" }.WithConfig(Everything(), precedence);

        Assert.Equal("arn:aws:iam::111122223333:role/typed", session.RoleArn);
        Assert.Equal(Everything().ProfileArn, session.ProfileArn);
        Assert.Equal("typed_db", target.DbName);
        Assert.Equal("saved-cluster", target.ClusterIdentifier);
        Assert.Equal(new[] { "-RoleArn", "-DbName" }, precedence.Overridden);
    }

    [Fact]
    public void Naming_a_target_replaces_the_saved_target_as_a_whole()
    {
        var precedence = Given("WorkgroupName");
        var target = new RedshiftTargetSettings { WorkgroupName = "typed-workgroup" }.WithConfig(Everything(), precedence);

        Assert.Equal("typed-workgroup", target.WorkgroupName);
        Assert.Null(target.ClusterIdentifier);
        Assert.Null(target.Hostname);
        Assert.Equal(0, target.Port);
        Assert.False(target.UseIamIdentity);
        Assert.Equal("saved_user", target.DbUser); // the user still comes from the configuration
        Assert.Equal("saved_db", target.DbName);
        Assert.Contains("the target (-WorkgroupName)", precedence.Overridden);

        var asIam = new RedshiftTargetSettings { ClusterIdentifier = "typed", UseIamIdentity = true }.WithConfig(Everything(), Given("ClusterIdentifier", "UseIamIdentity"));
        Assert.Null(asIam.DbUser);
    }

    [Fact]
    public void A_saved_certificate_source_is_taken_whole()
    {
        var pkcs11 = new RedshiftIamraConfig { Name = "hsm", Pkcs11Uri = "pkcs11:token=etl;object=key", CertificatePath = "/saved/cert.pem", Pkcs11Library = "/saved/lib.so" };
        var precedence = Given("Path");
        var source = new CertificateSourceSettings { CertificatePath = "/typed/cert.pem" }.WithConfig(pkcs11, precedence);
        Assert.Equal(CertificateSourceKind.Pkcs11Uri, source.Kind);
        Assert.Equal("pkcs11:token=etl;object=key", source.Pkcs11Uri);
        Assert.Equal("/typed/cert.pem", source.CertificatePath);
        Assert.Equal("/saved/lib.so", source.Pkcs11Library);
        Assert.Contains("-Path", precedence.Overridden);

        var store = new RedshiftIamraConfig { Name = "store", Subject = "CN=etl*", StoreLocation = "LocalMachine", Latest = true, ChainPath = "/saved/chain.pem" };
        var fromStore = new CertificateSourceSettings { Pkcs11Library = "/typed/lib.so" }.WithConfig(store, Given());
        Assert.Equal(CertificateSourceKind.Store, fromStore.Kind);
        Assert.Equal("CN=etl*", fromStore.Subject);
        Assert.Equal("LocalMachine", fromStore.StoreLocation);
        Assert.True(fromStore.Latest);
        Assert.Equal("/saved/chain.pem", fromStore.ChainPath);
        Assert.Null(fromStore.Pkcs11Uri);

        var files = new RedshiftIamraConfig { Name = "files", CertificatePath = "/saved/cert.pem", PrivateKeyPath = "/saved/key.pem", Thumbprint = null };
        var fromFiles = new CertificateSourceSettings().WithConfig(files, Given());
        Assert.Equal(CertificateSourceKind.Path, fromFiles.Kind);
        Assert.Equal("/saved/key.pem", fromFiles.PrivateKeyPath);
    }

    private static RedshiftIamraStack Stack() => new()
    {
        StackName = "redshift-iamra",
        StackStatus = "CREATE_COMPLETE",
        Region = "eu-west-1",
        TrustAnchorArn = "arn:aws:rolesanywhere:eu-west-1:111122223333:trust-anchor/stack",
        ProfileArn = "arn:aws:rolesanywhere:eu-west-1:111122223333:profile/stack",
        RoleArn = "arn:aws:iam::111122223333:role/stack",
        ClusterIdentifier = "stack-cluster",
        Hostname = "stack-cluster.abc.eu-west-1.redshift.amazonaws.com",
        Port = 5439,
        WorkgroupName = "stack-workgroup",
        ServerlessWorkgroupEndpoint = "stack-workgroup.111122223333.eu-west-1.redshift-serverless.amazonaws.com",
        DbName = "dev",
        DbUser = "stack_user",
        Staging = new RedshiftStagingSettings { Bucket = "stack-bucket" },
    };

    [Fact]
    public void A_stack_fills_what_was_not_typed_and_saves_its_cluster_not_its_workgroup()
    {
        var typed = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var target = new RedshiftTargetSettings().WithStack(Stack(), typed, out var note);
        Assert.Equal("stack-cluster", target.ClusterIdentifier);
        Assert.Null(target.WorkgroupName);
        Assert.Equal(5439, target.Port);
        Assert.Equal("stack_user", target.DbUser);
        Assert.Equal("dev", target.DbName);
        Assert.Contains("the workgroup stack-workgroup from the pipeline is left out", note);

        var session = new RolesAnywhereSettings { RoleArn = "arn:aws:iam::111122223333:role/typed" }.WithStack(Stack());
        Assert.Equal("arn:aws:iam::111122223333:role/typed", session.RoleArn);
        Assert.Equal(Stack().ProfileArn, session.ProfileArn);
        Assert.Equal("eu-west-1", session.Region);
        Assert.Equal("stack-bucket", new RedshiftConnectSettings().WithStack(Stack()).Staging!.Bucket);
        Assert.Equal("typed-bucket", new RedshiftConnectSettings { Staging = new RedshiftStagingSettings { Bucket = "typed-bucket" } }.WithStack(Stack()).Staging!.Bucket);
    }

    [Fact]
    public void Typing_only_the_workgroup_saves_the_workgroup_with_its_own_endpoint()
    {
        var typed = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "WorkgroupName" };
        var target = new RedshiftTargetSettings { WorkgroupName = "stack-workgroup" }.WithStack(Stack(), typed, out var note);
        Assert.Null(target.ClusterIdentifier);
        Assert.Equal("stack-workgroup", target.WorkgroupName);
        Assert.Equal(Stack().ServerlessWorkgroupEndpoint, target.Hostname);
        Assert.Equal(0, target.Port);
        Assert.Null(target.DbUser);
        Assert.Contains("the cluster stack-cluster from the pipeline is left out", note);
    }

    [Fact]
    public void Another_cluster_typed_beside_a_stack_does_not_take_the_stack_clusters_host_and_port()
    {
        var typed = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "ClusterIdentifier", "UseIamIdentity" };
        var target = new RedshiftTargetSettings { ClusterIdentifier = "other-cluster", UseIamIdentity = true }.WithStack(Stack(), typed, out _);
        Assert.Equal("other-cluster", target.ClusterIdentifier);
        Assert.Null(target.Hostname);
        Assert.Equal(0, target.Port);
        Assert.Null(target.DbUser); // an IAM identity logs in as itself
        Assert.Null(target.WorkgroupName);
    }
}
