using System.Formats.Asn1;
using System.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using RedshiftIamra.Certificates;
using RedshiftIamra.Pkcs11.Native;
using RedshiftIamra.Signing;

namespace RedshiftIamra.Pkcs11;

/// <summary>
/// Finds the signing identities of a <see cref="Pkcs11Query"/> in a token: each private key
/// (by label or id) with its certificate, the <c>CKO_CERTIFICATE</c> object of the same
/// <c>CKA_ID</c> on the token, or the certificate file given beside the URI.
/// </summary>
internal static class Pkcs11Identities
{
    private sealed record TokenCertificate(byte[] Id, string? Label, X509Certificate2 Certificate);

    private sealed record KeyFacts(byte[] Id, string? Label, CKK KeyType, bool CanSign, byte[]? Modulus, byte[]? EcParameters, byte[]? EcPoint);

    public static IReadOnlyList<IamraCertificate> Find(Pkcs11Query query, IReadOnlyList<X509Certificate2> chainExtra, DateTimeOffset now)
    {
        var (path, origin) = Pkcs11Library.Locate(query.LibraryPath, query.LibraryOrigin);
        var library = Pkcs11Library.Load(path, origin);
        var token = OpenToken(library, query);

        SecureString? created = null;
        try
        {
            token.LogIn(() =>
            {
                var pin = query.ResolvePin(token.Description);
                if (!ReferenceEquals(pin, query.Pin))
                {
                    created = pin;
                }

                return pin is { Length: 0 } ? null : pin;
            });
        }
        finally
        {
            created?.Dispose();
        }

        var fileCertificates = query.CertificatePath is null ? null : CertificateFileLoader.LoadBundle(query.CertificatePath);
        return token.Use(session => Collect(session, token, query, fileCertificates, chainExtra, now));
    }

    private static Pkcs11Token OpenToken(Pkcs11Library library, Pkcs11Query query)
    {
        List<(ulong Slot, TokenInfo Info)> present;
        try
        {
            present = library.Module.GetSlotsWithToken()
                .Select(slot => (slot, library.Module.GetTokenInfo(slot)))
                .ToList();
        }
        catch (Pkcs11CallException e)
        {
            throw Pkcs11Errors.FromReturnValue(e.ReturnValue, e.Function, $"The PKCS#11 library {library.Path}", e);
        }

        var matching = present.Where(t =>
                (query.TokenLabel is null || Same(t.Info.Label, query.TokenLabel))
                && (query.TokenSerial is null || Same(t.Info.SerialNumber, query.TokenSerial))
                && (query.TokenManufacturer is null || Same(t.Info.Manufacturer, query.TokenManufacturer))
                && (query.TokenModel is null || Same(t.Info.Model, query.TokenModel))
                && (query.SlotId is null || t.Slot == query.SlotId))
            .ToList();

        var known = present.Count == 0
            ? "there is no token at all (is it inserted, is the HSM client configured?)"
            : "the tokens there are: " + string.Join(", ", present.Select(t => t.Info.Initialized
                ? $"'{t.Info.Label}' (serial {t.Info.SerialNumber}, slot {t.Slot})"
                : $"an uninitialised token in slot {t.Slot}"));
        if (matching.Count == 0)
        {
            var wanted = query.TokenLabel is not null ? $"labelled '{query.TokenLabel}'" : "matching the URI";
            throw new IamraException(ErrorIds.Pkcs11.TokenNotFound, IamraErrorCategory.ObjectNotFound,
                $"No token {wanted} in the PKCS#11 library {library.Path}: {known}. Check token= (the token label) and the library.", query.Describe());
        }

        if (matching.Count > 1)
        {
            throw new IamraException(ErrorIds.Pkcs11.TokenAmbiguous, IamraErrorCategory.InvalidArgument,
                $"{matching.Count} tokens in {library.Path} match {query.Describe()}; one is needed: {known}. Name it with token=<label> (and serial=<serial> when labels repeat).", query.Describe());
        }

        return Pkcs11Tokens.GetOrAdd(library, matching[0].Slot, matching[0].Info);
    }

    private static bool Same(string tokenValue, string wanted) => string.Equals(tokenValue.Trim(), wanted.Trim(), StringComparison.Ordinal);

    private static List<IamraCertificate> Collect(CryptokiSession session, Pkcs11Token token, Pkcs11Query query, List<X509Certificate2>? fileCertificates, IReadOnlyList<X509Certificate2> chainExtra, DateTimeOffset now)
    {
        var tokenCertificates = ReadCertificates(session);
        var keys = FindKeys(session, query.KeyLabel, query.KeyId);
        if (keys.Count == 0 && query.KeyLabel is not null && query.KeyId is null)
        {
            // object= may be the certificate's label: take the keys with its id.
            foreach (var certificate in tokenCertificates.Where(c => c.Label == query.KeyLabel))
            {
                keys.AddRange(FindKeys(session, null, certificate.Id).Where(k => !keys.Any(known => known.Id.AsSpan().SequenceEqual(k.Id))));
            }
        }

        if (keys.Count == 0)
        {
            var all = FindKeys(session, null, null);
            var list = all.Count == 0 ? "the token holds no private key that this login can see" : "its private keys are " + string.Join(", ", all.Select(k => $"'{k.Label}' (id {Pkcs11Uri.ToHex(k.Id)})"));
            var wanted = string.Join(" and ", new[] { query.KeyLabel is null ? null : $"label '{query.KeyLabel}'", query.KeyId is null ? null : $"id {Pkcs11Uri.ToHex(query.KeyId)}" }.Where(w => w is not null));
            throw new IamraException(ErrorIds.Pkcs11.KeyNotFound, IamraErrorCategory.ObjectNotFound,
                $"{token.Description} has no private key with {(wanted.Length == 0 ? "any label" : wanted)}: {list}. Check object= (the key label) or id= (percent-encoded bytes, e.g. id=%01).", query.Describe());
        }

        var fileLeaf = fileCertificates?[0];
        var tokenAuthorities = tokenCertificates.Select(c => c.Certificate).Where(IsAuthority).ToList();
        var extra = chainExtra.Concat(fileCertificates?.Skip(1) ?? Enumerable.Empty<X509Certificate2>()).ToList();
        var mechanisms = token.Mechanisms;
        var result = new List<IamraCertificate>();
        var withoutCertificate = new List<KeyFacts>();
        var mismatched = new List<KeyFacts>();
        foreach (var key in keys)
        {
            var candidates = fileLeaf is not null
                ? new List<X509Certificate2> { fileLeaf }
                : tokenCertificates.Where(c => c.Id.AsSpan().SequenceEqual(key.Id)).Select(c => c.Certificate).ToList();
            if (candidates.Count == 0)
            {
                withoutCertificate.Add(key);
                continue;
            }

            foreach (var certificate in candidates)
            {
                var matches = Matches(key, certificate);
                if (matches == false && fileLeaf is not null)
                {
                    mismatched.Add(key);
                    continue;
                }

                var algorithm = key.KeyType == CKK.CKK_RSA ? SigningKeyAlgorithm.Rsa : SigningKeyAlgorithm.Ecdsa;
                var signingKey = new Pkcs11SigningKey(token, algorithm, key.Id, key.Label);
                var problem = matches == false
                    ? new CertificateProblem(ErrorIds.Pkcs11.KeyMismatch, $"The certificate {certificate.Subject} on {token.Description} has the id {Pkcs11Uri.ToHex(key.Id)} of the key {signingKey.Name}, but not its public key. Put the key's own certificate on the token with that id.")
                    : KeyProblem(key, signingKey, token, mechanisms);
                var intermediates = CertificateFinder.GivenIntermediates(certificate, extra.Concat(CertificateFinder.ChainElements(certificate, tokenAuthorities)).ToList());
                result.Add(new IamraCertificate(certificate, intermediates, query.SourceFor(token.Label, key.Label, key.Id), now, signingKey, problem));
            }
        }

        if (result.Count > 0)
        {
            return result;
        }

        if (mismatched.Count > 0)
        {
            throw new IamraException(ErrorIds.Pkcs11.KeyMismatch, IamraErrorCategory.InvalidData,
                $"The certificate in '{query.CertificatePath}' ({fileLeaf!.Subject}) does not belong to {Describe(mismatched)} on {token.Description}: the public keys differ. Give the certificate issued for that key, or name the key it was issued for.", query.Describe());
        }

        throw new IamraException(ErrorIds.Pkcs11.CertificateNotFound, IamraErrorCategory.ObjectNotFound,
            $"{token.Description} holds {Describe(withoutCertificate)} but no certificate with the same id (CKA_ID). Put the certificate on the token (pkcs11-tool --write-object cert.der --type cert --id <id>), or give its file with -CertificatePath.", query.Describe());
    }

    private static string Describe(List<KeyFacts> keys) =>
        string.Join(", ", keys.Select(k => $"the key '{k.Label}' (id {Pkcs11Uri.ToHex(k.Id)})"));

    private static CertificateProblem? KeyProblem(KeyFacts key, Pkcs11SigningKey signingKey, Pkcs11Token token, IReadOnlySet<CKM>? mechanisms)
    {
        if (key.KeyType is not (CKK.CKK_RSA or CKK.CKK_EC))
        {
            return new CertificateProblem(ErrorIds.Pkcs11.KeyUnusable, $"The key {signingKey.Name} on {token.Description} is of type {key.KeyType}; Roles Anywhere needs an RSA or EC key.");
        }

        if (!key.CanSign)
        {
            return new CertificateProblem(ErrorIds.Pkcs11.KeyUnusable, $"The key {signingKey.Name} on {token.Description} may not sign (CKA_SIGN is false). Use a key made for signing.");
        }

        if (mechanisms is null)
        {
            return null;
        }

        if (key.KeyType == CKK.CKK_RSA && !mechanisms.Contains(CKM.CKM_SHA256_RSA_PKCS) && !mechanisms.Contains(CKM.CKM_RSA_PKCS))
        {
            return new CertificateProblem(ErrorIds.Pkcs11.MechanismNotSupported, $"{token.Description} offers neither CKM_SHA256_RSA_PKCS nor CKM_RSA_PKCS, which signing with the RSA key {signingKey.Name} needs. Enable one on the token, or use another key.");
        }

        if (key.KeyType == CKK.CKK_EC && !mechanisms.Contains(CKM.CKM_ECDSA))
        {
            return new CertificateProblem(ErrorIds.Pkcs11.MechanismNotSupported, $"{token.Description} does not offer CKM_ECDSA, which signing with the EC key {signingKey.Name} needs. Enable it on the token, or use another key.");
        }

        return null;
    }

    /// <summary>True when the certificate's public key is the token key's, false when it is not, null when the token does not tell.</summary>
    private static bool? Matches(KeyFacts key, X509Certificate2 certificate)
    {
        var oid = certificate.PublicKey.Oid.Value;
        if (key.KeyType == CKK.CKK_RSA)
        {
            if (oid != CertificateInspector.RsaOid)
            {
                return false;
            }

            if (key.Modulus is null)
            {
                return null;
            }

            using var rsa = certificate.GetRSAPublicKey();
            var modulus = rsa?.ExportParameters(false).Modulus;
            return modulus is not null && TrimZeros(modulus).SequenceEqual(TrimZeros(key.Modulus));
        }

        if (key.KeyType == CKK.CKK_EC)
        {
            if (oid != CertificateInspector.EcPublicKeyOid)
            {
                return false;
            }

            if (key.EcParameters is not null && !key.EcParameters.AsSpan().SequenceEqual(certificate.PublicKey.EncodedParameters.RawData))
            {
                return false;
            }

            if (key.EcPoint is null)
            {
                return key.EcParameters is null ? null : true;
            }

            return UnwrapPoint(key.EcPoint).AsSpan().SequenceEqual(certificate.PublicKey.EncodedKeyValue.RawData);
        }

        return null;
    }

    private static ReadOnlySpan<byte> TrimZeros(byte[] value)
    {
        var span = value.AsSpan();
        while (span.Length > 1 && span[0] == 0)
        {
            span = span[1..];
        }

        return span;
    }

    /// <summary>CKA_EC_POINT is a DER OCTET STRING around the point (some tokens give the bare point).</summary>
    private static byte[] UnwrapPoint(byte[] value)
    {
        if (value.Length > 2 && value[0] == 0x04)
        {
            try
            {
                var reader = new AsnReader(value, AsnEncodingRules.DER);
                var point = reader.ReadOctetString();
                if (!reader.HasData)
                {
                    return point;
                }
            }
            catch (AsnContentException)
            {
            }
        }

        return value;
    }

    private static List<KeyFacts> FindKeys(CryptokiSession session, string? label, byte[]? id)
    {
        var template = new List<CkAttribute> { CkAttribute.Of(CKA.CKA_CLASS, CKO.CKO_PRIVATE_KEY) };
        if (label is not null)
        {
            template.Add(CkAttribute.Of(CKA.CKA_LABEL, label));
        }

        if (id is not null)
        {
            template.Add(new CkAttribute(CKA.CKA_ID, id));
        }

        var keys = new List<KeyFacts>();
        foreach (var handle in session.FindObjects(template))
        {
            var attributes = session.GetAttributes(handle, [CKA.CKA_ID, CKA.CKA_LABEL, CKA.CKA_KEY_TYPE, CKA.CKA_SIGN]);
            var keyId = attributes.Bytes(0) ?? Array.Empty<byte>();
            var keyLabel = attributes.Text(1);
            var keyType = (CKK?)attributes.Ulong(2) ?? CKK.CKK_VENDOR_DEFINED;
            var canSign = attributes.Bool(3) ?? true;
            byte[]? modulus = null, parameters = null, point = null;
            if (keyType == CKK.CKK_RSA)
            {
                modulus = ReadBytes(session, handle, CKA.CKA_MODULUS);
            }
            else if (keyType == CKK.CKK_EC)
            {
                parameters = ReadBytes(session, handle, CKA.CKA_EC_PARAMS);
                point = PublicPoint(session, keyId, keyLabel);
            }

            keys.Add(new KeyFacts(keyId, string.IsNullOrEmpty(keyLabel) ? null : keyLabel, keyType, canSign, modulus, parameters, point));
        }

        return keys.OrderBy(k => k.Label, StringComparer.Ordinal).ThenBy(k => Pkcs11Uri.ToHex(k.Id), StringComparer.Ordinal).ToList();
    }

    /// <summary>The EC point of the public key object with the key's id, when the token has one.</summary>
    private static byte[]? PublicPoint(CryptokiSession session, byte[] id, string? label)
    {
        if (id.Length == 0)
        {
            return null;
        }

        var found = session.FindObjects([CkAttribute.Of(CKA.CKA_CLASS, CKO.CKO_PUBLIC_KEY), new CkAttribute(CKA.CKA_ID, id)]);
        return found.Count == 1 ? ReadBytes(session, found[0], CKA.CKA_EC_POINT) : null;
    }

    private static byte[]? ReadBytes(CryptokiSession session, ulong handle, CKA attribute)
    {
        try
        {
            return session.GetAttributes(handle, [attribute]).Bytes(0);
        }
        catch (Pkcs11CallException)
        {
            return null;
        }
    }

    private static List<TokenCertificate> ReadCertificates(CryptokiSession session)
    {
        var list = new List<TokenCertificate>();
        foreach (var handle in session.FindObjects([CkAttribute.Of(CKA.CKA_CLASS, CKO.CKO_CERTIFICATE), CkAttribute.Of(CKA.CKA_CERTIFICATE_TYPE, CKC.CKC_X_509)]))
        {
            var attributes = session.GetAttributes(handle, [CKA.CKA_ID, CKA.CKA_LABEL, CKA.CKA_VALUE]);
            if (attributes.Bytes(2) is not { Length: > 0 } der)
            {
                continue;
            }

            X509Certificate2 certificate;
            try
            {
                certificate = new X509Certificate2(der);
            }
            catch (CryptographicException)
            {
                continue;
            }

            var id = attributes.Bytes(0) ?? Array.Empty<byte>();
            var label = attributes.Text(1);
            list.Add(new TokenCertificate(id, label, certificate));
        }

        return list;
    }

    private static bool IsAuthority(X509Certificate2 certificate) =>
        certificate.Extensions.OfType<X509BasicConstraintsExtension>().Any(b => b.CertificateAuthority);
}
