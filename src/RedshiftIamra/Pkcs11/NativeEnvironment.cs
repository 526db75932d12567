using System.Collections;
using System.Runtime.InteropServices;

namespace RedshiftIamra.Pkcs11;

/// <summary>
/// PKCS#11 modules read their configuration from the process environment with
/// <c>getenv</c> (<c>SOFTHSM2_CONF</c>, an HSM client's configuration path, ...). On Linux
/// and macOS, .NET keeps environment changes to itself, so a variable set in PowerShell
/// (<c>$env:SOFTHSM2_CONF = ...</c>) would never reach the module: copy the variables that
/// differ into the native environment before a module is initialised.
/// </summary>
internal static class NativeEnvironment
{
    private delegate int SetEnvFunction([MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);

    private delegate IntPtr GetEnvFunction([MarshalAs(UnmanagedType.LPUTF8Str)] string name);

    /// <summary>Copies every variable whose native value is missing or different; returns their names (never values).</summary>
    public static IReadOnlyList<string> Sync()
    {
        var changed = new List<string>();
        if (OperatingSystem.IsWindows())
        {
            // Windows keeps one environment for managed and native code.
            return changed;
        }

        var main = NativeLibrary.GetMainProgramHandle();
        if (!NativeLibrary.TryGetExport(main, "setenv", out var setPointer) || !NativeLibrary.TryGetExport(main, "getenv", out var getPointer))
        {
            return changed;
        }

        var setenv = Marshal.GetDelegateForFunctionPointer<SetEnvFunction>(setPointer);
        var getenv = Marshal.GetDelegateForFunctionPointer<GetEnvFunction>(getPointer);
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            if (entry.Key is not string name || entry.Value is not string value || name.Length == 0 || name.Contains('=', StringComparison.Ordinal) || value.Contains('\0', StringComparison.Ordinal))
            {
                continue;
            }

            var native = getenv(name);
            if (native != IntPtr.Zero && Marshal.PtrToStringUTF8(native) == value)
            {
                continue;
            }

            if (setenv(name, value, 1) == 0)
            {
                changed.Add(name);
            }
        }

        return changed;
    }
}
