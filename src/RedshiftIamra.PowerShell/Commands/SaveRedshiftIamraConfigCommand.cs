using System.Management.Automation;
using System.Security.Cryptography.X509Certificates;
using RedshiftIamra.Certificates;
using RedshiftIamra.Configuration;

namespace RedshiftIamra.PowerShell.Commands;

/// <summary>
/// <c>Save-RedshiftIamraConfig</c>: stores what a connection needs under a name, for
/// <c>Connect-RedshiftIamra -ConfigName</c> in unattended jobs: how to find the certificate,
/// the Roles Anywhere ARNs, the Redshift target, endpoints and TLS roots. Never a secret.
/// </summary>
[Cmdlet(VerbsData.Save, "RedshiftIamraConfig", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = ThumbprintSet)]
[OutputType(typeof(RedshiftIamraConfig))]
public sealed class SaveRedshiftIamraConfigCommand : RedshiftConnectionCmdlet
{
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = null!;

    /// <summary>A stack from Get-RedshiftIamraStack: its values fill what the parameters do not give.</summary>
    [Parameter(ValueFromPipeline = true)]
    public RedshiftIamraStack? InputObject { get; set; }

    /// <summary>Saves without looking for the certificate now (for a machine it is not installed on yet).</summary>
    [Parameter]
    public SwitchParameter SkipCertificateCheck { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>Where staged loads and UNLOAD exports go (as Connect-RedshiftIamra -Staging); the stack's Staging otherwise.</summary>
    [Parameter]
    [StagingSettingsTransformation]
    public RedshiftIamra.Loading.RedshiftStagingSettings? Staging { get; set; }

    protected override void Process()
    {
        RedshiftIamraConfigStore.ValidateName(Name);
        RefuseUnsavable();
        var stack = InputObject;
        var typed = new HashSet<string>(CommandLineParameters, StringComparer.OrdinalIgnoreCase);
        var target = TargetSettings().WithStack(stack, typed, out var note);
        if (note is not null)
        {
            WriteVerbose(note);
        }

        var connect = ConnectSettings() with { Staging = Staging };
        var config = RedshiftIamraConfig.FromStages(Name, SourceSettings(), SessionSettings().WithStack(stack), target, connect.WithStack(stack), Typed, path => Resolve(path)!, stack?.StackName);
        RedshiftIamraConfigStore.Validate(config);
        if (!SkipCertificateCheck.IsPresent)
        {
            CheckCertificate(config);
        }

        var path = RedshiftIamraConfigStore.DefaultPath();
        var exists = RedshiftIamraConfigStore.Load(path).Any(c => string.Equals(c.Name, Name, StringComparison.OrdinalIgnoreCase));
        if (!ShouldProcess(path, $"{(exists ? "Replace" : "Add")} the configuration '{Name}': {config.Target}, certificate {config.Certificate}"))
        {
            return;
        }

        var saved = RedshiftIamraConfigStore.Save(path, config);
        WriteVerbose($"{(exists ? "Replaced" : "Added")} the configuration '{Name}' in {path}.");
        if (PassThru.IsPresent)
        {
            WriteObject(saved);
        }
    }

    /// <summary>
    /// Refuses what a saved configuration cannot hold: a secret (a password, a PIN, AWS keys or
    /// a session), a source that is not a lasting way to find the certificate (a piped
    /// certificate, another configuration), and settings it does not keep (weaker TLS, -SessionOption).
    /// </summary>
    private void RefuseUnsavable()
    {
        string? refused = ParameterSetName switch
        {
            _ when Session is not null || AccessKey is not null || SecretKey is not null || SessionToken is not null
                => "AWS credentials (-Session, -AccessKey, -SecretKey, -SessionToken): a saved configuration never holds a secret, and signs its own session with the certificate",
            AwsCredentialSet => "no certificate source: give -Thumbprint, a -Subject/-Issuer/-SerialNumber selector, -Path, or a PKCS#11 key (-Pkcs11Uri, -TokenLabel)",
            CertificateSet => "a piped certificate: give -Thumbprint or a selector, which finds the certificate again after it is renewed",
            ConfigSet => "-ConfigName: save under a new name with the parameters themselves",
            _ => null,
        };
        if (Password is not null || Pin is not null || (ParameterSetName == Pkcs11UriSet && Pkcs11.Pkcs11Uri.Parse(Pkcs11Uri).PinValue is not null))
        {
            refused = "a password or token PIN: a saved configuration never holds a secret (give -Password or -Pin to Connect-RedshiftIamra -ConfigName, or name a PIN file with pin-source=file: in the URI)";
        }

        if (refused is null)
        {
            foreach (var parameter in new[] { nameof(SessionOption), nameof(TlsMode), nameof(AllowUnverifiedTls) })
            {
                if (Typed(parameter))
                {
                    refused = $"-{parameter}: a saved configuration does not keep it (it always verifies TLS fully; give -{parameter} beside -ConfigName when connecting)";
                }
            }
        }

        if (refused is not null)
        {
            throw new IamraException(ErrorIds.Config.CannotSave, IamraErrorCategory.InvalidArgument,
                $"The configuration '{Name}' cannot be saved with {refused}.", Name);
        }
    }

    /// <summary>Given on the command line: what the user typed wins over what the pipeline brings.</summary>
    private bool Typed(string parameter) => CommandLineParameters.Contains(parameter);

    /// <summary>Finds the certificate now, so a typo shows here and not in the first scheduled run.</summary>
    private void CheckCertificate(RedshiftIamraConfig config)
    {
        if (config.CertificatePath is not null)
        {
            foreach (var (file, parameter) in new[] { (config.CertificatePath, "-Path"), (config.PrivateKeyPath, "-PrivateKeyPath"), (config.ChainPath, "-ChainPath") })
            {
                if (file is not null && !File.Exists(file))
                {
                    throw new IamraException(ErrorIds.Certificate.FileNotFound, IamraErrorCategory.ObjectNotFound,
                        $"{parameter} '{file}' does not exist. Give the right path, or add -SkipCertificateCheck to save it for a machine where it will exist.", file);
                }
            }

            // The key may be encrypted: its password is never saved, so the files are not opened here.
            return;
        }

        if (UsesPkcs11)
        {
            // The token is looked up (and logged in to) when the configuration is used, with its PIN.
            WriteVerbose($"The PKCS#11 key {config.Certificate} is not checked now: its PIN is never saved.");
            return;
        }

        var query = new CertificateSourceSettings().WithConfig(config, new SettingPrecedence(new HashSet<string>())).ToQuery(path => path);

        try
        {
            var certificate = CertificateFinder.FindSingle(query, config.Latest);
            WriteVerbose($"The certificate is {certificate.Subject} ({certificate.Thumbprint}), valid until {certificate.NotAfter:yyyy-MM-dd}.");
        }
        catch (IamraException e)
        {
            throw new IamraException(e.ErrorId, e.Category, $"{e.Message} (Add -SkipCertificateCheck to save the configuration for a machine where the certificate will be.)", e.Target, e)
            {
                RecommendedAction = e.RecommendedAction,
            };
        }
    }
}
