using RedshiftIamra.Aws;
using RedshiftIamra.Certificates;
using RedshiftIamra.Configuration;
using RedshiftIamra.Connections;
using RedshiftIamra.Sessions;
using RedshiftIamra.Tests.Signing;

namespace RedshiftIamra.Tests.Configuration;

/// <summary>
/// Each stage's settings turn into the engine options the cmdlets call with: every setting
/// reaches its option, and the rules that depend on what the user gave (a port or duration only
/// when given, a piped session's region, TLS weaker than VerifyFull) hold.
/// </summary>
public sealed class StageOptionsTests
{
    private static readonly Lazy<IamraCertificate> Certificate = new(() => new IamraCertificate(TestCertificates.CreateRsa(2048)));

    private static readonly AwsCredentialSource Keys = AwsCredentialSources.FromKeys("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");

    private static readonly RolesAnywhereSettings Session = new()
    {
        TrustAnchorArn = "arn:aws:rolesanywhere:eu-west-1:111122223333:trust-anchor/a",
        ProfileArn = "arn:aws:rolesanywhere:eu-west-1:111122223333:profile/p",
        RoleArn = "arn:aws:iam::111122223333:role/r",
        SessionDurationSeconds = 1800,
        RoleSessionName = "etl-job",
        RolesAnywhereEndpointUrl = "https://rolesanywhere.example",
        CaBundlePath = "/etc/ca.pem",
        Region = "eu-west-1",
    };

    private static DbCredentialCall Call(Func<string, bool>? given = null, Func<string, bool>? typed = null, string? region = null, string? sessionRegion = null) => new()
    {
        Credentials = Keys,
        Region = region,
        SessionRegion = sessionRegion,
        IsGiven = given ?? (_ => false),
        IsTyped = typed ?? (_ => false),
        SessionOption = new IamraSessionOption { AllowInsecureEndpoint = true, RenewalMargin = TimeSpan.FromMinutes(7) },
    };

    [Fact]
    public void The_session_request_carries_every_setting_and_the_region_only_where_it_is_the_sessions()
    {
        var option = new IamraSessionOption { AllowInsecureEndpoint = true, RenewalMargin = TimeSpan.FromMinutes(9) };
        var http = option.HttpSettings("/etc/ca.pem");

        var request = Session.ToSessionOptions(Certificate.Value, option, http);

        Assert.Same(Certificate.Value, request.Certificate);
        Assert.Equal(Session.TrustAnchorArn, request.TrustAnchorArn);
        Assert.Equal(Session.ProfileArn, request.ProfileArn);
        Assert.Equal(Session.RoleArn, request.RoleArn);
        Assert.Equal(1800, request.DurationSeconds);
        Assert.Equal("etl-job", request.RoleSessionName);
        Assert.Equal("https://rolesanywhere.example", request.EndpointUrl);
        Assert.True(request.AllowInsecureEndpoint);
        Assert.Equal(TimeSpan.FromMinutes(9), request.RenewalMargin);
        Assert.Same(http, request.Http);
        Assert.Null(request.Region); // elsewhere -Region names the Redshift target's region
        Assert.Equal("eu-west-1", Session.ToSessionOptions(Certificate.Value, option, http, regionIsSessions: true).Region);
    }

    [Fact]
    public void The_database_credential_request_carries_the_target_and_every_setting()
    {
        var target = new RedshiftTargetSettings
        {
            ClusterIdentifier = "etl-cluster",
            DbUser = "loader",
            DbName = "analytics",
            AutoCreate = true,
            DbGroup = new[] { "writers" },
            DurationSeconds = 1200,
            CustomDomainName = "db.example.com",
            RedshiftEndpointUrl = "https://redshift.example",
        };

        var request = target.ToDbCredentialOptions(Call(given: n => n == "DurationSeconds", region: "eu-west-1"), out var note);

        Assert.Equal(RedshiftTargetKind.Provisioned, request.Kind);
        Assert.Equal("etl-cluster", request.ClusterIdentifier);
        Assert.Equal("loader", request.DbUser);
        Assert.Equal("analytics", request.DbName);
        Assert.True(request.AutoCreate);
        Assert.Equal(new[] { "writers" }, request.DbGroups);
        Assert.Equal(1200, request.DurationSeconds);
        Assert.Equal("db.example.com", request.CustomDomainName);
        Assert.Equal("https://redshift.example", request.EndpointUrl);
        Assert.Equal("eu-west-1", request.Region);
        Assert.Same(Keys, request.Credentials);
        Assert.True(request.AllowInsecureEndpoint);
        Assert.Equal(TimeSpan.FromMinutes(7), request.RenewalMargin);
        Assert.Null(note);
    }

    [Fact]
    public void A_port_or_duration_counts_only_when_given_and_a_piped_port_of_0_is_none()
    {
        var target = new RedshiftTargetSettings { ClusterIdentifier = "etl-cluster", UseIamIdentity = true, Port = 5440, DurationSeconds = 1200 };
        Assert.Null(target.ToDbCredentialOptions(Call(region: "eu-west-1"), out _).Port);
        Assert.Null(target.ToDbCredentialOptions(Call(region: "eu-west-1"), out _).DurationSeconds);
        Assert.Equal(5440, target.ToDbCredentialOptions(Call(given: _ => true, region: "eu-west-1"), out _).Port);

        var zero = target with { Port = 0 };
        Assert.Null(zero.ToDbCredentialOptions(Call(given: n => n == "Port", region: "eu-west-1"), out _).Port);
        Assert.Equal(0, zero.ToDbCredentialOptions(Call(given: n => n == "Port", typed: n => n == "Port", region: "eu-west-1"), out _).Port);
    }

    [Fact]
    public void A_piped_sessions_region_yields_to_the_host_names_unless_typed()
    {
        var target = new RedshiftTargetSettings { Hostname = "etl-cluster.abc123xyz789.eu-west-1.redshift.amazonaws.com", DbUser = "loader" };

        var fromHost = target.ToDbCredentialOptions(Call(region: "us-east-1", sessionRegion: "us-east-1"), out var note);
        Assert.Equal("eu-west-1", fromHost.Region);
        Assert.Equal("the host name", fromHost.RegionSource);
        Assert.Equal("etl-cluster", fromHost.ClusterIdentifier);
        Assert.NotNull(note);

        Assert.Equal("us-east-1", target.ToDbCredentialOptions(Call(typed: n => n == "Region", region: "us-east-1", sessionRegion: "us-east-1"), out _).Region);
        Assert.Equal("us-west-2", target.ToDbCredentialOptions(Call(region: "us-west-2", sessionRegion: "us-east-1"), out _).Region);
    }

    [Fact]
    public void Connection_options_use_the_shipped_roots_by_default_and_refuse_weak_tls_unless_allowed()
    {
        var byDefault = new RedshiftConnectSettings().ToConnectionOptions(RedshiftTlsMode.VerifyFull, false, "/module/amazon-trust-roots.pem", p => "/resolved" + p, out var none,
            pooling: false, maxPoolSize: 3, connectTimeoutSeconds: 4, commandTimeoutSeconds: 5);
        Assert.Equal("/module/amazon-trust-roots.pem", byDefault.RootCertificatePath);
        Assert.Equal(RedshiftTlsMode.VerifyFull, byDefault.TlsMode);
        Assert.False(byDefault.Pooling);
        Assert.Equal(3, byDefault.MaxPoolSize);
        Assert.Equal(4, byDefault.ConnectTimeoutSeconds);
        Assert.Equal(5, byDefault.CommandTimeoutSeconds);
        Assert.Null(none);

        var given = new RedshiftConnectSettings { RootCertificatePath = "/roots.pem" };
        Assert.Equal("/resolved/roots.pem", given.ToConnectionOptions(RedshiftTlsMode.VerifyFull, false, "/module/amazon-trust-roots.pem", p => "/resolved" + p, out _).RootCertificatePath);

        var refused = Assert.Throws<IamraException>(() => given.ToConnectionOptions(RedshiftTlsMode.Require, false, "/default.pem", p => p, out _));
        Assert.Equal(ErrorIds.Connection.WeakTlsRefused, refused.ErrorId);

        var allowed = given.ToConnectionOptions(RedshiftTlsMode.VerifyCA, true, "/default.pem", p => p, out var warning);
        Assert.Equal(RedshiftTlsMode.VerifyCA, allowed.TlsMode);
        Assert.Contains("host name is not verified", warning);
    }

    [Fact]
    public void A_store_source_queries_the_store_with_its_selector_and_defaults()
    {
        var query = new CertificateSourceSettings { Kind = CertificateSourceKind.Store, Subject = "CN=etl*", Issuer = "CN=ca", SerialNumber = "01", ChainPath = "chain.pem" }.ToQuery(p => "/cwd/" + p);

        Assert.Equal("CN=etl*", query.Subject);
        Assert.Equal("CN=ca", query.Issuer);
        Assert.Equal("01", query.SerialNumber);
        Assert.Equal(System.Security.Cryptography.X509Certificates.StoreLocation.CurrentUser, query.StoreLocation);
        Assert.Equal("My", query.StoreName);
        Assert.Equal("/cwd/chain.pem", query.ChainPath);
        Assert.Null(query.Thumbprint);
        Assert.Null(query.Path);

        var byThumbprint = new CertificateSourceSettings { Kind = CertificateSourceKind.Thumbprint, Thumbprint = "ab cd ef 01 23 45 67 89 ab cd ef 01 23 45 67 89 ab cd ef 01", StoreLocation = "localmachine", StoreName = "Root" }.ToQuery(p => p);
        Assert.Equal("ABCDEF0123456789ABCDEF0123456789ABCDEF01", byThumbprint.Thumbprint);
        Assert.Equal(System.Security.Cryptography.X509Certificates.StoreLocation.LocalMachine, byThumbprint.StoreLocation);
        Assert.Equal("Root", byThumbprint.StoreName);
        Assert.Null(byThumbprint.Subject);
    }

    [Fact]
    public void A_file_source_resolves_its_paths_and_takes_the_password_given_beside_it()
    {
        using var password = new System.Security.SecureString();
        password.AppendChar('x');
        var query = new CertificateSourceSettings { Kind = CertificateSourceKind.Path, CertificatePath = "cert.pem", PrivateKeyPath = "key.pem", Subject = "CN=ignored" }.ToQuery(p => "/cwd/" + p, password);

        Assert.Equal("/cwd/cert.pem", query.Path);
        Assert.Equal("/cwd/key.pem", query.PrivateKeyPath);
        Assert.Same(password, query.Password);
        Assert.Null(query.Subject);
        Assert.Null(query.Pkcs11);
    }

    [Fact]
    public void A_pkcs11_source_names_its_token_key_and_library_and_the_given_pin_wins_over_the_uris()
    {
        using var pin = new System.Security.SecureString();
        pin.AppendChar('1');
        Func<string, System.Security.SecureString?> prompt = _ => null;
        var fromUri = new CertificateSourceSettings { Kind = CertificateSourceKind.Pkcs11Uri, Pkcs11Uri = "pkcs11:token=etl;object=key?pin-value=9999&module-path=/usr/lib/p11.so", CertificatePath = "cert.pem" }
            .ToQuery(p => "/cwd/" + p, pin: pin, pinPrompt: prompt);

        Assert.Equal("etl", fromUri.Pkcs11!.TokenLabel);
        Assert.Equal("key", fromUri.Pkcs11.KeyLabel);
        Assert.Equal("/cwd//usr/lib/p11.so", fromUri.Pkcs11.LibraryPath);
        Assert.Equal("module-path in the URI", fromUri.Pkcs11.LibraryOrigin);
        Assert.Same(pin, fromUri.Pkcs11.Pin);
        Assert.Equal("/cwd/cert.pem", fromUri.Pkcs11.CertificatePath);
        Assert.Same(prompt, fromUri.Pkcs11.PinPrompt);

        var byLabel = new CertificateSourceSettings { Kind = CertificateSourceKind.Pkcs11, TokenLabel = "etl", KeyId = "0a1b", Pkcs11Library = "lib.so" }.ToQuery(p => "/cwd/" + p);
        Assert.Equal("etl", byLabel.Pkcs11!.TokenLabel);
        Assert.Equal(new byte[] { 0x0a, 0x1b }, byLabel.Pkcs11.KeyId);
        Assert.Equal("/cwd/lib.so", byLabel.Pkcs11.LibraryPath);
        Assert.Equal("-Pkcs11Library", byLabel.Pkcs11.LibraryOrigin);
        Assert.Null(byLabel.Pkcs11.CertificatePath);
    }

    [Fact]
    public void A_saved_configuration_keeps_the_source_its_kind_names_and_only_what_was_typed_or_set()
    {
        var store = new CertificateSourceSettings { Kind = CertificateSourceKind.Store, Subject = "CN=etl*", StoreLocation = "LocalMachine", StoreName = "my", Latest = true, ChainPath = "chain.pem", Thumbprint = "ignored" };
        var target = new RedshiftTargetSettings { ClusterIdentifier = "etl-cluster", DbUser = "loader", DbGroup = new[] { "writers" } };
        var connect = new RedshiftConnectSettings { RootCertificatePath = "roots.pem" };
        var config = RedshiftIamraConfig.FromStages("etl", store, Session, target, connect, _ => false, p => "/cwd/" + p, "stack");

        Assert.Equal("etl", config.Name);
        Assert.Equal("CN=etl*", config.Subject);
        Assert.Equal("LocalMachine", config.StoreLocation);
        Assert.Null(config.StoreName); // My is the default
        Assert.Null(config.Thumbprint);
        Assert.True(config.Latest);
        Assert.Equal("/cwd/chain.pem", config.ChainPath);
        Assert.Equal(Session.TrustAnchorArn, config.TrustAnchorArn);
        Assert.Equal("/cwd//etc/ca.pem", config.CaBundlePath);
        Assert.Null(config.SessionDurationSeconds); // not typed: the default at use
        Assert.Null(config.Port);
        Assert.Null(config.DurationSeconds);
        Assert.Equal(new[] { "writers" }, config.DbGroup);
        Assert.Equal("/cwd/roots.pem", config.RootCertificatePath);
        Assert.Equal("stack", config.StackName);

        // What comes back from the configuration is the source that was saved.
        var again = new CertificateSourceSettings().WithConfig(config, new SettingPrecedence(new HashSet<string>()));
        Assert.Equal(CertificateSourceKind.Store, again.Kind);
        Assert.Equal("CN=etl*", again.Subject);
        Assert.Equal("LocalMachine", again.StoreLocation);

        var typed = RedshiftIamraConfig.FromStages("t", store with { Kind = CertificateSourceKind.Thumbprint, Thumbprint = "abcdef0123456789abcdef0123456789abcdef01" }, Session, target with { Port = 0 }, connect,
            n => n is "SessionDurationSeconds" or "Port", p => p);
        Assert.Equal("ABCDEF0123456789ABCDEF0123456789ABCDEF01", typed.Thumbprint);
        Assert.Equal(1800, typed.SessionDurationSeconds);
        Assert.Equal(0, typed.Port);
    }

    [Fact]
    public void A_saved_pkcs11_source_keeps_its_certificate_file_only_when_typed_and_never_a_store()
    {
        var hsm = new CertificateSourceSettings { Kind = CertificateSourceKind.Pkcs11Uri, Pkcs11Uri = "pkcs11:token=etl;object=key", CertificatePath = "cert.pem", StoreLocation = "LocalMachine", TokenLabel = "ignored" };
        var target = new RedshiftTargetSettings { WorkgroupName = "wg" };

        var untyped = RedshiftIamraConfig.FromStages("hsm", hsm, Session, target, new RedshiftConnectSettings(), _ => false, p => "/cwd/" + p);
        Assert.Equal("pkcs11:token=etl;object=key", untyped.Pkcs11Uri);
        Assert.Null(untyped.TokenLabel);
        Assert.Null(untyped.CertificatePath);
        Assert.Null(untyped.StoreLocation);

        var typed = RedshiftIamraConfig.FromStages("hsm", hsm, Session, target, new RedshiftConnectSettings(), n => n == "Path", p => "/cwd/" + p);
        Assert.Equal("/cwd/cert.pem", typed.CertificatePath);
    }
}
