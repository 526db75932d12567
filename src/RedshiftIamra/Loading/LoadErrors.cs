namespace RedshiftIamra.Loading;

/// <summary>The stable error ids of loading and exporting (each documented in about_RedshiftIamra).</summary>
public static class LoadErrors
{
    public const string TableNotFound = "RedshiftTableNotFound";
    public const string InvalidTableName = "RedshiftInvalidTableName";
    public const string ColumnNotInTable = "RedshiftColumnNotInTable";
    public const string ColumnMissing = "RedshiftColumnMissing";
    public const string InvalidColumnMap = "RedshiftInvalidColumnMap";
    public const string ValueNotConvertible = "RedshiftValueNotConvertible";
    public const string NullNotAllowed = "RedshiftNullNotAllowed";
    public const string ValueTooWide = "RedshiftValueTooWide";
    public const string NotCsv = "RedshiftFileNotCsv";
    public const string InputFileNotFound = "RedshiftInputFileNotFound";
    public const string InconsistentRow = "RedshiftInconsistentRow";
    public const string NoInput = "RedshiftNoInputColumns";
    public const string InvalidKey = "RedshiftInvalidUpsertKey";
    public const string StagingNotConfigured = "RedshiftStagingNotConfigured";
    public const string StagingInvalid = "RedshiftStagingInvalid";
    public const string StagingAccessDenied = "RedshiftStagingAccessDenied";
    public const string StagingFailed = "RedshiftStagingFailed";
    public const string LoadFailed = "RedshiftLoadFailed";
    public const string ExportFailed = "RedshiftExportFailed";
    public const string InvalidExport = "RedshiftInvalidExport";
    public const string ExportFileExists = "RedshiftExportFileExists";
}
