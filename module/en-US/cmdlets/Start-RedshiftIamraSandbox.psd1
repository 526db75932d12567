@{
    Synopsis    = 'Starts the local sandbox: an IAM Roles Anywhere stand-in over HTTPS on loopback, with its own CA, for offline work and tests.'
    Description = @'
Start-RedshiftIamraSandbox starts, inside this PowerShell process, a strict local stand-in for the AWS APIs the module calls, listening with TLS on 127.0.0.1. It verifies what the services verify: the SigV4-X509 signature against the leaf certificate, the chain to a trust anchor, validity dates, the signing time (within 5 minutes), the credential scope and the ARNs; and it answers with the services' own success and error shapes.

At start it creates a TLS CA (its root is TlsCaBundlePath: pass it as -CaBundlePath or AWS_CA_BUNDLE), an organisation CA with an intermediate (the trust anchor), a client certificate with its key and chain, one trust anchor, one profile and one role. Every call is recorded in AuditLogPath as JSON lines (time, event, subject, role, outcome; never a secret).

The returned object has what a script needs: the ARNs, the endpoint, the files, and SessionParameters and CertificateParameters hashtables to splat into Get-IamraSession. Its methods configure the sandbox while it runs (AddProfile, SetProfileEnabled, InjectFault, CountCalls, ...).
'@
    Parameters  = @{
        Path                    = 'The folder for the sandbox''s files (certificates, keys, audit log). By default a new temporary folder, deleted when the sandbox stops.'
        Region                  = 'The region of the sandbox''s ARNs and signing scope, us-east-1 by default.'
        Port                    = 'The loopback port; 0 (the default) picks a free one.'
        SessionDurationSeconds  = 'The default profile''s session duration cap in seconds, 3600 by default. The sandbox accepts caps below the service''s 900-second minimum, to test renewal quickly.'
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
