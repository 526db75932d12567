namespace RedshiftIamra.Pkcs11.Native;

/// <summary>A Cryptoki function returned something other than <c>CKR_OK</c>; the engine turns it into an <see cref="IamraException"/> (<see cref="Pkcs11Errors.FromReturnValue"/>).</summary>
public sealed class Pkcs11CallException : Exception
{
    public Pkcs11CallException()
    {
        Function = string.Empty;
    }

    public Pkcs11CallException(string message)
        : base(message)
    {
        Function = string.Empty;
    }

    public Pkcs11CallException(string message, Exception innerException)
        : base(message, innerException)
    {
        Function = string.Empty;
    }

    internal Pkcs11CallException(string function, CKR returnValue)
        : base($"{function} returned {returnValue}.")
    {
        Function = function;
        ReturnValue = returnValue;
    }

    /// <summary>The Cryptoki function (C_Login, C_Sign, ...).</summary>
    public string Function { get; }

    /// <summary>What it returned (<c>CK_RV</c>).</summary>
    public ulong Code => (ulong)ReturnValue;

    internal CKR ReturnValue { get; }
}
