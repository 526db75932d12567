using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Xml.Linq;
using Npgsql;
using RedshiftIamra.Aws;
using RedshiftIamra.Connections;
using RedshiftIamra.Redshift;
using RedshiftIamra.Sandbox;
using RedshiftIamra.Sessions;
using RedshiftIamra.Signing;

namespace RedshiftIamra.Tests.Sandbox;

/// <summary>
/// The real engine (Roles Anywhere session, DbCredentialSource with the real Redshift and
/// Redshift Serverless clients, RedshiftConnection) against the sandbox's Redshift endpoints
/// and its PostgreSQL: credentials issued, logins over verified TLS, and the failures.
/// </summary>
public sealed class SandboxRedshiftTests(SandboxDatabaseFixture fixture, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<SandboxDatabaseFixture>
{
    private static readonly XNamespace Ns = "http://redshift.amazonaws.com/doc/2012-12-01/";

    private SandboxHost Sandbox => fixture.Sandbox;

    // ---- start -----------------------------------------------------------------------------

    [Fact]
    public void The_database_starts_with_the_sandbox_in_seconds_with_its_tls_files()
    {
        output.WriteLine($"Sandbox with database started in {Sandbox.StartupTime.TotalMilliseconds:0} ms.");
        Assert.True(Sandbox.HasDatabase);
        Assert.True(Sandbox.IsDatabaseRunning);
        Assert.True(Sandbox.StartupTime < TimeSpan.FromSeconds(20), $"The sandbox with its database took {Sandbox.StartupTime.TotalSeconds:0.0} s to start.");
        Assert.Equal("127.0.0.1", Sandbox.PostgresHost);
        Assert.NotEqual(Sandbox.Port, Sandbox.PostgresPort);
        Assert.Equal("dev", Sandbox.DatabaseName);
        Assert.Equal("my-redshift-cluster", Sandbox.ClusterIdentifier);
        Assert.Equal("my-serverless-workgroup", Sandbox.WorkgroupName);
        Assert.Equal(Sandbox.RolesAnywhereEndpoint, Sandbox.RedshiftEndpoint);
        Assert.Equal(Sandbox.TlsCaBundlePath, Sandbox.PostgresRootCertificatePath);

        // The server certificate PostgreSQL serves: for localhost and 127.0.0.1, by the TLS root.
        using var server = X509Certificate2.CreateFromPemFile(Path.Combine(Sandbox.WorkingDirectory, SandboxHost.ServerCertificateFileName), Path.Combine(Sandbox.WorkingDirectory, SandboxHost.ServerKeyFileName));
        var san = server.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        Assert.Contains("localhost", san.EnumerateDnsNames());
        Assert.Contains(IPAddress.Loopback, san.EnumerateIPAddresses());
        Assert.Equal(Sandbox.Pki.TlsRoot.Certificate.Subject, server.Issuer);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(Sandbox.WorkingDirectory, SandboxHost.ServerKeyFileName)));
        }
    }

    [Fact]
    public async Task A_sandbox_without_database_has_no_redshift_endpoint()
    {
        await using var plain = await SandboxHost.StartAsync();
        Assert.False(plain.HasDatabase);
        Assert.Throws<InvalidOperationException>(() => plain.PostgresPort);
        var source = DbCredentialSource.Create(new DbCredentialOptions
        {
            Credentials = AwsCredentialSources.FromKeys("ASIAEXAMPLEEXAMPLE00", "secret", "token"),
            Kind = RedshiftTargetKind.Provisioned,
            ClusterIdentifier = "my-redshift-cluster",
            DbUser = "analytics_user",
            Region = plain.Region,
            EndpointUrl = plain.RedshiftEndpoint,
            Http = SandboxClients.FastHttp(plain),
        });
        var e = await Assert.ThrowsAsync<IamraException>(() => SandboxDatabaseFixture.GetAsync(source));
        Assert.Contains("Database", e.Message);
    }

    // ---- the three kinds of credentials ------------------------------------------------------

    [Fact]
    public async Task GetClusterCredentials_for_an_existing_user_logs_in_as_IAM_user_over_verified_tls()
    {
        await Sandbox.AddDatabaseUserAsync("analytics_user");
        var before = DateTimeOffset.UtcNow;

        var credential = await SandboxDatabaseFixture.GetAsync(fixture.Source(RedshiftTargetKind.Provisioned, "analytics_user"), force: true);

        Assert.Equal("IAM:analytics_user", credential.DbUser);
        Assert.Equal(("127.0.0.1", Sandbox.PostgresPort, "dev"), (credential.Host, credential.Port, credential.Database));
        Assert.InRange(credential.ExpiresAt, before.AddSeconds(900 - 5), DateTimeOffset.UtcNow.AddSeconds(900 + 5));
        Assert.Matches("^[A-Za-z0-9]{40,}$", credential.Password);

        await using var connection = fixture.Connection(credential);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select current_user, (select ssl from pg_stat_ssl where pid = pg_backend_pid()), current_database()", connection);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal("IAM:analytics_user", reader.GetString(0));
        Assert.True(reader.GetBoolean(1));
        Assert.Equal("dev", reader.GetString(2));

        var call = Sandbox.Audit.Find("GetClusterCredentials", "Success")[^1];
        Assert.Equal("redshift.amazonaws.com", call.EventSource);
        Assert.Equal("IAM:analytics_user", call.DbUser);
        Assert.Equal("my-redshift-cluster", call.ClusterIdentifier);
        Assert.Equal((await fixture.Credentials.GetCredentialsAsync(CancellationToken.None)).AccessKeyId, call.AccessKeyId);
        Assert.Equal(Sandbox.RoleArn, call.RoleArn);
        Assert.Equal(900, call.DurationSeconds);
        Assert.Contains(Sandbox.Audit.Find("DescribeClusters", "Success"), e => e.EventSource == "redshift.amazonaws.com");
    }

    [Fact]
    public async Task AutoCreate_returns_IAMA_user_that_logs_in_and_creates_the_user()
    {
        var name = SandboxDatabaseFixture.Unique("auto");
        Assert.False(Sandbox.DatabaseUserExists(name));

        var created = await SandboxDatabaseFixture.GetAsync(fixture.Source(RedshiftTargetKind.Provisioned, name, autoCreate: true));

        Assert.Equal("IAMA:" + name, created.DbUser);
        Assert.Equal("IAMA:" + name, await fixture.CurrentUserAsync(created));
        Assert.True(Sandbox.DatabaseUserExists(name));

        // The user exists now: without AutoCreate it logs in as IAM:<user>.
        var later = await SandboxDatabaseFixture.GetAsync(fixture.Source(RedshiftTargetKind.Provisioned, name));
        Assert.Equal("IAM:" + name, await fixture.CurrentUserAsync(later));
    }

    [Fact]
    public async Task DbGroups_become_group_memberships_of_the_login()
    {
        var name = SandboxDatabaseFixture.Unique("grouped");
        await Sandbox.AddDatabaseUserAsync(name);

        var credential = await SandboxDatabaseFixture.GetAsync(fixture.Source(RedshiftTargetKind.Provisioned, name, groups: ["analysts", "loaders"]));

        await using var connection = fixture.Connection(credential);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select pg_has_role(current_user, 'analysts', 'member'), pg_has_role(current_user, 'loaders', 'member'), pg_has_role(current_user, 'pg_monitor', 'member')", connection);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.True(reader.GetBoolean(0));
        Assert.True(reader.GetBoolean(1));
        Assert.False(reader.GetBoolean(2));
    }

    [Fact]
    public async Task A_group_grants_what_the_administrator_granted_it()
    {
        await Sandbox.ExecuteSqlAsync("create table if not exists sales (id int, amount numeric); insert into sales values (1, 10.5), (2, 20); do $$ begin if not exists (select from pg_roles where rolname = 'readers') then create role readers nologin; end if; end $$; grant select on sales to readers;");
        var name = SandboxDatabaseFixture.Unique("reader");
        await Sandbox.AddDatabaseUserAsync(name);

        var withGroup = await SandboxDatabaseFixture.GetAsync(fixture.Source(RedshiftTargetKind.Provisioned, name, groups: ["readers"]));
        await using (var connection = fixture.Connection(withGroup))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("select sum(amount) from sales", connection);
            Assert.Equal(30.5m, (decimal)(await command.ExecuteScalarAsync())!);
        }

        var other = SandboxDatabaseFixture.Unique("noreader");
        await Sandbox.AddDatabaseUserAsync(other);
        var withoutGroup = await SandboxDatabaseFixture.GetAsync(fixture.Source(RedshiftTargetKind.Provisioned, other));
        await using (var connection = fixture.Connection(withoutGroup))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("select sum(amount) from sales", connection);
            var e = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteScalarAsync());
            Assert.Equal("42501", e.SqlState);
        }
    }

    [Fact]
    public async Task GetClusterCredentialsWithIAM_logs_in_as_IAMR_role_name()
    {
        var credential = await SandboxDatabaseFixture.GetAsync(fixture.Source(RedshiftTargetKind.ProvisionedIam, durationSeconds: 1800), force: true);

        Assert.Equal("IAMR:redshift-iamra-sandbox", credential.DbUser);
        Assert.NotNull(credential.NextRefreshAt);
        Assert.InRange((credential.ExpiresAt - DateTimeOffset.UtcNow).TotalSeconds, 1790, 1805);
        Assert.Equal("IAMR:redshift-iamra-sandbox", await fixture.CurrentUserAsync(credential));
        Assert.Equal("IAMR:redshift-iamra-sandbox", Sandbox.Audit.Find("GetClusterCredentialsWithIAM", "Success")[^1].DbUser);
    }

    [Fact]
    public async Task Serverless_GetCredentials_finds_the_workgroup_and_logs_in_as_IAMR_role_name()
    {
        var before = DateTimeOffset.UtcNow;

        var credential = await SandboxDatabaseFixture.GetAsync(fixture.Source(RedshiftTargetKind.Serverless), force: true);

        Assert.Equal("IAMR:redshift-iamra-sandbox", credential.DbUser);
        Assert.Equal(("127.0.0.1", Sandbox.PostgresPort, "dev"), (credential.Host, credential.Port, credential.Database));
        Assert.InRange(credential.ExpiresAt, before.AddSeconds(895), DateTimeOffset.UtcNow.AddSeconds(905));
        Assert.NotNull(credential.NextRefreshAt);
        Assert.Equal("IAMR:redshift-iamra-sandbox", await fixture.CurrentUserAsync(credential));

        var workgroup = Sandbox.Audit.Find("GetWorkgroup", "Success")[^1];
        Assert.Equal("redshift-serverless.amazonaws.com", workgroup.EventSource);
        Assert.Equal("my-serverless-workgroup", workgroup.WorkgroupName);
        Assert.Equal("IAMR:redshift-iamra-sandbox", Sandbox.Audit.Find("GetCredentials", "Success")[^1].DbUser);
    }

    [Fact]
    public async Task GetWorkgroup_answers_the_real_shape_the_client_reads()
    {
        var client = new RedshiftServerlessClient(new RedshiftClientConfig
        {
            Region = Sandbox.Region,
            Endpoint = new AwsEndpoint(new Uri(Sandbox.RedshiftServerlessEndpoint), "the sandbox"),
            Credentials = fixture.Credentials,
            Http = SandboxClients.FastHttp(Sandbox),
        });

        var response = await client.GetWorkgroupAsync(new GetWorkgroupRequest { WorkgroupName = Sandbox.WorkgroupName }, NullOperationLog.Instance, CancellationToken.None);

        Assert.Equal(Sandbox.WorkgroupName, response.Workgroup.WorkgroupName);
        Assert.Equal("AVAILABLE", response.Workgroup.Status);
        Assert.Equal(new WorkgroupEndpoint("127.0.0.1", Sandbox.PostgresPort), response.Workgroup.Endpoint);
        Assert.Equal(Sandbox.WorkgroupArn, response.Workgroup.WorkgroupArn);
        Assert.Matches($"^arn:aws:redshift-serverless:us-east-1:123456789012:workgroup/[0-9a-f-]{{36}}$", response.Workgroup.WorkgroupArn);
        Assert.NotNull(response.RequestId);
    }

    [Fact]
    public async Task DescribeClusters_answers_the_real_xml_shape()
    {
        var response = await SendRawAsync("Action=DescribeClusters&Version=2012-12-01&ClusterIdentifier=my-redshift-cluster");

        Assert.Equal(HttpStatusCode.OK, response.Status);
        var root = XDocument.Parse(response.Body).Root!;
        Assert.Equal(Ns + "DescribeClustersResponse", root.Name);
        var cluster = root.Element(Ns + "DescribeClustersResult")!.Element(Ns + "Clusters")!.Elements(Ns + "Cluster").Single();
        Assert.Equal("my-redshift-cluster", cluster.Element(Ns + "ClusterIdentifier")!.Value);
        Assert.Equal("available", cluster.Element(Ns + "ClusterStatus")!.Value);
        Assert.Equal("dev", cluster.Element(Ns + "DBName")!.Value);
        Assert.Equal("127.0.0.1", cluster.Element(Ns + "Endpoint")!.Element(Ns + "Address")!.Value);
        Assert.Equal(Sandbox.PostgresPort.ToString(System.Globalization.CultureInfo.InvariantCulture), cluster.Element(Ns + "Endpoint")!.Element(Ns + "Port")!.Value);
        Assert.Equal(response.RequestId, root.Element(Ns + "ResponseMetadata")!.Element(Ns + "RequestId")!.Value);
        Assert.StartsWith("text/xml", response.ContentType);
    }

    [Fact]
    public async Task A_cluster_that_is_not_available_has_no_endpoint_or_credentials()
    {
        Sandbox.ClusterStatus = "creating";
        try
        {
            var e = await Assert.ThrowsAsync<IamraException>(() => SandboxDatabaseFixture.GetAsync(fixture.Source(RedshiftTargetKind.Provisioned, SandboxDatabaseFixture.Unique("early"))));
            Assert.Equal(DbCredentialSource.EndpointUnavailableErrorId, e.ErrorId);
            Assert.Contains("creating", e.Message);

            Sandbox.ClusterStatus = "paused";
            var paused = await Assert.ThrowsAsync<IamraException>(() => SandboxDatabaseFixture.GetAsync(fixture.Source(RedshiftTargetKind.Provisioned, SandboxDatabaseFixture.Unique("paused"), host: "127.0.0.1", port: Sandbox.PostgresPort)));
            Assert.Equal(ErrorIds.Redshift.ClusterNotAvailable, paused.ErrorId);
        }
        finally
        {
            Sandbox.ClusterStatus = "available";
        }
    }

    // ---- users that do not exist ------------------------------------------------------------

    [Fact]
    public async Task An_unknown_user_without_AutoCreate_gets_credentials_but_cannot_log_in()
    {
        var name = SandboxDatabaseFixture.Unique("ghost");

        var credential = await SandboxDatabaseFixture.GetAsync(fixture.Source(RedshiftTargetKind.Provisioned, name));

        Assert.Equal("IAM:" + name, credential.DbUser);
        await using (var connection = fixture.Connection(credential))
        {
            var e = await Assert.ThrowsAsync<PostgresException>(() => connection.OpenAsync());
            Assert.Contains(e.SqlState, new[] { "28P01", "28000" });
        }

        // The connection layer explains it.
        var failure = await Assert.ThrowsAsync<IamraException>(() => RedshiftConnection.OpenAsync(credential, ConnectionOptions(), NullOperationLog.Instance, CancellationToken.None));
        Assert.Equal(ErrorIds.Connection.LoginFailed, failure.ErrorId);
        Assert.Contains("AutoCreate", failure.Message);
        Assert.False(Sandbox.DatabaseUserExists(name));
    }

    // ---- signing and service errors ---------------------------------------------------------

    [Fact]
    public async Task A_request_signed_with_a_wrong_secret_is_rejected_by_both_services()
    {
        var real = await fixture.Credentials.GetCredentialsAsync(CancellationToken.None);
        var wrong = AwsCredentialSources.FromKeys(real.AccessKeyId, "wrongSecretwrongSecretwrongSecretwrongSe", real.SessionToken);

        var provisioned = await Assert.ThrowsAsync<IamraException>(() => SandboxDatabaseFixture.GetAsync(fixture.Source(RedshiftTargetKind.Provisioned, "analytics_user", credentials: wrong)));
        Assert.Equal(ErrorIds.Aws.SignatureRejected, provisioned.ErrorId);
        Assert.Contains("SignatureDoesNotMatch", provisioned.Message);
        Assert.Contains("The request signature we calculated does not match the signature you provided", provisioned.Message);

        var serverless = await Assert.ThrowsAsync<IamraException>(() => SandboxDatabaseFixture.GetAsync(fixture.Source(RedshiftTargetKind.Serverless, credentials: wrong)));
        Assert.Equal(ErrorIds.Aws.SignatureRejected, serverless.ErrorId);
        Assert.Contains("InvalidSignatureException", serverless.Message);

        var audit = Sandbox.Audit.Find("DescribeClusters", "SignatureDoesNotMatch")[^1];
        Assert.Equal(real.AccessKeyId, audit.AccessKeyId);
        Assert.Equal(403, audit.HttpStatus);
    }

    [Fact]
    public async Task An_unknown_access_key_and_a_foreign_session_token_are_invalid_client_tokens()
    {
        var unknown = AwsCredentialSources.FromKeys("ASIAUNKNOWNUNKNOWN00", "secretsecretsecretsecretsecretsecret0000", "token");
        var e = await Assert.ThrowsAsync<IamraException>(() => SandboxDatabaseFixture.GetAsync(fixture.Source(RedshiftTargetKind.Provisioned, "analytics_user", credentials: unknown)));
        Assert.Equal(ErrorIds.Aws.InvalidClientToken, e.ErrorId);
        Assert.Contains("InvalidClientTokenId: The security token included in the request is invalid.", e.Message);

        var real = await fixture.Credentials.GetCredentialsAsync(CancellationToken.None);
        var foreignToken = AwsCredentialSources.FromKeys(real.AccessKeyId, real.SecretAccessKey, "another-sessions-token");
        var serverless = await Assert.ThrowsAsync<IamraException>(() => SandboxDatabaseFixture.GetAsync(fixture.Source(RedshiftTargetKind.Serverless, credentials: foreignToken)));
        Assert.Equal(ErrorIds.Aws.InvalidClientToken, serverless.ErrorId);
        Assert.Contains("UnrecognizedClientException", serverless.Message);
    }

    [Fact]
    public async Task A_revoked_session_is_an_invalid_client_token()
    {
        var source = fixture.NewSessionSource(SandboxDatabaseFixture.Unique("revoked").Replace('_', '-'));
        var session = await source.GetSessionAsync(force: true, NullOperationLog.Instance, CancellationToken.None);
        Assert.True(Sandbox.Credentials.Revoke(session.AccessKeyId));

        var e = await Assert.ThrowsAsync<IamraException>(() => SandboxDatabaseFixture.GetAsync(fixture.Source(RedshiftTargetKind.ProvisionedIam, credentials: new IamraSessionCredentialSource(session))));

        Assert.Equal(ErrorIds.Aws.InvalidClientToken, e.ErrorId);
    }

    [Fact]
    public async Task An_unknown_cluster_or_workgroup_is_not_found()
    {
        var cluster = await Assert.ThrowsAsync<IamraException>(() => SandboxDatabaseFixture.GetAsync(fixture.Source(RedshiftTargetKind.Provisioned, "analytics_user", cluster: "no-such-cluster")));
        Assert.Equal(ErrorIds.Redshift.ClusterNotFound, cluster.ErrorId);
        Assert.Contains("ClusterNotFound: Cluster no-such-cluster not found.", cluster.Message);

        // GetClusterCredentials itself (endpoint known, no DescribeClusters) says the same.
        var direct = await Assert.ThrowsAsync<IamraException>(() => SandboxDatabaseFixture.GetAsync(fixture.Source(RedshiftTargetKind.ProvisionedIam, cluster: "no-such-cluster", host: "127.0.0.1", port: Sandbox.PostgresPort)));
        Assert.Equal(ErrorIds.Redshift.ClusterNotFound, direct.ErrorId);
        Assert.Contains(Sandbox.Audit.Find("GetClusterCredentialsWithIAM", "ClusterNotFound"), a => a.HttpStatus == 404 && a.ClusterIdentifier == "no-such-cluster");

        var workgroup = await Assert.ThrowsAsync<IamraException>(() => SandboxDatabaseFixture.GetAsync(fixture.Source(RedshiftTargetKind.Serverless, workgroup: "no-such-workgroup")));
        Assert.Equal(ErrorIds.Redshift.WorkgroupNotFound, workgroup.ErrorId);
        Assert.Contains("ResourceNotFoundException", workgroup.Message);
    }

    [Fact]
    public async Task Invalid_parameters_answer_InvalidParameterValue_in_the_query_error_shape()
    {
        var response = await SendRawAsync("Action=GetClusterCredentials&Version=2012-12-01&ClusterIdentifier=my-redshift-cluster&DbUser=analytics_user&DurationSeconds=60");

        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        var root = XDocument.Parse(response.Body).Root!;
        Assert.Equal(Ns + "ErrorResponse", root.Name);
        var error = root.Element(Ns + "Error")!;
        Assert.Equal("Sender", error.Element(Ns + "Type")!.Value);
        Assert.Equal("InvalidParameterValue", error.Element(Ns + "Code")!.Value);
        Assert.Contains("DurationSeconds '60'", error.Element(Ns + "Message")!.Value);
        Assert.Equal(response.RequestId, root.Element(Ns + "RequestId")!.Value);

        var groups = await SendRawAsync("Action=GetClusterCredentials&Version=2012-12-01&ClusterIdentifier=my-redshift-cluster&DbUser=analytics_user&DbGroups.DbGroup.1=Analysts");
        Assert.Contains("<Code>InvalidParameterValue</Code>", groups.Body);
        var user = await SendRawAsync("Action=GetClusterCredentials&Version=2012-12-01&ClusterIdentifier=my-redshift-cluster&DbUser=1abc");
        Assert.Contains("<Code>InvalidParameterValue</Code>", user.Body);
        var action = await SendRawAsync("Action=DeleteCluster&Version=2012-12-01&ClusterIdentifier=my-redshift-cluster");
        Assert.Contains("<Code>InvalidAction</Code>", action.Body);
    }

    [Fact]
    public async Task A_body_changed_after_signing_does_not_match_the_signature()
    {
        var credentials = await fixture.Credentials.GetCredentialsAsync(CancellationToken.None);
        Sandbox.InjectFault("DescribeClusters", SandboxFault.TamperRequest(SandboxTamper.Body));

        var e = await Assert.ThrowsAsync<IamraException>(() => SandboxDatabaseFixture.GetAsync(fixture.Source(RedshiftTargetKind.Provisioned, SandboxDatabaseFixture.Unique("tamper"))));

        Assert.Equal(ErrorIds.Aws.SignatureRejected, e.ErrorId);
        Assert.Contains(Sandbox.Audit.Find("DescribeClusters", "SignatureDoesNotMatch"), a => a.Fault == "TamperRequest(Body)" && a.AccessKeyId == credentials.AccessKeyId);
    }

    [Fact]
    public async Task A_wrong_scope_or_a_missing_token_is_refused_before_the_signature()
    {
        var credentials = await fixture.Credentials.GetCredentialsAsync(CancellationToken.None);

        var region = await SendRawAsync("Action=DescribeClusters&Version=2012-12-01", region: "eu-west-1");
        Assert.Equal(HttpStatusCode.Forbidden, region.Status);
        Assert.Contains("<Code>SignatureDoesNotMatch</Code>", region.Body);
        Assert.Contains("Credential should be scoped to a valid region, not 'eu-west-1'.", region.Body);

        var service = await SendRawAsync("Action=DescribeClusters&Version=2012-12-01", service: "rds");
        Assert.Contains("Credential should be scoped to correct service: 'redshift'.", service.Body);

        var noToken = await SendRawAsync("Action=DescribeClusters&Version=2012-12-01", credentials: new AwsCredentials(credentials.AccessKeyId, credentials.SecretAccessKey));
        Assert.Contains("<Code>InvalidClientTokenId</Code>", noToken.Body);

        var serverless = await SendRawAsync("{\"workgroupName\":\"my-serverless-workgroup\"}", service: "redshift", target: "RedshiftServerless.GetWorkgroup");
        Assert.Equal(HttpStatusCode.Forbidden, serverless.Status);
        Assert.Contains("\"__type\":\"InvalidSignatureException\"", serverless.Body);
        Assert.Contains("Credential should be scoped to correct service: \\u0027redshift-serverless\\u0027.", serverless.Body);
        Assert.Equal("InvalidSignatureException", serverless.ErrorType);
    }

    // ---- expired AWS sessions ---------------------------------------------------------------

    [Fact]
    public async Task ExpiredToken_once_renews_the_roles_anywhere_session_once_and_succeeds()
    {
        var source = fixture.NewSessionSource(SandboxDatabaseFixture.Unique("expiring").Replace('_', '-'));
        var session = await source.GetSessionAsync(force: true, NullOperationLog.Instance, CancellationToken.None);
        var credentials = new IamraSessionCredentialSource(session);
        var name = SandboxDatabaseFixture.Unique("renewed");
        await Sandbox.AddDatabaseUserAsync(name);
        var sessionsBefore = Sandbox.CountCalls("CreateSession", "Success");
        Sandbox.InjectFault("GetClusterCredentials", SandboxFault.ExpiredToken());

        var credential = await SandboxDatabaseFixture.GetAsync(fixture.Source(RedshiftTargetKind.Provisioned, name, credentials: credentials));

        Assert.Equal("IAM:" + name, await fixture.CurrentUserAsync(credential));
        Assert.Equal(sessionsBefore + 1, Sandbox.CountCalls("CreateSession", "Success"));
        var expired = Sandbox.Audit.Find("GetClusterCredentials", "ExpiredToken")[^1];
        Assert.Equal(session.AccessKeyId, expired.AccessKeyId);
        Assert.Equal(403, expired.HttpStatus);
        var success = Sandbox.Audit.Find("GetClusterCredentials", "Success")[^1];
        Assert.Equal("IAM:" + name, success.DbUser);
        Assert.NotEqual(session.AccessKeyId, success.AccessKeyId);
        Assert.Equal(success.AccessKeyId, Sandbox.Audit.Find("CreateSession", "Success")[^1].AccessKeyId);
    }

    [Fact]
    public async Task An_expired_key_is_answered_ExpiredToken_in_the_query_error_shape()
    {
        var source = fixture.NewSessionSource(SandboxDatabaseFixture.Unique("late").Replace('_', '-'));
        var session = await source.GetSessionAsync(force: true, NullOperationLog.Instance, CancellationToken.None);
        var credentials = await new IamraSessionCredentialSource(session).GetCredentialsAsync(CancellationToken.None);

        // The server's clock an hour and a bit later: the one-hour session has expired, and the
        // request is signed at the server's time so that only the expiry is wrong.
        var response = await SendRawAsync("Action=DescribeClusters&Version=2012-12-01", credentials: credentials, shift: TimeSpan.FromMinutes(61));

        Assert.Equal(HttpStatusCode.Forbidden, response.Status);
        Assert.Contains("<Code>ExpiredToken</Code>", response.Body);
        Assert.Contains("<Message>The security token included in the request is expired</Message>", response.Body);
    }

    // ---- faults -----------------------------------------------------------------------------

    [Fact]
    public async Task Throttling_and_server_errors_are_retried_and_malformed_answers_are_reported()
    {
        var name = SandboxDatabaseFixture.Unique("faulty");
        await Sandbox.AddDatabaseUserAsync(name);
        var next = Sandbox.Faults.CallCount("GetClusterCredentials") + 1;
        var throttle = Sandbox.Faults.ForCalls("GetClusterCredentials", next, next, SandboxFault.Throttle(400));
        var internalError = Sandbox.Faults.ForCalls("GetClusterCredentials", next + 1, next + 1, SandboxFault.InternalError());

        var credential = await SandboxDatabaseFixture.GetAsync(fixture.Source(RedshiftTargetKind.Provisioned, name));

        Assert.Equal("IAM:" + name, await fixture.CurrentUserAsync(credential));
        Assert.Equal(1, throttle.Hits);
        Assert.Equal(1, internalError.Hits);
        Assert.Contains(Sandbox.Audit.Find("GetClusterCredentials", "Throttling"), a => a.HttpStatus == 400 && a.CallNumber == next);
        Assert.Contains(Sandbox.Audit.Find("GetClusterCredentials", "InternalFailure"), a => a.HttpStatus == 500 && a.CallNumber == next + 1);
        Assert.Contains(Sandbox.Audit.Find("GetClusterCredentials", "Success"), a => a.CallNumber == next + 2 && a.DbUser == "IAM:" + name);

        Sandbox.InjectFault("GetCredentials", SandboxFault.MalformedBody(SandboxMalformedBody.MissingFields));
        var malformed = await Assert.ThrowsAsync<IamraException>(() => SandboxDatabaseFixture.GetAsync(fixture.Source(RedshiftTargetKind.Serverless, durationSeconds: 1200)));
        Assert.Equal(ErrorIds.Aws.InvalidResponse, malformed.ErrorId);
        Sandbox.InjectFault("GetClusterCredentials", SandboxFault.MalformedBody(SandboxMalformedBody.TruncatedJson));
        var truncated = await Assert.ThrowsAsync<IamraException>(() => SandboxDatabaseFixture.GetAsync(fixture.Source(RedshiftTargetKind.Provisioned, name, durationSeconds: 1200)));
        Assert.Equal(ErrorIds.Aws.InvalidResponse, truncated.ErrorId);

        Sandbox.InjectFault("GetClusterCredentials", SandboxFault.ServiceError(403, "AccessDenied", "User: arn:aws:sts::123456789012:assumed-role/redshift-iamra-sandbox/x is not authorized to perform: redshift:GetClusterCredentials"));
        var denied = await Assert.ThrowsAsync<IamraException>(() => SandboxDatabaseFixture.GetAsync(fixture.Source(RedshiftTargetKind.Provisioned, name, durationSeconds: 1500)));
        Assert.Equal(ErrorIds.Redshift.AccessDenied, denied.ErrorId);
        Assert.Contains("redshift:GetClusterCredentials on arn:aws:redshift:us-east-1:123456789012:dbuser:my-redshift-cluster/" + name, denied.Message);
    }

    [Fact]
    public async Task A_stopped_database_refuses_connections_and_takes_the_logins_issued_meanwhile_when_it_starts()
    {
        var name = SandboxDatabaseFixture.Unique("downtime");
        await Sandbox.AddDatabaseUserAsync(name);
        var first = await SandboxDatabaseFixture.GetAsync(fixture.Source(RedshiftTargetKind.Provisioned, name));
        await using var connection = await RedshiftConnection.OpenAsync(first, ConnectionOptions(pooling: false), NullOperationLog.Instance, CancellationToken.None);

        await Sandbox.StopDatabaseAsync();
        try
        {
            Assert.False(Sandbox.IsDatabaseRunning);
            var refused = Assert.Throws<IamraException>(() => connection.OpenConnection());
            Assert.Equal(ErrorIds.Connection.ConnectFailed, refused.ErrorId);
            Assert.Contains("connection refused", refused.Message);

            // The API keeps answering while the database is down.
            var during = await SandboxDatabaseFixture.GetAsync(fixture.Source(RedshiftTargetKind.Provisioned, name, durationSeconds: 1000));
            Assert.Equal("IAM:" + name, during.DbUser);

            await Sandbox.StartDatabaseAsync();
            Assert.Equal("IAM:" + name, await fixture.CurrentUserAsync(during));
        }
        finally
        {
            if (!Sandbox.IsDatabaseRunning)
            {
                await Sandbox.StartDatabaseAsync();
            }
        }
    }

    [Fact]
    public async Task An_expired_database_password_is_refused_and_a_new_one_works()
    {
        var name = SandboxDatabaseFixture.Unique("expire");
        await Sandbox.AddDatabaseUserAsync(name);
        var source = fixture.Source(RedshiftTargetKind.Provisioned, name);
        var credential = await SandboxDatabaseFixture.GetAsync(source);
        Assert.Equal("IAM:" + name, await fixture.CurrentUserAsync(credential));

        await Sandbox.ExpireDatabasePasswordAsync(credential.DbUser);

        var e = await Assert.ThrowsAsync<PostgresException>(() => fixture.CurrentUserAsync(credential));
        Assert.Equal("28000", e.SqlState); // Redshift answers a failed password with 28000 (PostgreSQL 15 would say 28P01)
        var renewed = await SandboxDatabaseFixture.GetAsync(source, force: true);
        Assert.NotEqual(credential.Password, renewed.Password);
        Assert.Equal("IAM:" + name, await fixture.CurrentUserAsync(renewed));
    }

    // ---- RedshiftConnection -----------------------------------------------------------------

    [Fact]
    public async Task RedshiftConnection_connects_with_VerifyFull_against_the_sandbox_root()
    {
        var credential = await SandboxDatabaseFixture.GetAsync(fixture.Source(RedshiftTargetKind.Serverless, durationSeconds: 2400));

        await using var connection = await RedshiftConnection.OpenAsync(credential, ConnectionOptions(), NullOperationLog.Instance, CancellationToken.None);

        Assert.Equal("Open", connection.State);
        await using var command = connection.DbConnection.CreateCommand();
        command.CommandText = "select current_user";
        Assert.Equal("IAMR:redshift-iamra-sandbox", await command.ExecuteScalarAsync());
        await using var pooled = connection.OpenConnection();
        Assert.Equal(System.Data.ConnectionState.Open, pooled.State);
    }

    [Fact]
    public async Task RedshiftConnection_with_another_root_fails_tls_verification_naming_the_server_root()
    {
        var credential = await SandboxDatabaseFixture.GetAsync(fixture.Source(RedshiftTargetKind.Serverless, durationSeconds: 2400));

        var e = await Assert.ThrowsAsync<IamraException>(() => RedshiftConnection.OpenAsync(credential, ConnectionOptions(root: Sandbox.OrgCaPath), NullOperationLog.Instance, CancellationToken.None));

        output.WriteLine(e.Message);
        Assert.Equal(ErrorIds.Connection.TlsVerificationFailed, e.ErrorId);
        Assert.Contains("chains to 'CN=RedshiftIamra Sandbox TLS Root CA, O=RedshiftIamra Sandbox' (the issuer of the server certificate)", e.Message);
        Assert.Contains("trusted: CN=RedshiftIamra Sandbox Org Root CA", e.Message);
        Assert.Contains("not among the trusted roots", e.Message);
    }

    [Fact]
    public async Task RedshiftConnection_to_a_name_the_certificate_does_not_cover_fails_tls_verification()
    {
        await using var forwarder = new LoopbackForwarder(IPAddress.Parse("127.0.0.2"), new IPEndPoint(IPAddress.Loopback, Sandbox.PostgresPort));
        var credential = await SandboxDatabaseFixture.GetAsync(fixture.Source(RedshiftTargetKind.ProvisionedIam, durationSeconds: 2400, host: "127.0.0.2", port: forwarder.EndPoint.Port));

        var e = await Assert.ThrowsAsync<IamraException>(() => RedshiftConnection.OpenAsync(credential, ConnectionOptions(), NullOperationLog.Instance, CancellationToken.None));

        output.WriteLine(e.Message);
        Assert.Equal(ErrorIds.Connection.TlsVerificationFailed, e.ErrorId);
        Assert.Contains("not for '127.0.0.2'", e.Message);
        Assert.Contains("127.0.0.1", e.Message);
    }

    // ---- audit ------------------------------------------------------------------------------

    [Fact]
    public async Task Every_redshift_call_is_audited_and_no_password_reaches_the_audit_file()
    {
        var name = SandboxDatabaseFixture.Unique("audited");
        await Sandbox.AddDatabaseUserAsync(name);
        var before = Sandbox.GetAuditEvents().Count;
        var credentials = await fixture.Credentials.GetCredentialsAsync(CancellationToken.None);

        var provisioned = await SandboxDatabaseFixture.GetAsync(fixture.Source(RedshiftTargetKind.Provisioned, name, autoCreate: true, groups: ["auditors"], durationSeconds: 999));
        var iam = await SandboxDatabaseFixture.GetAsync(fixture.Source(RedshiftTargetKind.ProvisionedIam, durationSeconds: 998));
        var serverless = await SandboxDatabaseFixture.GetAsync(fixture.Source(RedshiftTargetKind.Serverless, durationSeconds: 997));

        var events = Sandbox.GetAuditEvents().Skip(before).ToList();
        Assert.Equal(
            new[] { "DescribeClusters", "GetClusterCredentials", "DescribeClusters", "GetClusterCredentialsWithIAM", "GetWorkgroup", "GetCredentials" },
            events.Select(e => e.EventName));
        Assert.All(events, e => Assert.Equal("Success", e.Outcome));
        Assert.All(events, e => Assert.Equal(credentials.AccessKeyId, e.AccessKeyId));
        Assert.Equal(new[] { "IAMA:" + name, "IAMR:redshift-iamra-sandbox", "IAMR:redshift-iamra-sandbox" }, events.Where(e => e.DbUser is not null).Select(e => e.DbUser));
        Assert.Equal(new int?[] { 999, 998, 997 }, events.Where(e => e.DurationSeconds is not null).Select(e => e.DurationSeconds));

        var file = await ReadSharedAsync(Sandbox.AuditLogPath);
        foreach (var password in new[] { provisioned.Password, iam.Password, serverless.Password })
        {
            Assert.DoesNotContain(password, file);
            Assert.DoesNotContain(password, await ReadSharedAsync(Sandbox.PostgresLogPath));
        }

        Assert.DoesNotContain(credentials.SecretAccessKey, file);
        Assert.DoesNotContain(credentials.SessionToken!, file);
        Assert.Contains("\"eventSource\":\"redshift.amazonaws.com\",\"eventName\":\"GetClusterCredentials\"", file);
        Assert.Contains($"\"dbUser\":\"IAMA:{name}\"", file);
    }

    // ---- helpers ----------------------------------------------------------------------------

    private RedshiftConnectionOptions ConnectionOptions(string? root = null, bool pooling = true) => new()
    {
        RootCertificatePath = root ?? Sandbox.TlsCaBundlePath,
        Pooling = pooling,
        ConnectTimeoutSeconds = 10,
    };

    private static async Task<string> ReadSharedAsync(string path)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync();
    }

    private sealed record RawResponse(HttpStatusCode Status, string Body, string? RequestId, string? ContentType, string? ErrorType);

    /// <summary>A request signed by the engine's signer with the session's (or given) credentials, for answers the clients would not show.</summary>
    private async Task<RawResponse> SendRawAsync(string body, string service = "redshift", string? region = null, AwsCredentials? credentials = null, string? target = null, TimeSpan shift = default)
    {
        credentials ??= await fixture.Credentials.GetCredentialsAsync(CancellationToken.None);
        var bytes = Encoding.UTF8.GetBytes(body);
        using var request = new HttpRequestMessage(HttpMethod.Post, Sandbox.RedshiftEndpoint) { Content = new ByteArrayContent(bytes) };
        request.Content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(target is null ? RedshiftClient.ContentType : RedshiftServerlessClient.ContentType);
        if (target is not null)
        {
            request.Headers.TryAddWithoutValidation("X-Amz-Target", target);
        }

        if (shift != default)
        {
            Sandbox.InjectFault(target is null ? body.Split('&')[0]["Action=".Length..] : target.Split('.')[1], SandboxFault.ShiftClock(shift));
        }

        new SigV4Signer().Sign(request, bytes, new HmacSignatureProvider(credentials), region ?? Sandbox.Region, service, DateTimeOffset.UtcNow + shift);
        using var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, certificate, _, _) => certificate is not null && certificate.Issuer == Sandbox.Pki.TlsRoot.Certificate.Subject,
        };
        using var client = new HttpClient(handler);
        using var response = await client.SendAsync(request);
        return new RawResponse(
            response.StatusCode,
            await response.Content.ReadAsStringAsync(),
            response.Headers.TryGetValues("x-amzn-RequestId", out var ids) ? ids.Single() : null,
            response.Content.Headers.ContentType?.ToString(),
            response.Headers.TryGetValues("x-amzn-ErrorType", out var types) ? types.Single() : null);
    }
}
