@{
    Synopsis    = 'Starts the local sandbox: an IAM Roles Anywhere stand-in over HTTPS on loopback, with its own CA, for offline work and tests.'
    Description = @'
Start-RedshiftIamraSandbox starts, inside this PowerShell process, a strict local stand-in for the AWS APIs the module calls, listening with TLS on 127.0.0.1. It verifies what the services verify: the SigV4-X509 signature against the leaf certificate, the chain to a trust anchor, validity dates, the signing time (within 5 minutes), the credential scope and the ARNs; and it answers with the services' own success and error shapes.

At start it creates a TLS CA (its root is TlsCaBundlePath: pass it as -CaBundlePath or AWS_CA_BUNDLE), an organisation CA with an intermediate (the trust anchor), a client certificate with its key and chain, one trust anchor, one profile and one role. Every call is recorded in AuditLogPath as JSON lines (time, event, subject, role, outcome; never a secret).

With -Database it also runs a real PostgreSQL with TLS from the same CA, behind Redshift and Redshift Serverless API endpoints on the same HTTPS port: GetClusterCredentials creates or updates a login named exactly as the returned user (IAM:<user>, IAMA:<user> with AutoCreate, IAMR:<role> for the IAM identity and serverless), with a fresh password valid until the expiration; an unknown user without AutoCreate gets credentials but cannot log in, as on Redshift. AddDatabaseUser('name') creates a database user.

The returned object has what a script needs: the ARNs, the endpoint, the files, and SessionParameters, CertificateParameters and RedshiftParameters hashtables to splat into Get-IamraSession and Get-RedshiftDbCredential. Its methods configure the sandbox while it runs (AddProfile, SetProfileEnabled, InjectFault, CountCalls, ...).
'@
    Parameters  = @{
        Path                    = 'The folder for the sandbox''s files (certificates, keys, audit log). By default a new temporary folder, deleted when the sandbox stops.'
        Region                  = 'The region of the sandbox''s ARNs and signing scope, us-east-1 by default.'
        Port                    = 'The loopback port; 0 (the default) picks a free one.'
        SessionDurationSeconds  = 'The default profile''s session duration cap in seconds, 3600 by default. The sandbox accepts caps below the service''s 900-second minimum, to test renewal quickly.'
        Database                    = 'Also runs a real PostgreSQL (TLS only, SCRAM passwords, on 127.0.0.1) behind Redshift (DescribeClusters, GetClusterCredentials, GetClusterCredentialsWithIAM) and Redshift Serverless (GetWorkgroup, GetCredentials) endpoints that verify SigV4 with the credentials the sandbox issued. Needs the PostgreSQL server binaries (initdb, pg_ctl) on this machine.'
        DbCredentialDurationSeconds = 'Caps how long database passwords live, in seconds (implies -Database), to watch credentials renew in a short test.'
        ClusterIdentifier           = 'The name of the sandbox''s provisioned cluster, my-redshift-cluster by default.'
        WorkgroupName               = 'The name of the sandbox''s serverless workgroup, my-serverless-workgroup by default.'
        ImportClientCertificate = 'Also adds the client certificate and its key to Cert:\CurrentUser\My, so store lookups find it. Stop-RedshiftIamraSandbox removes it again.'
    }
    Inputs      = @{}
    Outputs     = @{
        'RedshiftIamra.Sandbox.SandboxHost' = 'The running sandbox: endpoint, ARNs, file paths, audit log and configuration methods.'
    }
    Examples    = @(
        @{
            Title   = 'A session against the sandbox'
            Code    = @'
$sandbox = Start-RedshiftIamraSandbox
$certificate = $sandbox.CertificateParameters
$session = $sandbox.SessionParameters
Get-IamraCertificate @certificate | Get-IamraSession @session
Stop-RedshiftIamraSandbox
'@
            Remarks = 'Uses the sandbox''s client certificate files and ARNs; no network beyond this machine.'
        }
        @{
            Title   = 'Offline Pester checks'
            Code    = @'
BeforeAll { $sandbox = Start-RedshiftIamraSandbox -ImportClientCertificate }
AfterAll { Stop-RedshiftIamraSandbox }
'@
            Remarks = 'The client certificate is in Cert:\CurrentUser\My while the sandbox runs, so store lookups work as in production.'
        }
    )
    Notes       = 'The sandbox is for tests and demonstrations. It binds to 127.0.0.1 only.'
    Links       = @('Stop-RedshiftIamraSandbox', 'Get-IamraSession')
}
