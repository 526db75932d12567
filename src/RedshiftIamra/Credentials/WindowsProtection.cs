using System.Runtime.Versioning;
using System.Security.Cryptography;
using System.Text;

namespace RedshiftIamra.Credentials;

/// <summary>DPAPI for the session cache on Windows: only this user on this machine can decrypt; the cache key is the entropy, so a file moved to another key's name does not decrypt.</summary>
internal static class WindowsProtection
{
    [SupportedOSPlatform("windows")]
    internal static byte[] Protect(byte[] data, string key) =>
        ProtectedData.Protect(data, Encoding.UTF8.GetBytes(key), DataProtectionScope.CurrentUser);

    [SupportedOSPlatform("windows")]
    internal static byte[] Unprotect(byte[] data, string key) =>
        ProtectedData.Unprotect(data, Encoding.UTF8.GetBytes(key), DataProtectionScope.CurrentUser);
}
