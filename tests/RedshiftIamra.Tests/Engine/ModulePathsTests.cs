namespace RedshiftIamra.Tests.Engine;

/// <summary>The module's files are found from the folder its assemblies load from, IL or ReadyToRun.</summary>
public sealed class ModulePathsTests : IDisposable
{
    private readonly string _module = Path.Combine(Path.GetTempPath(), "iamra-module-paths-" + Guid.NewGuid().ToString("N")[..8], "RedshiftIamra", "0.1.0");

    public ModulePathsTests()
    {
        Directory.CreateDirectory(Path.Combine(_module, "bin", "lib"));
        Directory.CreateDirectory(Path.Combine(_module, "bin", "r2r", "linux-x64", "net8.0"));
        File.WriteAllText(Path.Combine(_module, ModulePaths.ManifestName), "@{}");
    }

    public void Dispose() => Directory.Delete(Path.GetDirectoryName(Path.GetDirectoryName(_module))!, recursive: true);

    [Theory]
    [InlineData("bin/lib")]
    [InlineData("bin/r2r/linux-x64/net8.0")]
    public void Finds_the_manifest_above_the_assemblies(string assemblies)
    {
        var paths = new ModulePaths(Path.Combine(_module, assemblies));

        Assert.Equal(Path.Combine(_module, "RedshiftIamra.psd1"), paths.ManifestPath);
        Assert.Equal(_module, paths.Directory);
        Assert.Equal(Path.Combine(_module, "amazon-trust-roots.pem"), paths.RootCertificatePath);
    }

    [Fact]
    public void Without_a_manifest_names_where_the_staged_layout_has_it()
    {
        File.Delete(Path.Combine(_module, ModulePaths.ManifestName));

        var paths = new ModulePaths(Path.Combine(_module, "bin", "lib"));

        Assert.Equal(Path.Combine(_module, "RedshiftIamra.psd1"), paths.ManifestPath);
    }
}
