using System.Collections.Frozen;
using System.Formats.Asn1;
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace RedshiftIamra.Certificates;

/// <summary>What a certificate is and whether it can sign Roles Anywhere requests.</summary>
internal sealed record CertificateFacts(string KeyAlgorithm, int KeySize, string? Curve, bool ClientAuthentication, CertificateProblem? Problem);

/// <summary>Why a certificate cannot be used, with the error id that names it.</summary>
internal sealed record CertificateProblem(string ErrorId, string Message);

internal static class CertificateInspector
{
    internal const string RsaOid = "1.2.840.113549.1.1.1";
    internal const string EcPublicKeyOid = "1.2.840.10045.2.1";
    private const string DsaOid = "1.2.840.10040.4.1";
    private const string Ed25519Oid = "1.3.101.112";
    private const string Ed448Oid = "1.3.101.113";
    private const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";
    private const string AnyExtendedKeyUsageOid = "2.5.29.37.0";
    internal const int MinimumRsaKeySize = 2048;

    private static readonly FrozenDictionary<string, (string Name, int Size)> s_curves = new Dictionary<string, (string Name, int Size)>(StringComparer.Ordinal)
    {
        ["1.2.840.10045.3.1.7"] = ("P-256", 256),
        ["1.3.132.0.34"] = ("P-384", 384),
        ["1.3.132.0.35"] = ("P-521", 521),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <param name="certificate">The certificate.</param>
    /// <param name="now">The time validity is judged at.</param>
    /// <param name="keyElsewhere">True when the private key is not attached but held elsewhere (a PKCS#11 token).</param>
    /// <param name="externalKeyProblem">What is wrong with a key held elsewhere (e.g. the token lacks the mechanism), if anything.</param>
    public static CertificateFacts Inspect(X509Certificate2 certificate, DateTimeOffset now, bool keyElsewhere = false, CertificateProblem? externalKeyProblem = null)
    {
        var (algorithm, size, curve, keyProblem) = DescribeKey(certificate);
        var clientAuth = AllowsClientAuthentication(certificate, out var hasEku);
        var problem = keyProblem
            ?? externalKeyProblem
            ?? (certificate.HasPrivateKey || keyElsewhere ? null : new CertificateProblem(ErrorIds.Certificate.NoPrivateKey,
                $"The certificate {certificate.Subject} has no private key here. Use the certificate together with its key (a PFX file, -PrivateKeyPath, or a store entry with its key)."))
            ?? ValidityProblem(certificate, now)
            ?? UsageProblem(certificate, clientAuth, hasEku);
        return new CertificateFacts(algorithm, size, curve, clientAuth, problem);
    }

    /// <summary>Expired or not yet valid, with the dates.</summary>
    internal static CertificateProblem? ValidityProblem(X509Certificate2 certificate, DateTimeOffset now)
    {
        var notAfter = certificate.NotAfter.ToUniversalTime();
        var notBefore = certificate.NotBefore.ToUniversalTime();
        if (now.UtcDateTime > notAfter)
        {
            return new CertificateProblem(ErrorIds.Certificate.Expired, string.Create(CultureInfo.InvariantCulture,
                $"The certificate {certificate.Subject} expired on {notAfter:yyyy-MM-dd HH:mm:ss} UTC. Renew it with your certificate authority."));
        }

        if (now.UtcDateTime < notBefore)
        {
            return new CertificateProblem(ErrorIds.Certificate.NotYetValid, string.Create(CultureInfo.InvariantCulture,
                $"The certificate {certificate.Subject} is not valid until {notBefore:yyyy-MM-dd HH:mm:ss} UTC. Wait until then, or check this machine's clock."));
        }

        return null;
    }

    private static CertificateProblem? UsageProblem(X509Certificate2 certificate, bool clientAuth, bool hasEku)
    {
        foreach (var extension in certificate.Extensions)
        {
            if (extension is X509BasicConstraintsExtension { CertificateAuthority: true })
            {
                return new CertificateProblem(ErrorIds.Certificate.NotUsable,
                    $"The certificate {certificate.Subject} is a certificate authority (basic constraints CA:TRUE); Roles Anywhere needs an end-entity certificate issued by it.");
            }

            if (extension is X509KeyUsageExtension keyUsage && (keyUsage.KeyUsages & X509KeyUsageFlags.DigitalSignature) == 0)
            {
                return new CertificateProblem(ErrorIds.Certificate.NotUsable,
                    $"The certificate {certificate.Subject} does not allow digital signatures (key usage: {keyUsage.KeyUsages}); ask your certificate authority for one with the Digital Signature key usage.");
            }
        }

        if (hasEku && !clientAuth)
        {
            return new CertificateProblem(ErrorIds.Certificate.NotUsable,
                $"The certificate {certificate.Subject} is not for client authentication (its extended key usage lacks 1.3.6.1.5.5.7.3.2); ask your certificate authority for a client certificate.");
        }

        return null;
    }

    private static bool AllowsClientAuthentication(X509Certificate2 certificate, out bool hasEku)
    {
        hasEku = false;
        foreach (var extension in certificate.Extensions)
        {
            if (extension is X509EnhancedKeyUsageExtension eku)
            {
                hasEku = true;
                foreach (var oid in eku.EnhancedKeyUsages)
                {
                    if (oid.Value is ClientAuthOid or AnyExtendedKeyUsageOid)
                    {
                        return true;
                    }
                }

                return false;
            }
        }

        return true;
    }

    private static (string Algorithm, int Size, string? Curve, CertificateProblem? Problem) DescribeKey(X509Certificate2 certificate)
    {
        var oid = certificate.PublicKey.Oid.Value ?? string.Empty;
        switch (oid)
        {
            case RsaOid:
                using (var rsa = certificate.GetRSAPublicKey())
                {
                    var size = rsa?.KeySize ?? 0;
                    var problem = size < MinimumRsaKeySize
                        ? new CertificateProblem(ErrorIds.Certificate.UnsupportedKey,
                            $"The certificate {certificate.Subject} has a {size}-bit RSA key; Roles Anywhere needs RSA keys of at least {MinimumRsaKeySize} bits (2048, 3072, 4096) or ECDSA P-256, P-384 or P-521.")
                        : null;
                    return ("RSA", size, null, problem);
                }

            case EcPublicKeyOid:
                var curveOid = ReadCurveOid(certificate.PublicKey.EncodedParameters.RawData);
                if (curveOid is not null && s_curves.TryGetValue(curveOid, out var curve))
                {
                    return ("ECDSA", curve.Size, curve.Name, null);
                }

                return ("ECDSA", 0, curveOid, new CertificateProblem(ErrorIds.Certificate.UnsupportedKey,
                    $"The certificate {certificate.Subject} has an elliptic-curve key on an unsupported curve ({curveOid ?? "unknown"}); use P-256, P-384 or P-521."));

            default:
                var name = oid switch
                {
                    DsaOid => "DSA",
                    Ed25519Oid => "Ed25519",
                    Ed448Oid => "Ed448",
                    _ => certificate.PublicKey.Oid.FriendlyName ?? oid,
                };
                return (name, 0, null, new CertificateProblem(ErrorIds.Certificate.UnsupportedKey,
                    $"The certificate {certificate.Subject} has a {name} key, which Roles Anywhere does not accept; use an RSA (2048 bits or more) or ECDSA (P-256, P-384, P-521) certificate."));
        }
    }

    private static string? ReadCurveOid(byte[] encodedParameters)
    {
        try
        {
            var reader = new AsnReader(encodedParameters, AsnEncodingRules.DER);
            return reader.PeekTag().HasSameClassAndValue(Asn1Tag.ObjectIdentifier) ? reader.ReadObjectIdentifier() : null;
        }
        catch (AsnContentException)
        {
            return null;
        }
    }
}
