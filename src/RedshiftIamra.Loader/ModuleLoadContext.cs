using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;

namespace RedshiftIamra.Loader;

/// <summary>
/// The private load context that holds the module's cmdlets, its engine and every
/// dependency (AWSSDK.Core, Npgsql, ...). Other modules in the same session (AWS.Tools,
/// for example) load their own versions of the same assemblies into the default context;
/// keeping ours here means neither side ever sees the other's copy.
/// </summary>
public sealed class ModuleLoadContext : AssemblyLoadContext
{
    private const string CmdletAssemblyName = "RedshiftIamra.PowerShell";
    private static readonly object s_gate = new();
    private static ModuleLoadContext? s_instance;
    private static readonly HashSet<string> s_frameworkAssemblies = ReadFrameworkAssemblies();

    private readonly string _directory;
    private readonly string? _imageDirectory;

    /// <summary>
    /// Held by the module's psm1 while it loads its type and format data. Runspaces of one
    /// RunspacePool share a single InitialSessionState, which PowerShell both enumerates and
    /// extends while it processes a manifest's types and formats; without this gate, concurrent
    /// imports in a pool throw "Collection was modified" or leave a runspace without them.
    /// </summary>
    public static object ImportGate { get; } = new();

    private ModuleLoadContext(string directory, string? imageDirectory) : base("RedshiftIamra", isCollectible: false)
    {
        _directory = directory;
        _imageDirectory = imageDirectory;
    }

    /// <summary>The folder the private assemblies are loaded from (their IL, for any runtime).</summary>
    public string Directory => _directory;

    /// <summary>
    /// The folder of ReadyToRun images for this runtime major and platform that assemblies are
    /// loaded from first, or null when the module has none for them (then everything runs from IL).
    /// </summary>
    public string? ImageDirectory => _imageDirectory;

    /// <summary>
    /// The ReadyToRun folder for the running runtime and platform under <paramref name="imageRoot"/>:
    /// <c>&lt;rid&gt;/net&lt;major&gt;.0</c>, e.g. <c>linux-x64/net10.0</c>, or null when there is none.
    /// A runtime uses only images made by the crossgen2 of its own major (.NET 10 ignores .NET 8
    /// images), so there is one folder per runtime major the module supports.
    /// </summary>
    public static string? SelectImageDirectory(string imageRoot)
    {
        var name = ImageFolderName(Environment.Version.Major, RuntimeInformation.ProcessArchitecture);
        if (name is null)
        {
            return null;
        }

        var path = Path.Combine(Path.GetFullPath(imageRoot), name);
        return System.IO.Directory.Exists(path) ? path : null;
    }

    /// <summary>The image folder name for a runtime major and process architecture on this OS, e.g. <c>linux-x64/net10.0</c>.</summary>
    public static string? ImageFolderName(int runtimeMajor, Architecture architecture)
    {
        var os = OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx" : OperatingSystem.IsLinux() ? "linux" : null;
        var arch = architecture switch
        {
            Architecture.X64 => "x64",
            Architecture.Arm64 => "arm64",
            _ => null,
        };
        return os is null || arch is null ? null : $"{os}-{arch}/net{runtimeMajor}.0";
    }

    /// <summary>
    /// Creates the context on first use (later imports of the module in the same process
    /// reuse it, since a non-collectible context cannot be unloaded) and returns the
    /// cmdlet assembly for <c>Import-Module -Assembly</c>.
    /// </summary>
    public static Assembly Initialize(string directory) => Initialize(directory, null);

    /// <summary>
    /// As <see cref="Initialize(string)"/>, loading each assembly from <paramref name="imageRoot"/>'s
    /// ReadyToRun folder for this runtime and platform when it has one (see <see cref="SelectImageDirectory"/>),
    /// else from the IL in <paramref name="directory"/>.
    /// </summary>
    public static Assembly Initialize(string directory, string? imageRoot)
    {
        var full = Path.GetFullPath(directory);
        lock (s_gate)
        {
            s_instance ??= new ModuleLoadContext(full, imageRoot is null ? null : SelectImageDirectory(imageRoot));
            return s_instance.LoadFromAssemblyName(new AssemblyName(CmdletAssemblyName));
        }
    }

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        var name = assemblyName.Name;
        if (string.IsNullOrEmpty(name))
        {
            return null;
        }

        // Framework assemblies (and System.Management.Automation) stay shared with the host:
        // the framework that runs PowerShell is always at least as new as what we target.
        if (s_frameworkAssemblies.Contains(name))
        {
            return null;
        }

        if (_imageDirectory is not null)
        {
            var image = Path.Combine(_imageDirectory, name + ".dll");
            if (File.Exists(image))
            {
                return LoadFromAssemblyPath(image);
            }
        }

        var path = Path.Combine(_directory, name + ".dll");
        return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
    }

    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
    {
        var path = Path.Combine(_directory, unmanagedDllName);
        return File.Exists(path) ? LoadUnmanagedDllFromPath(path) : IntPtr.Zero;
    }

    private static HashSet<string> ReadFrameworkAssemblies()
    {
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        if (AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") is string tpa)
        {
            foreach (var path in tpa.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            {
                names.Add(Path.GetFileNameWithoutExtension(path));
            }
        }

        // PowerShell's own assemblies live beside pwsh, not always on the TPA list.
        names.Add("System.Management.Automation");
        names.Add("Microsoft.PowerShell.Commands.Utility");
        names.Add("Microsoft.PowerShell.Commands.Management");
        names.Add("Microsoft.PowerShell.Security");
        return names;
    }
}
