using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace RedshiftIamra.Pkcs11.Native;

/// <summary>The facts of <c>CK_TOKEN_INFO</c> the module uses (the text fields trimmed of their padding).</summary>
internal sealed record TokenInfo(string Label, string Manufacturer, string Model, string SerialNumber, TokenFlags Flags)
{
    public bool LoginRequired => Flags.HasFlag(TokenFlags.LoginRequired);

    public bool ProtectedAuthenticationPath => Flags.HasFlag(TokenFlags.ProtectedAuthenticationPath);

    public bool Initialized => Flags.HasFlag(TokenFlags.TokenInitialized);

    public bool UserPinLocked => Flags.HasFlag(TokenFlags.UserPinLocked);

    public bool UserPinFinalTry => Flags.HasFlag(TokenFlags.UserPinFinalTry);

    public bool UserPinCountLow => Flags.HasFlag(TokenFlags.UserPinCountLow);
}

/// <summary>
/// A PKCS#11 module (a Cryptoki library) called directly: loaded with <see cref="NativeLibrary"/>,
/// its functions reached through the <c>CK_FUNCTION_LIST</c> that <c>C_GetFunctionList</c> returns
/// and called as unmanaged function pointers, with every structure laid out by hand
/// (<see cref="CkLayout"/>). Nothing goes through runtime marshalling or reflection, so the same
/// code runs in the module and in the Native AOT credential_process helper.
/// </summary>
internal sealed unsafe class Cryptoki
{
    // Indexes into CK_FUNCTION_LIST (PKCS#11 v2.x order, after CK_VERSION).
    internal const int CInitialize = 0;
    internal const int CFinalize = 1;
    internal const int CGetInfo = 2;
    internal const int CGetSlotList = 4;
    internal const int CGetTokenInfo = 6;
    internal const int CGetMechanismList = 7;
    internal const int COpenSession = 12;
    internal const int CCloseSession = 13;
    internal const int CCloseAllSessions = 14;
    internal const int CGetSessionInfo = 15;
    internal const int CLogin = 18;
    internal const int CLogout = 19;
    internal const int CGetAttributeValue = 24;
    internal const int CFindObjectsInit = 26;
    internal const int CFindObjects = 27;
    internal const int CFindObjectsFinal = 28;
    internal const int CSignInit = 42;
    internal const int CSign = 43;

    private const ulong OsLockingOk = 0x2;
    private const ulong SerialSession = 0x4;

    private readonly byte* _functions;

    private Cryptoki(string path, IntPtr handle, byte* functionList)
    {
        Path = path;
        Handle = handle;
        _functions = functionList + Layout.FunctionsOffset;
    }

    /// <summary>The module file.</summary>
    public string Path { get; }

    /// <summary>The <see cref="NativeLibrary"/> handle; the module is never unloaded.</summary>
    public IntPtr Handle { get; }

    public static CkLayout Layout => CkLayout.Host;

    /// <summary>
    /// Loads the module and reads its function list. Throws <see cref="DllNotFoundException"/> or
    /// <see cref="BadImageFormatException"/> when the file cannot be loaded,
    /// <see cref="EntryPointNotFoundException"/> when it exports no <c>C_GetFunctionList</c>, and
    /// <see cref="Pkcs11CallException"/> when <c>C_GetFunctionList</c> fails.
    /// </summary>
    public static Cryptoki Load(string path)
    {
        var handle = NativeLibrary.Load(path);
        if (!NativeLibrary.TryGetExport(handle, "C_GetFunctionList", out var getFunctionList))
        {
            throw new EntryPointNotFoundException($"'{path}' exports no C_GetFunctionList");
        }

        void* list = null;
        var rv = ((delegate* unmanaged[Cdecl]<void**, CULong>)getFunctionList)(&list);
        Check(rv, "C_GetFunctionList");
        if (list is null)
        {
            throw new Pkcs11CallException("C_GetFunctionList", CKR.CKR_GENERAL_ERROR);
        }

        return new Cryptoki(path, handle, (byte*)list);
    }

    /// <summary><c>C_Initialize</c> for a multi-threaded application (the operating system's locks); a module another component of the process initialised already is fine.</summary>
    public void Initialize()
    {
        var args = stackalloc byte[Layout.InitializeArgsSize];
        new Span<byte>(args, Layout.InitializeArgsSize).Clear();
        WriteUlong(args + Layout.InitializeFlagsOffset, OsLockingOk);
        var rv = ((delegate* unmanaged[Cdecl]<void*, CULong>)Function(CInitialize))(args);
        if (ToCkr(rv) != CKR.CKR_CRYPTOKI_ALREADY_INITIALIZED)
        {
            Check(rv, "C_Initialize");
        }
    }

    /// <summary><c>C_Finalize</c>: the application is done with the module (every session closes).</summary>
    public void Finish() => Check(((delegate* unmanaged[Cdecl]<void*, CULong>)Function(CFinalize))(null), "C_Finalize");

    /// <summary>The module's description, manufacturer and version (<c>C_GetInfo</c>), for messages.</summary>
    public string GetDescription()
    {
        var info = stackalloc byte[CkLayout.InfoBufferSize];
        Check(((delegate* unmanaged[Cdecl]<void*, CULong>)Function(CGetInfo))(info), "C_GetInfo");
        var manufacturer = Text(info + 2, 32);
        var description = Text(info + Layout.InfoDescriptionOffset, 32);
        var version = info + Layout.InfoLibraryVersionOffset;
        return $"{description} ({manufacturer}, version {version[0]}.{version[1]})";
    }

    /// <summary>The slots with a token present (<c>C_GetSlotList</c>).</summary>
    public ulong[] GetSlotsWithToken()
    {
        var function = (delegate* unmanaged[Cdecl]<byte, CULong*, CULong*, CULong>)Function(CGetSlotList);
        return ReadList(function, 1, "C_GetSlotList");
    }

    public TokenInfo GetTokenInfo(ulong slot)
    {
        var info = stackalloc byte[CkLayout.InfoBufferSize];
        Check(((delegate* unmanaged[Cdecl]<CULong, void*, CULong>)Function(CGetTokenInfo))(Ulong(slot), info), "C_GetTokenInfo");
        return new TokenInfo(Text(info, 32), Text(info + 32, 32), Text(info + 64, 16), Text(info + 80, 16), (TokenFlags)ReadUlong(info + Layout.TokenInfoFlagsOffset));
    }

    /// <summary>The mechanisms the token offers (<c>C_GetMechanismList</c>).</summary>
    public IReadOnlyList<CKM> GetMechanisms(ulong slot)
    {
        var function = (delegate* unmanaged[Cdecl]<CULong, CULong*, CULong*, CULong>)Function(CGetMechanismList);
        var slotId = Ulong(slot);
        var count = default(CULong);
        Check(function(slotId, null, &count), "C_GetMechanismList");
        var list = new CULong[(int)count.Value];
        fixed (CULong* items = list)
        {
            Check(function(slotId, items, &count), "C_GetMechanismList");
        }

        return list.Take((int)count.Value).Select(m => (CKM)(ulong)m.Value).ToList();
    }

    /// <summary>Opens a read-only session to the token in <paramref name="slot"/> (<c>C_OpenSession</c>).</summary>
    public CryptokiSession OpenSession(ulong slot)
    {
        var session = default(CULong);
        Check(((delegate* unmanaged[Cdecl]<CULong, CULong, void*, void*, CULong*, CULong>)Function(COpenSession))(Ulong(slot), Ulong(SerialSession), null, null, &session), "C_OpenSession");
        return new CryptokiSession(this, session.Value);
    }

    /// <summary>Closes every session of this application to the token in <paramref name="slot"/> (<c>C_CloseAllSessions</c>).</summary>
    public void CloseAllSessions(ulong slot) =>
        Check(((delegate* unmanaged[Cdecl]<CULong, CULong>)Function(CCloseAllSessions))(Ulong(slot)), "C_CloseAllSessions");

    internal void CloseSession(nuint session) =>
        Check(((delegate* unmanaged[Cdecl]<CULong, CULong>)Function(CCloseSession))(new CULong(session)), "C_CloseSession");

    internal CKS GetSessionState(nuint session)
    {
        var info = stackalloc byte[CkLayout.InfoBufferSize];
        Check(((delegate* unmanaged[Cdecl]<CULong, void*, CULong>)Function(CGetSessionInfo))(new CULong(session), info), "C_GetSessionInfo");
        return (CKS)ReadUlong(info + Layout.SessionInfoStateOffset);
    }

    internal void Login(nuint session, CKU user, ReadOnlySpan<byte> pin, bool protectedPath)
    {
        fixed (byte* bytes = pin)
        {
            Check(((delegate* unmanaged[Cdecl]<CULong, CULong, byte*, CULong, CULong>)Function(CLogin))(
                new CULong(session), Ulong((ulong)user), protectedPath ? null : bytes, Ulong(protectedPath ? 0 : (ulong)pin.Length)), "C_Login");
        }
    }

    internal void Logout(nuint session) =>
        Check(((delegate* unmanaged[Cdecl]<CULong, CULong>)Function(CLogout))(new CULong(session)), "C_Logout");

    internal void FindObjectsInit(nuint session, byte* template, int count) =>
        Check(((delegate* unmanaged[Cdecl]<CULong, byte*, CULong, CULong>)Function(CFindObjectsInit))(new CULong(session), template, Ulong((ulong)count)), "C_FindObjectsInit");

    internal int FindObjects(nuint session, CULong* handles, int capacity)
    {
        var found = default(CULong);
        Check(((delegate* unmanaged[Cdecl]<CULong, CULong*, CULong, CULong*, CULong>)Function(CFindObjects))(new CULong(session), handles, Ulong((ulong)capacity), &found), "C_FindObjects");
        return (int)found.Value;
    }

    internal void FindObjectsFinal(nuint session) =>
        Check(((delegate* unmanaged[Cdecl]<CULong, CULong>)Function(CFindObjectsFinal))(new CULong(session)), "C_FindObjectsFinal");

    /// <summary><c>C_GetAttributeValue</c>; returns its return value, since CKR_ATTRIBUTE_SENSITIVE and CKR_ATTRIBUTE_TYPE_INVALID still fill the other attributes.</summary>
    internal CKR GetAttributeValue(nuint session, ulong handle, byte* template, int count) =>
        ToCkr(((delegate* unmanaged[Cdecl]<CULong, CULong, byte*, CULong, CULong>)Function(CGetAttributeValue))(new CULong(session), Ulong(handle), template, Ulong((ulong)count)));

    internal void SignInit(nuint session, byte* mechanism, ulong key) =>
        Check(((delegate* unmanaged[Cdecl]<CULong, byte*, CULong, CULong>)Function(CSignInit))(new CULong(session), mechanism, Ulong(key)), "C_SignInit");

    /// <summary><c>C_Sign</c>; with a null <paramref name="signature"/> it only says how long the signature is.</summary>
    internal int Sign(nuint session, ReadOnlySpan<byte> data, byte* signature, int capacity)
    {
        var length = Ulong((ulong)capacity);
        fixed (byte* input = data)
        {
            Check(((delegate* unmanaged[Cdecl]<CULong, byte*, CULong, byte*, CULong*, CULong>)Function(CSign))(new CULong(session), input, Ulong((ulong)data.Length), signature, &length), "C_Sign");
        }

        return (int)length.Value;
    }

    /// <summary>Writes a <c>CK_ULONG</c> of this process's width (unaligned: Windows packs the structures).</summary>
    internal static void WriteUlong(byte* at, ulong value)
    {
        if (Layout.UlongSize == 4)
        {
            Unsafe.WriteUnaligned(at, checked((uint)value));
        }
        else
        {
            Unsafe.WriteUnaligned(at, value);
        }
    }

    internal static ulong ReadUlong(byte* at) => Layout.UlongSize == 4 ? Unsafe.ReadUnaligned<uint>(at) : Unsafe.ReadUnaligned<ulong>(at);

    /// <summary>A <c>CK_ULONG</c> as bytes, as a template attribute holds it (CKA_CLASS, CKA_CERTIFICATE_TYPE).</summary>
    internal static byte[] UlongBytes(ulong value)
    {
        var bytes = new byte[Layout.UlongSize];
        fixed (byte* at = bytes)
        {
            WriteUlong(at, value);
        }

        return bytes;
    }

    /// <summary>A <c>CK_ULONG</c> attribute value read back (4 or 8 bytes, as the module wrote it).</summary>
    internal static ulong UlongFrom(byte[] value) => value.Length switch
    {
        4 => BitConverter.ToUInt32(value),
        8 => BitConverter.ToUInt64(value),
        _ => throw new Pkcs11CallException("C_GetAttributeValue", CKR.CKR_ATTRIBUTE_VALUE_INVALID),
    };

    /// <summary><c>CK_UNAVAILABLE_INFORMATION</c> (all bits set in this process's <c>CK_ULONG</c>).</summary>
    internal static bool IsUnavailable(ulong length) => length == (Layout.UlongSize == 4 ? uint.MaxValue : ulong.MaxValue);

    internal static void Check(CULong rv, string function)
    {
        var code = ToCkr(rv);
        if (code != CKR.CKR_OK)
        {
            throw new Pkcs11CallException(function, code);
        }
    }

    internal static CKR ToCkr(CULong rv) => (CKR)(ulong)rv.Value;

    private static CULong Ulong(ulong value) => new(checked((nuint)value));

    private static string Text(byte* at, int length) => Encoding.UTF8.GetString(at, length).TrimEnd(' ', '\0');

    private void* Function(int index) => Unsafe.ReadUnaligned<IntPtr>(_functions + (index * Layout.PointerSize)).ToPointer();

    private ulong[] ReadList(delegate* unmanaged[Cdecl]<byte, CULong*, CULong*, CULong> function, byte flag, string name)
    {
        for (var attempt = 0; ; attempt++)
        {
            var count = default(CULong);
            Check(function(flag, null, &count), name);
            var list = new CULong[(int)count.Value];
            fixed (CULong* items = list)
            {
                var rv = function(flag, items, &count);
                if (ToCkr(rv) == CKR.CKR_BUFFER_TOO_SMALL && attempt < 3)
                {
                    continue; // a token arrived between the two calls
                }

                Check(rv, name);
            }

            return list.Take((int)count.Value).Select(s => (ulong)s.Value).ToArray();
        }
    }
}
