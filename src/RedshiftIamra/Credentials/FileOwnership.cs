using System.Runtime.InteropServices;

namespace RedshiftIamra.Credentials;

/// <summary>
/// Who owns a file, and how open it is, on Unix: what the session cache checks before it
/// trusts a file. .NET has no public API for a file's owner, so this asks the C library:
/// <c>statx</c> on Linux (a layout fixed across architectures), <c>lstat</c> on macOS
/// (the 64-bit-inode layout of every macOS .NET supports). Where neither applies the answer
/// is "unknown", and the cache is not used.
/// </summary>
internal static class FileOwnership
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxBasicStats = 0x7ff;
    private const int FileTypeMask = 0xF000;
    private const int RegularFile = 0x8000;
    private const int DirectoryType = 0x4000;

    /// <summary>What <c>stat</c> says about a path (the link itself when it is a symbolic link).</summary>
    internal readonly record struct Status(uint Uid, int Mode, uint Links)
    {
        public bool IsRegularFile => (Mode & FileTypeMask) == RegularFile;

        public bool IsDirectory => (Mode & FileTypeMask) == DirectoryType;

        /// <summary>Permission bits for the group or others (what "too open" means for a private file).</summary>
        public bool GroupOrOtherAccess => (Mode & 0x3F) != 0;
    }

    /// <summary>The effective user id of this process.</summary>
    internal static uint EffectiveUserId() => geteuid();

    /// <summary>The status of <paramref name="path"/>, or null when it does not exist or cannot be read on this platform.</summary>
    internal static Status? Get(string path)
    {
        if (OperatingSystem.IsLinux())
        {
            var buffer = new byte[256];
            if (statx(AtFdCwd, path, AtSymlinkNoFollow, StatxBasicStats, buffer) != 0)
            {
                return null;
            }

            // struct statx: stx_nlink at 16, stx_uid at 20, stx_mode (u16) at 28.
            return new Status(BitConverter.ToUInt32(buffer, 20), BitConverter.ToUInt16(buffer, 28), BitConverter.ToUInt32(buffer, 16));
        }

        if (OperatingSystem.IsMacOS())
        {
            var buffer = new byte[144];
            if (lstat(path, buffer) != 0)
            {
                return null;
            }

            // struct stat (64-bit inodes): st_dev i32 at 0, st_mode u16 at 4, st_nlink u16 at 6, st_ino u64 at 8, st_uid u32 at 16.
            return new Status(BitConverter.ToUInt32(buffer, 16), BitConverter.ToUInt16(buffer, 4), BitConverter.ToUInt16(buffer, 6));
        }

        return null;
    }

    /// <summary>True when the platform can tell a file's owner (Linux, macOS).</summary>
    internal static bool Supported => OperatingSystem.IsLinux() || OperatingSystem.IsMacOS();

    [DllImport("libc", SetLastError = true)]
    private static extern uint geteuid();

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Globalization", "CA2101:Specify marshaling for P/Invoke string arguments", Justification = "The path is marshalled explicitly as UTF-8 (LPUTF8Str), the encoding libc expects on Linux and macOS.")]
    [DllImport("libc", SetLastError = true)]
    private static extern int statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, [Out] byte[] buffer);

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Globalization", "CA2101:Specify marshaling for P/Invoke string arguments", Justification = "The path is marshalled explicitly as UTF-8 (LPUTF8Str), the encoding libc expects on Linux and macOS.")]
    [DllImport("libc", SetLastError = true)]
    private static extern int lstat([MarshalAs(UnmanagedType.LPUTF8Str)] string path, [Out] byte[] buffer);
}
