namespace RedshiftIamra.Certificates;

/// <summary>Error ids for finding and loading certificates and keys.</summary>
public static class CertificateErrors
{
    public const string FileNotFound = ErrorIds.Certificate.FileNotFound;
    public const string FormatInvalid = ErrorIds.Certificate.FormatInvalid;
    public const string PasswordRequired = ErrorIds.Certificate.PasswordRequired;
    public const string PasswordInvalid = ErrorIds.Certificate.PasswordInvalid;
    public const string KeyMismatch = ErrorIds.Certificate.KeyMismatch;
    public const string KeyFormatInvalid = ErrorIds.Certificate.KeyFormatInvalid;
    public const string UnsupportedKey = ErrorIds.Certificate.UnsupportedKey;
    public const string NoPrivateKey = ErrorIds.Certificate.NoPrivateKey;
    public const string Expired = ErrorIds.Certificate.Expired;
    public const string NotYetValid = ErrorIds.Certificate.NotYetValid;
    public const string NotUsable = ErrorIds.Certificate.NotUsable;
    public const string Ambiguous = ErrorIds.Certificate.Ambiguous;
    public const string NotFound = ErrorIds.Certificate.NotFound;
    public const string StoreNotSupported = ErrorIds.Certificate.StoreNotSupported;
    public const string StoreNotFound = ErrorIds.Certificate.StoreNotFound;
    public const string ThumbprintInvalid = ErrorIds.Certificate.ThumbprintInvalid;
}
