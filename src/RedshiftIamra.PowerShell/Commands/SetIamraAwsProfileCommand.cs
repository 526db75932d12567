using System.Management.Automation;
using System.Reflection;
using System.Text;
using RedshiftIamra.Aws;
using RedshiftIamra.Certificates;
using RedshiftIamra.Sessions;

namespace RedshiftIamra.PowerShell.Commands;

/// <summary>
/// <c>Set-IamraAwsProfile</c>: writes an AWS config profile whose <c>credential_process</c>
/// runs this module, so the AWS CLI, the SDKs and AWS Tools for PowerShell get Roles
/// Anywhere credentials with no secret on disk.
/// </summary>
[Cmdlet(VerbsCommon.Set, "IamraAwsProfile", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = ThumbprintSet)]
[OutputType(typeof(FileInfo))]
public sealed class SetIamraAwsProfileCommand : RolesAnywhereCmdlet
{
    [Parameter(Mandatory = true, Position = 0)]
    [ValidatePattern(@"^[A-Za-z0-9_.+@-]{1,64}$")]
    public string ProfileName { get; set; } = null!;

    /// <summary>The config file to write; by default AWS_CONFIG_FILE or ~/.aws/config.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ConfigPath { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void Process()
    {
        if (Password is not null)
        {
            throw new IamraException("IamraProfileCannotHoldPassword", IamraErrorCategory.InvalidArgument,
                "A credential_process profile cannot hold a password: it would be written to the config file in clear. Import the certificate into the certificate store (then use -Thumbprint), or keep its key in a file readable only by the job's account.", ProfileName);
        }

        if (UsesPkcs11 && (Pin is not null || (ParameterSetName == Pkcs11UriSet && Pkcs11.Pkcs11Uri.Parse(Pkcs11Uri).PinValue is not null)))
        {
            throw new IamraException("IamraProfileCannotHoldPassword", IamraErrorCategory.InvalidArgument,
                "A credential_process profile cannot hold a token PIN: it would be written to the config file in clear. Put the PIN in a file readable only by the job's account and name it in the URI with pin-source=file:/path/to/pin (no pin-value, no -Pin).", ProfileName);
        }

        // Check everything the credential process will use now, so a mistake shows here and
        // not at 3 a.m. in a job: the certificate resolves to exactly one usable certificate,
        // and the ARNs, duration and endpoint are valid.
        if (ParameterSetName is CertificateSet or ConfigSet)
        {
            throw new IamraException("IamraProfileNeedsCertificateSource", IamraErrorCategory.InvalidArgument,
                "A credential_process profile finds the certificate itself on every run: give -Thumbprint, a -Subject/-Issuer/-SerialNumber selector, -Path, or a PKCS#11 key (-Pkcs11Uri, -TokenLabel), not a piped certificate or -ConfigName.", ProfileName);
        }

        var query = BuildQuery();
        var certificate = CertificateFinder.FindSingle(query, Latest.IsPresent);
        var source = SessionSource(certificate, regionIsSessions: true);

        var path = Resolve(ConfigPath) ?? AwsConfigFile.DefaultPath();
        var command = BuildCredentialProcess(query, source, certificate);
        if (query.Pkcs11 is { PinSource: null })
        {
            WriteWarning("The credential process runs without a terminal, so it cannot ask for the token PIN: unless the token needs none, add pin-source=file:/path/to/pin to -Pkcs11Uri (a file readable only by the job's account).");
        }
        WriteVerbose($"credential_process = {command}");
        if (!ShouldProcess(path, $"Set profile '{ProfileName}' (credential_process with certificate {certificate.Thumbprint}, region {source.Region})"))
        {
            return;
        }

        var existing = File.Exists(path) ? File.ReadAllText(path) : string.Empty;
        var updated = AwsConfigFile.SetProfile(existing, ProfileName, new[]
        {
            new KeyValuePair<string, string>("credential_process", command),
            new KeyValuePair<string, string>("region", source.Region),
        });
        AtomicFile.WriteAllText(path, updated, ownerOnly: true);
        WriteVerbose($"Wrote profile '{ProfileName}' to {path}.");
        if (PassThru.IsPresent)
        {
            WriteObject(new FileInfo(path));
        }
    }

    private string BuildCredentialProcess(CertificateQuery query, RolesAnywhereSessionSource source, IamraCertificate certificate)
    {
        var script = new StringBuilder("$ErrorActionPreference='Stop'; Import-Module ")
            .Append(Quote(ModuleManifestPath()))
            .Append("; Get-IamraSession");
        if (ParameterSetName == ThumbprintSet)
        {
            Append("-Thumbprint", query.Thumbprint!);
        }
        else if (ParameterSetName == PathSet)
        {
            Append("-Path", query.Path!);
            if (query.PrivateKeyPath is not null) Append("-PrivateKeyPath", query.PrivateKeyPath);
        }
        else if (query.Pkcs11 is { } pkcs11)
        {
            // The identity found, as a URI (token, key label and id; no PIN), so the profile
            // names exactly the key checked here.
            Append("-Pkcs11Uri", certificate.Source);
            if (pkcs11.LibraryPath is not null) Append("-Pkcs11Library", pkcs11.LibraryPath);
            if (pkcs11.CertificatePath is not null) Append("-Path", pkcs11.CertificatePath);
        }
        else
        {
            if (query.Subject is not null) Append("-Subject", query.Subject);
            if (query.Issuer is not null) Append("-Issuer", query.Issuer);
            if (query.SerialNumber is not null) Append("-SerialNumber", query.SerialNumber);
            if (Latest.IsPresent) script.Append(" -Latest");
        }

        if (ParameterSetName is StoreSet or ThumbprintSet)
        {
            if (query.StoreLocation != System.Security.Cryptography.X509Certificates.StoreLocation.CurrentUser) Append("-StoreLocation", query.StoreLocation.ToString());
            if (!string.Equals(query.StoreName, "My", StringComparison.OrdinalIgnoreCase)) Append("-StoreName", query.StoreName);
        }

        if (query.ChainPath is not null) Append("-ChainPath", query.ChainPath);
        Append("-TrustAnchorArn", source.TrustAnchorArn);
        Append("-ProfileArn", source.ProfileArn);
        Append("-RoleArn", source.RoleArn);
        if (source.DurationSeconds != RolesAnywhereSessionSource.DefaultDuration) Append("-SessionDurationSeconds", source.DurationSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (source.RoleSessionName is not null) Append("-RoleSessionName", source.RoleSessionName);
        if (RolesAnywhereEndpointUrl is not null) Append("-RolesAnywhereEndpointUrl", source.Endpoint.Uri.ToString());
        if (source.Http.CaBundlePath is not null) Append("-CaBundlePath", source.Http.CaBundlePath);
        script.Append(" | ConvertTo-IamraCredentialProcess");

        var words = PwshCommandLine().Select(QuoteArgument).ToList();
        words.Add("-NoProfile");
        words.Add("-NonInteractive");
        words.Add("-Command");
        words.Add(QuoteArgument(script.ToString()));
        return string.Join(' ', words);

        void Append(string name, string value) => script.Append(' ').Append(name).Append(' ').Append(Quote(value));
    }

    /// <summary>A PowerShell single-quoted string.</summary>
    private static string Quote(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";

    /// <summary>
    /// A double-quoted word, as both POSIX shell splitting (botocore on Linux and macOS) and
    /// the Windows command-line rules read it.
    /// </summary>
    private static string QuoteArgument(string value)
    {
        if (value.IndexOfAny(new[] { '"', '\\', '$', '`' }) >= 0 && !OperatingSystem.IsWindows())
        {
            var escaped = new StringBuilder("\"");
            foreach (var c in value)
            {
                if (c is '"' or '\\' or '$' or '`')
                {
                    escaped.Append('\\');
                }

                escaped.Append(c);
            }

            return escaped.Append('"').ToString();
        }

        return "\"" + value.Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
    }

    /// <summary>The absolute path of this module's manifest.</summary>
    internal static string ModuleManifestPath()
    {
        // The cmdlets live in <module>/bin/lib; the manifest two folders up.
        var lib = System.IO.Path.GetDirectoryName(typeof(SetIamraAwsProfileCommand).Assembly.Location)!;
        return System.IO.Path.GetFullPath(System.IO.Path.Combine(lib, "..", "..", "RedshiftIamra.psd1"));
    }

    /// <summary>
    /// The absolute command line of the PowerShell running now: pwsh itself, or, when pwsh
    /// runs as a .NET tool, the dotnet host followed by pwsh.dll.
    /// </summary>
    internal static IReadOnlyList<string> PwshCommandLine()
    {
        var process = Environment.ProcessPath ?? "pwsh";
        if (string.Equals(System.IO.Path.GetFileNameWithoutExtension(process), "dotnet", StringComparison.OrdinalIgnoreCase))
        {
            var entry = Assembly.GetEntryAssembly()?.Location;
            if (!string.IsNullOrEmpty(entry))
            {
                return new[] { process, entry };
            }
        }

        return new[] { process };
    }
}
