using System.Management.Automation;
using System.Security;
using System.Security.Cryptography.X509Certificates;
using RedshiftIamra.Certificates;
using RedshiftIamra.Configuration;

namespace RedshiftIamra.PowerShell;

/// <summary>
/// The certificate source group, declared once for every cmdlet that needs a signing
/// certificate: a store lookup (thumbprint or selector), files, a key in a PKCS#11 token
/// (a <c>pkcs11:</c> URI, or the token and key named by parameters), or a configuration saved
/// with Save-RedshiftIamraConfig (-ConfigName), whose other settings the derived groups apply.
/// </summary>
public abstract class CertificateSourceCmdlet : IamraCmdlet
{
    protected const string StoreSet = "Store";
    protected const string ThumbprintSet = "Thumbprint";
    protected const string PathSet = "Path";
    protected const string Pkcs11UriSet = "Pkcs11Uri";
    protected const string Pkcs11Set = "Pkcs11";
    protected const string ConfigSet = "Config";

    // The group's parameters are the engine's certificate source stage: binding writes into it,
    // a saved configuration replaces it (as a whole), and the certificate query is built from it.
    private CertificateSourceSettings _source = new();
    private HashSet<string> _given = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The name of settings saved with Save-RedshiftIamraConfig; the parameters given beside it override them.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ConfigSet)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ConfigNameCompleter))]
    public string ConfigName { get; set; } = null!;

    /// <summary>The SHA-1 thumbprint of a certificate in the store.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ThumbprintSet, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Thumbprint { get => _source.Thumbprint!; set => _source = _source with { Thumbprint = value }; }

    [Parameter(ParameterSetName = StoreSet)]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    public string? Subject { get => _source.Subject; set => _source = _source with { Subject = value }; }

    [Parameter(ParameterSetName = StoreSet)]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    public string? Issuer { get => _source.Issuer; set => _source = _source with { Issuer = value }; }

    [Parameter(ParameterSetName = StoreSet)]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    public string? SerialNumber { get => _source.SerialNumber; set => _source = _source with { SerialNumber = value }; }

    [Parameter(ParameterSetName = StoreSet)]
    [Parameter(ParameterSetName = ThumbprintSet)]
    public StoreLocation StoreLocation
    {
        get => _source.StoreLocation is null ? StoreLocation.CurrentUser : Enum.Parse<StoreLocation>(_source.StoreLocation, ignoreCase: true);
        set => _source = _source with { StoreLocation = value.ToString() };
    }

    [Parameter(ParameterSetName = StoreSet)]
    [Parameter(ParameterSetName = ThumbprintSet)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(StoreNameCompleter))]
    public string StoreName { get => _source.StoreName ?? "My"; set => _source = _source with { StoreName = value }; }

    /// <summary>The certificate file; with a PKCS#11 source, the certificate of the token key when the token does not hold it.</summary>
    [Parameter(Mandatory = true, ParameterSetName = PathSet)]
    [Parameter(ParameterSetName = Pkcs11UriSet)]
    [Parameter(ParameterSetName = Pkcs11Set)]
    [ValidateNotNullOrEmpty]
    [Alias("CertificatePath")]
    public string Path { get => _source.CertificatePath!; set => _source = _source with { CertificatePath = value }; }

    [Parameter(ParameterSetName = PathSet)]
    [ValidateNotNullOrEmpty]
    [Alias("KeyPath")]
    public string? PrivateKeyPath { get => _source.PrivateKeyPath; set => _source = _source with { PrivateKeyPath = value }; }

    /// <summary>The key passphrase or PFX password (a saved configuration never holds one).</summary>
    [Parameter(ParameterSetName = PathSet)]
    [Parameter(ParameterSetName = ConfigSet)]
    public SecureString? Password { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ChainPath { get => _source.ChainPath; set => _source = _source with { ChainPath = value }; }

    /// <summary>When the source matches several usable certificates, the one that expires last.</summary>
    [Parameter]
    public SwitchParameter Latest { get => _source.Latest; set => _source = _source with { Latest = value.IsPresent }; }

    /// <summary>Which way to find the certificate the parameters take: the parameter set's, or with -ConfigName the saved configuration's.</summary>
    protected CertificateSourceKind SourceKind => UsesConfig ? _source.Kind : ParameterSetName switch
    {
        Pkcs11UriSet => CertificateSourceKind.Pkcs11Uri,
        Pkcs11Set => CertificateSourceKind.Pkcs11,
        PathSet => CertificateSourceKind.Path,
        ThumbprintSet => CertificateSourceKind.Thumbprint,
        _ => CertificateSourceKind.Store,
    };

    /// <summary>The parameters that name where the certificate is (not those, like -StoreLocation, that only refine it).</summary>
    protected static readonly string[] CertificateSourceParameters =
    {
        nameof(Thumbprint), nameof(Subject), nameof(Issuer), nameof(SerialNumber), nameof(Path), nameof(PrivateKeyPath), nameof(Pkcs11Uri), nameof(TokenLabel), nameof(KeyLabel), nameof(KeyId), nameof(ConfigName),
    };

    /// <summary>True when the bound parameters name a saved configuration.</summary>
    protected bool UsesConfig => ParameterSetName == ConfigSet;

    protected override void Begin()
    {
        _given = new HashSet<string>(CommandLineParameters, StringComparer.OrdinalIgnoreCase);
        if (UsesConfig)
        {
            var path = RedshiftIamraConfigStore.DefaultPath();
            var config = RedshiftIamraConfigStore.Get(path, ConfigName);
            var precedence = new SettingPrecedence(_given);
            ApplyConfig(config, precedence);
            WriteVerbose($"Using the saved configuration '{config.Name}' from {path}: {config.Target}; certificate {config.Certificate}{(precedence.Overridden.Count == 0 ? string.Empty : $"; overridden: {string.Join(", ", precedence.Overridden)}")}.");
        }
    }

    /// <summary>Whether a parameter was given: bound (on the command line or from the pipeline), or filled from a saved configuration.</summary>
    protected bool Given(string parameter) => _given.Contains(parameter) || MyInvocation.BoundParameters.ContainsKey(parameter);

    /// <summary>
    /// Fills every parameter of this group the user did not give from the saved configuration
    /// (the rule is the engine's <see cref="SettingPrecedence"/>, one stage at a time); each
    /// derived group adds its own stage. The certificate source is one thing: the saved one is used as a whole.
    /// </summary>
    protected virtual void ApplyConfig(RedshiftIamraConfig config, SettingPrecedence precedence) =>
        _source = _source.WithConfig(config, precedence);

    /// <summary>An RFC 7512 URI naming the token and key: <c>pkcs11:token=..;object=..;id=%01?pin-source=file:..</c>.</summary>
    [Parameter(Mandatory = true, ParameterSetName = Pkcs11UriSet)]
    [ValidateNotNullOrEmpty]
    public string Pkcs11Uri { get => _source.Pkcs11Uri!; set => _source = _source with { Pkcs11Uri = value }; }

    /// <summary>The PKCS#11 library (module) file; default: module-path in the URI, $REDSHIFTIAMRA_PKCS11_MODULE, then p11-kit-proxy.</summary>
    [Parameter(ParameterSetName = Pkcs11UriSet)]
    [Parameter(ParameterSetName = Pkcs11Set)]
    [ValidateNotNullOrEmpty]
    public string? Pkcs11Library { get => _source.Pkcs11Library; set => _source = _source with { Pkcs11Library = value }; }

    /// <summary>The label of the token that holds the key.</summary>
    [Parameter(Mandatory = true, ParameterSetName = Pkcs11Set)]
    [ValidateNotNullOrEmpty]
    public string TokenLabel { get => _source.TokenLabel!; set => _source = _source with { TokenLabel = value }; }

    /// <summary>The label (CKA_LABEL) of the key, or of its certificate.</summary>
    [Parameter(ParameterSetName = Pkcs11Set)]
    [ValidateNotNullOrEmpty]
    public string? KeyLabel { get => _source.KeyLabel; set => _source = _source with { KeyLabel = value }; }

    /// <summary>The id (CKA_ID) of the key and its certificate, in hexadecimal.</summary>
    [Parameter(ParameterSetName = Pkcs11Set)]
    [ValidateNotNullOrEmpty]
    public string? KeyId { get => _source.KeyId; set => _source = _source with { KeyId = value }; }

    /// <summary>The token's user PIN.</summary>
    [Parameter(ParameterSetName = Pkcs11UriSet)]
    [Parameter(ParameterSetName = Pkcs11Set)]
    public SecureString? Pin { get; set; }

    /// <summary>True when the bound parameters name a PKCS#11 token.</summary>
    protected bool UsesPkcs11 => SourceKind is CertificateSourceKind.Pkcs11Uri or CertificateSourceKind.Pkcs11;

    /// <summary>The one certificate the bound parameters (or the saved configuration) name.</summary>
    protected IamraCertificate FindCertificate() => CertificateFinder.FindSingle(BuildQuery(), Latest.IsPresent);

    /// <summary>The query the bound parameters describe (paths resolved against the current location).</summary>
    protected CertificateQuery BuildQuery(IReadOnlyList<X509Certificate2>? certificates = null) => certificates is not null
        ? new CertificateQuery { Certificates = certificates, ChainPath = Resolve(ChainPath) }
        : SourceSettings().ToQuery(path => Resolve(path)!, Password, Pin, PromptForPin);

    /// <summary>The group's parameters (or the saved source): the engine's certificate source stage.</summary>
    protected CertificateSourceSettings SourceSettings() => _source with { Kind = SourceKind };

    /// <summary>
    /// Asks for the token PIN once, on the host (like <c>Read-Host -AsSecureString</c>), when
    /// this session can ask: never in a non-interactive session (<c>pwsh -NonInteractive</c>,
    /// redirected input, a service), where a missing PIN is an error instead of a hang.
    /// </summary>
    private SecureString? PromptForPin(string tokenDescription)
    {
        if (!CanPrompt())
        {
            WriteVerboseSafe($"No PIN given for {tokenDescription}, and this session cannot ask for one (non-interactive).");
            return null;
        }

        try
        {
            Host.UI.Write($"PIN for {tokenDescription}: ");
            var pin = Host.UI.ReadLineAsSecureString();
            return pin is { Length: > 0 } ? pin : null;
        }
        catch (Exception e) when (e is PSInvalidOperationException or System.Management.Automation.Host.HostException or NotImplementedException or PSNotImplementedException or InvalidOperationException or IOException)
        {
            // The host refuses to read (e.g. -NonInteractive): no PIN, a clear error follows.
            return null;
        }
    }

    private bool CanPrompt()
    {
        if (!Environment.UserInteractive || Host?.UI is null || !OnPipelineThread)
        {
            return false;
        }

        if (PowerShellCommandLine.IsNonInteractive(Environment.GetCommandLineArgs()))
        {
            return false;
        }

        // The console host reads a secret from the terminal only: redirected input (cron, a
        // service, CI) has nobody to type it.
        return !(Host.Name == "ConsoleHost" && Console.IsInputRedirected);
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
