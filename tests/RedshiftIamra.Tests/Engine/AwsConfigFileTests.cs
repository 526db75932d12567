using RedshiftIamra.Aws;

namespace RedshiftIamra.Tests.Engine;

public sealed class AwsConfigFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("iamra-config-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static KeyValuePair<string, string>[] Values(string process, string region = "us-east-1") => new[]
    {
        new KeyValuePair<string, string>("credential_process", process),
        new KeyValuePair<string, string>("region", region),
    };

    [Fact]
    public void AddsANewProfileAndKeepsEverythingElse()
    {
        const string original = "# my settings\n[default]\nregion = eu-west-1\noutput = json\n\n[profile other]\nrole_arn = arn:aws:iam::1:role/x\n";
        var updated = AwsConfigFile.SetProfile(original, "onprem", Values("pwsh -c x"));
        Assert.StartsWith(original, updated);
        Assert.EndsWith("[profile onprem]\ncredential_process = pwsh -c x\nregion = us-east-1\n", updated);
    }

    [Fact]
    public void UpdatesKeysInPlaceAndKeepsTheSectionsOtherKeys()
    {
        const string original = "[profile onprem]\noutput = table\ncredential_process = old\n; note\n\n[profile next]\nregion = ap-south-1\n";
        var updated = AwsConfigFile.SetProfile(original, "onprem", Values("new"));
        Assert.Equal("[profile onprem]\noutput = table\ncredential_process = new\n; note\nregion = us-east-1\n\n[profile next]\nregion = ap-south-1\n", updated);
        var read = AwsConfigFile.ReadProfile(updated, "onprem");
        Assert.Equal("new", read["credential_process"]);
        Assert.Equal("table", read["output"]);
        Assert.Equal("ap-south-1", AwsConfigFile.ReadProfile(updated, "next")["region"]);
    }

    [Fact]
    public void DefaultProfileUsesTheBareSectionName()
    {
        var updated = AwsConfigFile.SetProfile(string.Empty, "default", Values("x"));
        Assert.StartsWith("[default]\n", updated);
    }

    [Fact]
    public void KeepsWindowsLineEndings()
    {
        var updated = AwsConfigFile.SetProfile("[default]\r\nregion = eu-west-1\r\n", "a", Values("x"));
        Assert.DoesNotContain("\n[", updated.Replace("\r\n[", string.Empty, StringComparison.Ordinal));
        Assert.Contains("\r\n[profile a]\r\ncredential_process = x\r\n", updated);
    }

    [Fact]
    public void ContinuationLinesOfNestedSettingsAreNotMistakenForKeys()
    {
        const string original = "[profile onprem]\ns3 =\n  max_concurrent_requests = 20\n";
        var updated = AwsConfigFile.SetProfile(original, "onprem", Values("x"));
        Assert.Contains("s3 =\n  max_concurrent_requests = 20\ncredential_process = x\n", updated);
    }

    [Fact]
    public void AtomicWriteReplacesTheFileAndLeavesNoTemporaryFiles()
    {
        var path = Path.Combine(_dir, "sub", "config");
        AtomicFile.WriteAllText(path, "first", ownerOnly: true);
        AtomicFile.WriteAllText(path, "second", ownerOnly: true);
        Assert.Equal("second", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)!));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }
    }

    [Fact]
    public void AtomicWriteKeepsTheModeOfAnExistingFile()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var path = Path.Combine(_dir, "config");
        File.WriteAllText(path, "x");
        var mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead;
        File.SetUnixFileMode(path, mode);
        AtomicFile.WriteAllText(path, "y", ownerOnly: true);
        Assert.Equal(mode, File.GetUnixFileMode(path));
    }

    [Fact]
    public void A_symbolic_link_stays_and_its_target_is_updated()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // creating links needs a privilege on Windows
        }

        var real = Path.Combine(_dir, "dotfiles", "aws-config");
        Directory.CreateDirectory(Path.GetDirectoryName(real)!);
        File.WriteAllText(real, "[default]\nregion = eu-west-1\n");
        var link = Path.Combine(_dir, "config");
        File.CreateSymbolicLink(link, "dotfiles/aws-config");

        var written = AwsConfigFile.UpdateProfileFile(link, "onprem", Values("x"));

        Assert.Equal(real, written);
        Assert.Equal("dotfiles/aws-config", new FileInfo(link).LinkTarget);
        Assert.Equal("[default]\nregion = eu-west-1\n\n[profile onprem]\ncredential_process = x\nregion = us-east-1\n", File.ReadAllText(real));
    }

    [Fact]
    public void A_read_only_file_is_refused_and_left_as_it_was()
    {
        var path = Path.Combine(_dir, "config");
        File.WriteAllText(path, "[default]\n");
        new FileInfo(path).IsReadOnly = true;
        var e = Assert.Throws<IamraException>(() => AwsConfigFile.UpdateProfileFile(path, "onprem", Values("x")));
        Assert.Equal("IamraAwsConfigFileReadOnly", e.ErrorId);
        Assert.Contains(path, e.Message);
        Assert.Equal("[default]\n", File.ReadAllText(path));
        Assert.True(new FileInfo(path).IsReadOnly);
    }

    [Fact]
    public void A_directory_in_place_of_the_file_is_a_clear_error()
    {
        var path = Path.Combine(_dir, "config");
        Directory.CreateDirectory(path);
        var e = Assert.Throws<IamraException>(() => AwsConfigFile.UpdateProfileFile(path, "onprem", Values("x")));
        Assert.Equal("IamraAwsConfigFileIsDirectory", e.ErrorId);
        Assert.Contains("is a directory", e.Message);
    }

    [Fact]
    public void A_directory_in_place_of_the_lock_file_is_a_clear_error()
    {
        var path = Path.Combine(_dir, "config");
        Directory.CreateDirectory(path + ".lock");
        var e = Assert.Throws<IamraException>(() => AwsConfigFile.UpdateProfileFile(path, "onprem", Values("x")));
        Assert.Equal("IamraAwsConfigFileLockIsDirectory", e.ErrorId);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void Concurrent_writers_keep_every_profile()
    {
        var path = Path.Combine(_dir, "config");
        File.WriteAllText(path, "# shared\n[default]\nregion = eu-west-1\n");
        Parallel.For(0, 20, new ParallelOptions { MaxDegreeOfParallelism = 20 }, i => AwsConfigFile.UpdateProfileFile(path, $"p{i}", Values($"x{i}")));
        var text = File.ReadAllText(path);
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal($"x{i}", AwsConfigFile.ReadProfile(text, $"p{i}")["credential_process"]);
        }

        Assert.StartsWith("# shared\n[default]\nregion = eu-west-1\n", text);
    }
}
