using System.Text.RegularExpressions;

namespace RedshiftIamra.Aws;

/// <summary>A parsed Amazon Resource Name: <c>arn:partition:service:region:account:resource</c>.</summary>
public sealed record AwsArn(string Partition, string Service, string Region, string Account, string Resource)
{
    private static readonly Regex s_account = new("^[0-9]{12}$", RegexOptions.CultureInvariant);
    private static readonly Regex s_uuid = new("^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$", RegexOptions.CultureInvariant);
    private static readonly Regex s_roleName = new(@"^[\w+=,.@-]{1,64}$", RegexOptions.CultureInvariant);
    private static readonly Regex s_rolePath = new(@"^(/[\x21-\x7E]*)?/$", RegexOptions.CultureInvariant);

    public const string InvalidArnErrorId = ErrorIds.Aws.InvalidArn;

    public override string ToString() => $"arn:{Partition}:{Service}:{Region}:{Account}:{Resource}";

    /// <summary>Parses an ARN, or says what is wrong with it (naming the parameter and the expected form).</summary>
    public static AwsArn Parse(string? value, string parameterName, string expectedForm)
    {
        var parts = value?.Split(':', 6);
        if (value is null || parts is null || parts.Length != 6 || parts[0] != "arn" || parts.Take(3).Any(string.IsNullOrEmpty) || parts[5].Length == 0)
        {
            throw Invalid(value, parameterName, expectedForm, "it is not an ARN");
        }

        if (!AwsPartition.IsKnownPartition(parts[1]))
        {
            throw Invalid(value, parameterName, expectedForm, $"'{parts[1]}' is not an AWS partition (aws, aws-cn, aws-us-gov, aws-iso, aws-iso-b)");
        }

        return new AwsArn(parts[1], parts[2], parts[3], parts[4], parts[5]);
    }

    /// <summary>A Roles Anywhere trust anchor or profile ARN: <c>arn:aws:rolesanywhere:REGION:ACCOUNT:trust-anchor/UUID</c>.</summary>
    public static AwsArn ParseRolesAnywhere(string? value, string parameterName, string resourceType)
    {
        var expected = $"arn:aws:rolesanywhere:<region>:<12-digit account>:{resourceType}/<id>";
        var arn = Parse(value, parameterName, expected);
        if (arn.Service != "rolesanywhere")
        {
            throw Invalid(value, parameterName, expected, $"its service is '{arn.Service}', not 'rolesanywhere'");
        }

        if (!AwsRegion.IsValid(arn.Region))
        {
            throw Invalid(value, parameterName, expected, $"'{arn.Region}' is not a region");
        }

        if (!AwsPartition.Of(arn.Region).Equals(arn.Partition, StringComparison.Ordinal))
        {
            throw Invalid(value, parameterName, expected, $"region {arn.Region} is not in partition {arn.Partition}");
        }

        if (!s_account.IsMatch(arn.Account))
        {
            throw Invalid(value, parameterName, expected, $"'{arn.Account}' is not a 12-digit account id");
        }

        var prefix = resourceType + "/";
        if (!arn.Resource.StartsWith(prefix, StringComparison.Ordinal) || !s_uuid.IsMatch(arn.Resource[prefix.Length..]))
        {
            throw Invalid(value, parameterName, expected, $"its resource '{arn.Resource}' is not {resourceType}/<id> (the id is a UUID)");
        }

        return arn;
    }

    /// <summary>An IAM role ARN: <c>arn:aws:iam::ACCOUNT:role/[path/]NAME</c>.</summary>
    public static AwsArn ParseRole(string? value, string parameterName)
    {
        const string expected = "arn:aws:iam::<12-digit account>:role/<name>";
        var arn = Parse(value, parameterName, expected);
        if (arn.Service != "iam")
        {
            throw Invalid(value, parameterName, expected, $"its service is '{arn.Service}', not 'iam'");
        }

        if (arn.Region.Length != 0)
        {
            throw Invalid(value, parameterName, expected, "IAM role ARNs have no region (arn:aws:iam::<account>:role/<name>)");
        }

        if (!s_account.IsMatch(arn.Account))
        {
            throw Invalid(value, parameterName, expected, $"'{arn.Account}' is not a 12-digit account id");
        }

        if (!arn.Resource.StartsWith("role/", StringComparison.Ordinal))
        {
            throw Invalid(value, parameterName, expected, $"its resource '{arn.Resource}' is not role/<name>");
        }

        var slash = arn.Resource.LastIndexOf('/');
        var path = arn.Resource[4..(slash + 1)];
        var name = arn.Resource[(slash + 1)..];
        if (!s_roleName.IsMatch(name) || !s_rolePath.IsMatch(path))
        {
            throw Invalid(value, parameterName, expected, $"'{name}' is not a role name (1-64 letters, digits and +=,.@_-)");
        }

        return arn;
    }

    /// <summary>The role name of an IAM role ARN (the part after the last '/').</summary>
    public string RoleName => Resource[(Resource.LastIndexOf('/') + 1)..];

    private static IamraException Invalid(string? value, string parameterName, string expectedForm, string why) =>
        new(InvalidArnErrorId, IamraErrorCategory.InvalidArgument,
            $"-{parameterName} '{value}' is not valid: {why}. Expected {expectedForm}.", value);
}

/// <summary>AWS partitions: which one a region is in, and its DNS suffix.</summary>
public static class AwsPartition
{
    public static bool IsKnownPartition(string partition) => partition is "aws" or "aws-cn" or "aws-us-gov" or "aws-iso" or "aws-iso-b" or "aws-iso-e" or "aws-iso-f" or "aws-eusc";

    public static string Of(string region) => region switch
    {
        _ when region.StartsWith("cn-", StringComparison.Ordinal) => "aws-cn",
        _ when region.StartsWith("us-gov-", StringComparison.Ordinal) => "aws-us-gov",
        _ when region.StartsWith("us-isob-", StringComparison.Ordinal) => "aws-iso-b",
        _ when region.StartsWith("us-iso-", StringComparison.Ordinal) => "aws-iso",
        _ when region.StartsWith("eu-isoe-", StringComparison.Ordinal) => "aws-iso-e",
        _ when region.StartsWith("us-isof-", StringComparison.Ordinal) => "aws-iso-f",
        _ when region.StartsWith("eusc-", StringComparison.Ordinal) => "aws-eusc",
        _ => "aws",
    };

    public static string DnsSuffix(string region) => Of(region) switch
    {
        "aws-cn" => "amazonaws.com.cn",
        "aws-iso" => "c2s.ic.gov",
        "aws-iso-b" => "sc2s.sgov.gov",
        "aws-iso-e" => "cloud.adc-e.uk",
        "aws-iso-f" => "csp.hci.ic.gov",
        "aws-eusc" => "amazonaws.eu",
        _ => "amazonaws.com",
    };
}

/// <summary>Region names: <c>us-east-1</c>, <c>eu-central-2</c>, <c>cn-north-1</c>, <c>us-gov-west-1</c>.</summary>
public static class AwsRegion
{
    private static readonly Regex s_region = new("^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$", RegexOptions.CultureInvariant);

    public const string InvalidRegionErrorId = ErrorIds.Aws.InvalidRegion;

    public static bool IsValid(string? region) => region is not null && s_region.IsMatch(region);

    public static string Validate(string? region, string parameterName = "Region")
    {
        if (!IsValid(region))
        {
            throw new IamraException(InvalidRegionErrorId, IamraErrorCategory.InvalidArgument,
                $"-{parameterName} '{region}' is not an AWS region name. Expected a name such as us-east-1, eu-west-2 or cn-north-1.", region);
        }

        return region!;
    }

    /// <summary>
    /// The region when no more specific source named one: explicit, else the credential
    /// source's (session or profile), else <c>AWS_REGION</c> / <c>AWS_DEFAULT_REGION</c>;
    /// none of them is <c>IamraRegionRequired</c> with <paramref name="missingMessage"/>.
    /// </summary>
    public static (string Region, string Source) Resolve(string? explicitRegion, AwsCredentialSource credentials, string missingMessage, Func<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        environment ??= Environment.GetEnvironmentVariable;
        if (explicitRegion is not null)
        {
            return (Validate(explicitRegion), "the -Region parameter");
        }

        if (credentials.Region is { } fromCredentials)
        {
            return (fromCredentials, credentials.RegionOrigin);
        }

        foreach (var variable in new[] { "AWS_REGION", "AWS_DEFAULT_REGION" })
        {
            var value = environment(variable);
            if (!string.IsNullOrWhiteSpace(value))
            {
                return (Validate(value.Trim(), variable), $"the {variable} environment variable");
            }
        }

        throw new IamraException(RegionRequiredErrorId, IamraErrorCategory.InvalidArgument, missingMessage);
    }

    public const string RegionRequiredErrorId = ErrorIds.Aws.RegionRequired;
}
