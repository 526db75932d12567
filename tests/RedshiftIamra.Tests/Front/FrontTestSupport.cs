using System.Diagnostics;
using System.Globalization;
using System.Text;
using RedshiftIamra.Aws;
using RedshiftIamra.Sandbox;
using RedshiftIamra.Sandbox.Front;
using RedshiftIamra.Tests.S3;
using RedshiftIamra.Tests.Sandbox;

namespace RedshiftIamra.Tests.Front;

/// <summary>
/// A statement the tests' handler answers in the front: <c>FRONTLOAD table n [FAIL]</c> loads
/// ids 1..n into <c>table (id)</c> with COPY FROM STDIN over the client's backend session, reads
/// the count back with a query, and answers INFO + <c>COPY</c>; with FAIL it then fails (22000),
/// so the rows must not stay.
/// </summary>
public sealed class FrontLoadHandler : IRedshiftStatementHandler
{
    public List<FrontSessionInfo> Sessions { get; } = new();

    public async Task<StatementOutcome?> TryHandleAsync(string sql, IBackendSession backend, FrontSessionInfo session, CancellationToken cancellationToken)
    {
        var words = sql.Trim().TrimEnd(';').Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (words.Length < 3 || !words[0].Equals("FRONTLOAD", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        lock (Sessions)
        {
            Sessions.Add(session);
        }

        var table = words[1];
        var count = int.Parse(words[2], CultureInfo.InvariantCulture);
        var loaded = await backend.CopyInAsync($"copy {table} (id) from stdin", async (stream, ct) =>
        {
            for (var i = 1; i <= count; i++)
            {
                await stream.WriteAsync(Encoding.UTF8.GetBytes(i.ToString(CultureInfo.InvariantCulture) + "\n"), ct);
            }
        }, cancellationToken);
        string? total = null;
        var columns = await backend.QueryAsync($"select count(*) as n from {table}", row =>
        {
            total = row[0];
            return ValueTask.CompletedTask;
        }, cancellationToken);
        if (words.Length > 3 && words[3].Equals("FAIL", StringComparison.OrdinalIgnoreCase))
        {
            // (Redshift's own load failure is XX000, which Npgsql treats as fatal and breaks the connection on; 22000 keeps the session.)
            throw new RedshiftSqlException("22000", $"Load into table '{table}' failed.  Check 'stl_load_errors' system table for details.");
        }

        return new StatementOutcome("COPY", [$"Load into table '{table}' completed, {loaded} record(s) loaded successfully.", $"{columns[0].Name}={total}"]);
    }
}

/// <summary>A sandbox whose front has the tests' handler.</summary>
public sealed class SandboxFrontFixture : SandboxDatabaseFixture
{
    public FrontLoadHandler Handler { get; } = new();

    protected override void Configure(SandboxOptions options) => options.StatementHandlers.Add(Handler);

    /// <summary>The AWS CLI against the sandbox's S3 with a session of its role.</summary>
    public async Task<AwsCli> S3CliAsync()
    {
        var response = await SandboxClients.CreateAsync(SandboxClients.Client(Sandbox), SandboxClients.Request(Sandbox));
        return new AwsCli(Sandbox.S3Endpoint, response.CredentialSet.Credentials, Sandbox.TlsCaBundlePath);
    }

    /// <summary>A fresh user that exists, and a credential for it through the engine (GetClusterCredentials).</summary>
    public async Task<RedshiftDbCredential> NewUserCredentialAsync(string prefix)
    {
        var name = Unique(prefix);
        await Sandbox.AddDatabaseUserAsync(name);
        await Sandbox.ExecuteSqlAsync($"grant all on schema public to \"IAM:{name}\"");
        return await GetAsync(Source(RedshiftTargetKind.Provisioned, name), force: true);
    }
}

/// <summary>psql (the simple query protocol) through the front.</summary>
internal static class Psql
{
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(SandboxHost sandbox, RedshiftDbCredential credential, string sql, string? password = null, string sslMode = "verify-full", int? port = null)
    {
        var info = new ProcessStartInfo("psql")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add($"host=127.0.0.1 port={port ?? sandbox.PostgresPort} dbname={sandbox.DatabaseName} user={credential.DbUser} sslmode={sslMode} sslrootcert={sandbox.TlsCaBundlePath}");
        foreach (var argument in new[] { "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-v", "VERBOSITY=verbose", "-c", sql })
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["PGPASSWORD"] = password ?? credential.Password;
        info.Environment["PGCONNECT_TIMEOUT"] = "10";
        using var process = Process.Start(info) ?? throw new InvalidOperationException("psql did not start.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }
}
