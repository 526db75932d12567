namespace RedshiftIamra.Certificates;

/// <summary>Error ids for finding and loading certificates and keys.</summary>
public static class CertificateErrors
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
}
