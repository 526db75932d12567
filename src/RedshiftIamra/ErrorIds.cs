namespace RedshiftIamra;

/// <summary>
/// Every error id the module raises, in one place. An id is <c>&lt;Prefix&gt;&lt;What&gt;</c> in
/// PascalCase: the noun prefix of the layer that raises it (<c>Iamra</c> for certificates,
/// sessions and AWS calls; <c>Redshift</c> for Redshift and the database; <c>RedshiftIamra</c>
/// for configurations, the stack, the sandbox and the module itself) followed by what went
/// wrong. Each id is documented in <c>about_RedshiftIamra</c> (ERROR IDS) with what it means
/// and what to do; <c>ErrorIdsTests</c> checks that the ids are unique, follow the rule, are
/// all documented and are the only ids in the source.
/// </summary>
public static class ErrorIds
{
    /// <summary>Finding and loading certificates and their private keys.</summary>
    public static class Certificate
    {
        public const string FileNotFound = "IamraCertificateFileNotFound";
        public const string FormatInvalid = "IamraCertificateFormatInvalid";
        public const string PasswordRequired = "IamraCertificatePasswordRequired";
        public const string PasswordInvalid = "IamraCertificatePasswordInvalid";
        public const string KeyMismatch = "IamraPrivateKeyMismatch";
        public const string KeyFormatInvalid = "IamraPrivateKeyFormatInvalid";
        public const string UnsupportedKey = "IamraUnsupportedKey";
        public const string NoPrivateKey = "IamraNoPrivateKey";
        public const string Expired = "IamraCertificateExpired";
        public const string NotYetValid = "IamraCertificateNotYetValid";
        public const string NotUsable = "IamraCertificateNotUsable";
        public const string Ambiguous = "IamraCertificateAmbiguous";
        public const string NotFound = "IamraCertificateNotFound";
        public const string StoreNotSupported = "IamraCertificateStoreNotSupported";
        public const string StoreNotFound = "IamraCertificateStoreNotFound";
        public const string ThumbprintInvalid = "IamraThumbprintInvalid";
        public const string CheckFailed = "IamraCertificateCheckFailed";
    }

    /// <summary>Keys in a hardware security module, smart card or SoftHSM token (PKCS#11).</summary>
    public static class Pkcs11
    {
        public const string LibraryNotFound = "IamraPkcs11LibraryNotFound";
        public const string LibraryInvalid = "IamraPkcs11LibraryInvalid";
        public const string UriInvalid = "IamraPkcs11UriInvalid";
        public const string TokenNotFound = "IamraPkcs11TokenNotFound";
        public const string TokenAmbiguous = "IamraPkcs11TokenAmbiguous";
        public const string KeyNotFound = "IamraPkcs11KeyNotFound";
        public const string CertificateNotFound = "IamraPkcs11CertificateNotFound";
        public const string KeyMismatch = "IamraPkcs11KeyMismatch";
        public const string PinRequired = "IamraPkcs11PinRequired";
        public const string PinIncorrect = "IamraPkcs11PinIncorrect";
        public const string PinLocked = "IamraPkcs11PinLocked";
        public const string PinSourceUnreadable = "IamraPkcs11PinSourceUnreadable";
        public const string MechanismNotSupported = "IamraPkcs11MechanismNotSupported";
        public const string KeyUnusable = "IamraPkcs11KeyUnusable";
        public const string SessionClosed = "IamraPkcs11SessionClosed";
        public const string TokenError = "IamraPkcs11TokenError";
    }

    /// <summary>The IAM Roles Anywhere session (CreateSession) and its renewal.</summary>
    public static class Session
    {
        public const string UntrustedCertificate = "IamraUntrustedCertificate";
        public const string RoleNotAllowed = "IamraRoleNotAllowed";
        public const string ProfileDisabled = "IamraProfileDisabled";
        public const string TrustAnchorDisabled = "IamraTrustAnchorDisabled";
        public const string DurationTooLong = "IamraDurationTooLong";
        public const string ResourceNotFound = "IamraResourceNotFound";
        public const string AccessDenied = "IamraAccessDenied";
        public const string ValidationFailed = "IamraValidationFailed";
        public const string InvalidDuration = "IamraInvalidDuration";
        public const string InvalidRoleSessionName = "IamraInvalidRoleSessionName";
        public const string ArnMissing = "IamraArnMissing";
        public const string RegionMismatch = "IamraRegionMismatch";
        public const string InvalidRenewalMargin = "IamraInvalidRenewalMargin";
        public const string Expired = "IamraSessionExpired";
        public const string RolesAnywhereError = "IamraRolesAnywhereError";
        public const string CheckFailed = "IamraSessionCheckFailed";
    }

    /// <summary>Calling AWS APIs (any service), AWS settings and AWS credentials.</summary>
    public static class Aws
    {
        public const string EndpointUnreachable = "IamraEndpointUnreachable";
        public const string TlsFailure = "IamraTlsFailure";
        public const string Timeout = "IamraTimeout";
        public const string Throttled = "IamraThrottled";
        public const string ClockSkew = "IamraClockSkew";
        public const string ServiceUnavailable = "IamraServiceUnavailable";
        public const string InvalidResponse = "IamraInvalidResponse";
        public const string SignatureRejected = "IamraSignatureRejected";
        public const string InvalidClientToken = "IamraInvalidClientToken";
        public const string ExpiredToken = "IamraExpiredToken";
        public const string InvalidEndpoint = "IamraInvalidEndpoint";
        public const string CaBundleInvalid = "IamraCaBundleInvalid";
        public const string InvalidArn = "IamraInvalidArn";
        public const string InvalidRegion = "IamraInvalidRegion";
        public const string RegionRequired = "IamraRegionRequired";
        public const string InvalidSessionOption = "IamraInvalidSessionOption";
        public const string ProfileNotFound = "IamraAwsProfileNotFound";
        public const string NoCredentials = "IamraNoAwsCredentials";
        public const string CredentialProcessFailed = "IamraCredentialProcessFailed";
        public const string ConflictingCredentials = "IamraConflictingCredentials";
    }

    /// <summary>Handing the session to other tools: AWS profiles, the credentials file, credential_process.</summary>
    public static class AwsProfile
    {
        public const string ConfigUnreadable = "IamraAwsConfigUnreadable";
        public const string ConfigWriteCheckFailed = "IamraAwsConfigWriteCheckFailed";
        public const string InvalidProfileName = "IamraInvalidProfileName";
        public const string CannotHoldPassword = "IamraProfileCannotHoldPassword";
        public const string NeedsCertificateSource = "IamraProfileNeedsCertificateSource";
        public const string InvalidHelperArgument = "IamraInvalidHelperArgument";
    }

    /// <summary>The local credential server (container credentials protocol, IMDSv2 emulation).</summary>
    public static class CredentialServer
    {
        public const string PortInUse = "IamraCredentialServerPortInUse";
        public const string InvalidPort = "IamraInvalidPort";
        public const string InvalidAuthorizationToken = "IamraInvalidAuthorizationToken";
        public const string InvalidRoleName = "IamraInvalidRoleName";
    }

    /// <summary>Files the module writes for AWS tools (credentials file, session cache, server token).</summary>
    public static class File
    {
        public const string IsDirectory = "IamraFileIsDirectory";
        public const string NotUtf8 = "IamraFileNotUtf8";
        public const string NotReadable = "IamraFileNotReadable";
        public const string ReadOnly = "IamraFileReadOnly";
        public const string NotWritable = "IamraFileNotWritable";
        public const string LockIsDirectory = "IamraFileLockIsDirectory";
        public const string Locked = "IamraFileLocked";
    }

    /// <summary>The AWS config and profile files (~/.aws/config).</summary>
    public static class AwsConfigFile
    {
        public const string IsDirectory = "IamraAwsConfigFileIsDirectory";
        public const string NotUtf8 = "IamraAwsConfigFileNotUtf8";
        public const string NotReadable = "IamraAwsConfigFileNotReadable";
        public const string ReadOnly = "IamraAwsConfigFileReadOnly";
        public const string NotWritable = "IamraAwsConfigFileNotWritable";
        public const string LockIsDirectory = "IamraAwsConfigFileLockIsDirectory";
        public const string Locked = "IamraAwsConfigFileLocked";
    }

    /// <summary>Values written into connection strings, environment settings and shell commands.</summary>
    public static class Quoting
    {
        public const string ValueCannotBeQuoted = "IamraValueCannotBeQuoted";
    }

    /// <summary>The Redshift target and the Redshift and Redshift Serverless APIs (database credentials).</summary>
    public static class Redshift
    {
        public const string ClusterNotFound = "RedshiftClusterNotFound";
        public const string WorkgroupNotFound = "RedshiftWorkgroupNotFound";
        public const string AccessDenied = "RedshiftAccessDenied";
        public const string UnsupportedOperation = "RedshiftUnsupportedOperation";
        public const string ClusterNotAvailable = "RedshiftClusterNotAvailable";
        public const string ExpiredToken = "RedshiftExpiredToken";
        public const string InvalidParameter = "RedshiftInvalidParameter";
        public const string ServiceError = "RedshiftServiceError";
        public const string InvalidDbUser = "RedshiftInvalidDbUser";
        public const string InvalidDbName = "RedshiftInvalidDbName";
        public const string InvalidDbGroup = "RedshiftInvalidDbGroup";
        public const string InvalidClusterIdentifier = "RedshiftInvalidClusterIdentifier";
        public const string InvalidWorkgroupName = "RedshiftInvalidWorkgroupName";
        public const string InvalidDuration = "RedshiftInvalidDuration";
        public const string InvalidPort = "RedshiftInvalidPort";
        public const string TargetIncomplete = "RedshiftTargetIncomplete";
        public const string TargetWithCredential = "RedshiftTargetWithCredential";
        public const string HostnameUnknown = "RedshiftHostnameUnknown";
        public const string EndpointUnavailable = "RedshiftEndpointUnavailable";
        public const string DbCredentialFailed = "RedshiftDbCredentialFailed";
    }

    /// <summary>Database connections: name resolution, TCP, TLS and login.</summary>
    public static class Connection
    {
        public const string RootCertificateNotFound = "RedshiftRootCertificateNotFound";
        public const string WeakTlsRefused = "RedshiftWeakTlsRefused";
        public const string TlsVerificationFailed = "RedshiftTlsVerificationFailed";
        public const string DnsFailed = "RedshiftDnsFailed";
        public const string TcpFailed = "RedshiftTcpFailed";
        public const string TlsFailed = "RedshiftTlsFailed";
        public const string LoginFailed = "RedshiftLoginFailed";
        public const string ConnectFailed = "RedshiftConnectFailed";
        public const string NoConnection = "RedshiftNoConnection";
        public const string Closed = "RedshiftConnectionClosed";
        public const string Busy = "RedshiftConnectionBusy";
    }

    /// <summary>Running statements and reading their results.</summary>
    public static class Query
    {
        public const string Failed = "RedshiftQueryFailed";
        public const string Canceled = "RedshiftQueryCanceled";
        public const string Timeout = "RedshiftQueryTimeout";
        public const string InvalidParameter = "RedshiftInvalidQueryParameter";
        public const string UnreadableValue = "RedshiftUnreadableValue";
        public const string UnreadableColumnType = "RedshiftUnreadableColumnType";
    }

    /// <summary>Writing rows into a table and exporting query results.</summary>
    public static class Loading
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
        public const string LoadFailed = "RedshiftLoadFailed";
        public const string ExportFailed = "RedshiftExportFailed";
        public const string InvalidExport = "RedshiftInvalidExport";
        public const string ExportFileExists = "RedshiftExportFileExists";
    }

    /// <summary>The S3 staging area that COPY loads from and UNLOAD exports to.</summary>
    public static class Staging
    {
        public const string NotConfigured = "RedshiftStagingNotConfigured";
        public const string Invalid = "RedshiftStagingInvalid";
        public const string AccessDenied = "RedshiftStagingAccessDenied";
        public const string Failed = "RedshiftStagingFailed";
    }

    /// <summary>Saved configurations (Save-/Get-/Remove-RedshiftIamraConfig, -ConfigName).</summary>
    public static class Config
    {
        public const string NotFound = "RedshiftIamraConfigNotFound";
        public const string InvalidName = "RedshiftIamraInvalidConfigName";
        public const string Incomplete = "RedshiftIamraConfigIncomplete";
        public const string CannotHoldSecret = "RedshiftIamraConfigCannotHoldSecret";
        public const string CannotSave = "RedshiftIamraConfigCannotSave";
        public const string FileInvalid = "RedshiftIamraConfigFileInvalid";
        public const string FileDuplicateKey = "RedshiftIamraConfigFileDuplicateKey";
        public const string FileDuplicateName = "RedshiftIamraConfigFileDuplicateName";
        public const string FileHasComments = "RedshiftIamraConfigFileHasComments";
    }

    /// <summary>The file that holds the saved configurations.</summary>
    public static class ConfigFile
    {
        public const string IsDirectory = "RedshiftIamraConfigFileIsDirectory";
        public const string NotUtf8 = "RedshiftIamraConfigFileNotUtf8";
        public const string NotReadable = "RedshiftIamraConfigFileNotReadable";
        public const string ReadOnly = "RedshiftIamraConfigFileReadOnly";
        public const string NotWritable = "RedshiftIamraConfigFileNotWritable";
        public const string LockIsDirectory = "RedshiftIamraConfigFileLockIsDirectory";
        public const string Locked = "RedshiftIamraConfigFileLocked";
    }

    /// <summary>The module's CloudFormation stack (Get-RedshiftIamraStack).</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "The ids of the CloudFormation stack; 'stack' is the AWS term, not a LIFO collection.")]
    public static class Stack
    {
        public const string NotFound = "RedshiftIamraStackNotFound";
        public const string AccessDenied = "RedshiftIamraStackAccessDenied";
        public const string InvalidParameter = "RedshiftIamraStackInvalidParameter";
        public const string ServiceError = "RedshiftIamraStackServiceError";
        public const string NotReady = "RedshiftIamraStackNotReady";
        public const string OutputMissing = "RedshiftIamraStackOutputMissing";
        public const string OutputInvalid = "RedshiftIamraStackOutputInvalid";
        public const string InvalidName = "RedshiftIamraInvalidStackName";
    }

    /// <summary>The local sandbox (Start-RedshiftIamraSandbox).</summary>
    public static class Sandbox
    {
        public const string PostgresNotInstalled = "RedshiftIamraSandboxPostgresNotInstalled";
    }

    /// <summary>The module itself.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1716:Identifiers should not match keywords", Justification = "A group of string constants read as ErrorIds.Module.X; the PowerShell module is the word users know.")]
    public static class Module
    {
        public const string UnexpectedError = "RedshiftIamraUnexpectedError";
    }
}
