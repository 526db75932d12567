using System.Management.Automation;
using RedshiftIamra.Credentials;

namespace RedshiftIamra.PowerShell.Commands;

/// <summary>
/// <c>Update-IamraCredentialFile</c>: writes a Roles Anywhere session into one profile of the
/// AWS shared credentials file, atomically, and (without <c>-Once</c>) keeps it fresh ahead of
/// expiry until Ctrl+C or SIGTERM, retrying failures with backoff.
/// </summary>
[Cmdlet(VerbsData.Update, "IamraCredentialFile", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(FileInfo))]
public sealed class UpdateIamraCredentialFileCommand : IamraCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ValidateNotNull]
    public IamraSession Session { get; set; } = null!;

    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string ProfileName { get; set; } = null!;

    /// <summary>The credentials file; by default AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    /// <summary>Write once and return.</summary>
    [Parameter]
    public SwitchParameter Once { get; set; }

    protected override void Process()
    {
        SharedCredentialsFile.ValidateProfileName(ProfileName);
        var path = Resolve(Path) ?? SharedCredentialsFile.DefaultPath();
        if (!ShouldProcess(path, $"Write profile '{ProfileName}' (credentials {Session.AccessKeyId}, valid until {Session.ExpiresAt:yyyy-MM-dd HH:mm:ss}Z){(Once.IsPresent ? string.Empty : " and keep it fresh")}"))
        {
            return;
        }

        var current = new CachedCredentials(Session.Credentials, Session.IssuedAt, Session.ExpiresAt, Session.FromCache);
        if (Once.IsPresent)
        {
            SharedCredentialsFile.WriteProfile(path, ProfileName, current);
            WriteVerbose($"Wrote profile '{ProfileName}' of {path}: {current}.");
            WriteObject(new FileInfo(path));
            return;
        }

        var log = new PendingLog();
        var keeper = SessionKeeper.ForSource(Session.Source, null, log);
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
