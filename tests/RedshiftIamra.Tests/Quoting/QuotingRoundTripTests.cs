using System.Data.Common;
using System.Text.Json.Nodes;
using Npgsql;
using RedshiftIamra.Aws;
using RedshiftIamra.Certificates;
using RedshiftIamra.Connections;
using RedshiftIamra.Quoting;
using RedshiftIamra.Sessions;
using RedshiftIamra.Tests.Signing;

namespace RedshiftIamra.Tests.Quoting;

/// <summary>
/// Every quoting function, round-tripped through the program that reads its output: each
/// hostile value must come back exactly, as data, and run nothing.
/// </summary>
public sealed class QuotingRoundTripTests
{
    private static readonly string[] All = [.. HostileCorpus.Values, .. HostileCorpus.LineBreaks];

    [Fact]
    public void PowerShell_single_quoted_literals_parse_back_to_the_value()
    {
        var readings = Consumers.PowerShell("literal", All.Select(v => PowerShellQuoting.SingleQuoted(v)).ToList());
        for (var i = 0; i < All.Length; i++)
        {
            Assert.Equal(All[i], readings[i].Expect($"PowerShell literal of {Show(All[i])}").GetValue<string>());
        }
    }

    [Theory]
    [InlineData('\'')]
    [InlineData('\u2018')]
    [InlineData('\u2019')]
    [InlineData('\u201A')]
    [InlineData('\u201B')]
    public void Every_PowerShell_single_quote_is_doubled(char quote)
    {
        Assert.True(PowerShellQuoting.IsSingleQuote(quote));
        Assert.Equal($"'a{quote}{quote}b'", PowerShellQuoting.SingleQuoted($"a{quote}b"));
    }

    [Fact]
    public void PowerShell_environment_statements_set_exactly_the_values_under_Invoke_Expression()
    {
        // An empty value would remove the variable in PowerShell; the database fields are never empty.
        var values = All.Where(v => v.Length > 0).ToList();
        var scripts = values.Select(v => RedshiftConnectionStrings.PowerShellEnvironment(Settings(v), "\n")).ToList();
        var readings = Consumers.PowerShell("env", scripts);
        for (var i = 0; i < values.Count; i++)
        {
            var env = readings[i].Expect($"Invoke-Expression of the statements for {Show(values[i])}").AsObject();
            Assert.Equal(values[i], (string?)env["PGUSER"]);
            Assert.Equal(values[i], (string?)env["PGPASSWORD"]);
            Assert.Equal(values[i], (string?)env["PGDATABASE"]);
            Assert.Equal(values[i], (string?)env["PGSSLROOTCERT"]);
            Assert.Equal("verify-full", (string?)env["PGSSLMODE"]);
            Assert.Equal(7, env.Count);
        }
    }

    [Fact]
    public void POSIX_shell_words_reach_the_program_unchanged_through_sh()
    {
        var words = Consumers.ShWords("printf '%s\\0' " + PosixShellQuoting.Join(All));
        Assert.Equal(All, words);
    }

    [Fact]
    public void POSIX_environment_statements_export_exactly_the_values_under_sh()
    {
        var script = string.Join('\n', All.Select(v =>
            "(" + RedshiftConnectionStrings.PosixEnvironment(Settings(v)) + "\n" +
            "sh -c 'printf \"%s\\0\" \"$PGUSER\" \"$PGPASSWORD\" \"$PGDATABASE\" \"$PGSSLROOTCERT\" \"$PGSSLMODE\" \"$PGHOST\" \"$PGPORT\"')"));
        var words = Consumers.ShWords(script);
        Assert.Equal(All.Length * 7, words.Count);
        for (var i = 0; i < All.Length; i++)
        {
            Assert.Equal([All[i], All[i], All[i], All[i], "verify-full", "example.us-east-1.redshift.amazonaws.com", "5439"], words.Skip(i * 7).Take(7));
        }
    }

    [Fact]
    public void POSIX_command_lines_split_back_into_the_words_with_botocores_shlex()
    {
        var readings = Consumers.Python("shlex", All.Select(v => PosixShellQuoting.Join(["pwsh", v, "-Command", v])).ToList());
        for (var i = 0; i < All.Length; i++)
        {
            Assert.Equal(["pwsh", All[i], "-Command", All[i]], Consumers.Strings(readings[i].Expect($"shlex of {Show(All[i])}")));
        }
    }

    [Fact]
    public void Windows_command_lines_split_back_into_the_words_with_botocores_Windows_splitter()
    {
        var values = HostileCorpus.Values.ToList();
        var readings = Consumers.Python("winsplit", values.Select(v => WindowsCommandLineQuoting.Join([@"C:\Program Files\PowerShell\7\pwsh.exe", v, "-Command", v])).ToList());
        for (var i = 0; i < values.Count; i++)
        {
            Assert.Equal([@"C:\Program Files\PowerShell\7\pwsh.exe", values[i], "-Command", values[i]], Consumers.Strings(readings[i].Expect($"Windows split of {Show(values[i])}")));
        }

        foreach (var value in HostileCorpus.LineBreaks)
        {
            Assert.Equal(ErrorIds.Quoting.ValueCannotBeQuoted, Assert.Throws<IamraException>(() => WindowsCommandLineQuoting.Argument(value)).ErrorId);
        }
    }

    /// <summary>
    /// cmd.exe is not on this machine, so the cmd-safe form is checked against cmd's documented
    /// rules: a double quote toggles quoting, operators count only outside quotes, %NAME% and
    /// !NAME! expand everywhere. Every accepted value must leave no operator outside quotes and
    /// no % or !; every value with % ! or " is refused.
    /// </summary>
    [Fact]
    public void Cmd_safe_arguments_leave_cmd_nothing_to_interpret()
    {
        foreach (var value in HostileCorpus.Values)
        {
            if (value.IndexOfAny(['%', '!', '"']) >= 0)
            {
                Assert.Equal(ErrorIds.Quoting.ValueCannotBeQuoted, Assert.Throws<IamraException>(() => WindowsCommandLineQuoting.CmdSafeArgument(value)).ErrorId);
                continue;
            }

            var line = WindowsCommandLineQuoting.JoinCmdSafe(["pwsh.exe", value]);
            var quoted = false;
            foreach (var c in line)
            {
                if (c == '"') quoted = !quoted;
                else if (!quoted) Assert.DoesNotContain(c, "&|<>()^%!");
                Assert.DoesNotContain(c, "%!");
            }

            Assert.False(quoted, $"{Show(value)} leaves cmd's quoting open");
        }
    }

    [Fact]
    public void Libpq_connection_strings_parse_back_with_PQconninfoParse()
    {
        var values = HostileCorpus.Values.Concat(HostileCorpus.LineBreaks).ToList();
        var readings = Consumers.Python("libpq", values.Select(v => RedshiftConnectionStrings.Libpq(Settings(v))).ToList());
        for (var i = 0; i < values.Count; i++)
        {
            var options = readings[i].Expect($"libpq string for {Show(values[i])}").AsObject();
            Assert.Equal(values[i], (string?)options["user"]);
            Assert.Equal(values[i], (string?)options["password"]);
            Assert.Equal(values[i], (string?)options["dbname"]);
            Assert.Equal(values[i], (string?)options["sslrootcert"]);
            Assert.Equal("verify-full", (string?)options["sslmode"]);
            Assert.Equal("example.us-east-1.redshift.amazonaws.com", (string?)options["host"]);
            Assert.Equal("5439", (string?)options["port"]);
        }
    }

    [Fact]
    public void Npgsql_connection_strings_parse_back_with_NpgsqlConnectionStringBuilder()
    {
        foreach (var value in All.Where(v => v.Trim().Length > 0))
        {
            var parsed = new NpgsqlConnectionStringBuilder(RedshiftConnectionStrings.Npgsql(Settings(value)));
            Assert.Equal(value, parsed.Username);
            Assert.Equal(value, parsed.Password);
            Assert.Equal(value, parsed.Database);
            Assert.Equal(value, parsed.RootCertificate);
            Assert.Equal(SslMode.VerifyFull, parsed.SslMode);
        }
    }

    [Fact]
    public void ODBC_connection_strings_parse_back_with_the_ODBC_rules()
    {
        foreach (var value in All)
        {
            // .NET's ODBC-rules parser splits the string as the driver manager does and keeps
            // each value as written; the driver then drops the braces and reads "}}" as "}".
            var parsed = new DbConnectionStringBuilder(useOdbcRules: true) { ConnectionString = RedshiftConnectionStrings.Odbc(Settings(value)) };
            Assert.Equal(value, Unbrace(parsed["UID"]));
            Assert.Equal(value, Unbrace(parsed["PWD"]));
            Assert.Equal(value, Unbrace(parsed["Database"]));
            Assert.Equal(value, Unbrace(parsed["SSLCertPath"]));
            Assert.Equal("verify-full", parsed["SSLMode"]);
            Assert.Equal("{Amazon Redshift (x64)}", parsed["Driver"]);
            Assert.Equal(8, parsed.Count);
        }
    }

    [Fact]
    public void JDBC_URLs_decode_back_to_the_values()
    {
        var readings = Consumers.Python("jdbc", All.Select(v => RedshiftConnectionStrings.Jdbc(Settings(v))).ToList());
        for (var i = 0; i < All.Length; i++)
        {
            var url = readings[i].Expect($"JDBC URL for {Show(All[i])}").AsObject();
            Assert.Equal("redshift", (string?)url["scheme"]);
            Assert.Equal("example.us-east-1.redshift.amazonaws.com", (string?)url["host"]);
            Assert.Equal(5439, (int?)url["port"]);
            Assert.Equal(All[i], (string?)url["database"]);
            Assert.Equal("", (string?)url["fragment"]);
            var query = url["query"]!.AsObject();
            Assert.Equal(All[i], (string?)query["user"]);
            Assert.Equal(All[i], (string?)query["password"]);
            Assert.Equal(All[i], (string?)query["sslrootcert"]);
            Assert.Equal(5, query.Count);
        }
    }

    [Theory]
    [InlineData("evil.example@attacker.test")]
    [InlineData("host/path")]
    [InlineData("host?x=1")]
    [InlineData("host#x")]
    [InlineData("host name")]
    [InlineData("")]
    public void A_host_that_is_not_a_host_name_is_refused_in_a_URL(string host)
    {
        var e = Assert.Throws<IamraException>(() => RedshiftConnectionStrings.Jdbc(Settings("x") with { Host = host }));
        Assert.Equal(ErrorIds.Quoting.ValueCannotBeQuoted, e.ErrorId);
    }

    [Fact]
    public void NUL_is_refused_by_every_target_without_showing_the_value()
    {
        const string secret = "pass\0word";
        Action[] writers =
        [
            () => PowerShellQuoting.SingleQuoted(secret, "database password"),
            () => PosixShellQuoting.SingleQuoted(secret, "database password"),
            () => WindowsCommandLineQuoting.Argument(secret, "database password"),
            () => ConnectionStringQuoting.LibpqPair("password", secret, "database password"),
            () => ConnectionStringQuoting.OdbcValue(secret, "database password"),
            () => ConnectionStringQuoting.UrlComponent(secret, "database password"),
        ];
        foreach (var write in writers)
        {
            var e = Assert.Throws<IamraException>(write);
            Assert.Equal(ErrorIds.Quoting.ValueCannotBeQuoted, e.ErrorId);
            Assert.Contains("U+0000", e.Message);
            Assert.Contains("database password", e.Message);
            Assert.DoesNotContain("pass", e.Message.Replace("password", "", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Credential_process_lines_survive_botocores_shlex_and_sh_and_PowerShells_parser()
    {
        var values = HostileCorpus.Values.Where(v => v.Length > 0).ToList();
        var lines = values.Select(v => CredentialProcessCommand.Build(Spec(v, ["/opt/power shell/pwsh"]), windows: false)).ToList();

        // botocore (Linux, macOS): shlex.split, then the words go to Popen as they are.
        var split = Consumers.Python("shlex", lines);
        var scripts = new List<string>();
        for (var i = 0; i < values.Count; i++)
        {
            var argv = Consumers.Strings(split[i].Expect($"shlex of the line for {Show(values[i])}"));
            Assert.Equal(["/opt/power shell/pwsh", "-NoProfile", "-NonInteractive", "-Command"], argv[..4]);
            Assert.Equal(5, argv.Length);
            scripts.Add(argv[4]);
        }

        // sh -c (SDKs that run the line through a shell): the same words reach the program.
        var shWords = Consumers.ShWords(string.Join('\n', values.Select(v => CredentialProcessCommand.Build(Spec(v, ["printf", "%s\\0"]), windows: false))));
        Assert.Equal(scripts.SelectMany(s => new[] { "-NoProfile", "-NonInteractive", "-Command", s }), shWords);

        // PowerShell runs exactly: set the preference, import the module, one ConvertTo-IamraCredentialProcess (through the per-user session cache) with constant arguments.
        var parsed = Consumers.PowerShell("script", scripts);
        for (var i = 0; i < values.Count; i++)
        {
            var script = parsed[i].Expect($"PowerShell's parse of the script for {Show(values[i])}");
            Assert.Equal(3, (int)script["statements"]!);
            Assert.Equal(["$ErrorActionPreference = 'Stop'"], Consumers.Strings(script["assignments"]!));
            var commands = script["commands"]!.AsArray().Select(c => Consumers.Strings(c!)).ToList();
            Assert.Equal(2, commands.Count);
            Assert.Equal(["Import-Module", "-Name", values[i] + "/RedshiftIamra.psd1"], commands[0]);
            Assert.Equal("ConvertTo-IamraCredentialProcess", commands[1][0]);
            Assert.Equal(values[i] + "/cert.pem", After(commands[1], "-Path"));
            Assert.Equal(values[i] + "/key.pem", After(commands[1], "-PrivateKeyPath"));
            Assert.Equal(values[i] + "/ca.pem", After(commands[1], "-ChainPath"));
        }
    }

    [Fact]
    public void Credential_process_lines_reach_the_program_intact_through_the_AWS_SDK_for_NET()
    {
        // AWS Tools for PowerShell and every .NET program read credential_process with
        // AWSSDK.Core's ProcessAWSCredentials: on Linux and macOS it runs sh -c "<line>" after
        // doubling backslashes. The program here prints its arguments back as the session token.
        const string echo = "import json,sys; print(json.dumps({'Version':1,'AccessKeyId':'AKIAECHO','SecretAccessKey':'x','SessionToken':chr(31).join(sys.argv[1:]),'Expiration':'2099-01-01T00:00:00Z'}))";
        var values = HostileCorpus.Values.Where(v => v.Length > 0 && !v.Contains('\\', StringComparison.Ordinal)).ToList();
        Assert.Contains(values, v => v.Contains('\'', StringComparison.Ordinal));
        foreach (var value in values)
        {
            var spec = Spec(value, ["python3", "-c", echo]);
            var line = CredentialProcessCommand.Build(spec, windows: false);
            var token = new Amazon.Runtime.ProcessAWSCredentials(line).GetCredentials().Token;
            Assert.Equal(["-NoProfile", "-NonInteractive", "-Command", CredentialProcessCommand.Script(spec)], token.Split('\u001f'));
        }
    }

    [Fact]
    public void Credential_process_lines_for_Windows_survive_botocores_Windows_splitter()
    {
        var values = HostileCorpus.Values.Where(v => v.Length > 0 && v.IndexOfAny(['%', '!', '"']) < 0).ToList();
        var lines = values.Select(v => CredentialProcessCommand.Build(Spec(v, [@"C:\Program Files\PowerShell\7\pwsh.exe"]), windows: true)).ToList();
        var split = Consumers.Python("winsplit", lines);
        for (var i = 0; i < values.Count; i++)
        {
            var argv = Consumers.Strings(split[i].Expect($"Windows split of the line for {Show(values[i])}"));
            Assert.Equal([@"C:\Program Files\PowerShell\7\pwsh.exe", "-NoProfile", "-NonInteractive", "-Command", CredentialProcessCommand.Script(Spec(values[i], ["x"]))], argv);
        }

        foreach (var value in new[] { "%USERPROFILE%", "a!b", "a\"b" })
        {
            Assert.Equal(ErrorIds.Quoting.ValueCannotBeQuoted, Assert.Throws<IamraException>(() => CredentialProcessCommand.Build(Spec(value, ["pwsh.exe"]), windows: true)).ErrorId);
        }
    }

    [Fact]
    public void A_line_break_in_any_path_is_refused_and_never_reaches_the_config_file()
    {
        foreach (var value in HostileCorpus.LineBreaks)
        {
            foreach (var windows in new[] { false, true })
            {
                var e = Assert.Throws<IamraException>(() => CredentialProcessCommand.Build(Spec(value, ["pwsh"]), windows));
                Assert.Equal(ErrorIds.Quoting.ValueCannotBeQuoted, e.ErrorId);
                Assert.Contains("credential_process", e.Message);
            }
        }
    }

    private static string Unbrace(object raw)
    {
        var text = (string)raw;
        Assert.True(text.StartsWith('{') && text.EndsWith('}'), $"{text} is not braced");
        return text[1..^1].Replace("}}", "}", StringComparison.Ordinal);
    }

    private static string After(string[] words, string name) => words[Array.IndexOf(words, name) + 1];

    private static readonly Lazy<IamraCertificate> Certificate = new(() => new IamraCertificate(TestCertificates.CreateRsa(2048)));

    private static CredentialProcessSpec Spec(string value, string[] pwsh)
    {
        var source = RolesAnywhereSessionSource.Create(new RolesAnywhereSessionOptions
        {
            Certificate = Certificate.Value,
            TrustAnchorArn = "arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor/2b7d0c1e-6d5f-4b8a-9a61-0c4f2d9e8a11",
            ProfileArn = "arn:aws:rolesanywhere:us-east-1:123456789012:profile/2b7d0c1e-6d5f-4b8a-9a61-0c4f2d9e8a11",
            RoleArn = "arn:aws:iam::123456789012:role/etl",
        });
        return new CredentialProcessSpec
        {
            PwshCommandLine = pwsh,
            ModuleManifestPath = value + "/RedshiftIamra.psd1",
            Query = new CertificateQuery { Path = value + "/cert.pem", PrivateKeyPath = value + "/key.pem", ChainPath = value + "/ca.pem" },
            Certificate = Certificate.Value,
            Source = source,
        };
    }

    private static RedshiftConnectionSettings Settings(string value) => new()
    {
        Host = "example.us-east-1.redshift.amazonaws.com",
        Port = 5439,
        Database = value,
        User = value,
        Password = value,
        RootCertificatePath = value,
    };

    private static string Show(string value) => System.Text.Json.JsonSerializer.Serialize(value);
}
