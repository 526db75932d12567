using System.Management.Automation;
using System.Reflection;
using RedshiftIamra.Aws;
using RedshiftIamra.Certificates;
using RedshiftIamra.Sessions;

namespace RedshiftIamra.PowerShell.Commands;

/// <summary>
/// <c>Set-IamraAwsProfile</c>: writes an AWS config profile whose <c>credential_process</c>
/// runs this module, so the AWS CLI, the SDKs and AWS Tools for PowerShell get Roles
/// Anywhere credentials with no secret on disk. The process reuses sessions through the
/// per-user session cache, so back-to-back calls make one CreateSession per session lifetime.
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

    /// <summary>
    /// Write the line that runs ConvertTo-IamraCredentialProcess in pwsh, even where the module
    /// ships the native helper (which it writes by default, and which starts in milliseconds).
    /// </summary>
    [Parameter]
    public SwitchParameter UsePowerShell { get; set; }

    protected override void Process()
    {
        if (Password is not null)
        {
            throw new IamraException(ErrorIds.AwsProfile.CannotHoldPassword, IamraErrorCategory.InvalidArgument,
                "A credential_process profile cannot hold a password: it would be written to the config file in clear. Import the certificate into the certificate store (then use -Thumbprint), or keep its key in a file readable only by the job's account.", ProfileName);
        }

        if (UsesPkcs11 && (Pin is not null || (ParameterSetName == Pkcs11UriSet && Pkcs11.Pkcs11Uri.Parse(Pkcs11Uri).PinValue is not null)))
        {
            throw new IamraException(ErrorIds.AwsProfile.CannotHoldPassword, IamraErrorCategory.InvalidArgument,
                "A credential_process profile cannot hold a token PIN: it would be written to the config file in clear. Put the PIN in a file readable only by the job's account and name it in the URI with pin-source=file:/path/to/pin (no pin-value, no -Pin).", ProfileName);
        }

        // Check everything the credential process will use now, so a mistake shows here and
        // not at 3 a.m. in a job: the certificate resolves to exactly one usable certificate,
        // and the ARNs, duration and endpoint are valid.
        if (ParameterSetName is CertificateSet or ConfigSet)
        {
            throw new IamraException(ErrorIds.AwsProfile.NeedsCertificateSource, IamraErrorCategory.InvalidArgument,
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

        var written = AwsConfigFile.UpdateProfileFile(path, ProfileName, new[]
        {
            new KeyValuePair<string, string>("credential_process", command),
            new KeyValuePair<string, string>("region", source.Region),
        });
        WriteVerbose(written == path ? $"Wrote profile '{ProfileName}' to {path}." : $"Wrote profile '{ProfileName}' to {written} (the target of {path}).");
        if (PassThru.IsPresent)
        {
            WriteObject(new FileInfo(path));
        }
    }

    private string BuildCredentialProcess(CertificateQuery query, RolesAnywhereSessionSource source, IamraCertificate certificate)
    {
        var module = ModuleFiles;
        var spec = new CredentialProcessSpec
        {
            PwshCommandLine = PwshCommandLine(),
            ModuleManifestPath = module.ManifestPath,
            Query = query,
            Certificate = certificate,
            Source = source,
            Latest = Latest.IsPresent,
            ExplicitEndpoint = RolesAnywhereEndpointUrl is not null,
        };

        // The native helper, when the module ships it for this platform: the same line for every
        // certificate source (files, stores, PKCS#11 keys).
        var helper = UsePowerShell.IsPresent
            ? null
            : Credentials.CredentialHelperArguments.FindHelper(module.Directory);
        if (helper is null && !UsePowerShell.IsPresent)
        {
            WriteVerbose($"The module has no native credential_process helper for {Credentials.CredentialHelperArguments.HostRid()}: writing the pwsh line.");
        }

        return helper is null ? CredentialProcessCommand.Build(spec) : CredentialProcessCommand.BuildNative(helper, spec);
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
