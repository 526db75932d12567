using System.Reflection;
using System.Runtime.InteropServices;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;

namespace RedshiftIamra.Pkcs11;

/// <summary>
/// A loaded PKCS#11 module (the vendor's library, SoftHSM, p11-kit-proxy). Each file is loaded
/// and initialised (<c>C_Initialize</c>) once per process and stays loaded: PKCS#11 allows one
/// initialisation per application, and unloading a module that other code may still hold is unsafe.
/// </summary>
internal sealed class Pkcs11Library
{
    /// <summary>The environment variable that names the PKCS#11 library when neither the parameter nor the URI does.</summary>
    public const string ModuleEnvironmentVariable = "REDSHIFTIAMRA_PKCS11_MODULE";

    private static readonly object s_gate = new();
    private static readonly Dictionary<string, Pkcs11Library> s_loaded = new(StringComparer.Ordinal);
    private static bool s_resolverSet;

    private Pkcs11Library(string path, Pkcs11InteropFactories factories, IPkcs11Library library, string description)
    {
        Path = path;
        Factories = factories;
        Library = library;
        Description = description;
    }

    /// <summary>The full path of the module file.</summary>
    public string Path { get; }

    public Pkcs11InteropFactories Factories { get; }

    public IPkcs11Library Library { get; }

    /// <summary>The module's own description and manufacturer, for messages.</summary>
    public string Description { get; }

    /// <summary>
    /// Where the usual p11-kit proxy lives (it gives access to every module registered with
    /// p11-kit); the first one that exists is the default on Linux and macOS.
    /// </summary>
    internal static IReadOnlyList<string> DefaultCandidates { get; set; } = new[]
    {
        "/usr/lib/x86_64-linux-gnu/p11-kit-proxy.so",
        "/usr/lib/aarch64-linux-gnu/p11-kit-proxy.so",
        "/usr/lib64/p11-kit-proxy.so",
        "/usr/lib/p11-kit-proxy.so",
        "/usr/local/lib/p11-kit-proxy.so",
        "/opt/homebrew/lib/p11-kit-proxy.so",
    };

    /// <summary>
    /// The library file to use and where that choice came from: the explicit path
    /// (<c>-Pkcs11Library</c> or <c>module-path</c>), then <see cref="ModuleEnvironmentVariable"/>,
    /// then p11-kit-proxy where it is installed.
    /// </summary>
    public static (string Path, string Origin) Locate(string? explicitPath, string explicitOrigin)
    {
        if (!string.IsNullOrWhiteSpace(explicitPath))
        {
            return (System.IO.Path.GetFullPath(explicitPath), explicitOrigin);
        }

        if (Environment.GetEnvironmentVariable(ModuleEnvironmentVariable) is { Length: > 0 } fromEnvironment)
        {
            return (System.IO.Path.GetFullPath(fromEnvironment), $"${ModuleEnvironmentVariable}");
        }

        if (!OperatingSystem.IsWindows())
        {
            foreach (var candidate in DefaultCandidates)
            {
                if (File.Exists(candidate))
                {
                    return (candidate, "the p11-kit proxy (the default)");
                }
            }
        }

        throw new IamraException(ErrorIds.Pkcs11.LibraryNotFound, IamraErrorCategory.ObjectNotFound,
            $"No PKCS#11 library was given, and p11-kit-proxy is not installed here. Name your token's library with -Pkcs11Library (or module-path= in the URI, or ${ModuleEnvironmentVariable}), e.g. /usr/lib/softhsm/libsofthsm2.so or the HSM vendor's library.")
        {
            RecommendedAction = "Give -Pkcs11Library with the path of the PKCS#11 module your HSM or smart card vendor ships.",
        };
    }

    /// <summary>Loads and initialises the module at <paramref name="path"/> (once per process).</summary>
    public static Pkcs11Library Load(string path, string origin)
    {
        lock (s_gate)
        {
            if (s_loaded.TryGetValue(path, out var loaded))
            {
                return loaded;
            }

            if (!File.Exists(path))
            {
                throw new IamraException(ErrorIds.Pkcs11.LibraryNotFound, IamraErrorCategory.ObjectNotFound,
                    $"The PKCS#11 library '{path}' (from {origin}) does not exist. Check the path, or install the token's PKCS#11 module (e.g. softhsm2, opensc, or the HSM vendor's client).", path);
            }

            EnsureNativeResolver();
            NativeEnvironment.Sync();
            var factories = new Pkcs11InteropFactories();
            IPkcs11Library library;
            try
            {
                library = factories.Pkcs11LibraryFactory.LoadPkcs11Library(factories, path, AppType.MultiThreaded);
            }
            catch (Pkcs11Exception e)
            {
                throw new IamraException(ErrorIds.Pkcs11.LibraryInvalid, IamraErrorCategory.OpenError,
                    $"The PKCS#11 library '{path}' (from {origin}) loaded but failed to initialise ({e.Method}: {e.RV}). Check the module's own configuration (e.g. SOFTHSM2_CONF for SoftHSM, the HSM client's configuration file).", path, e);
            }
            catch (Exception e) when (e is UnmanagedException or DllNotFoundException or EntryPointNotFoundException or BadImageFormatException or LibraryArchitectureException or UnsupportedPlatformException)
            {
                throw new IamraException(ErrorIds.Pkcs11.LibraryInvalid, IamraErrorCategory.OpenError,
                    $"'{path}' (from {origin}) is not a PKCS#11 module that can be loaded here: {Describe(e)}. Give the PKCS#11 library itself (it exports C_GetFunctionList), built for this process's architecture ({RuntimeInformation.ProcessArchitecture}).", path, e);
            }

            string description;
            try
            {
                var info = library.GetInfo();
                description = $"{info.LibraryDescription?.Trim()} ({info.ManufacturerId?.Trim()}, version {info.LibraryVersion})";
            }
            catch (Pkcs11Exception)
            {
                description = path;
            }

            loaded = new Pkcs11Library(path, factories, library, description);
            s_loaded[path] = loaded;
            return loaded;
        }
    }

    private static string Describe(Exception e)
    {
        var message = e.Message;
        for (var inner = e.InnerException; inner is not null; inner = inner.InnerException)
        {
            message += " " + inner.Message;
        }

        return message.TrimEnd('.');
    }

    /// <summary>
    /// Pkcs11Interop calls <c>dlopen</c> through <c>[DllImport("libdl")]</c>. Current glibc ships
    /// only <c>libdl.so.2</c> (no unversioned <c>libdl.so</c> without the -dev package), so the
    /// default probing fails: resolve the name to the versioned library (or libc, which holds
    /// dlopen since glibc 2.34). Works in any load context, including the module's private one.
    /// </summary>
    private static void EnsureNativeResolver()
    {
        if (s_resolverSet || OperatingSystem.IsWindows())
        {
            return;
        }

        s_resolverSet = true;
        try
        {
            NativeLibrary.SetDllImportResolver(typeof(Pkcs11InteropFactories).Assembly, ResolveNative);
        }
        catch (InvalidOperationException)
        {
            // Another resolver is already set for Pkcs11Interop: leave it.
        }
    }

    private static IntPtr ResolveNative(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (name != "libdl")
        {
            return IntPtr.Zero;
        }

        var candidates = OperatingSystem.IsMacOS()
            ? new[] { "libdl.dylib", "/usr/lib/libSystem.B.dylib" }
            : new[] { "libdl.so.2", "libc.so.6", "libdl.so", "libc.so" };
        foreach (var candidate in candidates)
        {
            if (NativeLibrary.TryLoad(candidate, out var handle) && NativeLibrary.TryGetExport(handle, "dlopen", out _))
            {
                return handle;
            }
        }

        return IntPtr.Zero;
    }
}
