using System.Management.Automation;
using System.Security;

namespace RedshiftIamra.PowerShell;

/// <summary>
/// Lets a SecureString parameter also take a plain string, as AWS Tools for PowerShell users
/// splat -SecretKey and -SessionToken. The string becomes a read-only SecureString at binding;
/// a value of any other type is refused with a message that never repeats the value.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class SecureStringTransformationAttribute : ArgumentTransformationAttribute
{
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        var value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
        switch (value)
        {
            case null:
                return null;
            case SecureString secure:
                return secure;
            case string plain:
                var result = new SecureString();
                foreach (var c in plain)
                {
                    result.AppendChar(c);
                }

                result.MakeReadOnly();
                return result;
            default:
                // The message names the type only: the value may be a secret.
                throw new ArgumentTransformationMetadataException(
                    $"Give a SecureString or a string, not a {value.GetType().Name}.");
        }
    }
}
