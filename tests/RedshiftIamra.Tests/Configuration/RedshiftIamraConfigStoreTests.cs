using System.Text.Json.Nodes;
using RedshiftIamra.Aws;
using RedshiftIamra.Configuration;
using RedshiftIamra.Sessions;

namespace RedshiftIamra.Tests.Configuration;

/// <summary>The saved-configuration file: where it is, what an entry holds, atomic owner-only writes that keep other entries.</summary>
public sealed class RedshiftIamraConfigStoreTests : IDisposable
{
    private const string TrustAnchorArn = "arn:aws:rolesanywhere:eu-west-1:111122223333:trust-anchor/0f5a3c1e-8b2d-4e6f-9a7b-1c2d3e4f5a6b";
    private const string ProfileArn = "arn:aws:rolesanywhere:eu-west-1:111122223333:profile/6b7c8d9e-0f1a-4b2c-8d3e-4f5a6b7c8d9e";
    private const string RoleArn = "arn:aws:iam::111122223333:role/redshift-access";

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "iamra-config-" + Guid.NewGuid().ToString("N"));

    private string FilePath => Path.Combine(_directory, "nested", "config.json");

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private static RedshiftIamraConfig Minimal(string name = "prod-etl") => new()
    {
        Name = name,
        Thumbprint = "0123456789ABCDEF0123456789ABCDEF01234567",
        TrustAnchorArn = TrustAnchorArn,
        ProfileArn = ProfileArn,
        RoleArn = RoleArn,
        ClusterIdentifier = "my-redshift-cluster",
        DbUser = "analytics_user",
    };

    private static RedshiftIamraConfig Pkcs11Config(string name, string? uri = null, string? token = null, string? keyLabel = null, string? keyId = null, string? library = null, string? certificatePath = null) => new()
    {
        Name = name,
        Pkcs11Uri = uri,
        TokenLabel = token,
        KeyLabel = keyLabel,
        KeyId = keyId,
        Pkcs11Library = library,
        CertificatePath = certificatePath,
        TrustAnchorArn = TrustAnchorArn,
        ProfileArn = ProfileArn,
        RoleArn = RoleArn,
        ClusterIdentifier = "my-redshift-cluster",
        DbUser = "analytics_user",
    };

    private static RedshiftIamraConfig Full(string name = "full") => new()
    {
        Name = name,
        Subject = "CN=etl-*",
        Issuer = "CN=Example Root",
        SerialNumber = "0A1B*",
        Latest = true,
        StoreLocation = "LocalMachine",
        StoreName = "My",
        ChainPath = Path.Combine(Path.GetTempPath(), "chain.pem"),
        TrustAnchorArn = TrustAnchorArn,
        ProfileArn = ProfileArn,
        RoleArn = RoleArn,
        SessionDurationSeconds = 7200,
        RolesAnywhereEndpointUrl = "https://rolesanywhere.eu-west-1.amazonaws.com/",
        RoleSessionName = "etl-host-01",
        CaBundlePath = Path.Combine(Path.GetTempPath(), "ca.pem"),
        Region = "eu-west-1",
        ClusterIdentifier = "my-redshift-cluster",
        Hostname = "my-redshift-cluster.cabc123xyz45.eu-west-1.redshift.amazonaws.com",
        Port = 5439,
        DbName = "dev",
        DbUser = "analytics_user",
        AutoCreate = true,
        DbGroup = ["analysts", "etl"],
        DurationSeconds = 1800,
        RedshiftEndpointUrl = "https://redshift.eu-west-1.amazonaws.com/",
        CustomDomainName = "redshift.example.com",
        RootCertificatePath = Path.Combine(Path.GetTempPath(), "roots.pem"),
        Staging = new RedshiftIamra.Loading.RedshiftStagingSettings
        {
            Bucket = "etl-staging",
            Prefix = "etl/loads/",
            CopyRoleArn = "arn:aws:iam::123456789012:role/redshift-copy",
            KmsKeyId = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            EndpointUrl = "https://bucket.vpce-0abc.s3.eu-west-1.vpce.amazonaws.com/",
            Region = "eu-west-1",
        },
        StackName = "redshift-test",
    };

    [Fact]
    public void The_default_path_is_the_variable_then_the_platform_config_folder()
    {
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var environment = new Dictionary<string, string?> { ["REDSHIFTIAMRA_CONFIG"] = "/srv/etl/redshift.json", ["XDG_CONFIG_HOME"] = "/xdg", ["APPDATA"] = @"C:\Users\etl\AppData\Roaming" };
        string? Env(string k) => environment.GetValueOrDefault(k);

        Assert.Equal(Path.GetFullPath("/srv/etl/redshift.json"), RedshiftIamraConfigStore.DefaultPath(Env, windows: false));
        environment["REDSHIFTIAMRA_CONFIG"] = "~/etl/config.json";
        Assert.Equal(Path.Combine(home, "etl/config.json"), RedshiftIamraConfigStore.DefaultPath(Env, windows: false));
        environment.Remove("REDSHIFTIAMRA_CONFIG");
        Assert.Equal(Path.Combine("/xdg", "RedshiftIamra", "config.json"), RedshiftIamraConfigStore.DefaultPath(Env, windows: false));
        Assert.Equal(Path.Combine(@"C:\Users\etl\AppData\Roaming", "RedshiftIamra", "config.json"), RedshiftIamraConfigStore.DefaultPath(Env, windows: true));
        environment["XDG_CONFIG_HOME"] = "relative/ignored";
        Assert.Equal(Path.Combine(home, ".config", "RedshiftIamra", "config.json"), RedshiftIamraConfigStore.DefaultPath(Env, windows: false));
        environment.Remove("XDG_CONFIG_HOME");
        Assert.Equal(Path.Combine(home, ".config", "RedshiftIamra", "config.json"), RedshiftIamraConfigStore.DefaultPath(Env, windows: false));
    }

    [Fact]
    public void Every_field_survives_a_round_trip_and_the_file_holds_exactly_them()
    {
        var time = new FixedTime(new DateTimeOffset(2026, 11, 26, 8, 0, 0, TimeSpan.Zero));
        var saved = RedshiftIamraConfigStore.Save(FilePath, Full(), time);
        var read = RedshiftIamraConfigStore.Get(FilePath, "full");

        foreach (var property in typeof(RedshiftIamraConfig).GetProperties())
        {
            var expected = property.Name switch
            {
                nameof(RedshiftIamraConfig.SavedAt) => new DateTimeOffset(2026, 11, 26, 8, 0, 0, TimeSpan.Zero),
                nameof(RedshiftIamraConfig.ConfigPath) => FilePath,
                _ => property.GetValue(Full()),
            };
            Assert.Equivalent(expected, property.GetValue(read), strict: true);
            Assert.Equivalent(property.GetValue(saved), property.GetValue(read), strict: true);
        }

        var entry = (JsonObject)JsonNode.Parse(File.ReadAllText(FilePath))!["Configs"]!["full"]!;
        Assert.Equal(
            ["Subject", "Issuer", "SerialNumber", "Latest", "StoreLocation", "StoreName", "ChainPath", "TrustAnchorArn", "ProfileArn", "RoleArn", "SessionDurationSeconds",
             "RolesAnywhereEndpointUrl", "RoleSessionName", "CaBundlePath", "Region", "ClusterIdentifier", "Hostname", "Port", "DbName", "DbUser", "AutoCreate", "DbGroup", "DurationSeconds",
             "RedshiftEndpointUrl", "CustomDomainName", "RootCertificatePath", "Staging", "StackName", "SavedAt"],
            entry.Select(p => p.Key));
        Assert.Equal(["Bucket", "Prefix", "CopyRoleArn", "KmsKeyId", "EndpointUrl", "Region"], ((JsonObject)entry["Staging"]!).Select(p => p.Key));
        Assert.Equal("2026-11-26T08:00:00Z", entry["SavedAt"]!.GetValue<string>());
    }

    [Fact]
    public void A_PKCS11_key_is_saved_by_URI_or_by_labels_with_its_library_and_certificate_file()
    {
        var library = Path.Combine(Path.GetTempPath(), "libsofthsm2.so");
        var certificate = Path.Combine(Path.GetTempPath(), "token-cert.pem");
        var byUri = Pkcs11Config("hsm-uri", "pkcs11:token=hsm1;object=etl-key?pin-source=file:/etc/iamra/pin", library: library, certificatePath: certificate);
        var byLabels = Pkcs11Config("hsm-labels", token: "hsm1", keyLabel: "etl-key", keyId: "0a1b");
        RedshiftIamraConfigStore.Save(FilePath, byUri);
        RedshiftIamraConfigStore.Save(FilePath, byLabels);

        var uri = RedshiftIamraConfigStore.Get(FilePath, "hsm-uri");
        Assert.Equal(byUri.Pkcs11Uri, uri.Pkcs11Uri);
        Assert.Equal(library, uri.Pkcs11Library);
        Assert.Equal(certificate, uri.CertificatePath);
        Assert.Equal($"PKCS#11 {byUri.Pkcs11Uri} (certificate {certificate})", uri.Certificate);
        var labels = RedshiftIamraConfigStore.Get(FilePath, "hsm-labels");
        Assert.Equal(("hsm1", "etl-key", "0a1b"), (labels.TokenLabel, labels.KeyLabel, labels.KeyId));
        Assert.Equal("PKCS#11 token 'hsm1', key 'etl-key', id 0a1b", labels.Certificate);
    }

    [Theory]
    [InlineData("pkcs11:token=hsm1;object=k?pin-value=1234", null, null, "RedshiftIamraConfigCannotHoldSecret")]
    [InlineData(null, null, "etl-key", "RedshiftIamraConfigIncomplete")]
    [InlineData("pkcs11:token=hsm1;object=k", "hsm1", null, "RedshiftIamraConfigIncomplete")]
    public void A_PKCS11_key_is_refused_with_a_PIN_without_a_token_or_named_twice(string? uri, string? token, string? keyLabel, string errorId)
    {
        var config = Pkcs11Config("hsm", uri, token, keyLabel);
        var e = Assert.Throws<IamraException>(() => RedshiftIamraConfigStore.Save(FilePath, config));
        Assert.Equal(errorId, e.ErrorId);
        Assert.DoesNotContain("1234", e.Message);
        Assert.False(File.Exists(FilePath));
    }

    [Fact]
    public void Unset_fields_are_left_out_of_the_file()
    {
        RedshiftIamraConfigStore.Save(FilePath, Minimal());
        var entry = (JsonObject)JsonNode.Parse(File.ReadAllText(FilePath))!["Configs"]!["prod-etl"]!;
        Assert.Equal(["Thumbprint", "TrustAnchorArn", "ProfileArn", "RoleArn", "ClusterIdentifier", "DbUser", "SavedAt"], entry.Select(p => p.Key));
    }

    [Fact]
    public void The_file_and_a_new_folder_are_for_the_owner_only_even_when_the_file_was_wider()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        RedshiftIamraConfigStore.Save(FilePath, Minimal());
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(FilePath));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(FilePath)!));

        File.SetUnixFileMode(FilePath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        RedshiftIamraConfigStore.Save(FilePath, Minimal("second"));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(FilePath));
    }

    [Fact]
    public void Other_entries_unknown_fields_and_top_level_members_are_kept_as_they_were()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(FilePath)!);
        File.WriteAllText(FilePath, """
            {
              "Version": 1,
              "Owner": "etl team",
              "Configs": {
                "other": { "Thumbprint": "AA", "FutureField": { "nested": [1, 2] }, "TrustAnchorArn": "kept as written" },
                "prod-etl": { "Thumbprint": "BB", "FutureField": "dropped with the entry it belongs to" }
              }
            }
            """);

        RedshiftIamraConfigStore.Save(FilePath, Minimal());

        var document = JsonNode.Parse(File.ReadAllText(FilePath))!;
        Assert.Equal("etl team", document["Owner"]!.GetValue<string>());
        Assert.Equal("""{"Thumbprint":"AA","FutureField":{"nested":[1,2]},"TrustAnchorArn":"kept as written"}""", document["Configs"]!["other"]!.ToJsonString());
        Assert.Null(document["Configs"]!["prod-etl"]!["FutureField"]);
        Assert.Equal("0123456789ABCDEF0123456789ABCDEF01234567", document["Configs"]!["prod-etl"]!["Thumbprint"]!.GetValue<string>());
    }

    [Fact]
    public void Saving_a_name_again_replaces_the_entry_whatever_its_case()
    {
        RedshiftIamraConfigStore.Save(FilePath, Minimal("Prod-ETL"));
        RedshiftIamraConfigStore.Save(FilePath, Minimal("prod-etl"));

        var all = RedshiftIamraConfigStore.Load(FilePath);
        Assert.Equal("prod-etl", Assert.Single(all).Name);
        Assert.Equal("prod-etl", RedshiftIamraConfigStore.Get(FilePath, "PROD-etl").Name);
    }

    [Fact]
    public void Remove_takes_out_one_entry_and_an_unknown_name_lists_the_names_there_are()
    {
        RedshiftIamraConfigStore.Save(FilePath, Minimal("alpha"));
        RedshiftIamraConfigStore.Save(FilePath, Minimal("beta"));
        RedshiftIamraConfigStore.Save(FilePath, Minimal("gamma"));

        Assert.Equal("beta", RedshiftIamraConfigStore.Remove(FilePath, "BETA").Name);
        Assert.Equal(["alpha", "gamma"], RedshiftIamraConfigStore.Load(FilePath).Select(c => c.Name));

        var e = Assert.Throws<IamraException>(() => RedshiftIamraConfigStore.Get(FilePath, "beta"));
        Assert.Equal(RedshiftIamraConfigStore.NotFound, e.ErrorId);
        Assert.Equal(IamraErrorCategory.ObjectNotFound, e.Category);
        Assert.Contains("Saved configurations: alpha, gamma.", e.Message, StringComparison.Ordinal);
        Assert.Equal(RedshiftIamraConfigStore.NotFound, Assert.Throws<IamraException>(() => RedshiftIamraConfigStore.Remove(FilePath, "beta")).ErrorId);
    }

    [Fact]
    public void A_missing_file_holds_no_entries_and_is_not_created_by_reading()
    {
        Assert.Empty(RedshiftIamraConfigStore.Load(FilePath));
        var e = Assert.Throws<IamraException>(() => RedshiftIamraConfigStore.Get(FilePath, "prod-etl"));
        Assert.Contains("It holds none", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(FilePath));
    }

    [Theory]
    [InlineData("{ not json", "not valid JSON")]
    [InlineData("[1, 2]", "does not hold a JSON object")]
    [InlineData("""{ "Version": 2, "Configs": {} }""", "format version 2")]
    [InlineData("""{ "Configs": [] }""", "not an object")]
    [InlineData("""{ "Configs": { "prod-etl": { "Port": "5439" } } }""", "wrong kind")]
    public void A_broken_file_is_RedshiftIamraConfigFileInvalid_and_is_not_overwritten(string text, string why)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(FilePath)!);
        File.WriteAllText(FilePath, text);

        var e = Assert.Throws<IamraException>(() => RedshiftIamraConfigStore.Get(FilePath, "prod-etl"));
        Assert.Equal(RedshiftIamraConfigStore.FileInvalid, e.ErrorId);
        Assert.Contains(why, e.Message, StringComparison.Ordinal);
        if (!why.Contains("wrong kind", StringComparison.Ordinal))
        {
            Assert.Throws<IamraException>(() => RedshiftIamraConfigStore.Save(FilePath, Minimal("other")));
            Assert.Equal(text, File.ReadAllText(FilePath));
        }
    }

    [Fact]
    public void A_directory_in_place_of_the_file_is_its_own_error_for_reading_and_saving()
    {
        Directory.CreateDirectory(FilePath);
        var read = Assert.Throws<IamraException>(() => RedshiftIamraConfigStore.Load(FilePath));
        Assert.Equal("RedshiftIamraConfigFileIsDirectory", read.ErrorId);
        Assert.Contains("is a directory", read.Message, StringComparison.Ordinal);
        var save = Assert.Throws<IamraException>(() => RedshiftIamraConfigStore.Save(FilePath, Minimal()));
        Assert.Equal("RedshiftIamraConfigFileIsDirectory", save.ErrorId);
    }

    [Fact]
    public void A_directory_in_place_of_the_lock_file_is_its_own_error()
    {
        Directory.CreateDirectory(FilePath + ".lock");
        var e = Assert.Throws<IamraException>(() => RedshiftIamraConfigStore.Save(FilePath, Minimal()));
        Assert.Equal("RedshiftIamraConfigFileLockIsDirectory", e.ErrorId);
        Assert.Contains(FilePath + ".lock", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(FilePath));
    }

    [Fact]
    public void A_read_only_file_is_refused_and_kept()
    {
        RedshiftIamraConfigStore.Save(FilePath, Minimal("first"));
        var before = File.ReadAllText(FilePath);
        new FileInfo(FilePath).IsReadOnly = true;
        var e = Assert.Throws<IamraException>(() => RedshiftIamraConfigStore.Save(FilePath, Minimal("second")));
        Assert.Equal("RedshiftIamraConfigFileReadOnly", e.ErrorId);
        Assert.Equal(before, File.ReadAllText(FilePath));
    }

    [Fact]
    public void A_folder_that_refuses_the_write_is_its_own_error_not_an_unexpected_one()
    {
        // Stands in for an immutable file (chattr +i needs a privilege the tests do not have):
        // both make the final rename fail with a permission error.
        if (OperatingSystem.IsWindows() || Environment.UserName == "root")
        {
            return; // root writes into read-only folders
        }

        RedshiftIamraConfigStore.Save(FilePath, Minimal("first"));
        var folder = Path.GetDirectoryName(FilePath)!;
        File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        try
        {
            var e = Assert.Throws<IamraException>(() => RedshiftIamraConfigStore.Save(FilePath, Minimal("second")));
            Assert.StartsWith("RedshiftIamraConfigFile", e.ErrorId, StringComparison.Ordinal);
        }
        finally
        {
            File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    [Theory]
    [InlineData("""{ "Configs": { "prod-etl": {}, "prod-etl": {} } }""", "'prod-etl' twice")]
    [InlineData("""{ "Version": 1, "Version": 1 }""", "'Version' twice")]
    [InlineData("""{ "Configs": { "a": { "Port": 1, "Port": 2 } } }""", "'Port' twice")]
    public void A_key_twice_in_one_object_is_its_own_error(string text, string why)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(FilePath)!);
        File.WriteAllText(FilePath, text);
        var e = Assert.Throws<IamraException>(() => RedshiftIamraConfigStore.Load(FilePath));
        Assert.Equal(RedshiftIamraConfigStore.FileDuplicateKey, e.ErrorId);
        Assert.Contains(why, e.Message, StringComparison.Ordinal);
        Assert.Throws<IamraException>(() => RedshiftIamraConfigStore.Save(FilePath, Minimal("other")));
        Assert.Equal(text, File.ReadAllText(FilePath));
    }

    [Fact]
    public void Names_that_differ_only_in_case_are_not_both_kept()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(FilePath)!);
        var entry = RedshiftIamraConfigStore.Save(Path.Combine(_directory, "one.json"), Minimal());
        var one = JsonNode.Parse(File.ReadAllText(Path.Combine(_directory, "one.json")))!["Configs"]!["prod-etl"]!.ToJsonString();
        var text = $$"""{ "Configs": { "prod-etl": {{one}}, "PROD-ETL": {{one}} } }""";
        File.WriteAllText(FilePath, text);
        var e = Assert.Throws<IamraException>(() => RedshiftIamraConfigStore.Get(FilePath, "prod-etl"));
        Assert.Equal(RedshiftIamraConfigStore.FileDuplicateName, e.ErrorId);
        Assert.Contains("'prod-etl' and 'PROD-ETL'", e.Message, StringComparison.Ordinal);
        Assert.Throws<IamraException>(() => RedshiftIamraConfigStore.Save(FilePath, Minimal("Prod-Etl")));
        Assert.Equal(text, File.ReadAllText(FilePath));

        // Saving under another case replaces the one entry.
        RedshiftIamraConfigStore.Save(Path.Combine(_directory, "one.json"), Minimal("PROD-etl"));
        Assert.Equal(["PROD-etl"], RedshiftIamraConfigStore.Load(Path.Combine(_directory, "one.json")).Select(c => c.Name));
        Assert.NotNull(entry);
    }

    [Fact]
    public void Comments_are_read_but_a_save_that_would_drop_them_is_refused()
    {
        RedshiftIamraConfigStore.Save(FilePath, Minimal());
        var text = "// owned by the ETL team\n" + File.ReadAllText(FilePath);
        File.WriteAllText(FilePath, text);
        Assert.Equal(["prod-etl"], RedshiftIamraConfigStore.Load(FilePath).Select(c => c.Name));
        var e = Assert.Throws<IamraException>(() => RedshiftIamraConfigStore.Save(FilePath, Minimal("other")));
        Assert.Equal(RedshiftIamraConfigStore.FileHasComments, e.ErrorId);
        Assert.Contains("$comment", e.Message, StringComparison.Ordinal);
        Assert.Equal(text, File.ReadAllText(FilePath));
        Assert.Throws<IamraException>(() => RedshiftIamraConfigStore.Remove(FilePath, "prod-etl"));
        Assert.Equal(text, File.ReadAllText(FilePath));
    }

    [Fact]
    public void Concurrent_writers_lose_no_entry()
    {
        Parallel.For(0, 24, new ParallelOptions { MaxDegreeOfParallelism = 12 }, i => RedshiftIamraConfigStore.Save(FilePath, Minimal($"job-{i:00}")));
        Assert.Equal(Enumerable.Range(0, 24).Select(i => $"job-{i:00}"), RedshiftIamraConfigStore.Load(FilePath).Select(c => c.Name));
        Assert.DoesNotContain(Directory.GetFiles(Path.GetDirectoryName(FilePath)!), f => f.EndsWith(".tmp", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("-bad")]
    [InlineData("has space")]
    [InlineData("")]
    [InlineData("a/b")]
    public void Bad_names_are_refused(string name)
    {
        var e = Assert.Throws<IamraException>(() => RedshiftIamraConfigStore.Save(FilePath, Minimal(name)));
        Assert.Equal(RedshiftIamraConfigStore.InvalidName, e.ErrorId);
        Assert.False(File.Exists(FilePath));
    }

    public static TheoryData<string, Func<RedshiftIamraConfig, RedshiftIamraConfig>, string, string> Incomplete => new()
    {
        { "no certificate", c => new RedshiftIamraConfig { Name = c.Name, TrustAnchorArn = c.TrustAnchorArn, ProfileArn = c.ProfileArn, RoleArn = c.RoleArn, ClusterIdentifier = c.ClusterIdentifier, DbUser = c.DbUser }, RedshiftIamraConfigStore.Incomplete, "names no certificate" },
        { "two certificate selectors", c => Clone(c, subject: "CN=x"), RedshiftIamraConfigStore.Incomplete, "names the certificate twice" },
        { "no role", c => Clone(c, roleArn: null), RedshiftIamraConfigStore.Incomplete, "needs -RoleArn" },
        { "a profile ARN for the trust anchor", c => Clone(c, trustAnchorArn: ProfileArn), AwsArn.InvalidArnErrorId, "trust-anchor" },
        { "a profile in another region than the trust anchor", c => Clone(c, trustAnchorArn: TrustAnchorArn.Replace("eu-west-1", "us-east-1", StringComparison.Ordinal)), "IamraRegionMismatch", "same region" },
        { "a relative path", c => Clone(c, chainPath: "chain.pem"), RedshiftIamraConfigStore.Incomplete, "not an absolute path" },
        { "a cluster without user", c => Clone(c, dbUser: null), RedshiftTargets.IncompleteErrorId, "-DbUser" },
        { "no target", c => Clone(c, cluster: null), RedshiftTargets.IncompleteErrorId, "Name the Redshift" },
        { "a session too long", c => Clone(c, sessionDuration: 50000), RedshiftIamraConfigStore.Incomplete, "Roles Anywhere sessions last" },
        { "a remote http endpoint", c => Clone(c, rolesAnywhereEndpointUrl: "http://rolesanywhere.example.com/"), AwsEndpoint.InvalidEndpointErrorId, "plain http" },
        { "a bad region", c => Clone(c, region: "Europe"), AwsRegion.InvalidRegionErrorId, "not an AWS region" },
    };

    [Theory]
    [MemberData(nameof(Incomplete))]
    public void Incomplete_or_invalid_entries_are_refused_before_writing(string why, Func<RedshiftIamraConfig, RedshiftIamraConfig> change, string errorId, string text)
    {
        var e = Assert.Throws<IamraException>(() => RedshiftIamraConfigStore.Save(FilePath, change(Minimal())));
        Assert.True(errorId == e.ErrorId, $"{why}: expected {errorId}, got {e.ErrorId}: {e.Message}");
        Assert.Contains(text, e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(FilePath));
    }

    [Fact]
    public void The_descriptions_say_which_certificate_and_which_target()
    {
        Assert.Equal(@"Cert:\CurrentUser\My\0123456789ABCDEF0123456789ABCDEF01234567", Minimal().Certificate);
        Assert.Equal("cluster my-redshift-cluster as analytics_user", Minimal().Target);
        Assert.Equal(@"subject 'CN=etl-*', issuer 'CN=Example Root', serial '0A1B*' in Cert:\LocalMachine\My, latest", Full().Certificate);
        Assert.Equal("cluster my-redshift-cluster/dev as analytics_user at my-redshift-cluster.cabc123xyz45.eu-west-1.redshift.amazonaws.com:5439", Full().Target);
        Assert.Equal("workgroup wg/dev", Clone(Minimal(), cluster: null, workgroup: "wg", dbName: "dev").Target);
        Assert.Equal("prod-etl: cluster my-redshift-cluster as analytics_user", Minimal().ToString());
    }

    private static RedshiftIamraConfig Clone(RedshiftIamraConfig c, string? subject = null, string? roleArn = RoleArn, string? trustAnchorArn = TrustAnchorArn,
        string? chainPath = null, string? dbUser = "analytics_user", string? cluster = "my-redshift-cluster", int? sessionDuration = null,
        string? rolesAnywhereEndpointUrl = null, string? region = null, string? workgroup = null, string? dbName = null) => new()
    {
        Name = c.Name,
        Thumbprint = c.Thumbprint,
        Subject = subject,
        TrustAnchorArn = trustAnchorArn,
        ProfileArn = c.ProfileArn,
        RoleArn = roleArn,
        ChainPath = chainPath,
        ClusterIdentifier = cluster,
        WorkgroupName = workgroup,
        DbUser = dbUser,
        DbName = dbName,
        SessionDurationSeconds = sessionDuration,
        RolesAnywhereEndpointUrl = rolesAnywhereEndpointUrl,
        Region = region,
    };

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    [Fact]
    public void Staging_settings_are_checked_before_saving()
    {
        var bad = Minimal("bad-staging");
        var refused = Assert.Throws<IamraException>(() => RedshiftIamraConfigStore.Validate(new RedshiftIamraConfig
        {
            Name = bad.Name, Thumbprint = bad.Thumbprint, TrustAnchorArn = bad.TrustAnchorArn, ProfileArn = bad.ProfileArn, RoleArn = bad.RoleArn,
            ClusterIdentifier = bad.ClusterIdentifier, DbUser = bad.DbUser,
            Staging = new RedshiftIamra.Loading.RedshiftStagingSettings { Bucket = "Not_A_Bucket", CopyRoleArn = "default" },
        }));
        Assert.Equal(ErrorIds.Staging.Invalid, refused.ErrorId);
        Assert.Contains("'Not_A_Bucket'", refused.Message, StringComparison.Ordinal);
    }
}
