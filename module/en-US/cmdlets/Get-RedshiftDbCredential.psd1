@{
    Synopsis    = 'Gets short-lived Redshift database credentials for a cluster or a serverless workgroup, from a Roles Anywhere session or any AWS credential source.'
    Description = @'
Get-RedshiftDbCredential exchanges AWS credentials for temporary database credentials and finds where to connect:

- a provisioned cluster with a named database user (-ClusterIdentifier -DbUser, GetClusterCredentials; -AutoCreate and -DbGroup as in the API);
- a provisioned cluster with the caller's IAM identity (-ClusterIdentifier -UseIamIdentity, GetClusterCredentialsWithIAM);
- a Redshift Serverless workgroup (-WorkgroupName, GetCredentials);
- or a host name (-Hostname): the cluster or workgroup and the region are read from standard names (*.redshift.amazonaws.com, *.redshift-serverless.amazonaws.com, also .amazonaws.com.cn and with :port). Any other name is treated as a custom domain or VPC endpoint and needs -ClusterIdentifier or -WorkgroupName (or -CustomDomainName).

AWS credentials come from a session on the pipeline (Get-IamraSession; renewed as needed), -ProfileName (any profile type, including a credential_process profile that runs the Roles Anywhere signing helper), -AccessKey/-SecretKey/-SessionToken, or the default chain (AWS_PROFILE, environment variables, default profile). The region is -Region, else the host name's, else the session's or profile's, else AWS_REGION / AWS_DEFAULT_REGION. -Verbose says which were used.

The database endpoint comes from DescribeClusters or GetWorkgroup unless -Hostname gives it. The database user is returned exactly as Redshift issued it (IAM:, IAMA:, IAMR: prefixes kept; the login needs them). Credentials are cached in-process per identity and target, renewed before they expire, and shared by concurrent callers; an ExpiredToken answer renews the session once and retries.

Names and durations are checked against Redshift's rules before any call. Errors name the cause and the fix; for AccessDenied, the exact IAM action and resource ARN the role needs.
'@
    Include     = @('_CertificateSource', '_Pkcs11', '_RolesAnywhere', '_AwsService', '_RedshiftTarget')
    Parameters  = @{
        Force                 = 'Ignores cached credentials.'
    }
    Inputs      = @{
        'RedshiftIamra.IamraSession' = 'The AWS credentials to use.'
        'System.String'              = 'ClusterIdentifier, WorkgroupName, Hostname and Port by property name.'
    }
    Outputs     = @{
        'RedshiftIamra.RedshiftDbCredential' = 'The database user, the password as a SecureString, expiration, next refresh time, host, port, database, cluster or workgroup, region and kind; its Credential property is a PSCredential.'
    }
    Examples    = @(
        @{
            Title   = 'From a certificate to database credentials'
            Code    = "Get-IamraCertificate -Thumbprint `$t | Get-IamraSession -TrustAnchorArn `$ta -ProfileArn `$pa -RoleArn `$ra | Get-RedshiftDbCredential -ClusterIdentifier my-redshift-cluster -DbUser analytics_user -DbName dev"
            Remarks = 'Returns IAM:analytics_user with a password valid for 15 minutes, and the cluster''s host and port.'
        }
        @{
            Title   = 'A serverless workgroup with the caller''s identity'
            Code    = "`$session | Get-RedshiftDbCredential -WorkgroupName my-serverless-workgroup -DbName dev"
            Remarks = 'The user is IAMR:<role-name>.'
        }
        @{
            Title   = 'From a host name, with an existing AWS profile'
            Code    = "Get-RedshiftDbCredential -ProfileName onprem-redshift -Hostname my-redshift-cluster.abc123xyz.eu-west-1.redshift.amazonaws.com:5439 -DbUser etl"
            Remarks = 'The cluster and region come from the host name; the profile may be a credential_process profile.'
        }
    )
    Notes       = 'The password never appears in output, views, logs or errors. ConvertTo-RedshiftConnectionString -IncludePassword is the deliberate way to hand it to another tool.'
    Links       = @('Get-IamraSession', 'ConvertTo-RedshiftConnectionString', 'about_RedshiftIamra')
}
