using System.Management.Automation;
using RedshiftIamra.Credentials;

namespace RedshiftIamra.PowerShell.Commands;

/// <summary>
/// <c>Update-IamraCredentialFile</c>: writes a Roles Anywhere session into one profile of the
/// AWS shared credentials file, atomically, and (without <c>-Once</c>) keeps it fresh ahead of
/// expiry until Ctrl+C or SIGTERM, retrying failures with backoff. The session comes from the
/// pipeline, or is created from a certificate source and the Roles Anywhere settings.
/// </summary>
[Cmdlet(VerbsData.Update, "IamraCredentialFile", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = SessionSet)]
[OutputType(typeof(FileInfo))]
public sealed class UpdateIamraCredentialFileCommand : RolesAnywhereCmdlet
{
    private const string SessionSet = "Session";

    /// <summary>The session to write (renewed from its certificate ahead of expiry).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = SessionSet)]
    [ValidateNotNull]
    public IamraSession Session { get; set; } = null!;

    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string ProfileName { get; set; } = null!;

    /// <summary>The credentials file; by default AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? CredentialsPath { get; set; }

    /// <summary>Write once and return.</summary>
    [Parameter]
    public SwitchParameter Once { get; set; }

    protected override void Process()
    {
        SharedCredentialsFile.ValidateProfileName(ProfileName);
        var path = Resolve(CredentialsPath) ?? SharedCredentialsFile.DefaultPath();
        var what = ParameterSetName == SessionSet
            ? $"credentials {Session.AccessKeyId}, valid until {Session.ExpiresAt:yyyy-MM-dd HH:mm:ss}Z"
            : "credentials of a new Roles Anywhere session";
        if (!ShouldProcess(path, $"Write profile '{ProfileName}' ({what}){(Once.IsPresent ? string.Empty : " and keep it fresh")}"))
        {
            return;
        }

        var session = Session;
        if (ParameterSetName != SessionSet)
        {
            var source = SessionSource(SigningCertificate(), regionIsSessions: true);
            session = Await((log, token) => source.GetSessionAsync(false, log, token));
        }

        var current = new CachedCredentials(session.Credentials, session.IssuedAt, session.ExpiresAt, session.FromCache);
        if (Once.IsPresent)
        {
            SharedCredentialsFile.WriteProfile(path, ProfileName, current);
            WriteVerbose($"Wrote profile '{ProfileName}' of {path}: {current}.");
            WriteObject(new FileInfo(path));
            return;
        }

        var log = new PendingLog();
        var keeper = SessionKeeper.ForSource(session.Source, null, log);
        keeper.Start(current);
        var updater = new CredentialFileUpdater(keeper, path, ProfileName, log);
        try
        {
            updater.Start();
            var stopped = ShutdownSignal.WaitAsync(CancellationToken);
            var announced = false;
            while (!stopped.Wait(TimeSpan.FromMilliseconds(250)))
            {
                log.DrainTo(this);
                if (!announced && updater.Writes > 0)
                {
                    announced = true;
                    WriteObject(new FileInfo(path));
                }
            }

            log.DrainTo(this);
        }
        finally
        {
            updater.DisposeAsync().AsTask().GetAwaiter().GetResult();
            keeper.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }
}
