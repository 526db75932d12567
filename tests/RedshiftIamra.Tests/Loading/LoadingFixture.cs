using Npgsql;
using RedshiftIamra.Aws;
using RedshiftIamra.Loading;
using RedshiftIamra.Tests.Postgres;

namespace RedshiftIamra.Tests.Loading;

/// <summary>A real PostgreSQL over TLS (the sandbox's database engine) with a login that may create tables.</summary>
public sealed class LoadingFixture : IAsyncLifetime
{
    public const string User = "loader";
    private const string Password = "loader-Passw0rd";
    private readonly PostgresFixture _postgres = new();

    public async Task InitializeAsync()
    {
        await _postgres.InitializeAsync();
        await _postgres.Server.SetLoginAsync(User, Password, DateTimeOffset.UtcNow.AddDays(1), Array.Empty<string>());
        await _postgres.Server.ExecuteAdminAsync($"grant all on schema public to {User}");
    }

    public Task DisposeAsync() => _postgres.DisposeAsync();

    public NpgsqlConnection Open()
    {
        var connection = new NpgsqlConnection(_postgres.ConnectionString(User, Password));
        connection.Open();
        return connection;
    }

    public object? Scalar(string sql)
    {
        using var connection = Open();
        using var command = new NpgsqlCommand(sql, connection);
        var value = command.ExecuteScalar();
        return value is DBNull ? null : value;
    }

    public void Execute(string sql)
    {
        using var connection = Open();
        using var command = new NpgsqlCommand(sql, connection);
        command.ExecuteNonQuery();
    }

    public long Count(string table) => Convert.ToInt64(Scalar($"select count(*) from {table}"), System.Globalization.CultureInfo.InvariantCulture);

    public TableWriter Writer(TableLoadOptions options, AwsCredentialSource? aws = null, CancellationToken cancellationToken = default) =>
        TableWriter.Create(Open, options, aws, "us-east-1", NullOperationLog.Instance, cancellationToken);

    /// <summary>Loads rows given as (name, value) records through the record shaper, as the cmdlet does.</summary>
    public RedshiftLoadResult Load(TableLoadOptions options, string[] columns, IEnumerable<object?[]> rows, AwsCredentialSource? aws = null)
    {
        using var writer = Writer(options, aws);
        writer.SetSource(columns);
        foreach (var row in rows)
        {
            writer.AddRow(row);
        }

        return writer.Complete();
    }

    public static string Unique(string prefix) => prefix + "_" + Guid.NewGuid().ToString("N")[..8];
}
