using System.Text.RegularExpressions;

namespace RedshiftIamra.CloudFormation;

/// <summary>CloudFormation's rules for stack names and ids, checked before any call.</summary>
public static class CloudFormationNames
{
    public const string InvalidStackName = ErrorIds.Stack.InvalidName;

    private static readonly Regex s_name = new("^[A-Za-z][A-Za-z0-9-]{0,127}$", RegexOptions.CultureInvariant);
    private static readonly Regex s_id = new(@"^arn:aws[a-z-]*:cloudformation:([a-z]{2}(-[a-z]+)+-[0-9]{1,2}):[0-9]{12}:stack/([A-Za-z][A-Za-z0-9-]{0,127})/[0-9A-Za-z-]+$", RegexOptions.CultureInvariant);

    /// <summary>A stack name (a letter, then letters, digits and hyphens, at most 128) or a stack id (its ARN).</summary>
    public static string ValidateStackName(string? value, string parameterName = "StackName")
    {
        if (value is not null && (s_name.IsMatch(value) || s_id.IsMatch(value)))
        {
            return value;
        }

        throw new IamraException(InvalidStackName, IamraErrorCategory.InvalidArgument,
            $"-{parameterName} '{value}' is not a stack name or stack id: a name starts with a letter and has only letters, digits and hyphens (at most 128); an id is arn:aws:cloudformation:<region>:<account>:stack/<name>/<id>.", value);
    }

    /// <summary>The region of a stack id (ARN), or null for a plain name.</summary>
    public static string? RegionOf(string stackNameOrId)
    {
        var match = s_id.Match(stackNameOrId);
        return match.Success ? match.Groups[1].Value : null;
    }

    /// <summary>The name part of a stack id, or the name itself.</summary>
    public static string NameOf(string stackNameOrId)
    {
        var match = s_id.Match(stackNameOrId);
        return match.Success ? match.Groups[3].Value : stackNameOrId;
    }
}
