namespace RedshiftIamra;

/// <summary>
/// Where the files that ship with the module are, found from the folder its assemblies load
/// from: <c>&lt;module&gt;/bin/lib</c> (IL) or <c>&lt;module&gt;/bin/r2r/&lt;rid&gt;/&lt;tfm&gt;</c>
/// (ReadyToRun images). The module's folder is the one that holds the nearest
/// <see cref="ManifestName"/> above them.
/// </summary>
public sealed class ModulePaths
{
    /// <summary>The file name of the module's manifest.</summary>
    public const string ManifestName = "RedshiftIamra.psd1";

    /// <summary>The file name of the Amazon Trust Services roots that ship with the module.</summary>
    public const string RootCertificatesName = "amazon-trust-roots.pem";

    /// <summary>The paths of the module whose assemblies load from <paramref name="assemblyDirectory"/>.</summary>
    public ModulePaths(string assemblyDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(assemblyDirectory);
        ManifestPath = FindManifest(Path.GetFullPath(assemblyDirectory));
        Directory = Path.GetDirectoryName(ManifestPath)!;
    }

    /// <summary>The absolute path of the module's manifest.</summary>
    public string ManifestPath { get; }

    /// <summary>The module's folder (the manifest's).</summary>
    public string Directory { get; }

    /// <summary>The Amazon Trust Services roots that ship with the module, the default roots TLS verifies against.</summary>
    public string RootCertificatePath => Path.Combine(Directory, RootCertificatesName);

    private static string FindManifest(string assemblyDirectory)
    {
        for (var folder = new DirectoryInfo(assemblyDirectory).Parent; folder is not null; folder = folder.Parent)
        {
            var manifest = Path.Combine(folder.FullName, ManifestName);
            if (File.Exists(manifest))
            {
                return manifest;
            }
        }

        // No manifest above (assemblies copied on their own): where the staged layout has it.
        return Path.GetFullPath(Path.Combine(assemblyDirectory, "..", "..", ManifestName));
    }
}
