@{
    Synopsis    = 'Serves a Roles Anywhere session''s credentials on 127.0.0.1 to every AWS client on the machine (container credentials protocol, optionally IMDSv2), renewing the session ahead of expiry.'
    Description = @'
Start-IamraCredentialServer starts a credential endpoint on 127.0.0.1 fed by the session piped in, or by a session it creates from a certificate source (or a saved configuration with -ConfigName) and the Roles Anywhere settings, as Get-IamraSession takes them. It speaks the container credentials protocol that every AWS SDK and the AWS CLI read natively: AWS_CONTAINER_CREDENTIALS_FULL_URI (http://127.0.0.1:<port>/credentials) and AWS_CONTAINER_AUTHORIZATION_TOKEN, a random token made for this server alone, which clients send in the Authorization header and the server compares in constant time. A request without the token gets 401 and no credentials. The answer is the JSON those clients read: AccessKeyId, SecretAccessKey, Token, Expiration and RoleArn.

With -EnableInstanceMetadata the same port also answers as EC2 instance metadata, IMDSv2 only, for tools that know no other source: PUT /latest/api/token with X-aws-ec2-metadata-token-ttl-seconds (1 to 21600) returns a token and sends the TTL header back; a token request carrying X-Forwarded-For is refused; reads without a live token get 401; /latest/meta-data/iam/security-credentials/ lists the role name and /latest/meta-data/iam/security-credentials/<role> returns the credential document as EC2 does (Code, LastUpdated, Type, AccessKeyId, SecretAccessKey, Token, Expiration). Connections get IP TTL 1, as on EC2. Instance metadata has no client token: any process of the machine that can reach 127.0.0.1 can read it, so turn it on only where that is acceptable.

The session is renewed 15 minutes before it expires (at most a quarter of its lifetime), since AWS clients ask again for credentials that expire within 15 minutes. If a renewal fails, the server keeps serving the last good credentials until they expire, retries with jittered exponential backoff (1 s doubling to 1 minute), and logs each failure as a warning without any secret. It never serves empty or expired credentials: once they run out it answers 503 with the reason. Requests are bounded: 8 KiB of request line and headers (else 431), 5 seconds to send them (else 408), no request body (413), 32 connections at once (more get 503 at once), one request per connection, and a Host header other than 127.0.0.1, localhost or [::1] is refused (403), which stops DNS-rebinding pages.

In the background (the default) the server runs in this PowerShell process and sets AWS_CONTAINER_CREDENTIALS_FULL_URI and AWS_CONTAINER_AUTHORIZATION_TOKEN (and AWS_EC2_METADATA_SERVICE_ENDPOINT with -EnableInstanceMetadata) in this session, removing AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE, which would win over them. Child processes (aws, python, dbt, JDBC tools) and AWS Tools for PowerShell in this session use it. Stop-IamraCredentialServer, Remove-Module, or the end of the runspace that started it (a thread job, a ForEach-Object -Parallel script block) stops it and puts the variables back. AWS clients read environment keys, AWS_PROFILE and the shared credentials file before the container endpoint: the cmdlet warns when such variables are set.

With -Wait it runs in the foreground until Ctrl+C or SIGTERM (a service manager stopping it), for a long-running service; other processes learn the URI from a fixed -ListenPort and the token from -TokenPath, a file only the service's account can read, named in their AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE. examples/credential-server has a systemd unit and a Windows scheduled task.
'@
    Include     = @('_CertificateSource', '_Pkcs11', '_RolesAnywhere')
    Parameters  = @{
        Session                = 'The session from Get-IamraSession. Its credentials are served first; renewals go through its certificate and settings.'
        ListenPort             = 'The TCP port the server listens on, 127.0.0.1; 0 (the default) picks a free one. Give a fixed port when other processes must know the URI in advance.'
        EnableInstanceMetadata = 'Also answer as EC2 instance metadata (IMDSv2 only) on the same port, and (in the background) set AWS_EC2_METADATA_SERVICE_ENDPOINT.'
        TokenPath              = 'Writes the authorization token to this file (readable by its owner only; removed when the server stops), for AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE of other processes.'
        NoEnvironment          = 'In the background, leaves this session''s environment variables alone (use the returned Uri and Token yourself).'
        Wait                   = 'Runs in the foreground until Ctrl+C or SIGTERM, writing renewal warnings as they happen, then stops the server.'
    }
    Inputs      = @{
        'RedshiftIamra.IamraSession' = 'The session to serve.'
        'RedshiftIamra.IamraCertificate' = 'The signing certificate of a new session.'
    }
    Outputs     = @{
        'RedshiftIamra.Credentials.IamraCredentialServer' = 'The server: Uri, MetadataEndpoint, Token (a SecureString), Port, ProcessId, State, Mode, Expiration and renewal counts.'
    }
    Examples    = @(
        @{
            Title   = 'Every tool started from this session uses Roles Anywhere'
            Code    = @'
Get-IamraSession -Thumbprint $t -TrustAnchorArn $ta -ProfileArn $pa -RoleArn $ra | Start-IamraCredentialServer
aws sts get-caller-identity
python load_orders.py
Stop-IamraCredentialServer
'@
            Remarks = 'The AWS CLI and boto3 find the server through the environment variables the cmdlet set; Stop-IamraCredentialServer puts them back.'
        }
        @{
            Title   = 'A service for other accounts'' processes'
            Code    = 'Start-IamraCredentialServer -ConfigName prod-etl -ListenPort 9911 -TokenPath /run/iamra/token -Wait'
            Remarks = 'Clients set AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:9911/credentials and AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=/run/iamra/token.'
        }
        @{
            Title   = 'Instance metadata for a tool that reads only IMDS'
            Code    = 'Get-IamraSession @session | Start-IamraCredentialServer -EnableInstanceMetadata'
            Remarks = 'Sets AWS_EC2_METADATA_SERVICE_ENDPOINT as well; the tool then finds the role under /latest/meta-data/iam/security-credentials/.'
        }
    )
    Notes       = 'Error ids: IamraCredentialServerPortInUse (the port is taken), IamraInvalidPort. Warnings in the background are kept (the last 200) and written by the foreground loop; check State, LastError and RenewalFailures with Get-IamraCredentialServer.'
    Links       = @('Get-IamraCredentialServer', 'Stop-IamraCredentialServer', 'Update-IamraCredentialFile', 'Get-IamraSession')
}
