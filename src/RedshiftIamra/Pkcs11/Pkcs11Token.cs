using System.Formats.Asn1;
using System.Runtime.InteropServices;
using System.Security;
using System.Security.Cryptography;
using System.Text;
using RedshiftIamra.Pkcs11.Native;
using RedshiftIamra.Signing;

namespace RedshiftIamra.Pkcs11;

/// <summary>
/// One token (an HSM partition, a smart card, a SoftHSM token) and the one session the module
/// keeps open to it: logged in once, then reused by every signature and every session renewal
/// until the module is removed. Every call into the token goes through one lock, since a
/// PKCS#11 session serves one operation at a time.
/// </summary>
public sealed class Pkcs11Token : IDisposable
{
    // DigestInfo ::= SEQUENCE { SEQUENCE { OID sha256, NULL }, OCTET STRING (32 bytes) }, before the hash.
    private static readonly byte[] s_sha256DigestInfoPrefix =
        [0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20];

    private readonly object _gate = new();
    private ulong _slot;
    private CryptokiSession? _session;
    private bool _loggedIn;
    private SecureString? _pin;
    private HashSet<CKM>? _mechanisms;
    private bool _mechanismsRead;
    private bool _sha256RsaRefused;
    private int _generation;
    private int _loginAttempts;
    private bool _disposed;

    internal Pkcs11Token(Pkcs11Library library, ulong slot, TokenInfo info)
    {
        Library = library;
        _slot = slot;
        Label = info.Label;
        SerialNumber = info.SerialNumber;
        Manufacturer = info.Manufacturer;
        Model = info.Model;
    }

    internal Pkcs11Library Library { get; }

    /// <summary>The token label (<c>token=</c> in a URI).</summary>
    public string Label { get; }

    public string SerialNumber { get; }

    public string Manufacturer { get; }

    public string Model { get; }

    /// <summary>The library file that reaches the token.</summary>
    public string LibraryPath => Library.Path;

    /// <summary>For messages: the label, the serial number and the library.</summary>
    public string Description => $"PKCS#11 token '{Label}' (serial {SerialNumber}, library {Library.Path})";

    /// <summary>How many times the module called C_Login on this token (each wrong PIN counts once: the module never retries one).</summary>
    public int LoginAttempts => Volatile.Read(ref _loginAttempts);

    /// <summary>True while the session is open and logged in (or the token needs no login).</summary>
    public bool IsLoggedIn
    {
        get
        {
            lock (_gate)
            {
                return _session is not null && _loggedIn;
            }
        }
    }

    internal string Key => KeyOf(Library.Path, SerialNumber, Label);

    internal static string KeyOf(string libraryPath, string serial, string label) => string.Join('\u001f', libraryPath, serial, label);

    /// <summary>Points the token at the slot it was just found in (slot ids can change when a token is re-inserted).</summary>
    internal void Rebind(ulong slot)
    {
        lock (_gate)
        {
            if (_session is null)
            {
                _slot = slot;
            }
        }
    }

    /// <summary>
    /// Opens the session and logs in unless it already is: with the PIN <paramref name="pin"/>
    /// gives (called only when a PIN is needed). One C_Login per call at most: a wrong PIN is
    /// reported, never tried again.
    /// </summary>
    internal void LogIn(Func<SecureString?> pin)
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            EnsureSession();
            if (_loggedIn)
            {
                return;
            }

            var flags = Call(() => Library.Module.GetTokenInfo(_slot), "C_GetTokenInfo");
            if (!flags.LoginRequired || SessionIsLoggedIn())
            {
                _loggedIn = true;
                return;
            }

            if (flags.UserPinLocked)
            {
                throw Pkcs11Errors.FromReturnValue(CKR.CKR_PIN_LOCKED, "C_Login", Description);
            }

            var secret = pin();
            if (secret is null && !flags.ProtectedAuthenticationPath)
            {
                throw new IamraException(ErrorIds.Pkcs11.PinRequired, IamraErrorCategory.AuthenticationError,
                    $"{Description} needs its user PIN, and none was given. Give -Pin (a SecureString), pin-source=file:<path> in the URI, or run the command in an interactive session, which asks for it once.", Description);
            }

            LogInOnce(secret);
            if (secret is not null)
            {
                _pin?.Dispose();
                _pin = secret.Copy();
                _pin.MakeReadOnly();
            }
        }
    }

    /// <summary>Runs <paramref name="action"/> on the open session, under the token's lock.</summary>
    internal T Use<T>(Func<CryptokiSession, T> action)
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            EnsureSession();
            try
            {
                return action(_session!);
            }
            catch (Pkcs11CallException e)
            {
                throw Pkcs11Errors.FromReturnValue(e.ReturnValue, e.Function, Description, e);
            }
        }
    }

    /// <summary>The mechanisms the token lists, or null when it does not say (then each is tried).</summary>
    internal IReadOnlySet<CKM>? Mechanisms
    {
        get
        {
            lock (_gate)
            {
                if (!_mechanismsRead)
                {
                    _mechanismsRead = true;
                    try
                    {
                        var list = Library.Module.GetMechanisms(_slot);
                        _mechanisms = list.Count == 0 ? null : list.ToHashSet();
                    }
                    catch (Pkcs11CallException)
                    {
                        _mechanisms = null;
                    }
                }

                return _mechanisms;
            }
        }
    }

    /// <summary>
    /// Signs <paramref name="data"/> with <paramref name="key"/> inside the token: RSA with
    /// CKM_SHA256_RSA_PKCS (or CKM_RSA_PKCS over a SHA-256 DigestInfo where the token lacks it);
    /// ECDSA with CKM_ECDSA over a SHA-256 digest made here, the r‖s answer re-encoded as DER.
    /// A session the token dropped is reopened once, logged in again with the PIN that worked.
    /// </summary>
    internal byte[] Sign(Pkcs11SigningKey key, byte[] data)
    {
        lock (_gate)
        {
            for (var attempt = 1; ; attempt++)
            {
                ThrowIfDisposed();
                try
                {
                    EnsureSignedIn();
                    var handle = key.HandleIn(_session!, _generation);
                    return SignWith(key, handle, data);
                }
                catch (Pkcs11CallException e) when (attempt == 1 && IsLost(e.ReturnValue))
                {
                    DropSession();
                }
                catch (Pkcs11CallException e)
                {
                    throw Pkcs11Errors.FromReturnValue(e.ReturnValue, e.Function, $"{Description}, key {key.Name}", e);
                }
            }
        }
    }

    /// <summary>Logs out and closes the session; the PIN kept for re-login is wiped. Later signatures fail with <see cref="ErrorIds.Pkcs11.SessionClosed"/>.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            if (_session is not null && _loggedIn && _pin is not null)
            {
                try
                {
                    _session.Logout();
                }
                catch (Pkcs11CallException)
                {
                    // Closing the session below logs out all the same.
                }
            }

            DropSession();
            _pin?.Dispose();
            _pin = null;
        }
    }

    public override string ToString() => Description;

    private byte[] SignWith(Pkcs11SigningKey key, ulong handle, byte[] data)
    {
        var mechanisms = Mechanisms;
        var session = _session!;
        if (key.Algorithm == SigningKeyAlgorithm.Rsa)
        {
            if (!_sha256RsaRefused && (mechanisms is null || mechanisms.Contains(CKM.CKM_SHA256_RSA_PKCS)))
            {
                try
                {
                    return session.Sign(CKM.CKM_SHA256_RSA_PKCS, handle, data);
                }
                catch (Pkcs11CallException e) when (e.ReturnValue is CKR.CKR_MECHANISM_INVALID && (mechanisms is null || mechanisms.Contains(CKM.CKM_RSA_PKCS)))
                {
                    _sha256RsaRefused = true;
                }
            }

            if (mechanisms is null || mechanisms.Contains(CKM.CKM_RSA_PKCS))
            {
                return session.Sign(CKM.CKM_RSA_PKCS, handle, Sha256DigestInfo(data));
            }

            throw MechanismMissing(key, "CKM_SHA256_RSA_PKCS or CKM_RSA_PKCS");
        }

        if (mechanisms is not null && !mechanisms.Contains(CKM.CKM_ECDSA))
        {
            throw MechanismMissing(key, "CKM_ECDSA");
        }

        var raw = session.Sign(CKM.CKM_ECDSA, handle, SHA256.HashData(data));
        return EcdsaRawToDer(raw);
    }

    private IamraException MechanismMissing(Pkcs11SigningKey key, string needed) =>
        new(ErrorIds.Pkcs11.MechanismNotSupported, IamraErrorCategory.NotImplemented,
            $"{Description} does not offer {needed}, which signing with the {key.Algorithm.ToString().ToUpperInvariant()} key {key.Name} needs. Enable the mechanism on the token (or its HSM partition policy), or use another key.", Description);

    /// <summary>The DER DigestInfo of SHA-256(<paramref name="data"/>), what CKM_RSA_PKCS pads and signs for RSASSA-PKCS1-v1_5.</summary>
    internal static byte[] Sha256DigestInfo(byte[] data)
    {
        var hash = SHA256.HashData(data);
        var digestInfo = new byte[s_sha256DigestInfoPrefix.Length + hash.Length];
        s_sha256DigestInfoPrefix.CopyTo(digestInfo, 0);
        hash.CopyTo(digestInfo, s_sha256DigestInfoPrefix.Length);
        return digestInfo;
    }

    /// <summary>Re-encodes a PKCS#11 ECDSA signature (r‖s, each half the length) as DER <c>SEQUENCE { INTEGER r, INTEGER s }</c>.</summary>
    internal static byte[] EcdsaRawToDer(byte[] raw)
    {
        if (raw.Length == 0 || raw.Length % 2 != 0)
        {
            throw new IamraException(ErrorIds.Pkcs11.TokenError, IamraErrorCategory.InvalidResult,
                $"The token returned an ECDSA signature of {raw.Length} bytes; expected r and s of equal length.");
        }

        var half = raw.Length / 2;
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteIntegerUnsigned(Minimal(raw.AsSpan(0, half)));
            writer.WriteIntegerUnsigned(Minimal(raw.AsSpan(half)));
        }

        return writer.Encode();

        static ReadOnlySpan<byte> Minimal(ReadOnlySpan<byte> value)
        {
            while (value.Length > 1 && value[0] == 0)
            {
                value = value[1..];
            }

            return value;
        }
    }

    private static bool IsLost(CKR rv) => rv is CKR.CKR_SESSION_HANDLE_INVALID or CKR.CKR_SESSION_CLOSED or CKR.CKR_USER_NOT_LOGGED_IN
        or CKR.CKR_OBJECT_HANDLE_INVALID or CKR.CKR_KEY_HANDLE_INVALID or CKR.CKR_DEVICE_REMOVED or CKR.CKR_TOKEN_NOT_PRESENT;

    private void EnsureSession()
    {
        if (_session is not null)
        {
            return;
        }

        _session = Call(() => Library.Module.OpenSession(_slot), "C_OpenSession");
        _loggedIn = false;
        _generation++;
    }

    /// <summary>The session to sign in: open and logged in, reopened with the PIN that worked when the token dropped it.</summary>
    private void EnsureSignedIn()
    {
        if (_session is not null && _loggedIn)
        {
            return;
        }

        EnsureSession();
        var flags = Call(() => Library.Module.GetTokenInfo(_slot), "C_GetTokenInfo");
        if (!flags.LoginRequired || SessionIsLoggedIn())
        {
            _loggedIn = true;
            return;
        }

        if (_pin is null && !flags.ProtectedAuthenticationPath)
        {
            throw new IamraException(ErrorIds.Pkcs11.SessionClosed, IamraErrorCategory.InvalidOperation,
                $"The session to {Description} is no longer logged in, and no PIN is kept for it. Get the certificate again (Get-IamraCertificate with the same -Pkcs11Uri), which logs in.", Description);
        }

        LogInOnce(_pin);
    }

    private bool SessionIsLoggedIn()
    {
        try
        {
            return _session!.State is CKS.CKS_RO_USER_FUNCTIONS or CKS.CKS_RW_USER_FUNCTIONS;
        }
        catch (Pkcs11CallException)
        {
            return false;
        }
    }

    private void LogInOnce(SecureString? pin)
    {
        Interlocked.Increment(ref _loginAttempts);
        try
        {
            if (pin is null)
            {
                // A PIN pad or biometric reader (CKF_PROTECTED_AUTHENTICATION_PATH): the token asks.
                _session!.Login(CKU.CKU_USER, null);
            }
            else
            {
                WithUtf8(pin, bytes => _session!.Login(CKU.CKU_USER, bytes));
            }

            _loggedIn = true;
        }
        catch (Pkcs11CallException e) when (e.ReturnValue == CKR.CKR_USER_ALREADY_LOGGED_IN)
        {
            _loggedIn = true;
        }
        catch (Pkcs11CallException e)
        {
            if (e.ReturnValue is CKR.CKR_PIN_INCORRECT or CKR.CKR_PIN_INVALID or CKR.CKR_PIN_LEN_RANGE or CKR.CKR_PIN_LOCKED)
            {
                // The PIN that worked before no longer does (changed, or locked): forget it.
                _pin?.Dispose();
                _pin = null;
            }

            var error = Pkcs11Errors.FromReturnValue(e.ReturnValue, e.Function, Description, e);
            if (e.ReturnValue != CKR.CKR_PIN_INCORRECT)
            {
                throw error;
            }

            // Say how close the token is to locking, when it tells.
            string? warning = null;
            try
            {
                var flags = Library.Module.GetTokenInfo(_slot);
                warning = flags.UserPinLocked ? " The token has now locked the PIN."
                    : flags.UserPinFinalTry ? " The token says one more wrong PIN locks it."
                    : flags.UserPinCountLow ? " The token says few tries are left before it locks."
                    : null;
            }
            catch (Pkcs11CallException)
            {
            }

            throw new IamraException(error.ErrorId, error.Category, error.Message + warning, Description, e);
        }
    }

    private static void WithUtf8(SecureString secret, Action<byte[]> action)
    {
        var chars = new char[secret.Length];
        byte[]? bytes = null;
        var pointer = Marshal.SecureStringToGlobalAllocUnicode(secret);
        try
        {
            Marshal.Copy(pointer, chars, 0, chars.Length);
            bytes = Encoding.UTF8.GetBytes(chars);
            action(bytes);
        }
        finally
        {
            Marshal.ZeroFreeGlobalAllocUnicode(pointer);
            Array.Clear(chars);
            if (bytes is not null)
            {
                Array.Clear(bytes);
            }
        }
    }

    private void DropSession()
    {
        var session = _session;
        _session = null;
        _loggedIn = false;
        _generation++;
        if (session is null)
        {
            return;
        }

        try
        {
            session.Close();
        }
        catch (Pkcs11CallException)
        {
            // The token already forgot it.
        }
    }

    private T Call<T>(Func<T> action, string function)
    {
        try
        {
            return action();
        }
        catch (Pkcs11CallException e)
        {
            throw Pkcs11Errors.FromReturnValue(e.ReturnValue, e.Function.Length == 0 ? function : e.Function, Description, e);
        }
    }

    private void ThrowIfDisposed()
    {
        if (_disposed)
        {
            throw new IamraException(ErrorIds.Pkcs11.SessionClosed, IamraErrorCategory.InvalidOperation,
                $"The session to {Description} was closed (the RedshiftIamra module was removed, or the token closed). Get the certificate again with Get-IamraCertificate -Pkcs11Uri.", Description);
        }
    }
}

/// <summary>The tokens the module has a session with (those of <see cref="IamraContext.Current"/>).</summary>
public static class Pkcs11Tokens
{
    /// <summary>The tokens with a session now.</summary>
    public static IReadOnlyList<Pkcs11Token> All => IamraContext.Current.Tokens.All;

    internal static Pkcs11Token GetOrAdd(Pkcs11Library library, ulong slot, TokenInfo info) => IamraContext.Current.Tokens.GetOrAdd(library, slot, info);

    /// <summary>Logs out of and closes one token's session (the next use opens and logs in again).</summary>
    public static void Close(Pkcs11Token token) => IamraContext.Current.Tokens.Close(token);

    /// <summary>Logs out of and closes every token session.</summary>
    public static void CloseAll() => IamraContext.Current.Tokens.Release();

    /// <summary>
    /// For a process about to exit (the credential_process helper): closes every token session,
    /// then finalises every loaded PKCS#11 library (<c>C_Finalize</c>), so an HSM client closes its
    /// connections cleanly. Never in the PowerShell module, where other code may share a library.
    /// </summary>
    public static void Finish()
    {
        CloseAll();
        Pkcs11Library.FinishAll();
    }
}

/// <summary>The tokens one <see cref="IamraContext"/> has a session with, one per library and token.</summary>
public sealed class Pkcs11TokenSet : IContextPart
{
    private readonly object _gate = new();
    private readonly Dictionary<string, Pkcs11Token> _tokens = new(StringComparer.Ordinal);

    public string Name => "Tokens";

    public int Alive
    {
        get
        {
            lock (_gate)
            {
                return _tokens.Count;
            }
        }
    }

    /// <summary>The tokens with a session now.</summary>
    public IReadOnlyList<Pkcs11Token> All
    {
        get
        {
            lock (_gate)
            {
                return _tokens.Values.ToList();
            }
        }
    }

    internal Pkcs11Token GetOrAdd(Pkcs11Library library, ulong slot, TokenInfo info)
    {
        var key = Pkcs11Token.KeyOf(library.Path, info.SerialNumber, info.Label);
        lock (_gate)
        {
            if (_tokens.TryGetValue(key, out var token))
            {
                token.Rebind(slot);
                return token;
            }

            token = new Pkcs11Token(library, slot, info);
            _tokens[key] = token;
            return token;
        }
    }

    /// <summary>Logs out of and closes one token's session (the next use opens and logs in again).</summary>
    public void Close(Pkcs11Token token)
    {
        ArgumentNullException.ThrowIfNull(token);
        lock (_gate)
        {
            if (_tokens.TryGetValue(token.Key, out var known) && ReferenceEquals(known, token))
            {
                _tokens.Remove(token.Key);
            }
        }

        token.Dispose();
    }

    /// <summary>Logs out of and closes every token session (the libraries stay loaded: a PKCS#11 library is initialised once per process).</summary>
    public void Release()
    {
        Pkcs11Token[] tokens;
        lock (_gate)
        {
            tokens = _tokens.Values.ToArray();
            _tokens.Clear();
        }

        foreach (var token in tokens)
        {
            try
            {
                token.Dispose();
            }
            catch (Exception e) when (e is Pkcs11CallException or IamraException)
            {
                // Closing must not fail because one token is gone.
            }
        }
    }
}
