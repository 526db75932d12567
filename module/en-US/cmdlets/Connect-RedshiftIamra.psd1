@{
    Synopsis    = 'Opens a TLS-verified connection to Redshift that renews its own password, and makes it the default for Invoke-RedshiftQuery.'
    Description = @'
Connect-RedshiftIamra opens a connection with a RedshiftDbCredential from Get-RedshiftDbCredential. The connection is backed by a pool (an Npgsql data source) whose password provider asks the module's credential cache for every new physical connection: the database credential, and the Roles Anywhere session behind it, are renewed before they expire, so a job that runs for hours keeps opening connections without an authentication failure. Sessions already open stay open past the credential's expiration.

TLS is verified fully by default (VerifyFull: the certificate chains to a trusted root and is for the host name) against the Amazon Trust Services roots that ship with the module, or -RootCertificatePath. Anything weaker needs -TlsMode with -AllowUnverifiedTls and prints a warning. When verification fails, the error says which name or root did not match.

Instead of a credential, the all-in-one parameters take a certificate source (-Thumbprint, a selector, or -Path), the Roles Anywhere ARNs and the Redshift target (-ClusterIdentifier with -DbUser or -UseIamIdentity, -WorkgroupName, or -Hostname), and do the whole chain in one command. -ConfigName takes them from settings saved with Save-RedshiftIamraConfig; parameters given beside it override the saved values.

The new connection becomes this PowerShell session's default connection unless -NoDefault. Its DbConnection property is the ADO.NET connection, for Dapper or your own code; OpenConnection() gives another pooled connection.
'@
    Include     = @('_CertificateSource', '_Pkcs11', '_RolesAnywhere', '_AwsService', '_RedshiftTarget', '_RedshiftConnection')
    Parameters  = @{
        Credential            = 'The database credential from Get-RedshiftDbCredential. Or give the all-in-one parameters instead: a certificate source, the three ARNs and the cluster, workgroup or host.'
        MaxPoolSize           = 'The most pooled connections, 20 by default.'
        NoPooling             = 'Opens a new physical connection each time instead of pooling.'
        ConnectTimeoutSeconds = 'How long opening a connection may take, 15 seconds by default.'
        CommandTimeoutSeconds = 'The default time a statement may run on this connection; 0 (the default) waits forever.'
        NoDefault             = 'Does not make this connection the default for Invoke-RedshiftQuery.'
        Staging               = 'Where this connection''s staged loads (Write-RedshiftTable -Method Staged) and UNLOAD exports (Export-RedshiftQuery) go: a hashtable with Bucket, Prefix, CopyRoleArn (the role COPY and UNLOAD run as, or ''default''), KmsKeyId, EndpointUrl and Region, or the Staging property of Get-RedshiftIamraStack or Get-RedshiftIamraConfig (it binds by property name). With -ConfigName the saved configuration''s otherwise. The staging parameters of Write-RedshiftTable and Export-RedshiftQuery override it value by value.'
    }
    Inputs      = @{
        'RedshiftIamra.RedshiftDbCredential' = 'The database credential to connect with.'
    }
    Outputs     = @{
        'RedshiftIamra.RedshiftConnection' = 'The open connection: host, port, database, user, state, the current credential''s expiration, the ADO.NET DbConnection.'
    }
    Examples    = @(
        @{
            Title   = 'From saved settings, in a scheduled job'
            Code    = @'
Connect-RedshiftIamra -ConfigName prod-etl
Invoke-RedshiftQuery 'select count(*) from sales'
'@
            Remarks = 'Save-RedshiftIamraConfig stored the certificate selector, the ARNs and the target once; the job names them. -DbName or any other parameter given beside -ConfigName overrides the saved value.'
        }
        @{
            Title   = 'The whole pipeline'
            Code    = @'
Get-IamraCertificate -Thumbprint $t |
  Get-IamraSession -TrustAnchorArn $ta -ProfileArn $p -RoleArn $r |
  Get-RedshiftDbCredential -ClusterIdentifier my-redshift-cluster -DbUser analytics_user -DbName dev |
  Connect-RedshiftIamra
Invoke-RedshiftQuery 'select current_user, now()'
'@
            Remarks = 'Connects, makes the connection the default, and queries it.'
        }
        @{
            Title   = 'Dapper or plain ADO.NET'
            Code    = @'
$conn = $credential | Connect-RedshiftIamra -NoDefault
$cmd = $conn.DbConnection.CreateCommand(); $cmd.CommandText = 'select 1'; $cmd.ExecuteScalar()
'@
            Remarks = 'DbConnection is a System.Data.Common.DbConnection.'
        }
    )
    Notes       = 'The password never leaves the module: the pool asks the credential cache for it when it opens a physical connection.'
    Links       = @('Invoke-RedshiftQuery', 'Disconnect-RedshiftIamra', 'Get-RedshiftDbCredential', 'Save-RedshiftIamraConfig')
}
