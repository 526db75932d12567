using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace RedshiftIamra.Sandbox.Postgres;

/// <summary>Where the sandbox's PostgreSQL listens and how its TLS is set up.</summary>
public sealed record SandboxPostgresOptions
{
    /// <summary>The folder for the cluster's data, socket and log.</summary>
    public required string Directory { get; init; }

    /// <summary>PEM server certificate (with SANs for localhost and 127.0.0.1) and its PKCS#8 key.</summary>
    public required string ServerCertificatePath { get; init; }

    public required string ServerKeyPath { get; init; }

    /// <summary>The root that signed the server certificate (the admin connection verifies against it).</summary>
    public required string CaCertificatePath { get; init; }

    /// <summary>0 picks a free loopback port.</summary>
    public int Port { get; init; }

    public string Database { get; init; } = "dev";

    public int MaxConnections { get; init; } = 100;
}

/// <summary>
/// A real PostgreSQL 15 server for the sandbox: initialised in its own folder, TLS only
/// (no plaintext logins), SCRAM passwords, bound to 127.0.0.1. Runs as the <c>postgres</c>
/// user when this process is root (initdb refuses to run as root). Database users are
/// created with password verifiers computed here, so no plaintext password ever reaches
/// PostgreSQL's logs.
/// </summary>
public sealed class SandboxPostgres : IAsyncDisposable
{
    private const string AdminUser = "sandbox_admin";
    private readonly SandboxPostgresOptions _options;
    private readonly string _dataDirectory;
    private readonly string _logPath;
    private readonly string _adminPassword = RandomPassword(32);
    private readonly string? _runAs;
    private readonly string _binDirectory;
    private NpgsqlDataSource? _admin;
    private bool _started;

    public const string NotInstalledErrorId = ErrorIds.Sandbox.PostgresNotInstalled;

    private SandboxPostgres(SandboxPostgresOptions options, string binDirectory)
    {
        _options = options;
        _binDirectory = binDirectory;
        _dataDirectory = Path.Combine(options.Directory, "data");
        _logPath = Path.Combine(options.Directory, "postgresql.log");
        _runAs = IsRoot() ? "postgres" : null;
        Port = options.Port == 0 ? FreePort() : options.Port;
    }

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822:Mark members as static", Justification = "The host half of the instance's endpoint (Host, Port); callers read both from the instance.")]
    public string Host => "127.0.0.1";

    public int Port { get; }

    public string Database => _options.Database;

    public string LogPath => _logPath;

    /// <summary>The administrator's connection string (TLS verified against the sandbox CA): for the sandbox's own bookkeeping, e.g. load errors.</summary>
    internal string AdminConnectionString => new NpgsqlConnectionStringBuilder(Admin.ConnectionString) { Password = _adminPassword }.ConnectionString;

    /// <summary>Finds the PostgreSQL binaries, initialises a cluster and starts it (a few seconds).</summary>
    public static async Task<SandboxPostgres> StartAsync(SandboxPostgresOptions options, CancellationToken cancellationToken = default)
    {
        var server = new SandboxPostgres(options, FindBinaries());
        try
        {
            await server.InitialiseAsync(cancellationToken).ConfigureAwait(false);
            await server.RunAsync("pg_ctl", new[] { "-D", server._dataDirectory, "-l", server._logPath, "-w", "-t", "60", "-o", $"-p {server.Port}", "start" }, cancellationToken).ConfigureAwait(false);
            server._started = true;
            await server.CreateDatabaseAsync(cancellationToken).ConfigureAwait(false);
            return server;
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Creates or updates a login role named exactly <paramref name="user"/> with a new
    /// password valid until <paramref name="validUntil"/>, and makes it a member of each group
    /// (created when missing).
    /// </summary>
    public Task SetLoginAsync(string user, string password, DateTimeOffset validUntil, IEnumerable<string> groups, CancellationToken cancellationToken = default) =>
        SetLoginVerifierAsync(user, ScramVerifier(password), validUntil, groups, cancellationToken);

    /// <summary>
    /// Creates or updates a login role with a password verifier (see <see cref="ScramVerifier"/>)
    /// valid until <paramref name="validUntil"/> (null: no expiry), in <paramref name="groups"/>.
    /// </summary>
    public async Task SetLoginVerifierAsync(string user, string verifier, DateTimeOffset? validUntil, IEnumerable<string> groups, CancellationToken cancellationToken = default)
    {
        var until = validUntil is { } time ? Timestamp(time) : "infinity";
        await using var connection = await Admin.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var exists = await ScalarAsync(connection, "select count(*) from pg_roles where rolname = $1", cancellationToken, user).ConfigureAwait(false);
        var verb = Convert.ToInt64(exists, CultureInfo.InvariantCulture) == 0 ? "create" : "alter";
        await ExecuteAsync(connection, $"{verb} role {QuoteIdentifier(user)} login password {QuoteLiteral(verifier)} valid until {QuoteLiteral(until)}", cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, $"grant connect on database {QuoteIdentifier(Database)} to {QuoteIdentifier(user)}", cancellationToken).ConfigureAwait(false);
        foreach (var group in groups)
        {
            var groupExists = await ScalarAsync(connection, "select count(*) from pg_roles where rolname = $1", cancellationToken, group).ConfigureAwait(false);
            if (Convert.ToInt64(groupExists, CultureInfo.InvariantCulture) == 0)
            {
                await ExecuteAsync(connection, $"create role {QuoteIdentifier(group)} nologin", cancellationToken).ConfigureAwait(false);
            }

            await ExecuteAsync(connection, $"grant {QuoteIdentifier(group)} to {QuoteIdentifier(user)}", cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Changes when a role's password stops working (the past: now; the role must exist).</summary>
    public async Task SetValidUntilAsync(string user, DateTimeOffset validUntil, CancellationToken cancellationToken = default)
    {
        await using var connection = await Admin.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, $"alter role {QuoteIdentifier(user)} valid until {QuoteLiteral(Timestamp(validUntil))}", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Whether a role of that name exists.</summary>
    public async Task<bool> RoleExistsAsync(string user, CancellationToken cancellationToken = default)
    {
        await using var connection = await Admin.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return Convert.ToInt64(await ScalarAsync(connection, "select count(*) from pg_roles where rolname = $1", cancellationToken, user).ConfigureAwait(false), CultureInfo.InvariantCulture) > 0;
    }

    /// <summary>Runs SQL as the administrator (tests use it to set up tables).</summary>
    public async Task ExecuteAdminAsync(string sql, CancellationToken cancellationToken = default)
    {
        await using var connection = await Admin.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, sql, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Stops the server as a restart would, keeping everything committed: with
    /// <c>synchronous_commit = off</c> a commit can still sit in the WAL buffers for up to
    /// <c>wal_writer_delay</c>, and an immediate stop would lose it (a role made just before would
    /// be gone after the start). A checkpoint writes the WAL out first.
    /// </summary>
    public async Task StopKeepingCommittedAsync()
    {
        if (_started)
        {
            try
            {
                await ExecuteAdminAsync("checkpoint").ConfigureAwait(false);
            }
            catch (NpgsqlException)
            {
                // Not answering: there is nothing more to keep than what is written already.
            }
        }

        await StopAsync().ConfigureAwait(false);
    }

    /// <summary>Stops the server (immediately) and closes the admin pool.</summary>
    public async Task StopAsync()
    {
        if (_admin is not null)
        {
            await _admin.DisposeAsync().ConfigureAwait(false);
            _admin = null;
        }

        if (_started)
        {
            _started = false;
            try
            {
                await RunAsync("pg_ctl", new[] { "-D", _dataDirectory, "-m", "immediate", "-w", "-t", "30", "stop" }, CancellationToken.None).ConfigureAwait(false);
            }
            catch (InvalidOperationException)
            {
                // Already stopped.
            }
        }
    }

    /// <summary>
    /// Stops a server that a sandbox process left running when it died (pg_ctl stop -m immediate
    /// on <paramref name="directory"/>/data); nothing when no server runs there.
    /// </summary>
    internal static async Task StopLeftoverAsync(string directory)
    {
        if (!File.Exists(Path.Combine(directory, "data", "postmaster.pid")))
        {
            return;
        }

        var server = new SandboxPostgres(new SandboxPostgresOptions
        {
            Directory = directory,
            ServerCertificatePath = string.Empty,
            ServerKeyPath = string.Empty,
            CaCertificatePath = string.Empty,
        }, FindBinaries());
        server._started = true;
        await server.StopAsync().ConfigureAwait(false);
    }

    /// <summary>Whether the server is running (started, and not stopped since).</summary>
    public bool IsRunning => _started;

    /// <summary>Starts the server again after <see cref="StopAsync"/>, on the same port with the same data.</summary>
    public async Task ResumeAsync(CancellationToken cancellationToken = default)
    {
        if (_started)
        {
            return;
        }

        await RunAsync("pg_ctl", new[] { "-D", _dataDirectory, "-l", _logPath, "-w", "-t", "60", "-o", $"-p {Port}", "start" }, cancellationToken).ConfigureAwait(false);
        _started = true;
    }

    public ValueTask DisposeAsync() => new(StopAsync());

    /// <summary>A timestamp PostgreSQL reads exactly (microseconds, UTC).</summary>
    private static string Timestamp(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.ffffff'+00'", CultureInfo.InvariantCulture);

    private NpgsqlDataSource Admin => _admin ??= new NpgsqlDataSourceBuilder(new NpgsqlConnectionStringBuilder
    {
        Host = Host,
        Port = Port,
        Database = Database,
        Username = AdminUser,
        Password = _adminPassword,
        SslMode = SslMode.VerifyFull,
        RootCertificate = _options.CaCertificatePath,
        Pooling = true,
        MaxPoolSize = 4,
        Timeout = 15,
    }.ConnectionString).Build();

    private async Task InitialiseAsync(CancellationToken cancellationToken)
    {
        System.IO.Directory.CreateDirectory(_options.Directory);
        var passwordFile = Path.Combine(_options.Directory, ".pwfile");
        await File.WriteAllTextAsync(passwordFile, _adminPassword + "\n", cancellationToken).ConfigureAwait(false);
        var certificate = Path.Combine(_options.Directory, "server.crt");
        var key = Path.Combine(_options.Directory, "server.key");
        File.Copy(_options.ServerCertificatePath, certificate, overwrite: true);
        File.Copy(_options.ServerKeyPath, key, overwrite: true);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(passwordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        if (_runAs is not null && !OperatingSystem.IsWindows())
        {
            // initdb refuses root: hand the folder to the postgres user, and let it reach it.
            GrantTraverse(_options.Directory);
            await RunRawAsync("chown", new[] { "-R", _runAs, _options.Directory }, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            await RunAsync("initdb", new[] { "-D", _dataDirectory, "-U", AdminUser, "--pwfile", passwordFile, "--auth", "scram-sha-256", "-E", "UTF8", "--locale", "C", "--no-sync", "--no-instructions" }, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            File.Delete(passwordFile);
        }

        var configuration = new StringBuilder()
            .AppendLine("listen_addresses = '127.0.0.1'")
            .AppendLine(CultureInfo.InvariantCulture, $"port = {Port}")
            .AppendLine(CultureInfo.InvariantCulture, $"max_connections = {_options.MaxConnections}")
            .AppendLine(CultureInfo.InvariantCulture, $"unix_socket_directories = '{_options.Directory.Replace("'", "''", StringComparison.Ordinal)}'")
            .AppendLine("ssl = on")
            .AppendLine(CultureInfo.InvariantCulture, $"ssl_cert_file = '{certificate}'")
            .AppendLine(CultureInfo.InvariantCulture, $"ssl_key_file = '{key}'")
            .AppendLine("password_encryption = 'scram-sha-256'")
            .AppendLine("fsync = off")
            .AppendLine("synchronous_commit = off")
            .AppendLine("full_page_writes = off")
            .AppendLine("log_statement = 'none'")
            .AppendLine("log_min_error_statement = 'panic'")
            .AppendLine("log_connections = on")
            .AppendLine("shared_buffers = '32MB'")
            .ToString();
        await AppendAsConfigAsync(Path.Combine(_dataDirectory, "postgresql.conf"), configuration, cancellationToken).ConfigureAwait(false);

        // TLS only: every TCP login must use TLS and a SCRAM password; nothing else gets in.
        var hba = new StringBuilder()
            .AppendLine("local   all all                scram-sha-256")
            .AppendLine("hostssl all all 127.0.0.1/32   scram-sha-256")
            .AppendLine("hostnossl all all 0.0.0.0/0    reject")
            .ToString();
        await WriteAsConfigAsync(Path.Combine(_dataDirectory, "pg_hba.conf"), hba, cancellationToken).ConfigureAwait(false);
    }

    private async Task CreateDatabaseAsync(CancellationToken cancellationToken)
    {
        var builder = new NpgsqlConnectionStringBuilder(Admin.ConnectionString) { Database = "postgres", Password = _adminPassword, Pooling = false };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        if (Database != "postgres")
        {
            await ExecuteAsync(connection, $"create database {QuoteIdentifier(Database)}", cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task AppendAsConfigAsync(string path, string text, CancellationToken cancellationToken)
    {
        var existing = await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false);
        await WriteAsConfigAsync(path, existing + Environment.NewLine + text, cancellationToken).ConfigureAwait(false);
    }

    private static async Task WriteAsConfigAsync(string path, string text, CancellationToken cancellationToken)
    {
        // Overwrite in place so ownership (postgres) and mode stay as initdb made them.
        await using var stream = new FileStream(path, FileMode.Truncate, FileAccess.Write);
        var bytes = Encoding.UTF8.GetBytes(text);
        await stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
    }

    private Task RunAsync(string tool, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var path = Path.Combine(_binDirectory, tool);
        if (_runAs is null)
        {
            return RunRawAsync(path, arguments, cancellationToken);
        }

        var wrapped = new List<string> { "-u", _runAs, "--", path };
        wrapped.AddRange(arguments);
        return RunRawAsync("runuser", wrapped, cancellationToken);
    }

    private async Task RunRawAsync(string fileName, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _options.Directory,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            var log = File.Exists(_logPath) ? string.Join(Environment.NewLine, File.ReadLines(_logPath).TakeLast(20)) : string.Empty;
            throw new InvalidOperationException($"{Path.GetFileName(fileName)} {string.Join(' ', arguments.Where(a => !a.Contains("pwfile", StringComparison.Ordinal)))} failed with exit code {process.ExitCode}: {await error.ConfigureAwait(false)}{await output.ConfigureAwait(false)}{log}");
        }
    }

    private static string FindBinaries()
    {
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            if (File.Exists(Path.Combine(directory, "pg_ctl")) && File.Exists(Path.Combine(directory, "initdb")))
            {
                return directory;
            }
        }

        foreach (var candidate in System.IO.Directory.Exists("/usr/lib/postgresql") ? System.IO.Directory.GetDirectories("/usr/lib/postgresql").OrderByDescending(d => d, StringComparer.Ordinal) : Enumerable.Empty<string>())
        {
            var bin = Path.Combine(candidate, "bin");
            if (File.Exists(Path.Combine(bin, "pg_ctl")))
            {
                return bin;
            }
        }

        throw new IamraException(NotInstalledErrorId, IamraErrorCategory.NotInstalled,
            "The sandbox needs the PostgreSQL server binaries (initdb, pg_ctl, postgres) on PATH. Install them (Debian: apt-get install postgresql) or start the sandbox without a database.");
    }

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static void GrantTraverse(string directory)
    {
        for (var current = new DirectoryInfo(directory); current is not null; current = current.Parent)
        {
            var mode = File.GetUnixFileMode(current.FullName);
            if ((mode & UnixFileMode.OtherExecute) == 0)
            {
                File.SetUnixFileMode(current.FullName, mode | UnixFileMode.OtherExecute);
            }
        }
    }

    private static bool IsRoot() => !OperatingSystem.IsWindows() && geteuid() == 0;

    [DllImport("libc", SetLastError = false)]
    private static extern uint geteuid();

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task<object?> ScalarAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken, params object[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public static string QuoteIdentifier(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    public static string QuoteLiteral(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";

    /// <summary>A random password of letters and digits (what Redshift's are like, and safe in any quoting).</summary>
    internal static string RandomPassword(int length)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        return RandomNumberGenerator.GetString(alphabet, length);
    }

    /// <summary>A PostgreSQL SCRAM-SHA-256 verifier (RFC 5802/7677): what the server stores instead of the password.</summary>
    public static string ScramVerifier(string password, int iterations = 4096)
    {
        var salt = RandomNumberGenerator.GetBytes(16);
        var salted = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, 32);
        var clientKey = HMACSHA256.HashData(salted, "Client Key"u8);
        var storedKey = SHA256.HashData(clientKey);
        var serverKey = HMACSHA256.HashData(salted, "Server Key"u8);
        return $"SCRAM-SHA-256${iterations}:{Convert.ToBase64String(salt)}${Convert.ToBase64String(storedKey)}:{Convert.ToBase64String(serverKey)}";
    }
}
