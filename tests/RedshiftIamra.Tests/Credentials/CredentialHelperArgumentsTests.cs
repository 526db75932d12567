using System.Security.Cryptography.X509Certificates;
using RedshiftIamra.Aws;
using RedshiftIamra.Certificates;
using RedshiftIamra.Credentials;
using RedshiftIamra.Sessions;
using RedshiftIamra.Tests.Quoting;
using RedshiftIamra.Tests.Signing;

namespace RedshiftIamra.Tests.Credentials;

/// <summary>
/// The native credential_process helper's command line: what a profile holds is what the
/// helper reads back, through every splitter that runs the line, and a bad line is refused
/// with a message that names the option, never the value.
/// </summary>
public sealed class CredentialHelperArgumentsTests
{
    private const string Anchor = "arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor/2b7d0c1e-6d5f-4b8a-9a61-0c4f2d9e8a11";
    private const string Profile = "arn:aws:rolesanywhere:us-east-1:123456789012:profile/2b7d0c1e-6d5f-4b8a-9a61-0c4f2d9e8a11";
    private const string Role = "arn:aws:iam::123456789012:role/etl";

    private static readonly Lazy<IamraCertificate> Certificate = new(() => new IamraCertificate(TestCertificates.CreateRsa(2048)));

    [Fact]
    public void A_file_source_with_every_option_reads_back_as_written()
    {
        var caBundle = Path.Combine(Path.GetTempPath(), $"iamra-ca {Guid.NewGuid():N}.pem");
        File.WriteAllText(caBundle, TestCertificates.CreateRsa(2048).ExportCertificatePem());
        var spec = Spec(new CertificateQuery { Path = "/etc/pki/a cert.pem", PrivateKeyPath = "/etc/pki/key.pem", ChainPath = "/etc/pki/chain.pem" },
            duration: 7200, sessionName: "nightly-etl", endpoint: "https://127.0.0.1:8443/", caBundle: caBundle);
        var parsed = CredentialHelperArguments.Parse(CredentialHelperArguments.Words(spec));

        Assert.Equal("/etc/pki/a cert.pem", parsed.Path);
        Assert.Equal("/etc/pki/key.pem", parsed.PrivateKeyPath);
        Assert.Equal("/etc/pki/chain.pem", parsed.ChainPath);
        Assert.Equal(Anchor, parsed.TrustAnchorArn);
        Assert.Equal(Profile, parsed.ProfileArn);
        Assert.Equal(Role, parsed.RoleArn);
        Assert.Equal(7200, parsed.SessionDurationSeconds);
        Assert.Equal("nightly-etl", parsed.RoleSessionName);
        Assert.Equal("https://127.0.0.1:8443/", parsed.RolesAnywhereEndpointUrl);
        Assert.Equal(caBundle, parsed.CaBundlePath);
        Assert.False(parsed.IsPkcs11);

        var query = parsed.ToQuery();
        Assert.Equal(spec.Query.Path, query.Path);
        Assert.Equal(spec.Query.PrivateKeyPath, query.PrivateKeyPath);
        Assert.Equal(spec.Query.ChainPath, query.ChainPath);

        // The options give the same session source as the one the profile was written for.
        var source = RolesAnywhereSessionSource.Create(parsed.ToOptions(Certificate.Value));
        Assert.Equal(spec.Source.DurationSeconds, source.DurationSeconds);
        Assert.Equal(spec.Source.Endpoint.Uri, source.Endpoint.Uri);
        Assert.Equal(spec.Source.RoleSessionName, source.RoleSessionName);
        Assert.Equal(spec.Source.Http.CaBundlePath, source.Http.CaBundlePath);
        File.Delete(caBundle);
    }

    [Fact]
    public void Defaults_are_left_out_of_the_line()
    {
        var words = CredentialHelperArguments.Words(Spec(new CertificateQuery { Thumbprint = "AB12" }));
        Assert.Equal(["--thumbprint", "AB12", "--trust-anchor-arn", Anchor, "--profile-arn", Profile, "--role-arn", Role], words);
        var parsed = CredentialHelperArguments.Parse(words);
        Assert.Null(parsed.SessionDurationSeconds);
        Assert.Equal(StoreLocation.CurrentUser, parsed.StoreLocation);
        Assert.Equal("My", parsed.StoreName);
    }

    [Fact]
    public void A_store_selector_keeps_latest_and_the_store()
    {
        var spec = Spec(new CertificateQuery { Subject = "CN=etl*", Issuer = "CN=Corp CA", SerialNumber = "0A", StoreLocation = StoreLocation.LocalMachine, StoreName = "Root" }) with { Latest = true };
        var parsed = CredentialHelperArguments.Parse(CredentialHelperArguments.Words(spec));
        Assert.Equal("CN=etl*", parsed.Subject);
        Assert.Equal("CN=Corp CA", parsed.Issuer);
        Assert.Equal("0A", parsed.SerialNumber);
        Assert.True(parsed.Latest);
        Assert.Equal(StoreLocation.LocalMachine, parsed.StoreLocation);
        Assert.Equal("Root", parsed.StoreName);
        Assert.Null(parsed.ToQuery().Thumbprint);
    }

    [Fact]
    public void The_equals_form_reads_like_the_separate_form()
    {
        var parsed = CredentialHelperArguments.Parse(["--path=/a=b.pem", "--trust-anchor-arn=" + Anchor, "--profile-arn", Profile, "--role-arn", Role]);
        Assert.Equal("/a=b.pem", parsed.Path);
        Assert.Equal(Anchor, parsed.TrustAnchorArn);
    }

    [Fact]
    public void A_pkcs11_uri_is_read_as_a_token_source_with_its_library_certificate_file_and_pin_source()
    {
        var parsed = CredentialHelperArguments.Parse(["--pkcs11-uri", "pkcs11:token=etl;object=key;id=%01?pin-source=file:/etc/iamra/pin", "--pkcs11-library", "/usr/lib/softhsm/libsofthsm2.so",
            "--path", "/etc/iamra/key.pem", "--chain-path", "/etc/iamra/chain.pem", "--trust-anchor-arn", Anchor, "--profile-arn", Profile, "--role-arn", Role]);
        Assert.True(parsed.IsPkcs11);
        Assert.Equal("pkcs11:token=etl;object=key;id=%01?pin-source=file:/etc/iamra/pin", parsed.Pkcs11Uri);

        var query = parsed.ToQuery();
        Assert.Null(query.Path);
        Assert.Equal("/etc/iamra/chain.pem", query.ChainPath);
        var pkcs11 = query.Pkcs11!;
        Assert.Equal("etl", pkcs11.TokenLabel);
        Assert.Equal("key", pkcs11.KeyLabel);
        Assert.Equal([0x01], pkcs11.KeyId!);
        Assert.Equal("/usr/lib/softhsm/libsofthsm2.so", pkcs11.LibraryPath);
        Assert.Equal("--pkcs11-library", pkcs11.LibraryOrigin);
        Assert.Equal("/etc/iamra/key.pem", pkcs11.CertificatePath);
        Assert.Equal("file:/etc/iamra/pin", pkcs11.PinSource);
        Assert.Null(pkcs11.Pin);
        Assert.Null(pkcs11.PinPrompt); // nobody to ask: a credential_process has no terminal

        // Without --pkcs11-library, the URI's module-path names the library.
        var fromUri = CredentialHelperArguments.Parse(["--pkcs11-uri", "pkcs11:token=etl?module-path=/opt/hsm/lib.so", "--trust-anchor-arn", Anchor, "--profile-arn", Profile, "--role-arn", Role]).ToQuery().Pkcs11!;
        Assert.Equal("/opt/hsm/lib.so", fromUri.LibraryPath);
        Assert.Equal("module-path in the URI", fromUri.LibraryOrigin);
    }

    [Fact]
    public void Version_and_help_need_nothing_else()
    {
        Assert.True(CredentialHelperArguments.Parse(["--version"]).Version);
        Assert.True(CredentialHelperArguments.Parse(["--help"]).Help);
        Assert.Contains("--trust-anchor-arn", CredentialHelperArguments.Usage);
    }

    [Theory]
    [InlineData("--path", "--no-such-option", "Unknown option --no-such-option")]
    [InlineData("--path", "--path", "--path is given twice")]
    [InlineData("--path", "--trust-anchor-arn", "--trust-anchor-arn needs a value")]
    [InlineData("--thumbprint", "--path", "either --path")]
    [InlineData("--thumbprint", "--subject", "either --thumbprint")]
    [InlineData("--path", "--pkcs11-library", "--pkcs11-library goes with --pkcs11-uri")]
    [InlineData("--pkcs11-uri", "--thumbprint", "--pkcs11-uri names the key on a token")]
    [InlineData("--thumbprint", "--latest", "--latest picks among")]
    [InlineData("--thumbprint", "--session-duration-seconds", "whole number of seconds")]
    [InlineData("--thumbprint", "--store-location", "CurrentUser or LocalMachine")]
    [InlineData("--thumbprint", "--version=1", "--version takes no value")]
    public void A_bad_line_is_refused_naming_the_option_and_not_the_value(string source, string bad, string expected)
    {
        const string secret = "s3cr3t-value-never-shown";
        var args = new List<string> { source, source == "--pkcs11-uri" ? "pkcs11:token=a" : "x" };
        if (bad is "--latest" or "--version=1")
        {
            args.Add(bad);
        }
        else if (bad == "--trust-anchor-arn")
        {
            args.AddRange(["--profile-arn", Profile, "--role-arn", Role, bad]);
        }
        else
        {
            args.AddRange([bad, secret]);
        }

        if (bad != "--trust-anchor-arn")
        {
            args.AddRange(["--trust-anchor-arn", Anchor, "--profile-arn", Profile, "--role-arn", Role]);
        }

        var e = Assert.Throws<IamraException>(() => CredentialHelperArguments.Parse(args));
        Assert.Equal(CredentialHelperArguments.InvalidArgumentErrorId, e.ErrorId);
        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain(secret, e.Message);
        Assert.DoesNotContain(secret, e.Target?.ToString() ?? string.Empty);
    }

    [Fact]
    public void No_source_no_arns_and_a_stray_value_are_refused()
    {
        Assert.Contains("No certificate source", Assert.Throws<IamraException>(() => CredentialHelperArguments.Parse(["--trust-anchor-arn", Anchor, "--profile-arn", Profile, "--role-arn", Role])).Message);
        Assert.Contains("Missing --trust-anchor-arn, --profile-arn, --role-arn", Assert.Throws<IamraException>(() => CredentialHelperArguments.Parse(["--path", "c.pem"])).Message);
        var stray = Assert.Throws<IamraException>(() => CredentialHelperArguments.Parse(["--path", "c.pem", "hunter2"]));
        Assert.Contains("position 3", stray.Message);
        Assert.DoesNotContain("hunter2", stray.Message);
        Assert.Contains("an empty string", Assert.Throws<IamraException>(() => CredentialHelperArguments.Parse(["--path", ""])).Message);
    }

    [Fact]
    public void Native_lines_split_back_into_the_helpers_arguments_with_botocores_shlex_and_sh()
    {
        var values = HostileCorpus.Values.Where(v => v.Length > 0).ToList();
        var specs = values.Select(v => Spec(new CertificateQuery { Path = v + "/cert.pem", PrivateKeyPath = v + "/key.pem", ChainPath = v + "/ca.pem" })).ToList();
        var lines = specs.Select((s, i) => CredentialProcessCommand.BuildNative(values[i] + "/bin/redshift-iamra-credential-process", s, windows: false)).ToList();
        var split = Consumers.Python("shlex", lines);
        for (var i = 0; i < values.Count; i++)
        {
            var argv = Consumers.Strings(split[i].Expect($"shlex of the native line for {values[i]}"));
            Assert.Equal(values[i] + "/bin/redshift-iamra-credential-process", argv[0]);
            var parsed = CredentialHelperArguments.Parse(argv[1..]);
            Assert.Equal(values[i] + "/cert.pem", parsed.Path);
            Assert.Equal(values[i] + "/key.pem", parsed.PrivateKeyPath);
            Assert.Equal(values[i] + "/ca.pem", parsed.ChainPath);
        }

        // sh -c (SDKs that run the line through a shell) hands the program the same words.
        var shWords = Consumers.ShWords(string.Join('\n', specs.Select(s => CredentialProcessCommand.BuildNative("printf", s, windows: false).Replace("'printf'", "printf '%s\\0'", StringComparison.Ordinal))));
        Assert.Equal(specs.SelectMany(s => CredentialHelperArguments.Words(s)), shWords);
    }

    [Fact]
    public void Native_lines_for_Windows_survive_botocores_Windows_splitter()
    {
        var values = HostileCorpus.Values.Where(v => v.Length > 0 && v.IndexOfAny(['%', '!', '"']) < 0).ToList();
        var specs = values.Select(v => Spec(new CertificateQuery { Path = v + @"\cert.pem", PrivateKeyPath = v + @"\key.pem" })).ToList();
        var lines = specs.Select(s => CredentialProcessCommand.BuildNative(@"C:\Program Files\PowerShell\Modules\RedshiftIamra\bin\native\win-x64\redshift-iamra-credential-process.exe", s, windows: true)).ToList();
        var split = Consumers.Python("winsplit", lines);
        for (var i = 0; i < values.Count; i++)
        {
            var argv = Consumers.Strings(split[i].Expect($"Windows split of the native line for {values[i]}"));
            Assert.Equal([.. CredentialHelperArguments.Words(specs[i])], argv[1..]);
            Assert.Equal(values[i] + @"\cert.pem", CredentialHelperArguments.Parse(argv[1..]).Path);
        }
    }

    [Fact]
    public void A_line_break_anywhere_is_refused()
    {
        foreach (var value in HostileCorpus.LineBreaks)
        {
            foreach (var windows in new[] { false, true })
            {
                var e = Assert.Throws<IamraException>(() => CredentialProcessCommand.BuildNative("/opt/helper", Spec(new CertificateQuery { Path = value }), windows));
                Assert.Equal(ErrorIds.Quoting.ValueCannotBeQuoted, e.ErrorId);
                Assert.Throws<IamraException>(() => CredentialProcessCommand.BuildNative(value, Spec(new CertificateQuery { Path = "/c.pem" }), windows));
            }
        }
    }

    [Fact]
    public void The_helper_is_found_only_for_the_running_platform()
    {
        var module = Path.Combine(Path.GetTempPath(), $"iamra-helper-{Guid.NewGuid():N}");
        try
        {
            Assert.Null(CredentialHelperArguments.FindHelper(module));
            var name = CredentialHelperArguments.ExecutableName + (OperatingSystem.IsWindows() ? ".exe" : string.Empty);
            var other = Path.Combine(module, "bin", "native", OperatingSystem.IsWindows() ? "linux-x64" : "win-x64");
            Directory.CreateDirectory(other);
            File.WriteAllText(Path.Combine(other, name), string.Empty);
            Assert.Null(CredentialHelperArguments.FindHelper(module));

            var host = Path.Combine(module, "bin", "native", CredentialHelperArguments.HostRid());
            Directory.CreateDirectory(host);
            File.WriteAllText(Path.Combine(host, name), string.Empty);
            Assert.Equal(Path.Combine(host, name), CredentialHelperArguments.FindHelper(module));
            if (!OperatingSystem.IsWindows())
            {
                // As a .nupkg (zip) installs it: no execute bit. The helper gets it back.
                File.SetUnixFileMode(Path.Combine(host, name), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
                Assert.Equal(Path.Combine(host, name), CredentialHelperArguments.FindHelper(module));
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute, File.GetUnixFileMode(Path.Combine(host, name)));
            }
        }
        finally
        {
            Directory.Delete(module, recursive: true);
        }
    }

    private static CredentialProcessSpec Spec(CertificateQuery query, int? duration = null, string? sessionName = null, string? endpoint = null, string? caBundle = null)
    {
        var source = RolesAnywhereSessionSource.Create(new RolesAnywhereSessionOptions
        {
            Certificate = Certificate.Value,
            TrustAnchorArn = Anchor,
            ProfileArn = Profile,
            RoleArn = Role,
            DurationSeconds = duration,
            RoleSessionName = sessionName,
            EndpointUrl = endpoint,
            Http = new AwsHttpSettings { CaBundlePath = caBundle },
        });
        return new CredentialProcessSpec
        {
            PwshCommandLine = ["pwsh"],
            ModuleManifestPath = "/opt/RedshiftIamra/RedshiftIamra.psd1",
            Query = query,
            Certificate = Certificate.Value,
            Source = source,
            ExplicitEndpoint = endpoint is not null,
        };
    }

    [Fact]
    public void ToString_never_shows_a_PIN_from_the_URI()
    {
        var parsed = CredentialHelperArguments.Parse(["--pkcs11-uri", "pkcs11:token=etl;object=key?pin-value=731946", "--trust-anchor-arn", Anchor, "--profile-arn", Profile, "--role-arn", Role]);
        Assert.DoesNotContain("731946", parsed.ToString(), StringComparison.Ordinal);
        Assert.Contains(Role, parsed.ToString(), StringComparison.Ordinal);
    }
}
