using System.Management.Automation;
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

    protected override void Process()
    {
        var options = ConnectionOptions(!NoPooling.IsPresent, MaxPoolSize, ConnectTimeoutSeconds, CommandTimeoutSeconds);
        if (ParameterSetName == CredentialSet)
        {
            RefuseTargetWithCredential();
        }

        var credential = ParameterSetName == CredentialSet ? Credential : ObtainCredential();
        var connection = Await((log, token) => RedshiftConnection.OpenAsync(credential, options, log, token));
        ConnectionRegistry.Add(connection, makeDefault: !NoDefault.IsPresent);
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
            ? ConnectionRegistry.All()
            : Connection ?? (ConnectionRegistry.Default is { } current ? new[] { current } : Array.Empty<RedshiftConnection>());
        foreach (var connection in targets)
        {
            if (ShouldProcess($"{connection.Host}:{connection.Port}/{connection.Database} ({connection.Id})", "Close the connection and its pool"))
            {
                ConnectionRegistry.Close(connection);
                WriteVerbose($"Closed {connection.Id}.");
            }
        }
    }
}
