using System.Reflection;
using System.Text.RegularExpressions;
using RedshiftIamra.Sandbox.Postgres;

namespace RedshiftIamra.Tests.Engine;

/// <summary>
/// The error-id catalogue (<see cref="ErrorIds"/>): ids are unique, follow the naming rule of
/// CONTRIBUTING.md, are listed in about_RedshiftIamra, and are the only ids in the source.
/// </summary>
public class ErrorIdsTests
{
    /// <summary>The noun prefix of each area of the catalogue (CONTRIBUTING.md, "Error ids").</summary>
    private static readonly Dictionary<string, string> s_prefixOfArea = new(StringComparer.Ordinal)
    {
        [nameof(ErrorIds.Certificate)] = "Iamra",
        [nameof(ErrorIds.Pkcs11)] = "Iamra",
        [nameof(ErrorIds.Session)] = "Iamra",
        [nameof(ErrorIds.Aws)] = "Iamra",
        [nameof(ErrorIds.AwsProfile)] = "Iamra",
        [nameof(ErrorIds.CredentialServer)] = "Iamra",
        [nameof(ErrorIds.File)] = "Iamra",
        [nameof(ErrorIds.AwsConfigFile)] = "Iamra",
        [nameof(ErrorIds.Quoting)] = "Iamra",
        [nameof(ErrorIds.Redshift)] = "Redshift",
        [nameof(ErrorIds.Connection)] = "Redshift",
        [nameof(ErrorIds.Query)] = "Redshift",
        [nameof(ErrorIds.Loading)] = "Redshift",
        [nameof(ErrorIds.Staging)] = "Redshift",
        [nameof(ErrorIds.Config)] = "RedshiftIamra",
        [nameof(ErrorIds.ConfigFile)] = "RedshiftIamra",
        [nameof(ErrorIds.Stack)] = "RedshiftIamra",
        [nameof(ErrorIds.Sandbox)] = "RedshiftIamra",
        [nameof(ErrorIds.Module)] = "RedshiftIamra",
    };

    private static readonly Regex s_pascalCase = new("^[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*)+$", RegexOptions.CultureInvariant);

    [Fact]
    public void The_catalogue_holds_only_string_constants_in_areas()
    {
        Assert.Empty(typeof(ErrorIds).GetFields(BindingFlags.Public | BindingFlags.Static));
        foreach (var area in typeof(ErrorIds).GetNestedTypes())
        {
            Assert.True(area.IsAbstract && area.IsSealed, $"ErrorIds.{area.Name} is not a static class.");
            var members = area.GetMembers(BindingFlags.Public | BindingFlags.Static | BindingFlags.DeclaredOnly);
            Assert.All(members, m => Assert.True(m is FieldInfo { IsLiteral: true } f && f.FieldType == typeof(string), $"ErrorIds.{area.Name}.{m.Name} is not a string constant."));
            Assert.NotEmpty(members);
        }
    }

    [Fact]
    public void Ids_are_unique()
    {
        var duplicates = Catalogue().GroupBy(e => e.Id, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1)
            .Select(g => $"{g.Key}: {string.Join(", ", g.Select(e => e.Member))}").ToList();
        Assert.True(duplicates.Count == 0, "Ids given twice: " + string.Join("; ", duplicates));
        Assert.True(Catalogue().Count > 100);
    }

    [Fact]
    public void Ids_follow_the_naming_rule()
    {
        var problems = Catalogue().Select(e => NamingProblem(e.Area, e.Id) is { } problem ? $"{e.Member}: {problem}" : null).OfType<string>().ToList();
        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    [Theory]
    [InlineData("Certificate", "IamraBAD_id")]
    [InlineData("Certificate", "iamraCertificateLost")]
    [InlineData("Certificate", "Iamra")]
    [InlineData("Certificate", "RedshiftCertificateFailed")]
    [InlineData("Redshift", "RedshiftIamraClusterGone")]
    [InlineData("Stack", "CloudFormationServiceError")]
    [InlineData("Sandbox", "SandboxPostgresNotInstalled")]
    [InlineData("NewArea", "IamraSomething")]
    public void The_naming_rule_check_fails_on_bad_ids(string area, string id) => Assert.NotNull(NamingProblem(area, id));

    [Theory]
    [InlineData("Pkcs11", "IamraPkcs11PinLocked")]
    [InlineData("Connection", "RedshiftTcpFailed")]
    [InlineData("Stack", "RedshiftIamraStackNotFound")]
    public void The_naming_rule_check_passes_good_ids(string area, string id) => Assert.Null(NamingProblem(area, id));

    /// <summary>Why <paramref name="id"/> breaks the naming rule for its area, or null.</summary>
    private static string? NamingProblem(string area, string id)
    {
        if (!s_prefixOfArea.TryGetValue(area, out var prefix))
        {
            return $"ErrorIds.{area} has no prefix in this test: add the area with its layer's noun prefix.";
        }

        if (!s_pascalCase.IsMatch(id))
        {
            return $"{id} is not PascalCase.";
        }

        // The prefix, then what went wrong: a capital right after the prefix, and in the
        // Redshift layer not the module's own prefix.
        return !id.StartsWith(prefix, StringComparison.Ordinal) || id.Length == prefix.Length || !char.IsUpper(id[prefix.Length])
            || (prefix == "Redshift" && id.StartsWith("RedshiftIamra", StringComparison.Ordinal))
            ? $"{id} does not start with {prefix} followed by what went wrong."
            : null;
    }

    [Fact]
    public void Id_constants_outside_the_catalogue_only_alias_it_and_no_Errors_class_holds_one()
    {
        // Code names ErrorIds.<Area>.<Id>: an *Errors class (a mapper of service errors) holds no
        // id constant of its own, not even an alias, and a constant named *ErrorId is one of ErrorIds.
        var ids = Catalogue().Select(e => e.Id).ToHashSet(StringComparer.Ordinal);
        var strays = new List<string>();
        foreach (var assembly in new[] { typeof(ErrorIds).Assembly, typeof(SandboxPostgres).Assembly })
        {
            foreach (var type in assembly.GetTypes().Where(t => t.DeclaringType != typeof(ErrorIds) && t != typeof(ErrorIds)))
            {
                var isErrorsClass = type.Name.EndsWith("Errors", StringComparison.Ordinal);
                foreach (var field in type.GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.DeclaredOnly))
                {
                    if (field is { IsLiteral: true } && field.FieldType == typeof(string)
                        && (isErrorsClass || (field.Name.EndsWith("ErrorId", StringComparison.Ordinal) && !ids.Contains((string)field.GetRawConstantValue()!))))
                    {
                        strays.Add($"{type.FullName}.{field.Name} = {field.GetRawConstantValue()}");
                    }
                }
            }
        }

        Assert.True(strays.Count == 0, "Error id constants outside ErrorIds (name the ErrorIds constant instead): " + string.Join("; ", strays));
    }

    [Fact]
    public void The_about_topic_lists_exactly_the_catalogue_with_meaning_and_fix()
    {
        var listed = AboutTopicErrorIds(File.ReadAllText(Path.Combine(RepoRoot(), "module", "en-US", "about_RedshiftIamra.help.txt")));
        var ids = Catalogue().Select(e => e.Id).ToHashSet(StringComparer.Ordinal);

        Assert.Empty(listed.GroupBy(e => e.Id).Where(g => g.Count() > 1).Select(g => g.Key));
        var missing = ids.Except(listed.Select(e => e.Id)).Order().ToList();
        var stale = listed.Select(e => e.Id).Except(ids).Order().ToList();
        Assert.True(missing.Count == 0, "Not in about_RedshiftIamra (ERROR IDS): " + string.Join(", ", missing));
        Assert.True(stale.Count == 0, "In about_RedshiftIamra (ERROR IDS) but not in ErrorIds: " + string.Join(", ", stale));

        // What it means, then what to do: at least two sentences.
        var thin = listed.Where(e => Regex.Count(e.Text, @"[.!?](\s|$)") < 2 || e.Text.Length < 40).Select(e => e.Id).ToList();
        Assert.True(thin.Count == 0, "Say what it means and what to do for: " + string.Join(", ", thin));
    }

    [Fact]
    public void The_about_topic_parser_sees_ids_and_their_text()
    {
        var text = "TOPIC\n    x\n\nERROR IDS\n    Intro.\n\n    Area\n        IamraOne\n            It broke. Fix it.\n        IamraTwo\n            Means\n            this. Do that.\n\nSEE ALSO\n    IamraThree\n";
        var listed = AboutTopicErrorIds(text);
        Assert.Equal(new[] { "IamraOne", "IamraTwo" }, listed.Select(e => e.Id));
        Assert.Equal("Means this. Do that.", listed[1].Text);
    }

    [Fact]
    public void No_error_id_is_written_outside_the_catalogue()
    {
        var ids = Catalogue().Select(e => e.Id).ToHashSet(StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (var path in Directory.EnumerateFiles(Path.Combine(RepoRoot(), "src"), "*.cs", SearchOption.AllDirectories))
        {
            if (path.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                || path.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                || Path.GetFileName(path) == "ErrorIds.cs")
            {
                continue;
            }

            var lines = File.ReadAllLines(path);
            for (var i = 0; i < lines.Length; i++)
            {
                foreach (var problem in IdProblems(lines[i], ids))
                {
                    problems.Add($"{Path.GetRelativePath(RepoRoot(), path)}:{i + 1}: {problem}");
                }
            }
        }

        Assert.True(problems.Count == 0, "Use ErrorIds for every error id:" + Environment.NewLine + string.Join(Environment.NewLine, problems));
    }

    [Theory]
    [InlineData("throw new IamraException(\"IamraSomethingNew\", IamraErrorCategory.InvalidArgument, \"m\");")]
    [InlineData("new(\"RedshiftNewProblem\", IamraErrorCategory.InvalidData, message, target);")]
    [InlineData("var record = new ErrorRecord(e, \"IamraUnexpected\", ErrorCategory.NotSpecified, null)")]
    [InlineData("throw new IamraException(errorPrefix + \"ReadOnly\", IamraErrorCategory.PermissionDenied,")]
    [InlineData("throw new IamraException($\"Redshift{name}Failed\", IamraErrorCategory.ConnectionError,")]
    [InlineData("stage.ErrorId = \"Redshift\" + name + \"Failed\";")]
    [InlineData("\"Session\" when e?.ErrorId == \"IamraUntrustedCertificate\" => \"x\",")]
    [InlineData("exception is IamraException { ErrorId: \"RedshiftExpiredToken\" };")]
    [InlineData("public const string NotInstalledErrorId = \"SandboxPostgresNotInstalled\";")]
    [InlineData("Assert(id == \"RedshiftClusterNotFound\");")]
    public void The_source_scan_finds_literal_and_built_ids(string line)
    {
        Assert.NotEmpty(IdProblems(line, Catalogue().Select(e => e.Id).ToHashSet(StringComparer.Ordinal)));
    }

    [Theory]
    [InlineData("[Cmdlet(VerbsCommon.Get, \"RedshiftIamraStack\", DefaultParameterSetName = AwsCredentialSet)]")]
    [InlineData("public const string ClusterIdentifier = \"RedshiftClusterIdentifier\";")]
    [InlineData("throw new IamraException(ErrorIds.Connection.TcpFailed, IamraErrorCategory.ConnectionError,")]
    [InlineData("throw new IamraException(e.ErrorId, e.Category, $\"{e.Message} (Add -SkipCertificateCheck)\", e.Target, e);")]
    [InlineData("throw new RedshiftSqlException(SqlStates.SyntaxError, $\"syntax error at or near \\\"{token}\\\"\");")]
    [InlineData("return Path.Combine(configHome, \"RedshiftIamra\", \"config.json\");")]
    [InlineData("new IamraException(id, category, \"The query failed.\", target)")]
    public void The_source_scan_leaves_other_strings_alone(string line)
    {
        Assert.Empty(IdProblems(line, Catalogue().Select(e => e.Id).ToHashSet(StringComparer.Ordinal)));
    }

    [Fact]
    public void SqlStates_are_unique_five_character_codes_or_classes()
    {
        var codes = typeof(SqlStates).GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral).ToList();
        Assert.NotEmpty(codes);
        Assert.Equal(codes.Count, codes.Select(f => (string)f.GetRawConstantValue()!).Distinct(StringComparer.Ordinal).Count());
        Assert.All(codes, f =>
        {
            var code = (string)f.GetRawConstantValue()!;
            Assert.Matches(f.Name.StartsWith("Class", StringComparison.Ordinal) ? "^[0-9A-Z]{2,3}$" : "^[0-9A-Z]{5}$", code);
        });
        Assert.Equal("57014", SqlStates.QueryCanceled);
        Assert.Equal("28P01", SqlStates.InvalidPassword);
    }

    [Fact]
    public void No_raw_sqlstate_is_written_in_the_source()
    {
        var codes = typeof(SqlStates).GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral && !f.Name.StartsWith("Class", StringComparison.Ordinal))
            .Select(f => (string)f.GetRawConstantValue()!).ToList();
        var raw = new Regex("\"(" + string.Join("|", codes) + ")\"|StartsWith\\(\"[0-9]{2}P?\"", RegexOptions.CultureInvariant);
        var problems = Directory.EnumerateFiles(Path.Combine(RepoRoot(), "src"), "*.cs", SearchOption.AllDirectories)
            .Where(p => Path.GetFileName(p) != "SqlStates.cs" && !p.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .SelectMany(p => File.ReadAllLines(p).Select((line, i) => (p, i, line)))
            .Where(x => raw.IsMatch(x.line))
            .Select(x => $"{Path.GetRelativePath(RepoRoot(), x.p)}:{x.i + 1}: {x.line.Trim()}")
            .ToList();
        Assert.True(problems.Count == 0, "Use SqlStates:" + Environment.NewLine + string.Join(Environment.NewLine, problems));
    }

    /// <summary>(area, ErrorIds.Area.Member, id) for every id of the catalogue.</summary>
    private static List<(string Area, string Member, string Id)> Catalogue() =>
        typeof(ErrorIds).GetNestedTypes()
            .SelectMany(area => area.GetFields(BindingFlags.Public | BindingFlags.Static)
                .Where(f => f.IsLiteral && f.FieldType == typeof(string))
                .Select(f => (area.Name, $"ErrorIds.{area.Name}.{f.Name}", (string)f.GetRawConstantValue()!)))
            .ToList();

    private static readonly Regex s_idArgument = new(
        // A literal, an interpolation or a concatenation right before the category argument of
        // IamraException, RedshiftQueryException, a target-typed new or ErrorRecord.
        @"(""[A-Za-z0-9_]*""|\$""[^""]*""|\+\s*""[A-Za-z0-9_]*""|""[A-Za-z0-9_]*""\s*\+\s*\w+)\s*,\s*(Iamra)?ErrorCategory\.",
        RegexOptions.CultureInvariant);

    private static readonly Regex s_idComparison = new(@"\bErrorId\s*(==|!=|=|:)\s*(\$?""|[^;]*\+\s*"")", RegexOptions.CultureInvariant);

    private static readonly Regex s_idConstant = new(@"const\s+string\s+\w*ErrorId\w*\s*=\s*""", RegexOptions.CultureInvariant);

    private static readonly Regex s_literal = new(@"""([A-Za-z0-9_]+)""", RegexOptions.CultureInvariant);

    private static IEnumerable<string> IdProblems(string line, HashSet<string> ids)
    {
        if (s_idArgument.Match(line) is { Success: true } argument)
        {
            yield return $"an error id written in place: {argument.Value}";
        }

        if (s_idComparison.Match(line) is { Success: true } comparison)
        {
            yield return $"an error id compared or set as text: {comparison.Value}";
        }

        if (s_idConstant.IsMatch(line))
        {
            yield return "an error id constant with its own text: name the ErrorIds constant instead";
        }

        foreach (Match literal in s_literal.Matches(line))
        {
            if (ids.Contains(literal.Groups[1].Value))
            {
                yield return $"the id \"{literal.Groups[1].Value}\" as text: use its ErrorIds constant";
            }
        }
    }

    /// <summary>The ids listed in the ERROR IDS section (8 spaces in) with the text under each (12 spaces in).</summary>
    private static List<(string Id, string Text)> AboutTopicErrorIds(string topic)
    {
        var lines = topic.ReplaceLineEndings("\n").Split('\n');
        var start = Array.IndexOf(lines, "ERROR IDS");
        Assert.True(start >= 0, "about_RedshiftIamra has no ERROR IDS section.");
        var listed = new List<(string Id, List<string> Text)>();
        for (var i = start + 1; i < lines.Length && (lines[i].Length == 0 || lines[i][0] == ' '); i++)
        {
            if (Regex.Match(lines[i], @"^ {8}(\S+)$") is { Success: true } id)
            {
                listed.Add((id.Groups[1].Value, new List<string>()));
            }
            else if (lines[i].StartsWith(new string(' ', 12), StringComparison.Ordinal) && listed.Count > 0)
            {
                listed[^1].Text.Add(lines[i].Trim());
            }
        }

        return listed.Select(e => (e.Id, string.Join(" ", e.Text))).ToList();
    }

    private static string RepoRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "RedshiftIamra.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("The repository root (RedshiftIamra.sln) is not above " + AppContext.BaseDirectory);
    }
}
