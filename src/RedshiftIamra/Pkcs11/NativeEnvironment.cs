using System.Collections;
using System.Runtime.InteropServices;
using System.Text;

namespace RedshiftIamra.Pkcs11;

/// <summary>
/// PKCS#11 modules read their configuration from the process environment with
/// <c>getenv</c> (<c>SOFTHSM2_CONF</c>, an HSM client's configuration path, ...). On Linux
/// and macOS, .NET keeps environment changes to itself, so a variable set in PowerShell
/// (<c>$env:SOFTHSM2_CONF = ...</c>) would never reach the module: copy the variables that
/// differ into the native environment before a module is initialised.
/// </summary>
internal static unsafe class NativeEnvironment
{
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

        var setenv = (delegate* unmanaged[Cdecl]<byte*, byte*, int, int>)setPointer;
        var getenv = (delegate* unmanaged[Cdecl]<byte*, byte*>)getPointer;
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            if (entry.Key is not string name || entry.Value is not string value || name.Length == 0 || name.Contains('=', StringComparison.Ordinal) || value.Contains('\0', StringComparison.Ordinal))
            {
                continue;
            }

            var nameBytes = Utf8Z(name);
            var valueBytes = Utf8Z(value);
            fixed (byte* namePointer = nameBytes)
            fixed (byte* valuePointer = valueBytes)
            {
                var native = getenv(namePointer);
                if (native is not null && Marshal.PtrToStringUTF8((IntPtr)native) == value)
                {
                    continue;
                }

                if (setenv(namePointer, valuePointer, 1) == 0)
                {
                    changed.Add(name);
                }
            }
        }

        return changed;
    }

    private static byte[] Utf8Z(string text)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(text) + 1];
        Encoding.UTF8.GetBytes(text, bytes);
        return bytes;
    }
}
