using System.Collections;
using System.Collections.Frozen;
using System.Management.Automation;
using RedshiftIamra.Loading;

namespace RedshiftIamra.PowerShell;

/// <summary>
/// Lets -Staging take the staging settings as a hashtable (<c>@{ Bucket = 'etl-staging'; CopyRoleArn = '...' }</c>),
/// with the keys of <see cref="RedshiftStagingSettings"/> or the names of Write-RedshiftTable's staging
/// parameters (StagingBucket, StagingPrefix, S3EndpointUrl), as well as a settings object (a stack's
/// or a saved configuration's <c>Staging</c>). The values are checked where the cmdlet runs
/// (RedshiftStagingInvalid), not here.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class StagingSettingsTransformationAttribute : ArgumentTransformationAttribute
{
    private static readonly FrozenDictionary<string, string> s_keys = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["Bucket"] = nameof(RedshiftStagingSettings.Bucket),
        ["StagingBucket"] = nameof(RedshiftStagingSettings.Bucket),
        ["Prefix"] = nameof(RedshiftStagingSettings.Prefix),
        ["StagingPrefix"] = nameof(RedshiftStagingSettings.Prefix),
        ["CopyRoleArn"] = nameof(RedshiftStagingSettings.CopyRoleArn),
        ["KmsKeyId"] = nameof(RedshiftStagingSettings.KmsKeyId),
        ["EndpointUrl"] = nameof(RedshiftStagingSettings.EndpointUrl),
        ["S3EndpointUrl"] = nameof(RedshiftStagingSettings.EndpointUrl),
        ["Region"] = nameof(RedshiftStagingSettings.Region),
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        var value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
        switch (value)
        {
            case null:
            case RedshiftStagingSettings:
                return value;
            case IDictionary dictionary:
                var values = new Dictionary<string, string?>(StringComparer.Ordinal);
                foreach (DictionaryEntry entry in dictionary)
                {
                    var key = entry.Key?.ToString() ?? string.Empty;
                    if (!s_keys.TryGetValue(key, out var property))
                    {
                        throw new ArgumentTransformationMetadataException(
                            $"-Staging has no setting '{key}': use Bucket, Prefix, CopyRoleArn, KmsKeyId, EndpointUrl and Region (or StagingBucket, StagingPrefix, S3EndpointUrl).");
                    }

                    values[property] = (entry.Value is PSObject p ? p.BaseObject : entry.Value)?.ToString();
                }

                return Build(values);
            case not null when inputData is PSObject shape && shape.Properties[nameof(RedshiftStagingSettings.Bucket)] is not null:
                // A deserialized settings object (a job, a remoting session): its properties by name.
                var copied = new Dictionary<string, string?>(StringComparer.Ordinal);
                foreach (var name in s_keys.Values.Distinct())
                {
                    copied[name] = shape.Properties[name]?.Value?.ToString();
                }

                return Build(copied);
            default:
                throw new ArgumentTransformationMetadataException(
                    $"-Staging takes a hashtable (@{{ Bucket = 'my-bucket'; CopyRoleArn = 'arn:aws:iam::123456789012:role/copy' }}) or the Staging of a stack or saved configuration, not a {value.GetType().Name}.");
        }
    }

    private static RedshiftStagingSettings Build(Dictionary<string, string?> values) => new()
    {
        Bucket = values.GetValueOrDefault(nameof(RedshiftStagingSettings.Bucket))
            ?? throw new ArgumentTransformationMetadataException("-Staging needs a Bucket: the S3 bucket staged files go to (e.g. @{ Bucket = 'etl-staging'; CopyRoleArn = '...' })."),
        Prefix = values.GetValueOrDefault(nameof(RedshiftStagingSettings.Prefix)) ?? RedshiftStagingSettings.DefaultPrefix,
        CopyRoleArn = values.GetValueOrDefault(nameof(RedshiftStagingSettings.CopyRoleArn)),
        KmsKeyId = values.GetValueOrDefault(nameof(RedshiftStagingSettings.KmsKeyId)),
        EndpointUrl = values.GetValueOrDefault(nameof(RedshiftStagingSettings.EndpointUrl)),
        Region = values.GetValueOrDefault(nameof(RedshiftStagingSettings.Region)),
    };
}
