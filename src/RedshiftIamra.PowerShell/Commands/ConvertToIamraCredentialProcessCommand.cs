using System.Management.Automation;
using System.Text;
using System.Text.Json;

namespace RedshiftIamra.PowerShell.Commands;

/// <summary>
/// <c>ConvertTo-IamraCredentialProcess</c>: writes a session as the JSON the AWS CLI and SDKs
/// read from a <c>credential_process</c>. Its output holds the secret in clear, by design:
/// it is meant for the standard output of a credential process only.
/// </summary>
[Cmdlet(VerbsData.ConvertTo, "IamraCredentialProcess")]
[OutputType(typeof(string))]
public sealed class ConvertToIamraCredentialProcessCommand : IamraCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ValidateNotNull]
    public IamraSession Session { get; set; } = null!;

    protected override void Process() => WriteObject(ToJson(Session));

    internal static string ToJson(IamraSession session)
    {
        var credentials = session.Credentials;
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WriteNumber("Version", 1);
            writer.WriteString("AccessKeyId", credentials.AccessKeyId);
            writer.WriteString("SecretAccessKey", credentials.SecretAccessKey);
            writer.WriteString("SessionToken", credentials.SessionToken);
            // The AWS CLI and SDKs judge Expiration by this machine's clock: translate it from the
            // service's clock, so a skewed machine still refreshes on time.
            writer.WriteString("Expiration", (session.ExpiresAt - session.ClockOffset).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture));
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
