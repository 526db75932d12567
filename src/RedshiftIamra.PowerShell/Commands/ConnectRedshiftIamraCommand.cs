using System.Management.Automation;
using RedshiftIamra.Configuration;
using RedshiftIamra.PowerShell;

namespace RedshiftIamra.PowerShell.Commands;

/// <summary>
/// <c>Connect-RedshiftIamra</c>: opens a TLS-verified connection that renews its own password,
/// and makes it the default for Invoke-RedshiftQuery.
/// </summary>
[Cmdlet(VerbsCommunications.Connect, "RedshiftIamra", DefaultParameterSetName = CredentialSet)]
[OutputType(typeof(RedshiftConnection))]
public sealed class ConnectRedshiftIamraCommand : RedshiftConnectionCmdlet
{
    private const string CredentialSet = "Credential";

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = CredentialSet, ValueFromPipeline = true)]
    [ValidateNotNull]
    public RedshiftDbCredential Credential { get; set; } = null!;

    [Parameter]
    [ValidateRange(1, 1000)]
    public int MaxPoolSize { get; set; } = 20;

    [Parameter]
    public SwitchParameter NoPooling { get; set; }

    [Parameter]
    [ValidateRange(1, 600)]
    public int ConnectTimeoutSeconds { get; set; } = 15;

    /// <summary>The default command timeout for queries on this connection; 0 waits forever.</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int CommandTimeoutSeconds { get; set; }

    /// <summary>Does not make this connection the session's default.</summary>
    [Parameter]
    public SwitchParameter NoDefault { get; set; }

    /// <summary>
    /// Where this connection's staged loads and UNLOAD exports go: a hashtable (Bucket, Prefix,
    /// CopyRoleArn, KmsKeyId, EndpointUrl, Region) or a stack's or configuration's Staging. With
    /// -ConfigName the saved configuration's otherwise. Write-RedshiftTable's and
    /// Export-RedshiftQuery's staging parameters override it value by value.
    /// </summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [StagingSettingsTransformation]
    public RedshiftIamra.Loading.RedshiftStagingSettings? Staging { get; set; }

    protected override void ApplyConfig(RedshiftIamraConfig config, SettingPrecedence precedence)
    {
        base.ApplyConfig(config, precedence);
        Staging = new RedshiftConnectSettings { Staging = Staging }.WithStagingFromConfig(config, precedence).Staging;
    }

    protected override void Process()
    {
        var options = ConnectionOptions(!NoPooling.IsPresent, MaxPoolSize, ConnectTimeoutSeconds, CommandTimeoutSeconds);
        if (ParameterSetName == CredentialSet)
        {
            RefuseTargetWithCredential();
        }

        var staging = Staging?.Validate(); // before any network call
        var credential = ParameterSetName == CredentialSet ? Credential : ObtainCredential();
        var connection = Await((log, token) => RedshiftConnection.OpenAsync(credential, options, log, token));
        if (staging is not null)
        {
            connection.Staging = staging;
            WriteVerbose($"Staged loads and UNLOAD exports on this connection go to {staging}{(staging.CopyRoleArn is null ? string.Empty : $" (COPY/UNLOAD role {staging.CopyRoleArn})")}.");
        }

        ConnectionRegistry.Current.Add(connection, makeDefault: !NoDefault.IsPresent);
        WriteVerbose($"Connected ({connection.Id}) to {connection.Host}:{connection.Port}/{connection.Database} as {connection.User}{(NoDefault.IsPresent ? string.Empty : "; it is now the default connection")}.");
        WriteObject(connection);
    }
}

/// <summary><c>Disconnect-RedshiftIamra</c>: closes a connection and its pool.</summary>
[Cmdlet(VerbsCommunications.Disconnect, "RedshiftIamra", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(void))]
public sealed class DisconnectRedshiftIamraCommand : IamraCmdlet
{
    /// <summary>The connection to close; the default connection when omitted.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true)]
    public RedshiftConnection[]? Connection { get; set; }

    /// <summary>Closes every connection this process opened.</summary>
    [Parameter]
    public SwitchParameter All { get; set; }

    protected override void Process()
    {
        var targets = All.IsPresent
            ? ConnectionRegistry.Current.All()
            : Connection ?? (ConnectionRegistry.Current.Default is { } current ? new[] { current } : Array.Empty<RedshiftConnection>());
        // Close every one first, then report every failure: one that fails does not leave the rest open.
        var failures = new List<(RedshiftConnection Connection, Exception Error)>();
        foreach (var connection in targets)
        {
            if (ShouldProcess($"{connection.Host}:{connection.Port}/{connection.Database} ({connection.Id})", "Close the connection and its pool"))
            {
                try
                {
                    failures.AddRange(ConnectionRegistry.Current.Close(connection).Select(e => (connection, e)));
                }
                catch (Exception e) when (e is not (OutOfMemoryException or PipelineStoppedException))
                {
                    failures.Add((connection, e));
                }

                WriteVerbose($"Closed {connection.Id}.");
            }
        }

        foreach (var (connection, error) in failures)
        {
            WriteIamraError(error as IamraException ?? new IamraException(ErrorIds.Connection.Closed, IamraErrorCategory.ConnectionError,
                $"Closing {connection.Id} ({connection.Host}:{connection.Port}/{connection.Database}) did not finish cleanly: {error.Message} It is removed from this session either way.", connection.Id, error));
        }
    }
}
