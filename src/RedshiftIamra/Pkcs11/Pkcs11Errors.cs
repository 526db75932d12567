using RedshiftIamra.Pkcs11.Native;

namespace RedshiftIamra.Pkcs11;

/// <summary>Turns the return values of PKCS#11 calls (hardware security modules, smart cards, SoftHSM) into errors that say what to fix.</summary>
public static class Pkcs11Errors
{
    /// <summary>An <see cref="IamraException"/> for a PKCS#11 return value, with a message that says what to fix.</summary>
    internal static IamraException FromReturnValue(CKR rv, string function, string tokenDescription, Exception? inner = null) => rv switch
    {
        CKR.CKR_PIN_INCORRECT or CKR.CKR_PIN_INVALID or CKR.CKR_PIN_LEN_RANGE => new IamraException(ErrorIds.Pkcs11.PinIncorrect, IamraErrorCategory.AuthenticationError,
            $"{tokenDescription} refused the PIN ({rv}). Nothing was retried: each wrong PIN counts toward the token's lock-out. Check the PIN and run the command again.", tokenDescription, inner),
        CKR.CKR_PIN_LOCKED => new IamraException(ErrorIds.Pkcs11.PinLocked, IamraErrorCategory.AuthenticationError,
            $"The user PIN of {tokenDescription} is locked after too many wrong PINs ({rv}). Ask the token's security officer to unlock it (e.g. pkcs11-tool --init-pin, or the HSM's own tools).", tokenDescription, inner),
        CKR.CKR_PIN_EXPIRED => new IamraException(ErrorIds.Pkcs11.PinLocked, IamraErrorCategory.AuthenticationError,
            $"The user PIN of {tokenDescription} has expired ({rv}). Change it with the token's tools, then run the command again.", tokenDescription, inner),
        CKR.CKR_MECHANISM_INVALID or CKR.CKR_MECHANISM_PARAM_INVALID => new IamraException(ErrorIds.Pkcs11.MechanismNotSupported, IamraErrorCategory.NotImplemented,
            $"{tokenDescription} does not support the signing mechanism ({function}: {rv}). Roles Anywhere needs CKM_SHA256_RSA_PKCS or CKM_RSA_PKCS for RSA keys and CKM_ECDSA for EC keys; enable it on the token or use another key.", tokenDescription, inner),
        CKR.CKR_KEY_FUNCTION_NOT_PERMITTED or CKR.CKR_KEY_TYPE_INCONSISTENT => new IamraException(ErrorIds.Pkcs11.KeyUnusable, IamraErrorCategory.PermissionDenied,
            $"{tokenDescription} does not let this key sign ({function}: {rv}). Use a key with CKA_SIGN set to true.", tokenDescription, inner),
        CKR.CKR_TOKEN_NOT_PRESENT or CKR.CKR_DEVICE_REMOVED or CKR.CKR_DEVICE_ERROR or CKR.CKR_TOKEN_NOT_RECOGNIZED => new IamraException(ErrorIds.Pkcs11.TokenError, IamraErrorCategory.ResourceUnavailable,
            $"{tokenDescription} is not reachable ({function}: {rv}). Check that the token is inserted or the HSM is connected, then run the command again.", tokenDescription, inner),
        _ => new IamraException(ErrorIds.Pkcs11.TokenError, IamraErrorCategory.InvalidOperation,
            $"{tokenDescription} failed in {function} with {rv} (0x{(ulong)rv:x8}).", tokenDescription, inner),
    };
}
