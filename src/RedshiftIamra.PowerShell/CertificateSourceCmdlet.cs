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

    private string? _configCertificateSet;
    private HashSet<string> _given = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The name of settings saved with Save-RedshiftIamraConfig; the parameters given beside it override them.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ConfigSet)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ConfigNameCompleter))]
    public string ConfigName { get; set; } = null!;

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

    /// <summary>The certificate file; with a PKCS#11 source, the certificate of the token key when the token does not hold it.</summary>
    [Parameter(Mandatory = true, ParameterSetName = PathSet)]
    [Parameter(ParameterSetName = Pkcs11UriSet)]
    [Parameter(ParameterSetName = Pkcs11Set)]
    [ValidateNotNullOrEmpty]
    [Alias("CertificatePath")]
    public string Path { get; set; } = null!;

    [Parameter(ParameterSetName = PathSet)]
    [ValidateNotNullOrEmpty]
    [Alias("KeyPath")]
    public string? PrivateKeyPath { get; set; }

    /// <summary>The key passphrase or PFX password (a saved configuration never holds one).</summary>
    [Parameter(ParameterSetName = PathSet)]
    [Parameter(ParameterSetName = ConfigSet)]
    public SecureString? Password { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ChainPath { get; set; }

    /// <summary>When the source matches several usable certificates, the one that expires last.</summary>
    [Parameter]
    public SwitchParameter Latest { get; set; }

    /// <summary>Which way to find the certificate the parameters take: the parameter set, or with -ConfigName the saved configuration's.</summary>
    protected string CertificateSelectorSet => _configCertificateSet ?? ParameterSetName;

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
            var overridden = new List<string>();
            ApplyConfig(config, new SavedSettings(_given, overridden));
            WriteVerbose($"Using the saved configuration '{config.Name}' from {path}: {config.Target}; certificate {config.Certificate}{(overridden.Count == 0 ? string.Empty : $"; overridden: {string.Join(", ", overridden)}")}.");
        }
    }

    /// <summary>Whether a parameter was given: bound (on the command line or from the pipeline), or filled from a saved configuration.</summary>
    protected bool Given(string parameter) => _given.Contains(parameter) || MyInvocation.BoundParameters.ContainsKey(parameter);

    /// <summary>
    /// Fills every parameter of this group the user did not give from the saved configuration;
    /// each derived group adds its own. The certificate source is one thing: the saved one is used as a whole.
    /// </summary>
    protected virtual void ApplyConfig(RedshiftIamraConfig config, SavedSettings saved)
    {
        if (config.Pkcs11Uri is not null || config.TokenLabel is not null)
        {
            _configCertificateSet = config.Pkcs11Uri is not null ? Pkcs11UriSet : Pkcs11Set;
            Pkcs11Uri = config.Pkcs11Uri!;
            TokenLabel = config.TokenLabel!;
            KeyLabel = config.KeyLabel;
            KeyId = config.KeyId;
            Pkcs11Library = saved.Pick(nameof(Pkcs11Library), Pkcs11Library, config.Pkcs11Library);
            if (config.CertificatePath is not null && !saved.Typed(nameof(Path)))
            {
                Path = config.CertificatePath;
                _given.Add(nameof(Path));
            }
        }
        else if (config.CertificatePath is not null)
        {
            _configCertificateSet = PathSet;
            Path = config.CertificatePath;
            PrivateKeyPath = config.PrivateKeyPath;
        }
        else
        {
            _configCertificateSet = config.Thumbprint is not null ? ThumbprintSet : StoreSet;
            Thumbprint = config.Thumbprint!;
            Subject = config.Subject;
            Issuer = config.Issuer;
            SerialNumber = config.SerialNumber;
            StoreLocation = config.StoreLocation is null ? StoreLocation.CurrentUser : Enum.Parse<StoreLocation>(config.StoreLocation, ignoreCase: true);
            StoreName = config.StoreName ?? "My";
            Latest = saved.PickSwitch(nameof(Latest), Latest, config.Latest);
        }

        ChainPath = saved.Pick(nameof(ChainPath), ChainPath, config.ChainPath);
    }

    /// <summary>
    /// The precedence rule between what the user gave and a saved configuration, for one
    /// command: a parameter given wins; otherwise the saved value (when there is one) fills it
    /// and counts as given. Overridden saved values are listed for -Verbose.
    /// </summary>
    protected sealed class SavedSettings
    {
        private readonly HashSet<string> _given;

        internal SavedSettings(HashSet<string> given, List<string> overridden)
        {
            _given = given;
            Overridden = overridden;
        }

        public List<string> Overridden { get; }

        public bool Typed(string parameter) => _given.Contains(parameter);

        public bool UseSaved(string parameter, bool hasSaved)
        {
            if (_given.Contains(parameter))
            {
                if (hasSaved)
                {
                    Overridden.Add("-" + parameter);
                }

                return false;
            }

            if (hasSaved)
            {
                _given.Add(parameter);
            }

            return hasSaved;
        }

        public T? Pick<T>(string parameter, T? current, T? saved) where T : class => UseSaved(parameter, saved is not null) ? saved : current;

        public int PickNumber(string parameter, int current, int? saved) => UseSaved(parameter, saved is not null) ? saved!.Value : current;

        public SwitchParameter PickSwitch(string parameter, SwitchParameter current, bool saved) => UseSaved(parameter, saved) ? new SwitchParameter(true) : current;
    }

    /// <summary>An RFC 7512 URI naming the token and key: <c>pkcs11:token=..;object=..;id=%01?pin-source=file:..</c>.</summary>
    [Parameter(Mandatory = true, ParameterSetName = Pkcs11UriSet)]
    [ValidateNotNullOrEmpty]
    public string Pkcs11Uri { get; set; } = null!;

    /// <summary>The PKCS#11 library (module) file; default: module-path in the URI, $REDSHIFTIAMRA_PKCS11_MODULE, then p11-kit-proxy.</summary>
    [Parameter(ParameterSetName = Pkcs11UriSet)]
    [Parameter(ParameterSetName = Pkcs11Set)]
    [ValidateNotNullOrEmpty]
    public string? Pkcs11Library { get; set; }

    /// <summary>The label of the token that holds the key.</summary>
    [Parameter(Mandatory = true, ParameterSetName = Pkcs11Set)]
    [ValidateNotNullOrEmpty]
    public string TokenLabel { get; set; } = null!;

    /// <summary>The label (CKA_LABEL) of the key, or of its certificate.</summary>
    [Parameter(ParameterSetName = Pkcs11Set)]
    [ValidateNotNullOrEmpty]
    public string? KeyLabel { get; set; }

    /// <summary>The id (CKA_ID) of the key and its certificate, in hexadecimal.</summary>
    [Parameter(ParameterSetName = Pkcs11Set)]
    [ValidateNotNullOrEmpty]
    public string? KeyId { get; set; }

    /// <summary>The token's user PIN.</summary>
    [Parameter(ParameterSetName = Pkcs11UriSet)]
    [Parameter(ParameterSetName = Pkcs11Set)]
    public SecureString? Pin { get; set; }

    /// <summary>True when the bound parameters name a PKCS#11 token.</summary>
    protected bool UsesPkcs11 => CertificateSelectorSet is Pkcs11UriSet or Pkcs11Set;

    /// <summary>The one certificate the bound parameters (or the saved configuration) name.</summary>
    protected IamraCertificate FindCertificate() => CertificateFinder.FindSingle(BuildQuery(), Latest.IsPresent);

    /// <summary>The query the bound parameters describe (paths resolved against the current location).</summary>
    protected CertificateQuery BuildQuery(IReadOnlyList<X509Certificate2>? certificates = null)
    {
        if (certificates is not null)
        {
            return new CertificateQuery { Certificates = certificates, ChainPath = Resolve(ChainPath) };
        }

        return CertificateSelectorSet switch
        {
            Pkcs11UriSet or Pkcs11Set => new CertificateQuery
            {
                Pkcs11 = BuildPkcs11Query(),
                ChainPath = Resolve(ChainPath),
            },
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

    /// <summary>The token, key, library, PIN and certificate file the PKCS#11 parameters name.</summary>
    private Pkcs11.Pkcs11Query BuildPkcs11Query()
    {
        var query = CertificateSelectorSet == Pkcs11UriSet
            ? Pkcs11.Pkcs11Query.FromUri(Pkcs11.Pkcs11Uri.Parse(Pkcs11Uri))
            : new Pkcs11.Pkcs11Query
            {
                TokenLabel = TokenLabel,
                KeyLabel = KeyLabel,
                KeyId = KeyId is null ? null : Pkcs11.Pkcs11Uri.ParseHexId(KeyId),
            };
        return query with
        {
            LibraryPath = Pkcs11Library is not null ? Resolve(Pkcs11Library) : Resolve(query.LibraryPath),
            LibraryOrigin = Pkcs11Library is not null ? "-Pkcs11Library" : query.LibraryOrigin,
            Pin = Pin ?? query.Pin,
            CertificatePath = Given(nameof(Path)) ? Resolve(Path) : null,
            PinPrompt = PromptForPin,
        };
    }

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

        if (IsNonInteractiveCommandLine(Environment.GetCommandLineArgs()))
        {
            return false;
        }

        // The console host reads a secret from the terminal only: redirected input (cron, a
        // service, CI) has nobody to type it.
        return !(Host.Name == "ConsoleHost" && Console.IsInputRedirected);
    }

    /// <summary>True when the PowerShell command line has <c>-NonInteractive</c> (or an abbreviation such as <c>-noni</c>) before the script or command.</summary>
    internal static bool IsNonInteractiveCommandLine(IEnumerable<string> arguments)
    {
        foreach (var argument in arguments.Skip(1))
        {
            if (argument.Length < 2 || argument[0] is not ('-' or '/'))
            {
                continue;
            }

            var name = argument.TrimStart('-', '/');
            if (name.Length >= 4 && "noninteractive".StartsWith(name, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }

            // What follows -File or -Command belongs to the script, not to pwsh.
            if (name.Equals("f", StringComparison.OrdinalIgnoreCase) || name.Equals("c", StringComparison.OrdinalIgnoreCase)
                || (name.Length >= 2 && ("file".StartsWith(name, StringComparison.OrdinalIgnoreCase) || "command".StartsWith(name, StringComparison.OrdinalIgnoreCase))))
            {
                return false;
            }
        }

        return false;
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
