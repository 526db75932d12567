using System.Globalization;
using RedshiftIamra.Certificates;
using RedshiftIamra.Configuration;

namespace RedshiftIamra;

/// <summary>
/// Saved connection settings (Save-RedshiftIamraConfig): how to find the certificate, the Roles
/// Anywhere ARNs and endpoint, the Redshift target and the TLS roots. Never a secret: no
/// password, key or token is ever part of it. Property names are the parameter names of
/// Connect-RedshiftIamra, except <see cref="CertificatePath"/> (its -Path).
/// </summary>
public sealed class RedshiftIamraConfig
{
    public required string Name { get; init; }

    // ---- the certificate: a thumbprint, a store selector, or files -------------------------

    public string? Thumbprint { get; init; }

    public string? Subject { get; init; }

    public string? Issuer { get; init; }

    public string? SerialNumber { get; init; }

    /// <summary>With a selector: the usable match that expires last.</summary>
    public bool Latest { get; init; }

    /// <summary>CurrentUser or LocalMachine; null for CurrentUser.</summary>
    public string? StoreLocation { get; init; }

    /// <summary>The store name; null for My.</summary>
    public string? StoreName { get; init; }

    /// <summary>The certificate file (absolute): PEM, DER or PFX.</summary>
    public string? CertificatePath { get; init; }

    public string? PrivateKeyPath { get; init; }

    public string? ChainPath { get; init; }

    // ---- or a key in a PKCS#11 token (never its PIN: pin-source=file: only) ----------------

    /// <summary>An RFC 7512 URI naming the token and key; it never holds pin-value.</summary>
    public string? Pkcs11Uri { get; init; }

    /// <summary>The token's label (with <see cref="KeyLabel"/> and/or <see cref="KeyId"/>), instead of a URI.</summary>
    public string? TokenLabel { get; init; }

    public string? KeyLabel { get; init; }

    /// <summary>The key's CKA_ID in hexadecimal.</summary>
    public string? KeyId { get; init; }

    /// <summary>The PKCS#11 library file (absolute).</summary>
    public string? Pkcs11Library { get; init; }

    // ---- Roles Anywhere -------------------------------------------------------------------

    public string? TrustAnchorArn { get; init; }

    public string? ProfileArn { get; init; }

    public string? RoleArn { get; init; }

    public int? SessionDurationSeconds { get; init; }

    public string? RolesAnywhereEndpointUrl { get; init; }

    /// <summary>The role session name, when the profile accepts a custom one.</summary>
    public string? RoleSessionName { get; init; }

    public string? CaBundlePath { get; init; }

    // ---- Redshift -------------------------------------------------------------------------

    public string? Region { get; init; }

    public string? ClusterIdentifier { get; init; }

    public string? WorkgroupName { get; init; }

    public string? Hostname { get; init; }

    public int? Port { get; init; }

    public string? DbName { get; init; }

    public string? DbUser { get; init; }

    public bool UseIamIdentity { get; init; }

    public bool AutoCreate { get; init; }

    public IReadOnlyList<string> DbGroup { get; init; } = Array.Empty<string>();

    public int? DurationSeconds { get; init; }

    public string? RedshiftEndpointUrl { get; init; }

    /// <summary>The cluster's custom domain name, when connecting by it.</summary>
    public string? CustomDomainName { get; init; }

    public string? RootCertificatePath { get; init; }

    // ---- staging (Write-RedshiftTable -Method Staged, Export-RedshiftQuery by UNLOAD) -----------

    /// <summary>The S3 bucket and prefix, COPY/UNLOAD role, KMS key and S3 endpoint the connection's staged loads and exports use.</summary>
    public Loading.RedshiftStagingSettings? Staging { get; init; }

    // ---- where it came from -------------------------------------------------------------------

    /// <summary>The stack the values were read from (Get-RedshiftIamraStack), if any.</summary>
    public string? StackName { get; init; }

    public DateTimeOffset? SavedAt { get; init; }

    /// <summary>The file the entry is stored in.</summary>
    public string? ConfigPath { get; init; }

    /// <summary>How the certificate is found, in words.</summary>
    public string Certificate
    {
        get
        {
            if (Pkcs11Uri is not null || TokenLabel is not null)
            {
                var key = Pkcs11Uri ?? $"token '{TokenLabel}'{(KeyLabel is null ? string.Empty : $", key '{KeyLabel}'")}{(KeyId is null ? string.Empty : $", id {KeyId}")}";
                return $"PKCS#11 {key}{(CertificatePath is null ? string.Empty : $" (certificate {CertificatePath})")}";
            }

            if (CertificatePath is not null)
            {
                return $"file {CertificatePath}{(PrivateKeyPath is null ? string.Empty : $" (key {PrivateKeyPath})")}";
            }

            var store = $@"Cert:\{StoreLocation ?? "CurrentUser"}\{StoreName ?? "My"}";
            if (Thumbprint is not null)
            {
                return $@"{store}\{Thumbprint}";
            }

            var parts = new List<string>();
            if (Subject is not null) parts.Add($"subject '{Subject}'");
            if (Issuer is not null) parts.Add($"issuer '{Issuer}'");
            if (SerialNumber is not null) parts.Add($"serial '{SerialNumber}'");
            return parts.Count == 0 ? "(none)" : $"{string.Join(", ", parts)} in {store}{(Latest ? ", latest" : string.Empty)}";
        }
    }

    /// <summary>What it connects to, in words.</summary>
    public string Target
    {
        get
        {
            var user = UseIamIdentity ? " as the IAM identity" : DbUser is null ? string.Empty : $" as {DbUser}";
            var where = Hostname is null ? string.Empty : $" at {Hostname}{(Port is { } p ? ":" + p.ToString(CultureInfo.InvariantCulture) : string.Empty)}";
            var database = DbName is null ? string.Empty : $"/{DbName}";
            if (ClusterIdentifier is not null)
            {
                return $"cluster {ClusterIdentifier}{database}{user}{where}";
            }

            if (WorkgroupName is not null)
            {
                return $"workgroup {WorkgroupName}{database}{where}";
            }

            return Hostname is null ? "(none)" : $"host {Hostname.TrimStart()}{(Port is { } q ? ":" + q.ToString(CultureInfo.InvariantCulture) : string.Empty)}{database}{user}";
        }
    }

    public override string ToString() => $"{Name}: {Target}";

    /// <summary>
    /// The configuration the stages describe, as Save-RedshiftIamraConfig writes it: the certificate
    /// source as its kind names it (a store's location and name only when not the defaults, a
    /// PKCS#11 key's certificate file only when typed), paths made absolute by
    /// <paramref name="resolvePath"/>, and a duration or port only when typed or not 0
    /// (<paramref name="typed"/>: whether a parameter was typed on the command line).
    /// </summary>
    public static RedshiftIamraConfig FromStages(string name, CertificateSourceSettings source, RolesAnywhereSettings session, RedshiftTargetSettings target, RedshiftConnectSettings connect,
        Func<string, bool> typed, Func<string, string> resolvePath, string? stackName = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(connect);
        ArgumentNullException.ThrowIfNull(typed);
        ArgumentNullException.ThrowIfNull(resolvePath);
        string? Resolve(string? path) => path is null ? null : resolvePath(path);
        var inStore = source.Kind is CertificateSourceKind.Store or CertificateSourceKind.Thumbprint;
        var pkcs11 = source.Kind is CertificateSourceKind.Pkcs11Uri or CertificateSourceKind.Pkcs11;
        return new RedshiftIamraConfig
        {
            Name = name,
            Thumbprint = source.Kind == CertificateSourceKind.Thumbprint ? CertificateFinder.NormalizeThumbprint(source.Thumbprint!) : null,
            Subject = source.Subject,
            Issuer = source.Issuer,
            SerialNumber = source.SerialNumber,
            Latest = source.Latest,
            StoreLocation = inStore && source.StoreLocation is { } location && !location.Equals("CurrentUser", StringComparison.OrdinalIgnoreCase) ? location : null,
            StoreName = inStore && source.StoreName is { } store && !store.Equals("My", StringComparison.OrdinalIgnoreCase) ? store : null,
            CertificatePath = source.Kind == CertificateSourceKind.Path || (pkcs11 && typed("Path")) ? Resolve(source.CertificatePath) : null,
            PrivateKeyPath = Resolve(source.PrivateKeyPath),
            ChainPath = Resolve(source.ChainPath),
            Pkcs11Uri = source.Kind == CertificateSourceKind.Pkcs11Uri ? source.Pkcs11Uri : null,
            TokenLabel = source.Kind == CertificateSourceKind.Pkcs11 ? source.TokenLabel : null,
            KeyLabel = source.KeyLabel,
            KeyId = source.KeyId,
            Pkcs11Library = Resolve(source.Pkcs11Library),
            TrustAnchorArn = session.TrustAnchorArn,
            ProfileArn = session.ProfileArn,
            RoleArn = session.RoleArn,
            SessionDurationSeconds = typed(nameof(SessionDurationSeconds)) ? session.SessionDurationSeconds : null,
            RoleSessionName = session.RoleSessionName,
            RolesAnywhereEndpointUrl = session.RolesAnywhereEndpointUrl,
            CaBundlePath = Resolve(session.CaBundlePath),
            Region = session.Region,
            ClusterIdentifier = target.ClusterIdentifier,
            WorkgroupName = target.WorkgroupName,
            Hostname = target.Hostname,
            Port = target.Port != 0 || typed(nameof(Port)) ? target.Port : null,
            DbName = target.DbName,
            DbUser = target.DbUser,
            UseIamIdentity = target.UseIamIdentity,
            AutoCreate = target.AutoCreate,
            DbGroup = target.DbGroup ?? Array.Empty<string>(),
            DurationSeconds = target.DurationSeconds != 0 || typed(nameof(DurationSeconds)) ? target.DurationSeconds : null,
            CustomDomainName = target.CustomDomainName,
            RedshiftEndpointUrl = target.RedshiftEndpointUrl,
            RootCertificatePath = Resolve(connect.RootCertificatePath),
            Staging = connect.Staging?.Validate(),
            StackName = stackName,
        };
    }
}
