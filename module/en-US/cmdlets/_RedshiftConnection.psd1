# Parameter texts of the TLS group (src/RedshiftIamra.PowerShell/RedshiftConnectionCmdlet.cs), shared by the
# cmdlets that open or save a database connection. Included with Include = @('_RedshiftConnection').
@{
    Parameters = @{
        RootCertificatePath = 'A PEM file of the roots the database''s TLS certificate must chain to; the Amazon Trust Services bundle in the module folder by default.'
        TlsMode             = 'VerifyFull (the default), VerifyCA or Require. Anything weaker than VerifyFull needs -AllowUnverifiedTls.'
        AllowUnverifiedTls  = 'Confirms a -TlsMode weaker than VerifyFull; a warning is printed.'
    }
}
