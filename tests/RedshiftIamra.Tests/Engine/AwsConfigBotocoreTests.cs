using System.Text.Json.Nodes;
using RedshiftIamra.Aws;
using RedshiftIamra.Quoting;
using RedshiftIamra.Tests.Quoting;

namespace RedshiftIamra.Tests.Engine;

/// <summary>
/// The AWS config file edited by us and read by botocore itself (raw_config_parse and
/// build_profile_map, through python/quoting_consumers.py): after every change botocore must
/// read exactly the values we meant for the profile and exactly what it read before for every
/// other section; files botocore refuses we refuse too, and read the same profiles it reads.
/// </summary>
public sealed class AwsConfigBotocoreTests
{
    private const string Line = "'/opt/my dir/pwsh' -NoProfile -Command '$ErrorActionPreference = ''Stop''; Import-Module ''/m/’’$(x)’’ # ; = : [profile evil]'''";

    private static readonly KeyValuePair<string, string>[] Values =
    [
        new("credential_process", Line),
        new("region", "us-east-1"),
    ];

    /// <summary>Files botocore reads; the profile 'target' is set in each.</summary>
    public static readonly TheoryData<string, string> ReadableFiles = new()
    {
        { "header with a trailing comment", "[profile prod] # prod\nregion = eu-west-1\n\n[profile target]\nregion = us-west-2\n" },
        { "target header with a trailing comment", "[profile target] # the target\nregion = eu-west-2\n[profile prod]\nregion = eu-west-1\n" },
        { "key in capitals", "[profile target]\nRegion = eu-west-1\nCredential_Process = old\n" },
        { "colon delimiter", "[profile target]\nregion: eu-west-1\ncredential_process:old\n" },
        { "indented key with spaces before the colon", "[profile target]\n  REGION  : eu-west-1\n" },
        { "nested s3 settings", "[profile target]\ns3 =\n  max_concurrent_requests = 20\n  addressing_style = path\nregion = eu-west-1\n[profile other]\ns3 =\n  x = 1\n" },
        { "blank line inside a nested value", "[profile target]\ns3 =\n  a = 1\n\n  b = 2\nregion = r\n" },
        { "continuation line of the replaced key", "[profile target]\nregion = eu-west-1\n  continued\n# note\n  more\noutput = json\n" },
        { "Windows line endings", "[default]\r\nregion = eu-west-1\r\n\r\n[profile target]\r\noutput = json\r\n" },
        { "old Mac line endings", "[default]\rregion = eu-west-1\r[profile other]\routput = json\r" },
        { "mixed line endings", "[default]\r\nregion = eu-west-1\n[profile target]\routput = json\r\n" },
        { "no line break at the end", "[default]\nregion = x" },
        { "target last without line break", "[profile other]\nregion = x\n[profile target]" },
        { "comments everywhere", "# top\n; semi\n[profile target] ; c\n# inside\ncredential_process = old\n\n# trailing comment\n[profile other]\nregion = y\n" },
        { "DEFAULT section", "[DEFAULT]\nregion = ap-south-1\noutput = text\n[profile other]\noutput = json\n" },
        { "quoted profile name", "[profile \"target\"]\nregion = x\n" },
        { "two spaces in the header", "[profile  target]\nregion = x\n" },
        { "two sections for the profile (the last wins)", "[profile target]\nregion = a\n[profile \"target\"]\noutput = b\n" },
        { "look-alike names", "[profile target2]\nregion = a\n[profile Target]\nregion = b\n[profile target extra]\nregion = c\n[profilex target]\nregion = weird\n" },
        { "empty file", "" },
        { "white space only", "  \n\n\t\n" },
        { "comments only", "# nothing here\n" },
        { "tabs around the key", "[profile target]\n\tcredential_process\t=\told\n" },
        { "indented section", "  [profile target]\n  region = x\n    cont\n  output = json\n" },
        { "value ending in non-breaking space", "[profile target]\nregion = x\u00a0\n[profile other]\nregion = y\u00a0\n" },
        { "hash and semicolon in values", "[profile other]\nregion = us-east-1 # not a comment\noutput = json ; neither\n" },
        { "line that looks like a header but is a key", "[profile other]\n[a=b\n" },
        { "sso-session named like the profile", "[sso-session target]\nsso_region = eu-west-1\n[profile target]\nsso_session = target\n" },
        { "default profile as [profile default]", "[profile default]\nregion = x\n" },
        { "unicode", "[profile ünïcödé]\nregion = x\n# 中文 😀\n" },
        { "header with trailing text after ]", "[profile target]x\nregion = x\n[profile target] [y]\nregion = y\n" },
    };

    /// <summary>Files botocore refuses to read (ConfigParseError): we refuse to change them.</summary>
    public static readonly TheoryData<string, string> UnreadableFiles = new()
    {
        { "duplicate key in another profile", "[profile other]\nregion = a\nRegion = b\n[profile target]\n" },
        { "duplicate section", "[profile target]\nregion = a\n[profile target]\noutput = b\n" },
        { "setting before any section", "region = a\n[profile target]\n" },
        { "line without = or :", "[profile target]\nregion\n" },
        { "byte order mark", "\ufeff[default]\nregion = x\n" },
        { "nested line without =", "[profile other]\ns3 =\n  oops\n" },
        { "empty key", "[profile other]\n= x\n" },
    };

    [Theory]
    [MemberData(nameof(ReadableFiles))]
    public void Botocore_reads_the_profile_as_set_and_every_other_section_as_before(string name, string original)
    {
        foreach (var profile in new[] { "target", "default" })
        {
            var updated = AwsConfigFile.SetProfile(original, profile, Values);
            var readings = Consumers.Python("ini", [original, updated]);
            var before = readings[0].Expect($"{name}: botocore reads the original");
            var after = readings[1].Expect($"{name}: botocore reads our result");

            // A new section inherits [DEFAULT]'s keys (configparser; botocore does not show [DEFAULT] itself).
            var expected = (before["profiles"]![profile]?.DeepClone() as JsonObject)
                ?? new JsonObject(AwsConfigFile.Parse(original, "test").Defaults.Options.Select(o => KeyValuePair.Create(o.Key, (JsonNode?)o.Value)));
            foreach (var (key, value) in Values)
            {
                expected[key] = value;
            }

            Assert.True(JsonNode.DeepEquals(expected, after["profiles"]![profile]), $"{name}: botocore reads {after["profiles"]![profile]?.ToJsonString()} for '{profile}', not {expected.ToJsonString()}");
            foreach (var (other, values) in before["profiles"]!.AsObject().Where(p => p.Key != profile))
            {
                Assert.True(JsonNode.DeepEquals(values, after["profiles"]![other]), $"{name}: profile '{other}' changed: {values?.ToJsonString()} -> {after["profiles"]![other]?.ToJsonString()}");
            }

            foreach (var (section, values) in before["sections"]!.AsObject().Where(s => AwsIniDocumentProfile(s.Key) != profile))
            {
                Assert.True(JsonNode.DeepEquals(values, after["sections"]![section]), $"{name}: section [{section}] changed");
            }

            Assert.Equal(before["sections"]!.AsObject().Count + (before["profiles"]![profile] is null ? 1 : 0), after["sections"]!.AsObject().Count);

            // Every line we did not mean to change is still there, in order, byte for byte.
            Assert.True(IsSubsequence(Lines(original).Where(l => !Touched(l)).ToList(), Lines(updated)), $"{name}: a line not of the profile's keys changed or moved:\n{updated}");
        }
    }

    [Theory]
    [MemberData(nameof(ReadableFiles))]
    public void We_read_every_profile_exactly_as_botocore_does(string name, string text)
    {
        var botocore = Consumers.Python("ini", [text])[0].Expect(name)["profiles"]!.AsObject();
        var ours = AwsConfigFile.Parse(text, "test").Profiles();
        Assert.Equal(botocore.Select(p => p.Key).Order(), ours.Keys.Order());
        foreach (var (profile, values) in botocore)
        {
            foreach (var (key, value) in values!.AsObject())
            {
                // botocore turns nested blocks into objects; we keep the raw text, which starts with a line break.
                if (value is JsonObject) Assert.StartsWith("\n", ours[profile][key]);
                else Assert.Equal(value!.GetValue<string>(), ours[profile][key]);
            }

            Assert.Equal(values.AsObject().Count, ours[profile].Count);
        }
    }

    [Theory]
    [MemberData(nameof(UnreadableFiles))]
    public void A_file_botocore_cannot_read_is_refused_not_made_worse(string name, string text)
    {
        Assert.False(Consumers.Python("ini", [text])[0].Ok, $"{name}: botocore was expected to refuse this file");
        var e = Assert.Throws<IamraException>(() => AwsConfigFile.SetProfile(text, "target", Values));
        Assert.Equal(AwsConfigFile.UnreadableErrorId, e.ErrorId);
        Assert.Contains("nothing was changed", e.Message);
    }

    [Theory]
    [InlineData("a\nb")]
    [InlineData("a\rb")]
    [InlineData("x\n[profile evil]\ncredential_process = sh -c id")]
    [InlineData(" leading")]
    [InlineData("trailing\t")]
    [InlineData("nul\0")]
    public void A_value_one_INI_line_cannot_carry_is_refused(string value)
    {
        var e = Assert.Throws<IamraException>(() => AwsConfigFile.SetProfile("[default]\n", "target", [new("credential_process", value)]));
        Assert.Equal(ErrorIds.Quoting.ValueCannotBeQuoted, e.ErrorId);
    }

    private static string? AwsIniDocumentProfile(string section) => AwsIniDocument.ProfileNameOf(section);

    private static bool Touched(string line)
    {
        var t = line.Trim().ToLowerInvariant();
        return t.StartsWith("region", StringComparison.Ordinal) || t.StartsWith("credential_process", StringComparison.Ordinal) || t is "continued" or "more" or "cont" || line.Length == 0;
    }

    private static List<string> Lines(string text) =>
        text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n').Split('\n').ToList();

    private static bool IsSubsequence(List<string> needle, List<string> haystack)
    {
        var j = 0;
        foreach (var line in haystack)
        {
            if (j < needle.Count && needle[j] == line) j++;
        }

        return j == needle.Count;
    }
}
