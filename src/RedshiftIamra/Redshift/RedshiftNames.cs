using System.Globalization;

namespace RedshiftIamra.Redshift;

/// <summary>
/// The naming rules Redshift applies to database users, databases, groups, cluster identifiers,
/// workgroup names and credential durations, checked before any call so that a typo fails at
/// once with a message that names the value and the rule.
/// </summary>
public static class RedshiftNames
{
    public const string InvalidDbUser = ErrorIds.Redshift.InvalidDbUser;
    public const string InvalidDbName = ErrorIds.Redshift.InvalidDbName;
    public const string InvalidDbGroup = ErrorIds.Redshift.InvalidDbGroup;
    public const string InvalidClusterIdentifier = ErrorIds.Redshift.InvalidClusterIdentifier;
    public const string InvalidWorkgroupName = ErrorIds.Redshift.InvalidWorkgroupName;
    public const string InvalidDuration = ErrorIds.Redshift.InvalidDuration;

    public const int MinimumDuration = 900;
    public const int MaximumDuration = 3600;

    private const string DbNameRule = "1 to 64 characters: ASCII letters, digits and _ + . @ -, starting with a letter";
    private const string DbUserRule = DbNameRule + ", and not PUBLIC";
    private const string DbGroupRule = "1 to 64 characters: lower-case ASCII letters, digits and _ + . @ -, starting with a letter";
    private const string ClusterRule = "1 to 63 characters: lower-case letters, digits and hyphens, starting with a letter, without two hyphens in a row and not ending with a hyphen";
    private const string WorkgroupRule = "3 to 64 characters: lower-case letters, digits and hyphens";

    /// <summary>A database user name for <c>GetClusterCredentials</c>.</summary>
    public static string ValidateDbUser(string? value, string parameterName = "DbUser")
    {
        var why = CheckDbObjectName(value, lowerCaseOnly: false);
        if (why is null && string.Equals(value, "PUBLIC", StringComparison.OrdinalIgnoreCase))
        {
            why = "PUBLIC is a reserved name (the group every user belongs to)";
        }

        return why is null ? value! : throw Invalid(InvalidDbUser, parameterName, value, why, DbUserRule);
    }

    /// <summary>A database name.</summary>
    public static string ValidateDbName(string? value, string parameterName = "DbName")
    {
        var why = CheckDbObjectName(value, lowerCaseOnly: false);
        return why is null ? value! : throw Invalid(InvalidDbName, parameterName, value, why, DbNameRule);
    }

    /// <summary>A database group name (one entry of <c>DbGroups</c>).</summary>
    public static string ValidateDbGroup(string? value, string parameterName = "DbGroup")
    {
        var why = CheckDbObjectName(value, lowerCaseOnly: true);
        return why is null ? value! : throw Invalid(InvalidDbGroup, parameterName, value, why, DbGroupRule);
    }

    /// <summary>A provisioned cluster identifier (not its host name).</summary>
    public static string ValidateClusterIdentifier(string? value, string parameterName = "ClusterIdentifier")
    {
        var why = CheckClusterIdentifier(value);
        return why is null ? value! : throw Invalid(InvalidClusterIdentifier, parameterName, value, why, ClusterRule);
    }

    /// <summary>A Redshift Serverless workgroup name.</summary>
    public static string ValidateWorkgroupName(string? value, string parameterName = "WorkgroupName")
    {
        var why = CheckWorkgroupName(value);
        return why is null ? value! : throw Invalid(InvalidWorkgroupName, parameterName, value, why, WorkgroupRule);
    }

    /// <summary>How long database credentials last: 900 to 3600 seconds.</summary>
    public static int ValidateDuration(int? value, string parameterName = "DurationSeconds")
    {
        if (value is not { } seconds || seconds < MinimumDuration || seconds > MaximumDuration)
        {
            throw new IamraException(InvalidDuration, IamraErrorCategory.InvalidArgument,
                $"-{parameterName} {(value is null ? "(none)" : value.Value.ToString(CultureInfo.InvariantCulture))} is not valid: database credentials last {MinimumDuration} to {MaximumDuration} seconds (15 to 60 minutes).", value);
        }

        return seconds;
    }

    /// <summary>True when <paramref name="value"/> is a valid cluster identifier.</summary>
    public static bool IsClusterIdentifier(string? value) => CheckClusterIdentifier(value) is null;

    /// <summary>True when <paramref name="value"/> is a valid workgroup name.</summary>
    public static bool IsWorkgroupName(string? value) => CheckWorkgroupName(value) is null;

    private static string? CheckDbObjectName(string? value, bool lowerCaseOnly)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "it is empty";
        }

        if (value.Length > 64)
        {
            return $"it is {value.Length} characters long";
        }

        if (!IsAsciiLetter(value[0]))
        {
            return $"it starts with '{value[0]}', not a letter";
        }

        foreach (var c in value)
        {
            if (lowerCaseOnly && c is >= 'A' and <= 'Z')
            {
                return $"it has the upper-case letter '{c}' (group names are lower case: '{value.ToLowerInvariant()}')";
            }

            if (!IsAsciiLetter(c) && !char.IsAsciiDigit(c) && c is not ('_' or '+' or '.' or '@' or '-'))
            {
                return $"it has the character {Describe(c)}";
            }
        }

        return null;
    }

    private static string? CheckClusterIdentifier(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "it is empty";
        }

        if (value.Contains('.', StringComparison.Ordinal))
        {
            return "it has a '.' (give the cluster identifier, the first label of the host name, not the host name)";
        }

        if (value.Length > 63)
        {
            return $"it is {value.Length} characters long";
        }

        if (value[0] is < 'a' or > 'z')
        {
            return value[0] is >= 'A' and <= 'Z'
                ? $"it has upper-case letters (cluster identifiers are lower case: '{value.ToLowerInvariant()}')"
                : $"it starts with '{value[0]}', not a letter";
        }

        foreach (var c in value)
        {
            if (c is >= 'A' and <= 'Z')
            {
                return $"it has upper-case letters (cluster identifiers are lower case: '{value.ToLowerInvariant()}')";
            }

            if (c is not (>= 'a' and <= 'z') && !char.IsAsciiDigit(c) && c != '-')
            {
                return $"it has the character {Describe(c)}";
            }
        }

        if (value.Contains("--", StringComparison.Ordinal))
        {
            return "it has two hyphens in a row";
        }

        if (value[^1] == '-')
        {
            return "it ends with a hyphen";
        }

        return null;
    }

    private static string? CheckWorkgroupName(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "it is empty";
        }

        if (value.Length < 3 || value.Length > 64)
        {
            return $"it is {value.Length} characters long";
        }

        foreach (var c in value)
        {
            if (c is >= 'A' and <= 'Z')
            {
                return $"it has upper-case letters (workgroup names are lower case: '{value.ToLowerInvariant()}')";
            }

            if (c is not (>= 'a' and <= 'z') && !char.IsAsciiDigit(c) && c != '-')
            {
                return $"it has the character {Describe(c)}";
            }
        }

        return null;
    }

    private static bool IsAsciiLetter(char c) => c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z');

    private static string Describe(char c) => char.IsWhiteSpace(c) || char.IsControl(c)
        ? $"U+{(int)c:X4}"
        : $"'{c}'";

    private static IamraException Invalid(string errorId, string parameterName, string? value, string why, string rule) =>
        new(errorId, IamraErrorCategory.InvalidArgument,
            $"-{parameterName} '{value}' is not valid: {why}. Expected {rule}.", value);
}
