using System.Management.Automation;
using System.Security;
using System.Security.Cryptography.X509Certificates;
using RedshiftIamra.Certificates;

namespace RedshiftIamra.PowerShell;

/// <summary>
/// The certificate source parameters shared by every cmdlet that needs a signing
/// certificate: a store lookup (thumbprint or selector) or files.
/// </summary>
public abstract class CertificateSourceCmdlet : IamraCmdlet
{
    protected const string StoreSet = "Store";
    protected const string ThumbprintSet = "Thumbprint";
    protected const string PathSet = "Path";

    /// <summary>The SHA-1 thumbprint of a certificate in the store.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ThumbprintSet, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Thumbprint { get; set; } = null!;

    [Parameter(ParameterSetName = StoreSet)]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    public string? Subject { get; set; }

    [Parameter(ParameterSetName = StoreSet)]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    public string? Issuer { get; set; }

    [Parameter(ParameterSetName = StoreSet)]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    public string? SerialNumber { get; set; }

    [Parameter(ParameterSetName = StoreSet)]
    [Parameter(ParameterSetName = ThumbprintSet)]
    public StoreLocation StoreLocation { get; set; } = StoreLocation.CurrentUser;

    [Parameter(ParameterSetName = StoreSet)]
    [Parameter(ParameterSetName = ThumbprintSet)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(StoreNameCompleter))]
    public string StoreName { get; set; } = "My";

    [Parameter(Mandatory = true, ParameterSetName = PathSet)]
    [ValidateNotNullOrEmpty]
    [Alias("CertificatePath")]
    public string Path { get; set; } = null!;

    [Parameter(ParameterSetName = PathSet)]
    [ValidateNotNullOrEmpty]
    [Alias("KeyPath")]
    public string? PrivateKeyPath { get; set; }

    [Parameter(ParameterSetName = PathSet)]
    public SecureString? Password { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ChainPath { get; set; }

    /// <summary>Which of the three ways to find the certificate the parameters take: the parameter set, unless a derived cmdlet knows better.</summary>
    protected virtual string CertificateSelectorSet => ParameterSetName;

    /// <summary>The query the bound parameters describe (paths resolved against the current location).</summary>
    protected CertificateQuery BuildQuery(IReadOnlyList<X509Certificate2>? certificates = null)
    {
        if (certificates is not null)
        {
            return new CertificateQuery { Certificates = certificates, ChainPath = Resolve(ChainPath) };
        }

        return CertificateSelectorSet switch
        {
            PathSet => new CertificateQuery
            {
                Path = Resolve(Path),
                PrivateKeyPath = Resolve(PrivateKeyPath),
                Password = Password,
                ChainPath = Resolve(ChainPath),
            },
            ThumbprintSet => new CertificateQuery
            {
                Thumbprint = CertificateFinder.NormalizeThumbprint(Thumbprint),
                StoreLocation = StoreLocation,
                StoreName = StoreName,
                ChainPath = Resolve(ChainPath),
            },
            _ => new CertificateQuery
            {
                Subject = Subject,
                Issuer = Issuer,
                SerialNumber = SerialNumber,
                StoreLocation = StoreLocation,
                StoreName = StoreName,
                ChainPath = Resolve(ChainPath),
            },
        };
    }
}

/// <summary>Completes the standard certificate store names.</summary>
public sealed class StoreNameCompleter : IArgumentCompleter
{
    private static readonly string[] s_names = { "My", "Root", "CA", "CertificateAuthority", "TrustedPeople", "TrustedPublisher", "AddressBook", "AuthRoot", "Disallowed" };

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, System.Management.Automation.Language.CommandAst commandAst, System.Collections.IDictionary fakeBoundParameters) =>
        s_names.Where(n => n.StartsWith(wordToComplete ?? string.Empty, StringComparison.OrdinalIgnoreCase))
            .Select(n => new CompletionResult(n));
}
