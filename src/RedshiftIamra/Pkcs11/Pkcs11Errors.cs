using RedshiftIamra.Pkcs11.Native;

namespace RedshiftIamra.Pkcs11;

/// <summary>Error ids for PKCS#11 certificate sources (hardware security modules, smart cards, SoftHSM).</summary>
public static class Pkcs11Errors
{
    /// <summary>No PKCS#11 library was given and none of the defaults exists, or the file is missing.</summary>
    public const string LibraryNotFound = ErrorIds.Pkcs11.LibraryNotFound;

    /// <summary>The file exists but is not a loadable PKCS#11 module (no C_GetFunctionList, wrong architecture, C_Initialize failed).</summary>
    public const string LibraryInvalid = ErrorIds.Pkcs11.LibraryInvalid;

    /// <summary>The <c>pkcs11:</c> URI is malformed or names an attribute the module does not know.</summary>
    public const string UriInvalid = ErrorIds.Pkcs11.UriInvalid;

    /// <summary>No token matches the label (or serial); the message lists the tokens there are.</summary>
    public const string TokenNotFound = ErrorIds.Pkcs11.TokenNotFound;

    /// <summary>Several tokens match and none was named.</summary>
    public const string TokenAmbiguous = ErrorIds.Pkcs11.TokenAmbiguous;

    /// <summary>No private key matches the label or id; the message lists the keys there are.</summary>
    public const string KeyNotFound = ErrorIds.Pkcs11.KeyNotFound;

    /// <summary>The key has no certificate on the token (same <c>CKA_ID</c>) and no certificate file was given.</summary>
    public const string CertificateNotFound = ErrorIds.Pkcs11.CertificateNotFound;

    /// <summary>The certificate's public key is not the token key's.</summary>
    public const string KeyMismatch = ErrorIds.Pkcs11.KeyMismatch;

    /// <summary>The token needs a PIN and none was given, and this session cannot ask for one.</summary>
    public const string PinRequired = ErrorIds.Pkcs11.PinRequired;

    /// <summary>The token refused the PIN (reported once: the module never retries a PIN by itself).</summary>
    public const string PinIncorrect = ErrorIds.Pkcs11.PinIncorrect;

    /// <summary>The token's user PIN is locked after too many wrong PINs.</summary>
    public const string PinLocked = ErrorIds.Pkcs11.PinLocked;

    /// <summary>The <c>pin-source</c> file cannot be read.</summary>
    public const string PinSourceUnreadable = ErrorIds.Pkcs11.PinSourceUnreadable;

    /// <summary>The token lacks the signing mechanism the key needs (CKM_SHA256_RSA_PKCS or CKM_RSA_PKCS; CKM_ECDSA).</summary>
    public const string MechanismNotSupported = ErrorIds.Pkcs11.MechanismNotSupported;

    /// <summary>The key is of a type Roles Anywhere does not accept, or may not sign (CKA_SIGN false).</summary>
    public const string KeyUnusable = ErrorIds.Pkcs11.KeyUnusable;

    /// <summary>The session to the token was closed (the module was removed); get the certificate again.</summary>
    public const string SessionClosed = ErrorIds.Pkcs11.SessionClosed;

    /// <summary>Any other failure the token reported, with its CKR_ code.</summary>
    public const string TokenError = ErrorIds.Pkcs11.TokenError;

    /// <summary>An <see cref="IamraException"/> for a PKCS#11 return value, with a message that says what to fix.</summary>
    internal static IamraException FromReturnValue(CKR rv, string function, string tokenDescription, Exception? inner = null) => rv switch
    {
        CKR.CKR_PIN_INCORRECT or CKR.CKR_PIN_INVALID or CKR.CKR_PIN_LEN_RANGE => new IamraException(PinIncorrect, IamraErrorCategory.AuthenticationError,
            $"{tokenDescription} refused the PIN ({rv}). Nothing was retried: each wrong PIN counts toward the token's lock-out. Check the PIN and run the command again.", tokenDescription, inner),
        CKR.CKR_PIN_LOCKED => new IamraException(PinLocked, IamraErrorCategory.AuthenticationError,
            $"The user PIN of {tokenDescription} is locked after too many wrong PINs ({rv}). Ask the token's security officer to unlock it (e.g. pkcs11-tool --init-pin, or the HSM's own tools).", tokenDescription, inner),
        CKR.CKR_PIN_EXPIRED => new IamraException(PinLocked, IamraErrorCategory.AuthenticationError,
            $"The user PIN of {tokenDescription} has expired ({rv}). Change it with the token's tools, then run the command again.", tokenDescription, inner),
        CKR.CKR_MECHANISM_INVALID or CKR.CKR_MECHANISM_PARAM_INVALID => new IamraException(MechanismNotSupported, IamraErrorCategory.NotImplemented,
            $"{tokenDescription} does not support the signing mechanism ({function}: {rv}). Roles Anywhere needs CKM_SHA256_RSA_PKCS or CKM_RSA_PKCS for RSA keys and CKM_ECDSA for EC keys; enable it on the token or use another key.", tokenDescription, inner),
        CKR.CKR_KEY_FUNCTION_NOT_PERMITTED or CKR.CKR_KEY_TYPE_INCONSISTENT => new IamraException(KeyUnusable, IamraErrorCategory.PermissionDenied,
            $"{tokenDescription} does not let this key sign ({function}: {rv}). Use a key with CKA_SIGN set to true.", tokenDescription, inner),
        CKR.CKR_TOKEN_NOT_PRESENT or CKR.CKR_DEVICE_REMOVED or CKR.CKR_DEVICE_ERROR or CKR.CKR_TOKEN_NOT_RECOGNIZED => new IamraException(TokenError, IamraErrorCategory.ResourceUnavailable,
            $"{tokenDescription} is not reachable ({function}: {rv}). Check that the token is inserted or the HSM is connected, then run the command again.", tokenDescription, inner),
        _ => new IamraException(TokenError, IamraErrorCategory.InvalidOperation,
            $"{tokenDescription} failed in {function} with {rv} (0x{(ulong)rv:x8}).", tokenDescription, inner),
    };
}
