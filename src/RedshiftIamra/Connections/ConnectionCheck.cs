using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Npgsql;
using RedshiftIamra.Aws;
using RedshiftIamra.Sessions;

namespace RedshiftIamra.Connections;

/// <summary>The outcome of one stage of a connection check.</summary>
public enum CheckStatus
{
    Passed,
    Failed,
    Skipped,
}

/// <summary>One hop of the way from a certificate to a query: how it went, how long it took, and what to do when it failed.</summary>
public sealed class ConnectionCheckStage
{
    internal ConnectionCheckStage(string name)
    {
        Name = name;
    }

    public string Name { get; }

    public CheckStatus Status { get; internal set; } = CheckStatus.Skipped;

    public TimeSpan Duration { get; internal set; }

    public string Detail { get; internal set; } = string.Empty;

    /// <summary>The error id when the stage failed.</summary>
    public string? ErrorId { get; internal set; }

    /// <summary>The error message (the service's own words included) when the stage failed.</summary>
    public string? Error { get; internal set; }

    /// <summary>The likely fix.</summary>
    public string? Hint { get; internal set; }

    public override string ToString() => $"{Name}: {Status}";
}

/// <summary>The result of Test-RedshiftIamraConnection: every stage, and whether all passed.</summary>
public sealed class ConnectionCheckResult
{
    internal ConnectionCheckResult(IReadOnlyList<ConnectionCheckStage> stages, string target)
    {
        Stages = stages;
        Target = target;
    }

    public bool Passed => Stages.All(s => s.Status != CheckStatus.Failed) && Stages.Any(s => s.Status == CheckStatus.Passed);

    /// <summary>The first stage that failed, or null.</summary>
    public string? FailedStage => Stages.FirstOrDefault(s => s.Status == CheckStatus.Failed)?.Name;

    public string Target { get; }

    public IReadOnlyList<ConnectionCheckStage> Stages { get; }

    public TimeSpan Duration => Stages.Aggregate(TimeSpan.Zero, (sum, s) => sum + s.Duration);

    public override string ToString() => Passed ? $"{Target}: passed" : $"{Target}: failed at {FailedStage}";
}

/// <summary>Everything a check needs; stages whose input is missing are skipped.</summary>
public sealed record ConnectionCheckPlan
{
    /// <summary>Finds the certificate (may throw the certificate's error).</summary>
    public Func<IamraCertificate>? Certificate { get; init; }

    /// <summary>Builds the Roles Anywhere request from the certificate.</summary>
    public Func<IamraCertificate, RolesAnywhereSessionSource>? Session { get; init; }

    /// <summary>Builds the database credential request from the session's AWS credentials.</summary>
    public Func<AwsCredentialSource, DbCredentialSource>? DbCredential { get; init; }

    /// <summary>An existing database credential (the earlier stages are then skipped).</summary>
    public RedshiftDbCredential? GivenCredential { get; init; }

    public required RedshiftConnectionOptions Connection { get; init; }

    public TimeSpan NetworkTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public string Query { get; init; } = "select 1";
}

/// <summary>
/// Runs the stages in order — certificate, Roles Anywhere session, database credential, DNS,
/// TCP, TLS, login, query — timing each; the first failure stops the check and marks the rest
/// skipped.
/// </summary>
public static class ConnectionCheck
{
    public static readonly string[] StageNames = { "Certificate", "Session", "DbCredential", "Dns", "Tcp", "Tls", "Login", "Query" };

    public static async Task<ConnectionCheckResult> RunAsync(ConnectionCheckPlan plan, IOperationLog log, CancellationToken cancellationToken)
    {
        var stages = StageNames.Select(n => new ConnectionCheckStage(n)).ToList();
        ConnectionCheckStage Stage(string name) => stages.First(s => s.Name == name);
        IamraCertificate? certificate = null;
        IamraSession? session = null;
        var credential = plan.GivenCredential;
        IPAddress[] addresses = Array.Empty<IPAddress>();
        var failed = false;

        async Task Run(string name, Func<Task<string>> body, Func<IamraException, string?>? hint = null)
        {
            var stage = Stage(name);
            if (failed)
            {
                stage.Detail = "Not run: an earlier stage failed.";
                return;
            }

            var clock = Stopwatch.StartNew();
            try
            {
                stage.Detail = await body().ConfigureAwait(false);
                stage.Status = CheckStatus.Passed;
            }
            catch (IamraException e)
            {
                failed = true;
                stage.Status = CheckStatus.Failed;
                stage.ErrorId = e.ErrorId;
                stage.Error = e.Message;
                stage.Hint = hint?.Invoke(e) ?? e.RecommendedAction ?? DefaultHint(name, e);
                stage.Detail = e.Message;
            }
            catch (Exception e) when (e is SocketException or IOException or TimeoutException or OperationCanceledException or NpgsqlException or System.Security.Authentication.AuthenticationException)
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    throw;
                }

                failed = true;
                stage.Status = CheckStatus.Failed;
                stage.ErrorId = StageFailedErrorId(name);
                stage.Error = e.Message;
                stage.Hint = DefaultHint(name, null);
                stage.Detail = e.Message;
            }
            finally
            {
                stage.Duration = clock.Elapsed;
                log.Verbose($"{name}: {stage.Status} in {stage.Duration.TotalMilliseconds:0} ms. {stage.Detail}");
            }
        }

        if (credential is null)
        {
            await Run("Certificate", () =>
            {
                certificate = plan.Certificate!();
                if (!certificate.Usable)
                {
                    throw new IamraException(certificate.ProblemId ?? ErrorIds.Certificate.NotUsable, IamraErrorCategory.InvalidData, certificate.Reason ?? "The certificate cannot be used.", certificate);
                }

                return Task.FromResult($"{certificate.Subject}: {certificate.KeyAlgorithm} {certificate.Curve ?? certificate.KeySize.ToString(System.Globalization.CultureInfo.InvariantCulture)}, private key present, valid until {certificate.NotAfter:yyyy-MM-dd} ({certificate.DaysLeft} days left); {DescribeChain(certificate)}.");
            }).ConfigureAwait(false);

            await Run("Session", async () =>
            {
                var source = plan.Session!(certificate!);
                session = await source.GetSessionAsync(false, log, cancellationToken).ConfigureAwait(false);
                return $"{session.AssumedRoleArn ?? session.RoleArn} from {source.Endpoint.Uri}, valid until {session.ExpiresAt:yyyy-MM-dd HH:mm:ss}Z.";
            }).ConfigureAwait(false);

            await Run("DbCredential", async () =>
            {
                var source = plan.DbCredential!(new IamraSessionCredentialSource(session!));
                credential = await source.GetCredentialAsync(false, log, cancellationToken).ConfigureAwait(false);
                return $"{credential.DbUser} for {credential.Host}:{credential.Port}/{credential.Database}, valid until {credential.ExpiresAt:yyyy-MM-dd HH:mm:ss}Z.";
            }).ConfigureAwait(false);
        }
        else
        {
            foreach (var name in new[] { "Certificate", "Session", "DbCredential" })
            {
                Stage(name).Detail = "Not run: a database credential was given.";
            }
        }

        await Run("Dns", async () =>
        {
            addresses = IPAddress.TryParse(credential!.Host, out var literal)
                ? new[] { literal }
                : await Dns.GetHostAddressesAsync(credential.Host, cancellationToken).ConfigureAwait(false);
            if (addresses.Length == 0)
            {
                throw new IamraException(ErrorIds.Connection.DnsFailed, IamraErrorCategory.ConnectionError, $"{credential.Host} resolves to no address.", credential.Host);
            }

            return $"{credential.Host} → {string.Join(", ", addresses.Select(a => a.ToString()))}.";
        }).ConfigureAwait(false);

        await Run("Tcp", async () =>
        {
            using var client = new TcpClient(addresses[0].AddressFamily);
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            limit.CancelAfter(plan.NetworkTimeout);
            try
            {
                await client.ConnectAsync(addresses[0], credential!.Port, limit.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new IamraException(ErrorIds.Connection.TcpFailed, IamraErrorCategory.ConnectionError,
                    $"No answer from {addresses[0]}:{credential!.Port} within {plan.NetworkTimeout.TotalSeconds:0} s: a firewall or security group may drop port {credential.Port}.", credential.Host);
            }
            catch (SocketException e)
            {
                throw new IamraException(ErrorIds.Connection.TcpFailed, IamraErrorCategory.ConnectionError,
                    $"Cannot open TCP to {addresses[0]}:{credential!.Port}: {e.SocketErrorCode} ({e.Message}).", credential.Host, e);
            }

            return $"{addresses[0]}:{credential!.Port} accepts connections.";
        }).ConfigureAwait(false);

        await Run("Tls", async () =>
        {
            if (plan.Connection.TlsMode == RedshiftTlsMode.Require)
            {
                return "TLS certificate not verified (-TlsMode Require).";
            }

            var roots = TlsProbe.LoadRoots(plan.Connection.RootCertificatePath);
            var probe = await TlsProbe.ProbeAsync(credential!.Host, credential.Port, roots, plan.NetworkTimeout, cancellationToken).ConfigureAwait(false);
            var acceptable = probe.Verified || (plan.Connection.TlsMode == RedshiftTlsMode.VerifyCA && probe.ChainStatus == "trusted");
            if (!acceptable)
            {
                throw new IamraException(ErrorIds.Connection.TlsVerificationFailed, IamraErrorCategory.SecurityError, probe.Detail, credential.Host);
            }

            return $"{probe.Protocol}; {probe.Detail}";
        }).ConfigureAwait(false);

        RedshiftConnection? connection = null;
        try
        {
            await Run("Login", async () =>
            {
                connection = await RedshiftConnection.OpenAsync(credential!, plan.Connection with { Pooling = false }, log, cancellationToken).ConfigureAwait(false);
                return $"Logged in as {connection.User} to {connection.Database}.";
            }).ConfigureAwait(false);

            await Run("Query", async () =>
            {
                await using var command = new NpgsqlCommand(plan.Query, (NpgsqlConnection)connection!.DbConnection) { CommandTimeout = (int)plan.NetworkTimeout.TotalSeconds };
                var value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
                return $"'{plan.Query}' returned {value}.";
            }).ConfigureAwait(false);
        }
        finally
        {
            if (connection is not null)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }

        var target = credential is null ? "Redshift" : $"{credential.DbUser}@{credential.Host}:{credential.Port}/{credential.Database}";
        return new ConnectionCheckResult(stages, target);
    }

    private static string DescribeChain(IamraCertificate certificate)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        chain.ChainPolicy.ExtraStore.AddRange(certificate.Chain.ToArray());
        chain.Build(certificate.Certificate);
        var elements = chain.ChainElements.Select(e => e.Certificate).ToList();
        var top = elements.Count > 0 ? elements[^1] : certificate.Certificate;
        var path = string.Join(" → ", elements.Select(e => e.GetNameInfo(X509NameType.SimpleName, false)));
        return top.SubjectName.RawData.AsSpan().SequenceEqual(top.IssuerName.RawData)
            ? $"chain {path} (ends at a root)"
            : $"chain {path} (ends below its root, which is not on this machine: the trust anchor must hold it, and the intermediates are sent with each request)";
    }

    /// <summary>The error id of a stage that failed with a network, I/O or database exception rather than an <see cref="IamraException"/>.</summary>
    private static string StageFailedErrorId(string stage) => stage switch
    {
        "Certificate" => ErrorIds.Certificate.CheckFailed,
        "Session" => ErrorIds.Session.CheckFailed,
        "DbCredential" => ErrorIds.Redshift.DbCredentialFailed,
        "Dns" => ErrorIds.Connection.DnsFailed,
        "Tcp" => ErrorIds.Connection.TcpFailed,
        "Tls" => ErrorIds.Connection.TlsFailed,
        "Login" => ErrorIds.Connection.LoginFailed,
        _ => ErrorIds.Query.Failed,
    };

    private static string DefaultHint(string stage, IamraException? e) => stage switch
    {
        "Certificate" => "Renew the certificate, or point -Thumbprint / -Path at the right one (Get-IamraCertificate -All lists every candidate and why it cannot be used).",
        "Session" when e?.ErrorId == ErrorIds.Session.UntrustedCertificate => "The trust anchor does not hold the CA that issued the certificate: check -TrustAnchorArn, or send the intermediates with -ChainPath.",
        "Session" => "Check the trust anchor, the profile (enabled, lists the role) and the role's trust policy.",
        "DbCredential" => "Check the role's Redshift permissions (the error names the action and resource), the cluster or workgroup name and the region.",
        "Dns" => "The host name does not resolve here: check DNS (a private endpoint needs private DNS or a hosts entry).",
        "Tcp" => "Port 5439 (or the cluster's port) is not reachable: check the security group, network ACLs, VPN or firewall.",
        "Tls" => "The server certificate does not verify: give the right root with -RootCertificatePath, connect with the endpoint's own name, and check nothing intercepts TLS.",
        "Login" => "The database refused the credentials: check that the user exists (or use -AutoCreate) and may connect to the database.",
        "Query" => "The login worked but the query failed: check the database's state and the user's permissions.",
        _ => "See the error.",
    };
}
