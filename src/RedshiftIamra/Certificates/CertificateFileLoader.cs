using System.Runtime.InteropServices;
using System.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace RedshiftIamra.Certificates;

/// <summary>
/// Reads a certificate, its private key and its intermediates from files: PEM, DER and
/// PFX/PKCS#12 certificates; PKCS#1, SEC1, PKCS#8 and encrypted PKCS#8 (PBES2) keys, PEM
/// or DER. The key is attached to the certificate in memory and never written anywhere.
/// </summary>
internal static class CertificateFileLoader
{
    private const int MaxFileBytes = 1 << 20;

    public static (X509Certificate2 Certificate, List<X509Certificate2> Extra) Load(
        string path, string? privateKeyPath, SecureString? password, string? chainPath)
    {
        var bytes = ReadFile(path, "certificate");
        X509Certificate2 leaf;
        var extra = new List<X509Certificate2>();

        if (LooksLikePem(bytes))
        {
            var text = Encoding.ASCII.GetString(bytes);
            var blocks = PemBlocks(text, path).ToList();
            var certificates = blocks.Where(b => b.Label == "CERTIFICATE").Select(b => LoadDer(b.Der, path)).ToList();
            if (certificates.Count == 0)
            {
                throw new IamraException(ErrorIds.Certificate.FormatInvalid, IamraErrorCategory.InvalidData,
                    $"The file '{path}' holds no PEM CERTIFICATE block. Give a PEM or DER certificate, or a PFX/PKCS#12 file.", path);
            }

            var keyBlock = blocks.FirstOrDefault(b => IsKeyLabel(b.Label));
            leaf = privateKeyPath is null && keyBlock is not null
                ? PickLeafForKey(certificates, keyBlock, text, password, path)
                : certificates[0];
            extra.AddRange(certificates.Where(c => !ReferenceEquals(c, leaf)));
            if (privateKeyPath is null && keyBlock is not null)
            {
                leaf = AttachKey(leaf, text, password, path);
            }
        }
        else
        {
            X509ContentType type;
            try
            {
                type = X509Certificate2.GetCertContentType(bytes);
            }
            catch (CryptographicException)
            {
                type = X509ContentType.Unknown;
            }

            if (type == X509ContentType.Pkcs12)
            {
                (leaf, var others) = LoadPkcs12(bytes, password, path);
                extra.AddRange(others);
            }
            else
            {
                leaf = LoadDer(bytes, path);
            }
        }

        if (privateKeyPath is not null)
        {
            if (leaf.HasPrivateKey)
            {
                throw new IamraException(ErrorIds.Certificate.FormatInvalid, IamraErrorCategory.InvalidArgument,
                    $"The file '{path}' already holds a private key; -PrivateKeyPath '{privateKeyPath}' is not needed.", privateKeyPath);
            }

            var keyBytes = ReadFile(privateKeyPath, "private key");
            leaf = LooksLikePem(keyBytes)
                ? AttachKey(leaf, Encoding.ASCII.GetString(keyBytes), password, privateKeyPath)
                : AttachDerKey(leaf, keyBytes, password, privateKeyPath);
        }

        if (chainPath is not null)
        {
            extra.AddRange(LoadBundle(chainPath));
        }

        return (leaf, extra);
    }

    /// <summary>Reads a PEM (or single DER) bundle of certificates.</summary>
    public static List<X509Certificate2> LoadBundle(string path)
    {
        var bytes = ReadFile(path, "certificate chain");
        if (!LooksLikePem(bytes))
        {
            return new List<X509Certificate2> { LoadDer(bytes, path) };
        }

        var list = PemBlocks(Encoding.ASCII.GetString(bytes), path)
            .Where(b => b.Label == "CERTIFICATE")
            .Select(b => LoadDer(b.Der, path))
            .ToList();
        if (list.Count == 0)
        {
            throw new IamraException(ErrorIds.Certificate.FormatInvalid, IamraErrorCategory.InvalidData,
                $"The chain file '{path}' holds no PEM CERTIFICATE block.", path);
        }

        return list;
    }

    private static byte[] ReadFile(string path, string what)
    {
        if (!File.Exists(path))
        {
            throw new IamraException(ErrorIds.Certificate.FileNotFound, IamraErrorCategory.ObjectNotFound,
                $"The {what} file '{path}' does not exist. Check the path.", path);
        }

        var info = new FileInfo(path);
        if (info.Length > MaxFileBytes)
        {
            throw new IamraException(ErrorIds.Certificate.FormatInvalid, IamraErrorCategory.InvalidData,
                $"The {what} file '{path}' is {info.Length} bytes, too large for a certificate or key (at most {MaxFileBytes}). Check the path.", path);
        }

        if (info.Length == 0)
        {
            throw new IamraException(ErrorIds.Certificate.FormatInvalid, IamraErrorCategory.InvalidData,
                $"The {what} file '{path}' is empty.", path);
        }

        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IamraException(ErrorIds.Certificate.FileNotFound, IamraErrorCategory.ReadError,
                $"The {what} file '{path}' cannot be read: {e.Message}", path, e);
        }
    }

    private static bool LooksLikePem(byte[] bytes)
    {
        // Search the whole file: `openssl x509 -text` output (and Easy-RSA's issued
        // certificates) put several KiB of text before the first BEGIN line.
        return bytes.AsSpan().IndexOf("-----BEGIN "u8) >= 0;
    }

    internal sealed record PemBlock(string Label, byte[] Der, Range Location);

    internal static IEnumerable<PemBlock> PemBlocks(string text, string? path = null)
    {
        var offset = 0;
        while (offset < text.Length)
        {
            var rest = text.AsSpan(offset);
            var found = PemEncoding.TryFind(rest, out var fields);

            // TryFind skips a damaged block and returns the next good one, so a BEGIN line
            // before the block it found (or anywhere, when it found none) is a damaged block.
            var skipped = found ? rest[..fields.Location.Start.Value] : rest;
            if (skipped.IndexOf("-----BEGIN ".AsSpan(), StringComparison.Ordinal) >= 0)
            {
                throw Malformed(skipped, path);
            }

            if (!found)
            {
                yield break;
            }

            var pemLabel = rest[fields.Label].ToString();
            var der = Convert.FromBase64String(rest[fields.Base64Data].ToString());
            yield return new PemBlock(pemLabel, der, new Range(offset + fields.Location.Start.Value, offset + fields.Location.End.Value));
            offset += fields.Location.End.Value;
        }
    }

    private static IamraException Malformed(ReadOnlySpan<char> text, string? path)
    {
        var label = ReadLabel(text);
        var where = path is null ? string.Empty : $" in '{path}'";
        if (label.Contains("PRIVATE KEY", StringComparison.Ordinal) && text.IndexOf("Proc-Type:".AsSpan(), StringComparison.Ordinal) >= 0)
        {
            return new IamraException(ErrorIds.Certificate.KeyFormatInvalid, IamraErrorCategory.InvalidData,
                $"The key{where} is in OpenSSL's legacy encrypted PEM form (Proc-Type/DEK-Info), which is not supported. Convert it to encrypted PKCS#8: openssl pkcs8 -topk8 -in key.pem -out key.p8.pem", path);
        }

        return new IamraException(ErrorIds.Certificate.FormatInvalid, IamraErrorCategory.InvalidData,
            $"A PEM block ('{label}'){where} is truncated or malformed: its BEGIN line has no matching END line or its base64 is damaged.", path);
    }

    private static string ReadLabel(ReadOnlySpan<char> text)
    {
        var start = text.IndexOf("-----BEGIN ".AsSpan(), StringComparison.Ordinal) + 11;
        var end = text[start..].IndexOf("-----".AsSpan(), StringComparison.Ordinal);
        return end < 0 ? "?" : text.Slice(start, end).ToString();
    }

    private static bool IsKeyLabel(string label) => label is "PRIVATE KEY" or "RSA PRIVATE KEY" or "EC PRIVATE KEY" or "ENCRYPTED PRIVATE KEY" or "DSA PRIVATE KEY" or "OPENSSH PRIVATE KEY";

    private static X509Certificate2 LoadDer(byte[] der, string path)
    {
        try
        {
#pragma warning disable SYSLIB0057 // The module targets .NET 8, where X509CertificateLoader does not exist yet.
            return new X509Certificate2(der);
#pragma warning restore SYSLIB0057
        }
        catch (CryptographicException e)
        {
            throw new IamraException(ErrorIds.Certificate.FormatInvalid, IamraErrorCategory.InvalidData,
                $"The file '{path}' does not hold a readable X.509 certificate (PEM, DER or PFX): {e.Message}", path, e);
        }
    }

    private static (X509Certificate2 Leaf, List<X509Certificate2> Others) LoadPkcs12(byte[] bytes, SecureString? password, string path)
    {
        var collection = new X509Certificate2Collection();
        var flags = OperatingSystem.IsMacOS() ? X509KeyStorageFlags.DefaultKeySet : X509KeyStorageFlags.EphemeralKeySet;
        try
        {
            WithPassword(password, chars =>
            {
#pragma warning disable SYSLIB0057
                collection.Import(bytes, chars is null ? ReadOnlySpan<char>.Empty : chars.AsSpan(), flags);
#pragma warning restore SYSLIB0057
            });
        }
        catch (CryptographicException e)
        {
            if (password is null || password.Length == 0)
            {
                throw new IamraException(ErrorIds.Certificate.PasswordRequired, IamraErrorCategory.SecurityError,
                    $"The PFX file '{path}' is protected by a password. Pass it with -Password (a SecureString, e.g. Read-Host -AsSecureString).", path, e);
            }

            throw new IamraException(ErrorIds.Certificate.PasswordInvalid, IamraErrorCategory.SecurityError,
                $"The PFX file '{path}' cannot be opened with the password given: the password is wrong or the file is damaged.", path, e);
        }

        var withKey = collection.Where(c => c.HasPrivateKey).ToList();
        var leaf = withKey.Count > 0 ? withKey[0] : collection.Count > 0 ? collection[0] : null;
        if (leaf is null)
        {
            throw new IamraException(ErrorIds.Certificate.FormatInvalid, IamraErrorCategory.InvalidData,
                $"The PFX file '{path}' holds no certificate.", path);
        }

        return (leaf, collection.Where(c => !ReferenceEquals(c, leaf)).ToList());
    }

    private static X509Certificate2 PickLeafForKey(List<X509Certificate2> certificates, PemBlock keyBlock, string text, SecureString? password, string path)
    {
        // In a PEM holding a key and several certificates, the leaf is usually first; when
        // it is not, choose the certificate whose public key matches the key (an encrypted
        // key too: a wrong or missing password surfaces here as it would below).
        if (certificates.Count == 1)
        {
            return certificates[0];
        }

        foreach (var certificate in certificates)
        {
            try
            {
                using var attached = AttachKey(certificate, text, password, path);
                return certificate;
            }
            catch (IamraException e) when (e.ErrorId == ErrorIds.Certificate.KeyMismatch)
            {
            }
        }

        return certificates[0];
    }

    private static X509Certificate2 AttachKey(X509Certificate2 certificate, string pemText, SecureString? password, string keyPath)
    {
        var block = PemBlocks(pemText, keyPath).FirstOrDefault(b => IsKeyLabel(b.Label));
        if (block is null)
        {
            throw new IamraException(ErrorIds.Certificate.KeyFormatInvalid, IamraErrorCategory.InvalidData,
                $"The file '{keyPath}' holds no PEM private key (PRIVATE KEY, ENCRYPTED PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY).", keyPath);
        }

        if (block.Label is "DSA PRIVATE KEY" or "OPENSSH PRIVATE KEY")
        {
            throw new IamraException(ErrorIds.Certificate.UnsupportedKey, IamraErrorCategory.InvalidData,
                $"The file '{keyPath}' holds a {block.Label}; Roles Anywhere signs with RSA or ECDSA keys in PKCS#1, SEC1 or PKCS#8 form.", keyPath);
        }

        return AttachDerKey(certificate, block.Der, password, keyPath, block.Label);
    }

    private static X509Certificate2 AttachDerKey(X509Certificate2 certificate, byte[] der, SecureString? password, string keyPath, string? label = null)
    {
        var algorithm = certificate.PublicKey.Oid.Value;
        if (algorithm is not (CertificateInspector.RsaOid or CertificateInspector.EcPublicKeyOid))
        {
            var facts = CertificateInspector.Inspect(certificate, DateTimeOffset.UtcNow);
            throw new IamraException(ErrorIds.Certificate.UnsupportedKey, IamraErrorCategory.InvalidData,
                facts.Problem?.Message ?? $"The certificate {certificate.Subject} has an unsupported key type.", keyPath);
        }

        var encrypted = label == "ENCRYPTED PRIVATE KEY" || (label is null && LooksEncryptedPkcs8(der));
        if (encrypted && (password is null || password.Length == 0))
        {
            throw new IamraException(ErrorIds.Certificate.PasswordRequired, IamraErrorCategory.SecurityError,
                $"The private key in '{keyPath}' is encrypted. Pass its passphrase with -Password (a SecureString, e.g. Read-Host -AsSecureString).", keyPath);
        }

        AsymmetricAlgorithm key = algorithm == CertificateInspector.RsaOid ? RSA.Create() : ECDsa.Create();
        try
        {
            try
            {
                if (encrypted)
                {
                    WithPassword(password, chars => ImportEncrypted(key, chars!, der));
                }
                else
                {
                    ImportPlain(key, der, label);
                }
            }
            catch (CryptographicException e)
            {
                var kind = algorithm == CertificateInspector.RsaOid ? "RSA" : "ECDSA";
                if (encrypted && DecryptsAsOtherAlgorithm(algorithm, der, password))
                {
                    // The password is right; the key is of the other type.
                    throw new IamraException(ErrorIds.Certificate.KeyMismatch, IamraErrorCategory.InvalidData,
                        $"The private key in '{keyPath}' is not an {kind} key, so it cannot belong to the certificate {certificate.Subject} (which has an {kind} public key). Give the key that was issued with this certificate.", keyPath, e);
                }

                if (encrypted)
                {
                    throw new IamraException(ErrorIds.Certificate.PasswordInvalid, IamraErrorCategory.SecurityError,
                        $"The private key in '{keyPath}' cannot be decrypted with the password given: the password is wrong or the key uses an unsupported cipher (PBES2 with PBKDF2 and AES-CBC, and PKCS#12 PBE, are supported).", keyPath, e);
                }

                throw new IamraException(ErrorIds.Certificate.KeyMismatch, IamraErrorCategory.InvalidData,
                    $"The private key in '{keyPath}' is not a readable {kind} key, so it cannot belong to the certificate {certificate.Subject} (which has an {kind} public key): {e.Message}", keyPath, e);
            }

            try
            {
                return key switch
                {
                    RSA rsa => certificate.CopyWithPrivateKey(rsa),
                    ECDsa ecdsa => certificate.CopyWithPrivateKey(ecdsa),
                    _ => throw new InvalidOperationException(),
                };
            }
            catch (Exception e) when (e is ArgumentException or CryptographicException)
            {
                throw new IamraException(ErrorIds.Certificate.KeyMismatch, IamraErrorCategory.InvalidData,
                    $"The private key in '{keyPath}' does not belong to the certificate {certificate.Subject} (thumbprint {certificate.Thumbprint}): their public keys differ. Give the key that was issued with this certificate.", keyPath, e);
            }
        }
        finally
        {
            key.Dispose();
        }
    }

    /// <summary>True when the encrypted key decrypts with the password as a key of the other type (RSA instead of ECDSA or the reverse).</summary>
    private static bool DecryptsAsOtherAlgorithm(string algorithm, byte[] der, SecureString? password)
    {
        using AsymmetricAlgorithm other = algorithm == CertificateInspector.RsaOid ? ECDsa.Create() : RSA.Create();
        try
        {
            WithPassword(password, chars => ImportEncrypted(other, chars!, der));
            return true;
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    private static void ImportEncrypted(AsymmetricAlgorithm key, char[] password, byte[] der)
    {
        switch (key)
        {
            case RSA rsa:
                rsa.ImportEncryptedPkcs8PrivateKey(password, der, out _);
                break;
            case ECDsa ecdsa:
                ecdsa.ImportEncryptedPkcs8PrivateKey(password, der, out _);
                break;
        }
    }

    private static void ImportPlain(AsymmetricAlgorithm key, byte[] der, string? label)
    {
        switch (key, label)
        {
            case (RSA rsa, "RSA PRIVATE KEY"):
                rsa.ImportRSAPrivateKey(der, out _);
                break;
            case (RSA rsa, "PRIVATE KEY"):
                rsa.ImportPkcs8PrivateKey(der, out _);
                break;
            case (RSA, "EC PRIVATE KEY"):
                throw new CryptographicException("the file holds an EC key");
            case (RSA rsa, _):
                try
                {
                    rsa.ImportPkcs8PrivateKey(der, out _);
                }
                catch (CryptographicException)
                {
                    rsa.ImportRSAPrivateKey(der, out _);
                }

                break;
            case (ECDsa ecdsa, "EC PRIVATE KEY"):
                ecdsa.ImportECPrivateKey(der, out _);
                break;
            case (ECDsa ecdsa, "PRIVATE KEY"):
                ecdsa.ImportPkcs8PrivateKey(der, out _);
                break;
            case (ECDsa, "RSA PRIVATE KEY"):
                throw new CryptographicException("the file holds an RSA key");
            case (ECDsa ecdsa, _):
                try
                {
                    ecdsa.ImportPkcs8PrivateKey(der, out _);
                }
                catch (CryptographicException)
                {
                    ecdsa.ImportECPrivateKey(der, out _);
                }

                break;
        }
    }

    private static bool LooksEncryptedPkcs8(byte[] der)
    {
        // EncryptedPrivateKeyInfo ::= SEQUENCE { AlgorithmIdentifier, OCTET STRING };
        // PrivateKeyInfo starts with an INTEGER version instead.
        try
        {
            var reader = new System.Formats.Asn1.AsnReader(der, System.Formats.Asn1.AsnEncodingRules.BER);
            var sequence = reader.ReadSequence();
            return sequence.PeekTag().HasSameClassAndValue(System.Formats.Asn1.Asn1Tag.Sequence);
        }
        catch (System.Formats.Asn1.AsnContentException)
        {
            return false;
        }
    }

    /// <summary>Hands the password to <paramref name="action"/> as a char array that is wiped afterwards.</summary>
    internal static void WithPassword(SecureString? password, Action<char[]?> action)
    {
        if (password is null)
        {
            action(null);
            return;
        }

        var chars = new char[password.Length];
        var pointer = Marshal.SecureStringToGlobalAllocUnicode(password);
        try
        {
            Marshal.Copy(pointer, chars, 0, chars.Length);
            action(chars);
        }
        finally
        {
            Marshal.ZeroFreeGlobalAllocUnicode(pointer);
            Array.Clear(chars);
        }
    }
}
