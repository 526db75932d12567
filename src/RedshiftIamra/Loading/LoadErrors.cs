namespace RedshiftIamra.Loading;

/// <summary>The stable error ids of loading and exporting (each documented in about_RedshiftIamra).</summary>
public static class LoadErrors
{
    public const string TableNotFound = ErrorIds.Loading.TableNotFound;
    public const string InvalidTableName = ErrorIds.Loading.InvalidTableName;
    public const string ColumnNotInTable = ErrorIds.Loading.ColumnNotInTable;
    public const string ColumnMissing = ErrorIds.Loading.ColumnMissing;
    public const string InvalidColumnMap = ErrorIds.Loading.InvalidColumnMap;
    public const string ValueNotConvertible = ErrorIds.Loading.ValueNotConvertible;
    public const string NullNotAllowed = ErrorIds.Loading.NullNotAllowed;
    public const string ValueTooWide = ErrorIds.Loading.ValueTooWide;
    public const string NotCsv = ErrorIds.Loading.NotCsv;
    public const string InputFileNotFound = ErrorIds.Loading.InputFileNotFound;
    public const string InconsistentRow = ErrorIds.Loading.InconsistentRow;
    public const string NoInput = ErrorIds.Loading.NoInput;
    public const string InvalidKey = ErrorIds.Loading.InvalidKey;
    public const string StagingNotConfigured = ErrorIds.Staging.NotConfigured;
    public const string StagingInvalid = ErrorIds.Staging.Invalid;
    public const string StagingAccessDenied = ErrorIds.Staging.AccessDenied;
    public const string StagingFailed = ErrorIds.Staging.Failed;
    public const string LoadFailed = ErrorIds.Loading.LoadFailed;
    public const string ExportFailed = ErrorIds.Loading.ExportFailed;
    public const string InvalidExport = ErrorIds.Loading.InvalidExport;
    public const string ExportFileExists = ErrorIds.Loading.ExportFileExists;
}
