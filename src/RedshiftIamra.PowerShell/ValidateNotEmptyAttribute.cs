using System.Management.Automation;

namespace RedshiftIamra.PowerShell;

/// <summary>
/// Refuses an empty or blank string but lets null through. For optional parameters that bind
/// by property name: an object whose property is null (a stack without a workgroup, say) then
/// binds as "not given" instead of failing the whole pipeline input, while <c>-Name ''</c>
/// typed by a user is still an error.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class ValidateNotEmptyAttribute : ValidateArgumentsAttribute
{
    protected override void Validate(object arguments, EngineIntrinsics engineIntrinsics)
    {
        var value = arguments is PSObject wrapped ? wrapped.BaseObject : arguments;
        if (value is string text && string.IsNullOrWhiteSpace(text))
        {
            throw new ValidationMetadataException("The argument is empty. Provide a value, or leave the parameter out.");
        }
    }
}
