using System.Globalization;
using System.Text;
using System.Text.Json;
using RedshiftIamra.Aws;

namespace RedshiftIamra.Credentials;

/// <summary>
/// The JSON documents AWS clients read temporary credentials from, one writer per consumer.
/// Each holds the secret in clear by design: it is written only to the consumer that asked.
/// </summary>
public static class CredentialDocuments
{
    /// <summary>ISO 8601 in UTC to the second, as AWS writes expirations (<c>2026-11-26T20:00:00Z</c>).</summary>
    public static string FormatTime(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    /// <summary>
    /// What a <c>credential_process</c> prints: compact JSON with <c>Version</c> 1,
    /// <c>AccessKeyId</c>, <c>SecretAccessKey</c>, <c>SessionToken</c>, <c>Expiration</c>
    /// (AWS CLI / SDK "Sourcing credentials with an external process").
    /// </summary>
    public static string CredentialProcess(AwsCredentials credentials, DateTimeOffset expiration) => Write(writer =>
    {
        writer.WriteNumber("Version", 1);
        writer.WriteString("AccessKeyId", credentials.AccessKeyId);
        writer.WriteString("SecretAccessKey", credentials.SecretAccessKey);
        writer.WriteString("SessionToken", credentials.SessionToken);
        writer.WriteString("Expiration", FormatTime(expiration));
    });

    /// <summary>
    /// The container credentials endpoint's answer (what botocore's <c>ContainerProvider</c>
    /// and the SDKs' container credential providers read): <c>AccessKeyId</c>,
    /// <c>SecretAccessKey</c>, <c>Token</c>, <c>Expiration</c>; <c>RoleArn</c> as ECS adds it.
    /// </summary>
    public static string Container(AwsCredentials credentials, DateTimeOffset expiration, string? roleArn) => Write(writer =>
    {
        if (roleArn is not null)
        {
            writer.WriteString("RoleArn", roleArn);
        }

        writer.WriteString("AccessKeyId", credentials.AccessKeyId);
        writer.WriteString("SecretAccessKey", credentials.SecretAccessKey);
        writer.WriteString("Token", credentials.SessionToken);
        writer.WriteString("Expiration", FormatTime(expiration));
    });

    /// <summary>
    /// The instance metadata credential document, as EC2 returns it for
    /// <c>/latest/meta-data/iam/security-credentials/ROLE</c>: <c>Code</c>, <c>LastUpdated</c>,
    /// <c>Type</c> (<c>AWS-HMAC</c>), <c>AccessKeyId</c>, <c>SecretAccessKey</c>, <c>Token</c>,
    /// <c>Expiration</c>, pretty-printed with two spaces like EC2.
    /// </summary>
    public static string InstanceMetadata(AwsCredentials credentials, DateTimeOffset lastUpdated, DateTimeOffset expiration) => Write(writer =>
    {
        writer.WriteString("Code", "Success");
        writer.WriteString("LastUpdated", FormatTime(lastUpdated));
        writer.WriteString("Type", "AWS-HMAC");
        writer.WriteString("AccessKeyId", credentials.AccessKeyId);
        writer.WriteString("SecretAccessKey", credentials.SecretAccessKey);
        writer.WriteString("Token", credentials.SessionToken);
        writer.WriteString("Expiration", FormatTime(expiration));
    }, indented: true);

    private static string Write(Action<Utf8JsonWriter> body, bool indented = false)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = indented }))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
