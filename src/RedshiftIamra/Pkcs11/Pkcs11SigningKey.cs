using RedshiftIamra.Pkcs11.Native;
using RedshiftIamra.Signing;

namespace RedshiftIamra.Pkcs11;

/// <summary>
/// A private key inside a PKCS#11 token, named by its <c>CKA_ID</c> and <c>CKA_LABEL</c>. It signs
/// through the token's shared, logged-in session; the key itself is never read or exported.
/// </summary>
public sealed class Pkcs11SigningKey : ISigningKey
{
    private readonly object _gate = new();
    private ulong? _handle;
    private int _handleGeneration = -1;

    internal Pkcs11SigningKey(Pkcs11Token token, SigningKeyAlgorithm algorithm, byte[] id, string? label)
    {
        Token = token;
        Algorithm = algorithm;
        KeyId = id;
        KeyLabel = label;
    }

    /// <summary>The token that holds the key.</summary>
    public Pkcs11Token Token { get; }

    public SigningKeyAlgorithm Algorithm { get; }

    /// <summary>The key's <c>CKA_ID</c>.</summary>
    public byte[] KeyId { get; }

    /// <summary>The key's <c>CKA_ID</c> in hexadecimal, as pkcs11-tool shows it.</summary>
    public string KeyIdHex => Pkcs11Uri.ToHex(KeyId);

    /// <summary>The key's <c>CKA_LABEL</c> (null when it has none).</summary>
    public string? KeyLabel { get; }

    public string TokenLabel => Token.Label;

    /// <summary>The label and id, for messages.</summary>
    public string Name => KeyLabel is null ? $"id {KeyIdHex}" : $"'{KeyLabel}' (id {KeyIdHex})";

    public string Description => $"{Token.Description}, key {Name}";

    public byte[] SignSha256(byte[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        return Token.Sign(this, data);
    }

    public override string ToString() => Description;

    /// <summary>The key's object handle in <paramref name="session"/>, found again after the token reopened its session.</summary>
    internal ulong HandleIn(CryptokiSession session, int generation)
    {
        lock (_gate)
        {
            if (_handle is not null && _handleGeneration == generation)
            {
                return _handle.Value;
            }

            var template = new List<CkAttribute>
            {
                CkAttribute.Of(CKA.CKA_CLASS, CKO.CKO_PRIVATE_KEY),
                new(CKA.CKA_ID, KeyId),
            };
            if (KeyLabel is not null)
            {
                template.Add(CkAttribute.Of(CKA.CKA_LABEL, KeyLabel));
            }

            var found = session.FindObjects(template);
            if (found.Count == 0)
            {
                throw new IamraException(ErrorIds.Pkcs11.KeyNotFound, IamraErrorCategory.ObjectNotFound,
                    $"The key {Name} is no longer on {Token.Description}. Check the token, then get the certificate again.", Description);
            }

            _handle = found[0];
            _handleGeneration = generation;
            return found[0];
        }
    }
}
