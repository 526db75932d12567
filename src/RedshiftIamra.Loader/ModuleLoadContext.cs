using System.Reflection;
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

    /// <summary>
    /// Held by the module's psm1 while it loads its type and format data. Runspaces of one
    /// RunspacePool share a single InitialSessionState, which PowerShell both enumerates and
    /// extends while it processes a manifest's types and formats; without this gate, concurrent
    /// imports in a pool throw "Collection was modified" or leave a runspace without them.
    /// </summary>
    public static object ImportGate { get; } = new();

    private ModuleLoadContext(string directory) : base("RedshiftIamra", isCollectible: false)
    {
        _directory = directory;
    }

    /// <summary>The folder the private assemblies are loaded from.</summary>
    public string Directory => _directory;

    /// <summary>
    /// Creates the context on first use (later imports of the module in the same process
    /// reuse it, since a non-collectible context cannot be unloaded) and returns the
    /// cmdlet assembly for <c>Import-Module -Assembly</c>.
    /// </summary>
    public static Assembly Initialize(string directory)
    {
        var full = Path.GetFullPath(directory);
        lock (s_gate)
        {
            s_instance ??= new ModuleLoadContext(full);
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
