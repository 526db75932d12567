using System.Text.RegularExpressions;
using Npgsql;
using RedshiftIamra.Tests.Sandbox;

namespace RedshiftIamra.Tests.Front;

/// <summary>
/// What the front answers, compared with what AWS documents (or what clients recorded) Redshift
/// answers. Each fact and its source: src/RedshiftIamra.Sandbox/README.md, "Redshift front".
/// The expected values are written here from the sources, not taken from the front's code.
/// </summary>
public sealed class RedshiftFrontFidelityTests(SandboxFrontFixture fixture) : IClassFixture<SandboxFrontFixture>
{
    /// <summary>AWS Redshift Developer Guide, VERSION function: the example output's shape.</summary>
    private static readonly Regex s_documentedVersion = new(@"^PostgreSQL 8\.0\.2 on i686-pc-linux-gnu, compiled by GCC gcc \(GCC\) 3\.4\.2 20041017 \(Red Hat 3\.4\.2-6\.fc3\), Redshift 1\.0\.\d+$");

    [Fact]
    public async Task Version_and_server_version_are_Redshifts()
    {
        var credential = await fixture.NewUserCredentialAsync("fidelity");
        await using var connection = fixture.Connection(credential);
        await connection.OpenAsync();
        Assert.Equal("8.0.2", connection.PostgreSqlVersion.ToString(3));
        await using var command = new NpgsqlCommand("select version()", connection);
        Assert.Matches(s_documentedVersion, (string)(await command.ExecuteScalarAsync())!);

        var (code, output, error) = await Psql.RunAsync(fixture.Sandbox, credential, "select version()");
        Assert.True(code == 0, error);
        Assert.Matches(s_documentedVersion, output.Trim());
    }

    public static TheoryData<string, string, string, string> Recorded => new()
    {
        // Npgsql issue 853 (Npgsql's pool reset against Redshift).
        { "npgsql#853", "UNLISTEN *", "0A000", "SQL command \"UNLISTEN *\" not supported" },
        // Npgsql issue 1433: "Invalid syntax near DISCARD" from Redshift on DISCARD ALL.
        { "npgsql#1433", "DISCARD ALL", "42601", "syntax error at or near \"DISCARD\"" },
        // darwin-eu/CDMConnector issue 38: COPY ... FROM STDIN on Redshift.
        { "CDMConnector#38", "COPY t (\"chr_col\", \"numeric_col\") FROM STDIN", "42601", "syntax error at or near \"STDIN\"" },
        // duckdb-postgres issue 373: COPY (SELECT ...) TO STDOUT on Redshift.
        { "duckdb-postgres#373", "COPY (SELECT 1) TO STDOUT (FORMAT \"binary\")", "42601", "syntax error at or near \"(\"" },
    };

    [Theory]
    [MemberData(nameof(Recorded))]
    public async Task Refused_statements_answer_what_Redshift_answered_clients(string source, string sql, string sqlState, string message)
    {
        var credential = await fixture.NewUserCredentialAsync("fidelity");
        await using var connection = fixture.Connection(credential);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        var e = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());
        Assert.True(e.MessageText.StartsWith(message, StringComparison.Ordinal), $"{source}: {e.MessageText}");
        Assert.Equal(sqlState, e.SqlState);
    }

    [Fact]
    public async Task A_wrong_password_gets_Redshifts_message_over_an_MD5_login()
    {
        var credential = await fixture.NewUserCredentialAsync("fidelity");

        // psql reports the server's message; the login is MD5 (Redshift stores MD5 verifiers: CREATE USER ... PASSWORD 'md5...').
        var (code, _, error) = await Psql.RunAsync(fixture.Sandbox, credential, "select 1", password: "Not0The0Password");
        Assert.NotEqual(0, code);
        Assert.Contains($"password authentication failed for user \"{credential.DbUser}\"", error, StringComparison.Ordinal);

        await using var connection = fixture.Connection(credential.DbUser, "Not0The0Password");
        var e = await Assert.ThrowsAsync<PostgresException>(() => connection.OpenAsync());
        Assert.Equal("28000", e.SqlState);
    }
}
