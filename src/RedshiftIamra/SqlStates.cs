namespace RedshiftIamra;

/// <summary>
/// The SQLSTATE codes the module and its sandbox use, by their PostgreSQL condition names
/// (Redshift speaks the same codes). <c>Class…</c> members are two-character classes (and the
/// <c>57P</c> group) to match with <see cref="string.StartsWith(string, StringComparison)"/>.
/// </summary>
public static class SqlStates
{
    /// <summary>00000 successful_completion (a notice).</summary>
    public const string SuccessfulCompletion = "00000";

    /// <summary>0A000 feature_not_supported.</summary>
    public const string FeatureNotSupported = "0A000";

    /// <summary>23502 not_null_violation.</summary>
    public const string NotNullViolation = "23502";

    /// <summary>25P02 in_failed_sql_transaction.</summary>
    public const string InFailedSqlTransaction = "25P02";

    /// <summary>28000 invalid_authorization_specification.</summary>
    public const string InvalidAuthorization = "28000";

    /// <summary>28P01 invalid_password.</summary>
    public const string InvalidPassword = "28P01";

    /// <summary>3D000 invalid_catalog_name (the database does not exist).</summary>
    public const string InvalidCatalogName = "3D000";

    /// <summary>42601 syntax_error.</summary>
    public const string SyntaxError = "42601";

    /// <summary>42P01 undefined_table.</summary>
    public const string UndefinedTable = "42P01";

    /// <summary>42703 undefined_column.</summary>
    public const string UndefinedColumn = "42703";

    /// <summary>53300 too_many_connections.</summary>
    public const string TooManyConnections = "53300";

    /// <summary>57014 query_canceled.</summary>
    public const string QueryCanceled = "57014";

    /// <summary>XX000 internal_error (Redshift's code for most COPY, UNLOAD and S3 failures).</summary>
    public const string InternalError = "XX000";

    /// <summary>Class 08: connection exception.</summary>
    public const string ClassConnectionException = "08";

    /// <summary>Class 22: data exception.</summary>
    public const string ClassDataException = "22";

    /// <summary>Class 23: integrity constraint violation.</summary>
    public const string ClassIntegrityConstraintViolation = "23";

    /// <summary>Class 28: invalid authorization specification.</summary>
    public const string ClassInvalidAuthorization = "28";

    /// <summary>Class 42: syntax error or access rule violation.</summary>
    public const string ClassSyntaxErrorOrAccessRuleViolation = "42";

    /// <summary>Class 53: insufficient resources.</summary>
    public const string ClassInsufficientResources = "53";

    /// <summary>57P01 to 57P05: the server is shutting down, cannot accept connections now, or the database was dropped.</summary>
    public const string ClassServerShutdown = "57P";
}
