using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using RedshiftIamra.Aws;
using RedshiftIamra.Certificates;
using RedshiftIamra.Sessions;

namespace RedshiftIamra.Credentials;

/// <summary>
/// The command line of the native <c>credential_process</c> helper
/// (<c>redshift-iamra-credential-process</c>): the same options as the
/// <c>ConvertTo-IamraCredentialProcess</c> line <c>Set-IamraAwsProfile</c> writes for pwsh, spelled
/// <c>--kebab-case</c>, one value each. <see cref="Parse"/> reads it; <see cref="Words"/> writes it
/// for a profile, so the two always agree.
/// </summary>
public sealed record CredentialHelperArguments
{
    /// <summary>The error id of a command line the helper cannot use.</summary>
    public const string InvalidArgumentErrorId = ErrorIds.AwsProfile.InvalidHelperArgument;

    /// <summary>
    /// What the command line names, never a secret: a <c>pkcs11:</c> URI may carry its PIN
    /// (<c>pin-value</c>), so it is left out of the text a record would otherwise print.
    /// </summary>
    public override string ToString() =>
        $"{ExecutableName} {(Pkcs11Uri is not null ? "PKCS#11 key" : Path ?? Thumbprint ?? Subject ?? "certificate store")} for {RoleArn ?? "no role"}";

    /// <summary>The helper's file name without extension.</summary>
    public const string ExecutableName = "redshift-iamra-credential-process";

    /// <summary>Print the version and exit.</summary>
    public bool Version { get; init; }

    /// <summary>Print the usage and exit.</summary>
    public bool Help { get; init; }

    public string? Thumbprint { get; init; }

    public string? Subject { get; init; }

    public string? Issuer { get; init; }

    public string? SerialNumber { get; init; }

    public bool Latest { get; init; }

    public StoreLocation StoreLocation { get; init; } = StoreLocation.CurrentUser;

    public string StoreName { get; init; } = "My";

    public string? Path { get; init; }

    public string? PrivateKeyPath { get; init; }

    public string? ChainPath { get; init; }

    public string? Pkcs11Uri { get; init; }

    public string? Pkcs11Library { get; init; }

    public string? TrustAnchorArn { get; init; }

    public string? ProfileArn { get; init; }

    public string? RoleArn { get; init; }

    public int? SessionDurationSeconds { get; init; }

    public string? RoleSessionName { get; init; }

    public string? RolesAnywhereEndpointUrl { get; init; }

    public string? CaBundlePath { get; init; }

    /// <summary>The runtime identifier the module stages the helper under: <c>linux-x64</c>, <c>win-x64</c>, <c>osx-arm64</c>, ...</summary>
    public static string HostRid()
    {
        var os = OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx" : "linux";
        return $"{os}-{System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant()}";
    }

    /// <summary>
    /// The helper a module folder ships for the running platform (<c>bin/native/&lt;rid&gt;/</c>), or null
    /// when it has none. A package installed from a .nupkg (a zip) loses the execute bit: on Linux and
    /// macOS the helper gets it back (execute wherever read is allowed), and when it cannot (a folder the
    /// caller does not own) the answer is null, so the caller writes the pwsh line instead.
    /// </summary>
    public static string? FindHelper(string moduleDirectory)
    {
        ArgumentNullException.ThrowIfNull(moduleDirectory);
        var file = System.IO.Path.GetFullPath(System.IO.Path.Combine(moduleDirectory, "bin", "native", HostRid(), ExecutableName + (OperatingSystem.IsWindows() ? ".exe" : string.Empty)));
        if (!File.Exists(file))
        {
            return null;
        }

        if (OperatingSystem.IsWindows())
        {
            return file;
        }

        var mode = File.GetUnixFileMode(file);
        if ((mode & UnixFileMode.UserExecute) != 0)
        {
            return file;
        }

        var execute = mode;
        if ((mode & UnixFileMode.UserRead) != 0) execute |= UnixFileMode.UserExecute;
        if ((mode & UnixFileMode.GroupRead) != 0) execute |= UnixFileMode.GroupExecute;
        if ((mode & UnixFileMode.OtherRead) != 0) execute |= UnixFileMode.OtherExecute;
        try
        {
            File.SetUnixFileMode(file, execute);
            return file;
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            return null;
        }
    }

    /// <summary>The usage text (<c>--help</c>).</summary>
    public static string Usage =>
        $"""
        Usage: {ExecutableName} <certificate source> --trust-anchor-arn ARN --profile-arn ARN --role-arn ARN [options]

        Prints the credential_process JSON of an IAM Roles Anywhere session, from the per-user
        session cache while it is fresh, otherwise from one CreateSession.

        Certificate source (one of):
          --path FILE [--private-key-path FILE]     certificate (PEM, DER or PFX) and key files
          --thumbprint HEX                          certificate store (Windows; the .NET store elsewhere)
          --subject S | --issuer I | --serial-number N [--latest]
              [--store-location CurrentUser|LocalMachine] [--store-name My]
          --pkcs11-uri pkcs11:... [--pkcs11-library FILE] [--path FILE]
              a key in a PKCS#11 token; the PIN from the URI's pin-source=file:/path,
              the certificate from the token (same CKA_ID) or --path
        Options:
          --chain-path FILE                 intermediate certificates
          --session-duration-seconds N      900 to 43200 (default 3600)
          --role-session-name NAME
          --roles-anywhere-endpoint-url URL
          --ca-bundle-path FILE
          --version, --help
        """;

    private static readonly string[] s_switches = ["--version", "--help", "--latest"];

    private static readonly string[] s_valued =
    [
        "--thumbprint", "--subject", "--issuer", "--serial-number", "--store-location", "--store-name",
        "--path", "--private-key-path", "--chain-path", "--pkcs11-uri", "--pkcs11-library",
        "--trust-anchor-arn", "--profile-arn", "--role-arn", "--session-duration-seconds",
        "--role-session-name", "--roles-anywhere-endpoint-url", "--ca-bundle-path",
    ];

    /// <summary>
    /// Reads a command line. Throws <see cref="IamraException"/> (<see cref="InvalidArgumentErrorId"/>)
    /// for an unknown option, a missing or repeated value, a number out of form, or certificate
    /// sources that do not go together; the message names the option, never the value.
    /// </summary>
    public static CredentialHelperArguments Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var switches = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            string name;
            string? value = null;
            var equals = arg.StartsWith("--", StringComparison.Ordinal) ? arg.IndexOf('=', StringComparison.Ordinal) : -1;
            if (equals > 0)
            {
                name = arg[..equals];
                value = arg[(equals + 1)..];
            }
            else
            {
                name = arg;
            }

            if (Array.IndexOf(s_switches, name) >= 0)
            {
                if (value is not null)
                {
                    throw Invalid($"{name} takes no value.", name);
                }

                switches.Add(name);
                continue;
            }

            if (Array.IndexOf(s_valued, name) < 0)
            {
                throw Invalid(name.StartsWith('-')
                    ? $"Unknown option {name}. Run {ExecutableName} --help for the options."
                    : $"Unexpected argument at position {i + 1}: every value follows its option (--name value). Run {ExecutableName} --help for the options.", name.StartsWith('-') ? name : null);
            }

            if (value is null)
            {
                if (i + 1 >= args.Count)
                {
                    throw Invalid($"{name} needs a value.", name);
                }

                value = args[++i];
            }

            if (value.Length == 0)
            {
                throw Invalid($"{name} needs a value, not an empty string.", name);
            }

            if (!values.TryAdd(name, value))
            {
                throw Invalid($"{name} is given twice: give it once.", name);
            }
        }

        var parsed = new CredentialHelperArguments
        {
            Version = switches.Contains("--version"),
            Help = switches.Contains("--help"),
            Latest = switches.Contains("--latest"),
            Thumbprint = Get("--thumbprint"),
            Subject = Get("--subject"),
            Issuer = Get("--issuer"),
            SerialNumber = Get("--serial-number"),
            StoreLocation = Get("--store-location") is { } location ? ParseLocation(location) : StoreLocation.CurrentUser,
            StoreName = Get("--store-name") ?? "My",
            Path = Get("--path"),
            PrivateKeyPath = Get("--private-key-path"),
            ChainPath = Get("--chain-path"),
            Pkcs11Uri = Get("--pkcs11-uri"),
            Pkcs11Library = Get("--pkcs11-library"),
            TrustAnchorArn = Get("--trust-anchor-arn"),
            ProfileArn = Get("--profile-arn"),
            RoleArn = Get("--role-arn"),
            SessionDurationSeconds = Get("--session-duration-seconds") is { } seconds ? ParseSeconds(seconds) : null,
            RoleSessionName = Get("--role-session-name"),
            RolesAnywhereEndpointUrl = Get("--roles-anywhere-endpoint-url"),
            CaBundlePath = Get("--ca-bundle-path"),
        };

        if (parsed.Version || parsed.Help)
        {
            return parsed;
        }

        parsed.CheckSource();
        var missing = new[] { ("--trust-anchor-arn", parsed.TrustAnchorArn), ("--profile-arn", parsed.ProfileArn), ("--role-arn", parsed.RoleArn) }
            .Where(p => p.Item2 is null).Select(p => p.Item1).ToList();
        if (missing.Count > 0)
        {
            throw Invalid($"Missing {string.Join(", ", missing)}: a Roles Anywhere session needs the trust anchor, profile and role ARNs.", missing[0]);
        }

        return parsed;

        string? Get(string name) => values.TryGetValue(name, out var v) ? v : null;
    }

    /// <summary>The certificate source is PKCS#11.</summary>
    public bool IsPkcs11 => Pkcs11Uri is not null;

    /// <summary>
    /// The query the arguments name: the token key of <c>--pkcs11-uri</c> (its library from
    /// <c>--pkcs11-library</c> or the URI, its certificate file from <c>--path</c> when it is not on
    /// the token), or the files, or the store selector. The PIN comes from the URI's
    /// <c>pin-source</c>: nobody can be asked for one.
    /// </summary>
    public CertificateQuery ToQuery()
    {
        if (IsPkcs11)
        {
            var pkcs11 = Pkcs11.Pkcs11Query.FromUri(Pkcs11.Pkcs11Uri.Parse(Pkcs11Uri!));
            return new CertificateQuery
            {
                Pkcs11 = pkcs11 with
                {
                    LibraryPath = Pkcs11Library ?? pkcs11.LibraryPath,
                    LibraryOrigin = Pkcs11Library is not null ? "--pkcs11-library" : pkcs11.LibraryOrigin,
                    CertificatePath = Path,
                },
                ChainPath = ChainPath,
            };
        }

        return new CertificateQuery
        {
            Thumbprint = Thumbprint,
            Subject = Subject,
            Issuer = Issuer,
            SerialNumber = SerialNumber,
            StoreLocation = StoreLocation,
            StoreName = StoreName,
            Path = Path,
            PrivateKeyPath = PrivateKeyPath,
            ChainPath = ChainPath,
        };
    }

    /// <summary>The session options for the certificate found.</summary>
    public RolesAnywhereSessionOptions ToOptions(IamraCertificate certificate) => new()
    {
        Certificate = certificate,
        TrustAnchorArn = TrustAnchorArn!,
        ProfileArn = ProfileArn!,
        RoleArn = RoleArn!,
        DurationSeconds = SessionDurationSeconds,
        RoleSessionName = RoleSessionName,
        EndpointUrl = RolesAnywhereEndpointUrl,
        Http = new AwsHttpSettings { CaBundlePath = CaBundlePath },
    };

    /// <summary>
    /// The helper's arguments for what a profile runs: the same choices
    /// <see cref="CredentialProcessCommand.Script"/> makes for the pwsh line.
    /// </summary>
    public static IReadOnlyList<string> Words(CredentialProcessSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var query = spec.Query;
        var source = spec.Source;
        var words = new List<string>();
        if (query.Pkcs11 is { } pkcs11)
        {
            Add("--pkcs11-uri", spec.Certificate.Source);
            if (pkcs11.LibraryPath is not null) Add("--pkcs11-library", pkcs11.LibraryPath);
            if (pkcs11.CertificatePath is not null) Add("--path", pkcs11.CertificatePath);
        }
        else if (query.Path is not null)
        {
            Add("--path", query.Path);
            if (query.PrivateKeyPath is not null) Add("--private-key-path", query.PrivateKeyPath);
        }
        else
        {
            if (query.Thumbprint is not null)
            {
                Add("--thumbprint", query.Thumbprint);
            }
            else
            {
                if (query.Subject is not null) Add("--subject", query.Subject);
                if (query.Issuer is not null) Add("--issuer", query.Issuer);
                if (query.SerialNumber is not null) Add("--serial-number", query.SerialNumber);
                if (spec.Latest) words.Add("--latest");
            }

            if (query.StoreLocation != StoreLocation.CurrentUser) Add("--store-location", query.StoreLocation.ToString());
            if (!string.Equals(query.StoreName, "My", StringComparison.OrdinalIgnoreCase)) Add("--store-name", query.StoreName);
        }

        if (query.ChainPath is not null) Add("--chain-path", query.ChainPath);
        Add("--trust-anchor-arn", source.TrustAnchorArn);
        Add("--profile-arn", source.ProfileArn);
        Add("--role-arn", source.RoleArn);
        if (source.DurationSeconds != RolesAnywhereSessionSource.DefaultDuration) Add("--session-duration-seconds", source.DurationSeconds.ToString(CultureInfo.InvariantCulture));
        if (source.RoleSessionName is not null) Add("--role-session-name", source.RoleSessionName);
        if (spec.ExplicitEndpoint) Add("--roles-anywhere-endpoint-url", source.Endpoint.Uri.ToString());
        if (source.Http.CaBundlePath is not null) Add("--ca-bundle-path", source.Http.CaBundlePath);
        return words;

        void Add(string name, string value)
        {
            words.Add(name);
            words.Add(value);
        }
    }

    private void CheckSource()
    {
        var store = Thumbprint is not null || Subject is not null || Issuer is not null || SerialNumber is not null;
        if (IsPkcs11)
        {
            if (store || PrivateKeyPath is not null)
            {
                throw Invalid("--pkcs11-uri names the key on a token: give no store selector or --private-key-path with it (--path may name the certificate file of the token key).", "--pkcs11-uri");
            }

            return;
        }

        if (Pkcs11Library is not null)
        {
            throw Invalid("--pkcs11-library goes with --pkcs11-uri.", "--pkcs11-library");
        }

        if (Path is not null && store)
        {
            throw Invalid("Give either --path (certificate files) or a store selector (--thumbprint, --subject, --issuer, --serial-number), not both.", "--path");
        }

        if (PrivateKeyPath is not null && Path is null)
        {
            throw Invalid("--private-key-path goes with --path.", "--private-key-path");
        }

        if (Thumbprint is not null && (Subject is not null || Issuer is not null || SerialNumber is not null))
        {
            throw Invalid("Give either --thumbprint or a selector (--subject, --issuer, --serial-number), not both.", "--thumbprint");
        }

        if (Latest && (Path is not null || Thumbprint is not null))
        {
            throw Invalid("--latest picks among the certificates a selector (--subject, --issuer, --serial-number) matches.", "--latest");
        }

        if (Path is null && !store)
        {
            throw Invalid($"No certificate source: give --path, --thumbprint, a selector (--subject, --issuer, --serial-number) or --pkcs11-uri. Run {ExecutableName} --help for the options.", null);
        }
    }

    private static StoreLocation ParseLocation(string value) =>
        value.ToLowerInvariant() switch
        {
            "currentuser" => StoreLocation.CurrentUser,
            "localmachine" => StoreLocation.LocalMachine,
            _ => throw Invalid("--store-location is CurrentUser or LocalMachine.", "--store-location"),
        };

    private static int ParseSeconds(string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            ? seconds
            : throw Invalid("--session-duration-seconds takes a whole number of seconds.", "--session-duration-seconds");

    private static IamraException Invalid(string message, string? option) =>
        new(InvalidArgumentErrorId, IamraErrorCategory.InvalidArgument, message, option);
}
