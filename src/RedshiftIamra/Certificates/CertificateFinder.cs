using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.RegularExpressions;

namespace RedshiftIamra.Certificates;

/// <summary>Finds certificates for a <see cref="CertificateQuery"/> and decides which can be used.</summary>
public static class CertificateFinder
{
    /// <summary>
    /// Every certificate the query names, usable or not, each with the facts and reason.
    /// Input errors (a missing file, a wrong password, a malformed thumbprint, a store that
    /// does not exist on this platform) throw <see cref="IamraException"/>.
    /// </summary>
    public static IReadOnlyList<IamraCertificate> FindCandidates(CertificateQuery query, DateTimeOffset? now = null)
    {
        ArgumentNullException.ThrowIfNull(query);
        var at = now ?? DateTimeOffset.UtcNow;

        if (query.Pkcs11 is not null)
        {
            var extra = query.ChainPath is null ? new List<X509Certificate2>() : CertificateFileLoader.LoadBundle(query.ChainPath);
            return Pkcs11.Pkcs11Identities.Find(query.Pkcs11, extra, at);
        }

        // From files (and from a token) the chain is what the files hold: no certificate store is
        // opened and no system trust store read (that costs 100-150 ms on the first call of a process).
        if (query.Path is not null)
        {
            var (leaf, extra) = CertificateFileLoader.Load(query.Path, query.PrivateKeyPath, query.Password, query.ChainPath);
            return new[] { new IamraCertificate(leaf, GivenIntermediates(leaf, extra), Path.GetFullPath(query.Path), at) };
        }

        var chainExtra = query.ChainPath is null ? new List<X509Certificate2>() : CertificateFileLoader.LoadBundle(query.ChainPath);
        if (query.Certificates is not null)
        {
            return query.Certificates
                .Select(c => new IamraCertificate(c, Intermediates(c, chainExtra), "Certificate object", at))
                .ToList();
        }

        var thumbprint = query.Thumbprint is null ? null : NormalizeThumbprint(query.Thumbprint);
        var source = $@"Cert:\{query.StoreLocation}\{query.StoreName}";
        var found = new List<IamraCertificate>();
        // The intermediate store is read here rather than left to the chain engine, whose view
        // of it can lag behind a certificate added a moment ago; only once a certificate matched.
        List<X509Certificate2>? storeExtra = null;
        foreach (var certificate in ReadStore(query.StoreLocation, query.StoreName))
        {
            if (thumbprint is not null && !string.Equals(certificate.Thumbprint, thumbprint, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (!Matches(certificate, query))
            {
                continue;
            }

            storeExtra ??= chainExtra.Concat(ReadIntermediates(query.StoreLocation)).ToList();
            found.Add(new IamraCertificate(certificate, Intermediates(certificate, storeExtra, alsoSend: chainExtra), source, at));
        }

        return found;
    }

    /// <summary>
    /// Applies the usual rules: only usable certificates unless <paramref name="includeUnusable"/>;
    /// the one expiring last with <paramref name="latest"/>. When the query found certificates
    /// but none is usable, throws the reason (with -All a caller sees them all instead).
    /// </summary>
    public static IReadOnlyList<IamraCertificate> Select(IReadOnlyList<IamraCertificate> candidates, CertificateQuery query, bool includeUnusable, bool latest)
    {
        if (candidates.Count == 0)
        {
            if (query.Certificates is not null || (query.Thumbprint is null && query.Subject is null && query.Issuer is null && query.SerialNumber is null))
            {
                return candidates;
            }

            throw new IamraException(ErrorIds.Certificate.NotFound, IamraErrorCategory.ObjectNotFound,
                $"No certificate matches {query.Describe()}. List the store with Get-IamraCertificate -All, or check the selector.", query.Describe());
        }

        IReadOnlyList<IamraCertificate> result = includeUnusable ? candidates : candidates.Where(c => c.Usable).ToList();
        if (result.Count == 0)
        {
            if (candidates.Count == 1)
            {
                var only = candidates[0];
                throw new IamraException(only.ProblemId ?? ErrorIds.Certificate.NotUsable, CategoryOf(only.ProblemId), only.Reason ?? "The certificate cannot be used.", only)
                {
                    RecommendedAction = "Run Get-IamraCertificate -All to see every certificate and why it cannot be used.",
                };
            }

            var reasons = string.Join(Environment.NewLine, candidates.Select(c => $"  {c.Thumbprint} {c.Subject}: {c.Reason}"));
            throw new IamraException(ErrorIds.Certificate.NotUsable, IamraErrorCategory.InvalidData,
                $"{candidates.Count} certificates match {query.Describe()}, but none can be used:{Environment.NewLine}{reasons}", query.Describe());
        }

        if (latest && result.Count > 1)
        {
            result = new[] { result.OrderByDescending(c => c.NotAfter).ThenByDescending(c => c.NotBefore).First() };
        }

        return result;
    }

    /// <summary>Finds exactly one usable certificate, or says why not (none, several, unusable).</summary>
    public static IamraCertificate FindSingle(CertificateQuery query, bool latest = false, DateTimeOffset? now = null)
    {
        var candidates = FindCandidates(query, now);
        if (candidates.Count == 0)
        {
            throw new IamraException(ErrorIds.Certificate.NotFound, IamraErrorCategory.ObjectNotFound,
                $"No certificate matches {query.Describe()}. Give -Thumbprint, -Subject, -Path or a certificate on the pipeline.", query.Describe());
        }

        var usable = Select(candidates, query, includeUnusable: false, latest);
        if (usable.Count > 1)
        {
            if (query.Pkcs11 is not null)
            {
                var identities = string.Join(Environment.NewLine, usable.Select(c => Invariant($"  {c.Source} {c.Subject} (expires {c.NotAfter:yyyy-MM-dd})")));
                throw new IamraException(ErrorIds.Certificate.Ambiguous, IamraErrorCategory.InvalidArgument,
                    $"{usable.Count} usable identities match {query.Describe()}; one is needed:{Environment.NewLine}{identities}{Environment.NewLine}Name the key with object=<label> or id=<id> in the URI (or -KeyLabel / -KeyId).", query.Describe());
            }

            var list = string.Join(Environment.NewLine, usable.Select(c => Invariant($"  {c.Thumbprint} {c.Subject} (expires {c.NotAfter:yyyy-MM-dd})")));
            throw new IamraException(ErrorIds.Certificate.Ambiguous, IamraErrorCategory.InvalidArgument,
                $"{usable.Count} usable certificates match {query.Describe()}; one is needed:{Environment.NewLine}{list}{Environment.NewLine}Narrow the selector, give -Thumbprint, or add -Latest to take the one that expires last.", query.Describe());
        }

        return usable[0];
    }

    internal static IamraErrorCategory CategoryOf(string? errorId) => errorId switch
    {
        ErrorIds.Certificate.Expired or ErrorIds.Certificate.NotYetValid => IamraErrorCategory.InvalidData,
        ErrorIds.Certificate.NoPrivateKey => IamraErrorCategory.SecurityError,
        ErrorIds.Certificate.UnsupportedKey => IamraErrorCategory.InvalidData,
        _ => IamraErrorCategory.InvalidData,
    };

    /// <summary>Upper-case hex without separators; a SHA-1 thumbprint has 40 digits.</summary>
    public static string NormalizeThumbprint(string thumbprint)
    {
        var builder = new StringBuilder(thumbprint.Length);
        foreach (var c in thumbprint)
        {
            if (c is ' ' or ':' or '-' or '\u200e' or '\u200f')
            {
                continue;
            }

            builder.Append(char.ToUpperInvariant(c));
        }

        var normalized = builder.ToString();
        if (normalized.Length != 40 || !normalized.All(Uri.IsHexDigit))
        {
            throw new IamraException(ErrorIds.Certificate.ThumbprintInvalid, IamraErrorCategory.InvalidArgument,
                $"'{thumbprint}' is not a certificate thumbprint: expected 40 hexadecimal digits (the SHA-1 thumbprint, e.g. as shown by Get-IamraCertificate).", thumbprint);
        }

        return normalized;
    }

    /// <summary>The intermediate CAs of the store location (empty when the store does not exist).</summary>
    private static IEnumerable<X509Certificate2> ReadIntermediates(StoreLocation location)
    {
        try
        {
            using var store = new X509Store(StoreName.CertificateAuthority, location);
            store.Open(OpenFlags.ReadOnly | OpenFlags.OpenExistingOnly);
            return store.Certificates.Cast<X509Certificate2>().ToList();
        }
        catch (CryptographicException)
        {
            return Array.Empty<X509Certificate2>();
        }
    }

    private static List<X509Certificate2> ReadStore(StoreLocation location, string storeName)
    {
        try
        {
            using var store = new X509Store(storeName, location);
            try
            {
                store.Open(OpenFlags.ReadOnly | OpenFlags.OpenExistingOnly);
            }
            catch (CryptographicException) when (Enum.TryParse<StoreName>(storeName, ignoreCase: true, out _) && location == StoreLocation.CurrentUser)
            {
                // A standard store that was never written to (common on Linux) is simply empty.
                return new List<X509Certificate2>();
            }

            return store.Certificates.Cast<X509Certificate2>().ToList();
        }
        catch (CryptographicException e) when (!OperatingSystem.IsWindows() && location == StoreLocation.LocalMachine)
        {
            throw new IamraException(ErrorIds.Certificate.StoreNotSupported, IamraErrorCategory.NotImplemented,
                $@"Cert:\LocalMachine\{storeName} is not available on this platform: .NET on Linux and macOS offers only the Root and CertificateAuthority stores under LocalMachine. Use -StoreLocation CurrentUser, or load the certificate from files with -Path.", storeName, e);
        }
        catch (CryptographicException e)
        {
            throw new IamraException(ErrorIds.Certificate.StoreNotFound, IamraErrorCategory.ObjectNotFound,
                $@"The certificate store Cert:\{location}\{storeName} cannot be opened: {e.Message}", storeName, e);
        }
    }

    private static bool Matches(X509Certificate2 certificate, CertificateQuery query)
    {
        if (query.Subject is not null && !MatchesName(certificate.Subject, certificate.GetNameInfo(X509NameType.SimpleName, false), query.Subject))
        {
            return false;
        }

        if (query.Issuer is not null && !MatchesName(certificate.Issuer, certificate.GetNameInfo(X509NameType.SimpleName, true), query.Issuer))
        {
            return false;
        }

        if (query.SerialNumber is not null)
        {
            var pattern = Wildcard(query.SerialNumber.Replace(":", string.Empty, StringComparison.Ordinal).Replace(" ", string.Empty, StringComparison.Ordinal));

            // A serial with its high bit set is DER-encoded with a leading 00, which .NET shows
            // (0080...) and OpenSSL does not (80...): accept both.
            if (!pattern.IsMatch(certificate.SerialNumber)
                && !pattern.IsMatch(certificate.SerialNumber.TrimStart('0'))
                && !pattern.IsMatch(IamraCertificate.ToDecimalSerial(certificate)))
            {
                return false;
            }
        }

        return true;
    }

    private static bool MatchesName(string distinguishedName, string simpleName, string pattern)
    {
        var regex = Wildcard(pattern);
        return regex.IsMatch(distinguishedName) || regex.IsMatch(simpleName);
    }

    /// <summary>PowerShell-style wildcards (<c>*</c>, <c>?</c>, <c>[abc]</c>), case-insensitive, whole string.</summary>
    internal static Regex Wildcard(string pattern)
    {
        var builder = new StringBuilder("^");
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            switch (c)
            {
                case '*':
                    builder.Append(".*");
                    break;
                case '?':
                    builder.Append('.');
                    break;
                case '`' when i + 1 < pattern.Length:
                    builder.Append(Regex.Escape(pattern[++i].ToString()));
                    break;
                case '[':
                    var close = pattern.IndexOf(']', i + 1);
                    if (close > i + 1)
                    {
                        builder.Append('[').Append(pattern[(i + 1)..close].Replace("\\", "\\\\", StringComparison.Ordinal)).Append(']');
                        i = close;
                    }
                    else
                    {
                        builder.Append("\\[");
                    }

                    break;
                default:
                    builder.Append(Regex.Escape(c.ToString()));
                    break;
            }
        }

        return new Regex(builder.Append('$').ToString(), RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Singleline);
    }

    /// <summary>
    /// The intermediates to send with the leaf: the chain built from the given extra
    /// certificates and the machine's stores, without the leaf and without self-signed roots.
    /// No network: certificate downloads are off.
    /// </summary>
    internal static IReadOnlyList<X509Certificate2> Intermediates(X509Certificate2 leaf, IReadOnlyList<X509Certificate2> extra, IReadOnlyList<X509Certificate2>? alsoSend = null)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        chain.ChainPolicy.VerificationFlags = X509VerificationFlags.AllFlags;
        chain.ChainPolicy.ExtraStore.AddRange(extra.ToArray());
        try
        {
            chain.Build(leaf);
        }
        catch (CryptographicException)
        {
            return (alsoSend ?? extra).Where(c => !IsSelfSigned(c)).ToList();
        }

        var result = new List<X509Certificate2>();
        foreach (var element in chain.ChainElements.Cast<X509ChainElement>().Skip(1))
        {
            if (!IsSelfSigned(element.Certificate))
            {
                result.Add(element.Certificate);
            }
        }

        // Intermediates the user gave that do not chain (e.g. cross-signed) still travel with the
        // request; the store's other intermediates do not.
        foreach (var certificate in alsoSend ?? extra)
        {
            if (!IsSelfSigned(certificate) && !result.Any(r => r.Thumbprint == certificate.Thumbprint) && certificate.Thumbprint != leaf.Thumbprint)
            {
                result.Add(certificate);
            }
        }

        return result;
    }

    /// <summary>
    /// The intermediates to send with a leaf whose chain comes from files or a token: those of
    /// <paramref name="given"/> that chain from the leaf, in chain order, then the other given
    /// intermediates (e.g. cross-signed ones), never self-signed roots or the leaf. Reads no
    /// certificate store and no system trust store.
    /// </summary>
    internal static IReadOnlyList<X509Certificate2> GivenIntermediates(X509Certificate2 leaf, IReadOnlyList<X509Certificate2> given)
    {
        var result = ChainElements(leaf, given).ToList();
        foreach (var certificate in given)
        {
            if (!IsSelfSigned(certificate) && !result.Any(r => r.Thumbprint == certificate.Thumbprint) && certificate.Thumbprint != leaf.Thumbprint)
            {
                result.Add(certificate);
            }
        }

        return result;
    }

    /// <summary>
    /// The certificates of <paramref name="candidates"/> on the path from <paramref name="leaf"/>
    /// upwards, in order, without the leaf and self-signed roots; certificates that do not chain are
    /// left out. Each step takes the candidate whose subject is the current certificate's issuer
    /// (and whose subject key identifier matches its authority key identifier when both carry one).
    /// Only the candidates are looked at: no store, no system trust; signatures are checked by the
    /// service the chain is sent to.
    /// </summary>
    internal static IReadOnlyList<X509Certificate2> ChainElements(X509Certificate2 leaf, IReadOnlyList<X509Certificate2> candidates)
    {
        var result = new List<X509Certificate2>();
        var current = leaf;
        while (!IsSelfSigned(current) && result.Count < candidates.Count)
        {
            var issuer = candidates.FirstOrDefault(c => IssuedBy(current, c) && c.Thumbprint != current.Thumbprint && !result.Any(r => r.Thumbprint == c.Thumbprint));
            if (issuer is null || IsSelfSigned(issuer))
            {
                break;
            }

            result.Add(issuer);
            current = issuer;
        }

        return result;
    }

    private static bool IssuedBy(X509Certificate2 certificate, X509Certificate2 issuer)
    {
        if (!certificate.IssuerName.RawData.AsSpan().SequenceEqual(issuer.SubjectName.RawData))
        {
            return false;
        }

        var authorityKeyId = certificate.Extensions.OfType<X509AuthorityKeyIdentifierExtension>().FirstOrDefault()?.KeyIdentifier;
        var subjectKeyId = issuer.Extensions.OfType<X509SubjectKeyIdentifierExtension>().FirstOrDefault()?.SubjectKeyIdentifierBytes;
        return authorityKeyId is not { } aki || subjectKeyId is not { } ski || aki.Span.SequenceEqual(ski.Span);
    }

    internal static bool IsSelfSigned(X509Certificate2 certificate) =>
        certificate.SubjectName.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData);

    internal static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
