using System.Security;
using System.Text;

namespace RedshiftIamra.Pkcs11;

/// <summary>
/// Which identity (private key and certificate) to use from a PKCS#11 token: from a
/// <c>pkcs11:</c> URI or plain parameters, with the PIN and where to ask for one.
/// </summary>
public sealed record Pkcs11Query
{
    /// <summary>The PKCS#11 library file; null for <c>$REDSHIFTIAMRA_PKCS11_MODULE</c> or p11-kit-proxy.</summary>
    public string? LibraryPath { get; init; }

    /// <summary>Where <see cref="LibraryPath"/> came from, for messages (<c>-Pkcs11Library</c>, <c>module-path in the URI</c>).</summary>
    public string LibraryOrigin { get; init; } = "-Pkcs11Library";

    public string? TokenLabel { get; init; }

    public string? TokenSerial { get; init; }

    public string? TokenManufacturer { get; init; }

    public string? TokenModel { get; init; }

    public ulong? SlotId { get; init; }

    /// <summary>The label of the key (or of its certificate).</summary>
    public string? KeyLabel { get; init; }

    /// <summary>The <c>CKA_ID</c> of the key and its certificate.</summary>
    public byte[]? KeyId { get; init; }

    /// <summary>The user PIN; never logged.</summary>
    public SecureString? Pin { get; init; }

    /// <summary>A file that holds the PIN (<c>pin-source</c>: a path or a <c>file:</c> URI).</summary>
    public string? PinSource { get; init; }

    /// <summary>A certificate file for the token key, when the certificate is not on the token.</summary>
    public string? CertificatePath { get; init; }

    /// <summary>Asks the user for the PIN (the argument says for which token); returns null when nobody can be asked.</summary>
    public Func<string, SecureString?>? PinPrompt { get; init; }

    /// <summary>The URI as the user gave it, without the PIN.</summary>
    public string? UriText { get; init; }

    /// <summary>The query of a <c>pkcs11:</c> URI; the URI's <c>module-path</c> names the library.</summary>
    public static Pkcs11Query FromUri(Pkcs11Uri uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        if (uri.ModuleName is not null && uri.ModulePath is null)
        {
            throw new IamraException(ErrorIds.Pkcs11.UriInvalid, IamraErrorCategory.InvalidArgument,
                $"The PKCS#11 URI names module-name={uri.ModuleName}, which this module does not look up: give the library file with module-path=<path> or -Pkcs11Library.", uri.ToString());
        }

        if (uri.Type is not (null or "private" or "cert" or "public"))
        {
            throw new IamraException(ErrorIds.Pkcs11.UriInvalid, IamraErrorCategory.InvalidArgument,
                $"The PKCS#11 URI has type={uri.Type}; a signing identity is a private key and its certificate: use type=private or type=cert, or leave type out.", uri.ToString());
        }

        return new Pkcs11Query
        {
            LibraryPath = uri.ModulePath,
            LibraryOrigin = "module-path in the URI",
            TokenLabel = uri.Token,
            TokenSerial = uri.Serial,
            TokenManufacturer = uri.Manufacturer,
            TokenModel = uri.Model,
            SlotId = uri.SlotId,
            KeyLabel = uri.Object,
            KeyId = uri.Id,
            Pin = uri.PinValue,
            PinSource = uri.PinSource,
            UriText = uri.ToString(),
        };
    }

    /// <summary>The <c>pkcs11:</c> URI of one identity this query found (never with a PIN).</summary>
    internal string SourceFor(string tokenLabel, string? keyLabel, byte[] keyId) =>
        Pkcs11Uri.Build(tokenLabel, keyLabel, keyId, "private", LibraryPath is null ? null : Path.GetFullPath(LibraryPath), PinSource);

    /// <summary>A short description for messages (never the PIN).</summary>
    public string Describe()
    {
        var text = UriText ?? Pkcs11Uri.Build(TokenLabel, KeyLabel, KeyId, null, LibraryPath, PinSource);
        return CertificatePath is null ? text : $"{text} with the certificate file '{CertificatePath}'";
    }

    /// <summary>The PIN to log in with: <see cref="Pin"/>, then <see cref="PinSource"/>, then <see cref="PinPrompt"/>; null when there is none.</summary>
    internal SecureString? ResolvePin(string tokenDescription)
    {
        if (Pin is not null)
        {
            return Pin;
        }

        if (PinSource is not null)
        {
            return ReadPinSource(PinSource);
        }

        return PinPrompt?.Invoke(tokenDescription);
    }

    /// <summary>Reads the first line of a <c>pin-source</c> file (<c>file:/path</c>, <c>file:///path</c> or a plain path).</summary>
    internal static SecureString ReadPinSource(string pinSource)
    {
        var path = pinSource;
        if (path.StartsWith('|'))
        {
            throw new IamraException(ErrorIds.Pkcs11.PinSourceUnreadable, IamraErrorCategory.InvalidArgument,
                $"pin-source '{pinSource}' names a command; this module reads the PIN only from a file (pin-source=file:/path/to/pin).", pinSource);
        }

        if (path.StartsWith("file:", StringComparison.OrdinalIgnoreCase))
        {
            path = path[5..];
            if (path.StartsWith("//", StringComparison.Ordinal))
            {
                // file://host/path: only the local host.
                var slash = path.IndexOf('/', 2);
                var host = slash < 0 ? path[2..] : path[2..slash];
                if (host.Length > 0 && !host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
                {
                    throw new IamraException(ErrorIds.Pkcs11.PinSourceUnreadable, IamraErrorCategory.InvalidArgument,
                        $"pin-source '{pinSource}' names the host '{host}'; give a local file (file:/path or file:///path).", pinSource);
                }

                path = slash < 0 ? "/" : path[slash..];
            }

            if (OperatingSystem.IsWindows() && path.Length > 2 && path[0] == '/' && path[2] == ':')
            {
                path = path[1..];
            }
        }

        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new IamraException(ErrorIds.Pkcs11.PinSourceUnreadable, IamraErrorCategory.ReadError,
                $"The PIN file '{path}' (pin-source) cannot be read: {e.Message} Check the path and that this account may read it.", path, e);
        }

        char[] chars = Array.Empty<char>();
        try
        {
            chars = Encoding.UTF8.GetChars(bytes);
            var end = Array.FindIndex(chars, c => c is '\r' or '\n');
            var length = end < 0 ? chars.Length : end;
            var secure = new SecureString();
            for (var i = 0; i < length; i++)
            {
                secure.AppendChar(chars[i]);
            }

            secure.MakeReadOnly();
            return secure;
        }
        finally
        {
            Array.Clear(bytes);
            Array.Clear(chars);
        }
    }
}
