using System.Security;
using System.Security.Cryptography.X509Certificates;

namespace RedshiftIamra.Certificates;

/// <summary>
/// Where to find a signing certificate: given objects, a store lookup (thumbprint or a
/// subject / issuer / serial selector, wildcards allowed), files, or a PKCS#11 token.
/// </summary>
public sealed record CertificateQuery
{
    public IReadOnlyList<X509Certificate2>? Certificates { get; init; }

    public StoreLocation StoreLocation { get; init; } = StoreLocation.CurrentUser;

    public string StoreName { get; init; } = "My";

    public string? Thumbprint { get; init; }

    public string? Subject { get; init; }

    public string? Issuer { get; init; }

    public string? SerialNumber { get; init; }

    public string? Path { get; init; }

    public string? PrivateKeyPath { get; init; }

    public SecureString? Password { get; init; }

    public string? ChainPath { get; init; }

    /// <summary>A key (and its certificate) in a PKCS#11 token.</summary>
    public Pkcs11.Pkcs11Query? Pkcs11 { get; init; }

    /// <summary>A short description of the query for messages (never includes the password).</summary>
    public string Describe()
    {
        if (Pkcs11 is not null)
        {
            return Pkcs11.Describe();
        }

        if (Path is not null)
        {
            return $"file '{Path}'";
        }

        if (Certificates is not null)
        {
            return "the certificate given";
        }

        var store = $@"Cert:\{StoreLocation}\{StoreName}";
        var parts = new List<string>();
        if (Thumbprint is not null) parts.Add($"thumbprint {Thumbprint}");
        if (Subject is not null) parts.Add($"subject '{Subject}'");
        if (Issuer is not null) parts.Add($"issuer '{Issuer}'");
        if (SerialNumber is not null) parts.Add($"serial '{SerialNumber}'");
        return parts.Count == 0 ? store : $"{string.Join(", ", parts)} in {store}";
    }
}
