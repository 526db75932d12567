using System.Runtime.InteropServices;
using RedshiftIamra.Pkcs11.Native;

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

    private Pkcs11Library(string path, Cryptoki module, string description)
    {
        Path = path;
        Module = module;
        Description = description;
    }

    /// <summary>The full path of the module file.</summary>
    public string Path { get; }

    /// <summary>The module's functions.</summary>
    public Cryptoki Module { get; }

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

            NativeEnvironment.Sync();
            Cryptoki module;
            try
            {
                module = Cryptoki.Load(path);
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException or Pkcs11CallException)
            {
                throw new IamraException(ErrorIds.Pkcs11.LibraryInvalid, IamraErrorCategory.OpenError,
                    $"'{path}' (from {origin}) is not a PKCS#11 module that can be loaded here: {Describe(e)}. Give the PKCS#11 library itself (it exports C_GetFunctionList), built for this process's architecture ({RuntimeInformation.ProcessArchitecture}).", path, e);
            }

            try
            {
                module.Initialize();
            }
            catch (Pkcs11CallException e)
            {
                throw new IamraException(ErrorIds.Pkcs11.LibraryInvalid, IamraErrorCategory.OpenError,
                    $"The PKCS#11 library '{path}' (from {origin}) loaded but failed to initialise ({e.Function}: {e.ReturnValue}). Check the module's own configuration (e.g. SOFTHSM2_CONF for SoftHSM, the HSM client's configuration file).", path, e);
            }

            string description;
            try
            {
                description = module.GetDescription();
            }
            catch (Pkcs11CallException)
            {
                description = path;
            }

            loaded = new Pkcs11Library(path, module, description);
            s_loaded[path] = loaded;
            return loaded;
        }
    }

    /// <summary><c>C_Finalize</c> on every loaded module (see <see cref="Pkcs11Tokens.Finish"/>); a later <see cref="Load"/> initialises again.</summary>
    public static void FinishAll()
    {
        lock (s_gate)
        {
            foreach (var library in s_loaded.Values)
            {
                try
                {
                    library.Module.Finish();
                }
                catch (Pkcs11CallException)
                {
                    // Exiting all the same.
                }
            }

            s_loaded.Clear();
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
}
