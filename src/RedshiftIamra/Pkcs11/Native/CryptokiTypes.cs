using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

// The Cryptoki names are the standard's (CKR_PIN_INCORRECT, CKM_ECDSA, ...): messages and logs
// name return values and mechanisms as token vendors and tools (pkcs11-tool, pkcs11-spy) do.
#pragma warning disable CA1707 // Identifiers should not contain underscores: the PKCS#11 standard's names.
#pragma warning disable CA1028 // Enum storage should be Int32: CK_ULONG values, up to 64 bits.
#pragma warning disable CA1008 // Enums should have zero value named None: zero is the standard's CKR_OK, CKO_DATA, ...
#pragma warning disable CA1711 // Identifiers should not have incorrect suffix: the standard's names.
#pragma warning disable CA1712 // Do not prefix enum values with the type name: CKR_OK is the standard's name for CKR 0.

namespace RedshiftIamra.Pkcs11.Native;

/// <summary>PKCS#11 return values (<c>CK_RV</c>) the module names in its messages.</summary>
internal enum CKR : ulong
{
    CKR_OK = 0x0,
    CKR_CANCEL = 0x1,
    CKR_HOST_MEMORY = 0x2,
    CKR_SLOT_ID_INVALID = 0x3,
    CKR_GENERAL_ERROR = 0x5,
    CKR_FUNCTION_FAILED = 0x6,
    CKR_ARGUMENTS_BAD = 0x7,
    CKR_NO_EVENT = 0x8,
    CKR_NEED_TO_CREATE_THREADS = 0x9,
    CKR_CANT_LOCK = 0xA,
    CKR_ATTRIBUTE_READ_ONLY = 0x10,
    CKR_ATTRIBUTE_SENSITIVE = 0x11,
    CKR_ATTRIBUTE_TYPE_INVALID = 0x12,
    CKR_ATTRIBUTE_VALUE_INVALID = 0x13,
    CKR_ACTION_PROHIBITED = 0x1B,
    CKR_DATA_INVALID = 0x20,
    CKR_DATA_LEN_RANGE = 0x21,
    CKR_DEVICE_ERROR = 0x30,
    CKR_DEVICE_MEMORY = 0x31,
    CKR_DEVICE_REMOVED = 0x32,
    CKR_FUNCTION_CANCELED = 0x50,
    CKR_FUNCTION_NOT_PARALLEL = 0x51,
    CKR_FUNCTION_NOT_SUPPORTED = 0x54,
    CKR_KEY_HANDLE_INVALID = 0x60,
    CKR_KEY_SIZE_RANGE = 0x62,
    CKR_KEY_TYPE_INCONSISTENT = 0x63,
    CKR_KEY_FUNCTION_NOT_PERMITTED = 0x68,
    CKR_MECHANISM_INVALID = 0x70,
    CKR_MECHANISM_PARAM_INVALID = 0x71,
    CKR_OBJECT_HANDLE_INVALID = 0x82,
    CKR_OPERATION_ACTIVE = 0x90,
    CKR_OPERATION_NOT_INITIALIZED = 0x91,
    CKR_PIN_INCORRECT = 0xA0,
    CKR_PIN_INVALID = 0xA1,
    CKR_PIN_LEN_RANGE = 0xA2,
    CKR_PIN_EXPIRED = 0xA3,
    CKR_PIN_LOCKED = 0xA4,
    CKR_SESSION_CLOSED = 0xB0,
    CKR_SESSION_COUNT = 0xB1,
    CKR_SESSION_HANDLE_INVALID = 0xB3,
    CKR_SESSION_PARALLEL_NOT_SUPPORTED = 0xB4,
    CKR_SESSION_READ_ONLY = 0xB5,
    CKR_SESSION_EXISTS = 0xB6,
    CKR_SIGNATURE_INVALID = 0xC0,
    CKR_SIGNATURE_LEN_RANGE = 0xC1,
    CKR_TEMPLATE_INCOMPLETE = 0xD0,
    CKR_TEMPLATE_INCONSISTENT = 0xD1,
    CKR_TOKEN_NOT_PRESENT = 0xE0,
    CKR_TOKEN_NOT_RECOGNIZED = 0xE1,
    CKR_USER_ALREADY_LOGGED_IN = 0x100,
    CKR_USER_NOT_LOGGED_IN = 0x101,
    CKR_USER_PIN_NOT_INITIALIZED = 0x102,
    CKR_USER_TYPE_INVALID = 0x103,
    CKR_USER_ANOTHER_ALREADY_LOGGED_IN = 0x104,
    CKR_USER_TOO_MANY_TYPES = 0x105,
    CKR_DOMAIN_PARAMS_INVALID = 0x130,
    CKR_CURVE_NOT_SUPPORTED = 0x140,
    CKR_BUFFER_TOO_SMALL = 0x150,
    CKR_INFORMATION_SENSITIVE = 0x170,
    CKR_CRYPTOKI_NOT_INITIALIZED = 0x190,
    CKR_CRYPTOKI_ALREADY_INITIALIZED = 0x191,
    CKR_MUTEX_BAD = 0x1A0,
    CKR_MUTEX_NOT_LOCKED = 0x1A1,
    CKR_FUNCTION_REJECTED = 0x200,
    CKR_VENDOR_DEFINED = 0x80000000,
}

/// <summary>The signing mechanisms (<c>CK_MECHANISM_TYPE</c>) the module uses.</summary>
internal enum CKM : ulong
{
    CKM_RSA_PKCS = 0x1,
    CKM_SHA256_RSA_PKCS = 0x40,
    CKM_ECDSA = 0x1041,
}

/// <summary>Object attributes (<c>CK_ATTRIBUTE_TYPE</c>).</summary>
internal enum CKA : ulong
{
    CKA_CLASS = 0x0,
    CKA_LABEL = 0x3,
    CKA_VALUE = 0x11,
    CKA_CERTIFICATE_TYPE = 0x80,
    CKA_KEY_TYPE = 0x100,
    CKA_ID = 0x102,
    CKA_SIGN = 0x108,
    CKA_MODULUS = 0x120,
    CKA_EC_PARAMS = 0x180,
    CKA_EC_POINT = 0x181,
}

/// <summary>Object classes (<c>CK_OBJECT_CLASS</c>).</summary>
internal enum CKO : ulong
{
    CKO_CERTIFICATE = 0x1,
    CKO_PUBLIC_KEY = 0x2,
    CKO_PRIVATE_KEY = 0x3,
}

/// <summary>Key types (<c>CK_KEY_TYPE</c>).</summary>
internal enum CKK : ulong
{
    CKK_RSA = 0x0,
    CKK_EC = 0x3,
    CKK_VENDOR_DEFINED = 0x80000000,
}

/// <summary>Certificate types (<c>CK_CERTIFICATE_TYPE</c>).</summary>
internal enum CKC : ulong
{
    CKC_X_509 = 0x0,
}

/// <summary>User types (<c>CK_USER_TYPE</c>).</summary>
internal enum CKU : ulong
{
    CKU_USER = 0x1,
}

/// <summary>Session states (<c>CK_STATE</c>).</summary>
internal enum CKS : ulong
{
    CKS_RO_PUBLIC_SESSION = 0x0,
    CKS_RO_USER_FUNCTIONS = 0x1,
    CKS_RW_PUBLIC_SESSION = 0x2,
    CKS_RW_USER_FUNCTIONS = 0x3,
    CKS_RW_SO_FUNCTIONS = 0x4,
}

/// <summary>The <c>CK_TOKEN_INFO</c> flags the module reads.</summary>
[Flags]
internal enum TokenFlags : ulong
{
    None = 0,
    LoginRequired = 0x4,
    ProtectedAuthenticationPath = 0x100,
    TokenInitialized = 0x400,
    UserPinCountLow = 0x10000,
    UserPinFinalTry = 0x20000,
    UserPinLocked = 0x40000,
}

/// <summary>
/// Where the fields of the Cryptoki structures lie in memory. <c>CK_ULONG</c> is C's
/// <c>unsigned long</c>: 8 bytes on 64-bit Linux and macOS, 4 on Windows and on 32-bit systems;
/// and on Windows the structures are packed to one byte (the standard's
/// <c>#pragma pack(push, cryptoki, 1)</c>), elsewhere aligned naturally.
/// </summary>
internal readonly record struct CkLayout(int UlongSize, int PointerSize, bool Packed)
{
    /// <summary>This process's layout.</summary>
    public static CkLayout Host { get; } = new(Unsafe.SizeOf<CULong>(), IntPtr.Size, OperatingSystem.IsWindows());

    /// <summary>The offset of the first function pointer in <c>CK_FUNCTION_LIST</c>, after its <c>CK_VERSION</c> (two bytes).</summary>
    public int FunctionsOffset => Align(2, PointerSize);

    /// <summary>The offset of <c>pValue</c> (<c>pParameter</c>) in <c>CK_ATTRIBUTE</c> (<c>CK_MECHANISM</c>): after a <c>CK_ULONG</c>.</summary>
    public int PairPointerOffset => Align(UlongSize, PointerSize);

    /// <summary>The offset of <c>ulValueLen</c> (<c>ulParameterLen</c>).</summary>
    public int PairLengthOffset => PairPointerOffset + PointerSize;

    /// <summary>The size of <c>CK_ATTRIBUTE</c> and <c>CK_MECHANISM</c> (the stride of an attribute array).</summary>
    public int PairSize => Align(PairLengthOffset + UlongSize, Math.Max(UlongSize, PointerSize));

    /// <summary>The offset of <c>flags</c> in <c>CK_C_INITIALIZE_ARGS</c>, after four mutex callbacks.</summary>
    public int InitializeFlagsOffset => 4 * PointerSize;

    /// <summary>The size of <c>CK_C_INITIALIZE_ARGS</c> (the flags, then <c>pReserved</c>).</summary>
    public int InitializeArgsSize => Align(InitializeFlagsOffset + UlongSize, PointerSize) + PointerSize;

    /// <summary>The offset of <c>flags</c> in <c>CK_INFO</c>, after its version and 32-byte manufacturer.</summary>
    public int InfoFlagsOffset => Align(2 + 32, UlongSize);

    /// <summary>The offset of <c>libraryDescription</c> in <c>CK_INFO</c>.</summary>
    public int InfoDescriptionOffset => InfoFlagsOffset + UlongSize;

    /// <summary>The offset of <c>libraryVersion</c> in <c>CK_INFO</c>.</summary>
    public int InfoLibraryVersionOffset => InfoDescriptionOffset + 32;

    /// <summary>The offset of <c>flags</c> in <c>CK_TOKEN_INFO</c>, after label, manufacturer, model and serial number (96 bytes).</summary>
    public int TokenInfoFlagsOffset => Align(96, UlongSize);

    /// <summary>The offset of <c>state</c> in <c>CK_SESSION_INFO</c>, after its <c>slotID</c>.</summary>
    public int SessionInfoStateOffset => UlongSize;

    /// <summary>Room for any of the fixed-size structures the module reads (<c>CK_INFO</c>, <c>CK_TOKEN_INFO</c>, <c>CK_SESSION_INFO</c>).</summary>
    public const int InfoBufferSize = 512;

    private int Align(int offset, int alignment) => Packed ? offset : (offset + alignment - 1) / alignment * alignment;
}
