# Parameter texts of the Redshift target group (src/RedshiftIamra.PowerShell/RedshiftTargetCmdlet.cs),
# shared by every cmdlet that takes it. Included with Include = @('_RedshiftTarget').
@{
    Parameters = @{
        ClusterIdentifier   = 'The provisioned cluster''s identifier (GetClusterCredentials, or GetClusterCredentialsWithIAM with -UseIamIdentity).'
        WorkgroupName       = 'The Redshift Serverless workgroup name (GetCredentials).'
        Hostname            = 'A Redshift host name, optionally with :port: a cluster or workgroup endpoint (the cluster or workgroup and the region are read from it), a custom domain (with -ClusterIdentifier or -WorkgroupName, or -CustomDomainName), or a VPC endpoint.'
        Port                = 'The database port, when it is not the one Redshift reports (5439 by default).'
        DbUser              = 'The database user (GetClusterCredentials). A cluster without it needs -UseIamIdentity.'
        UseIamIdentity      = 'Uses the caller''s IAM identity as the database user (GetClusterCredentialsWithIAM).'
        DbName              = 'The database; by default the cluster''s or workgroup''s, else dev.'
        AutoCreate          = 'Creates the database user at first login (GetClusterCredentials).'
        DbGroup             = 'Database groups the user joins for the session (GetClusterCredentials).'
        DurationSeconds     = 'How long the database password lasts: 900 to 3600 seconds (Redshift''s default when omitted).'
        CustomDomainName    = 'The cluster''s custom domain name, for GetClusterCredentials by custom domain.'
        RedshiftEndpointUrl = 'A Redshift (or Redshift Serverless) API endpoint to call instead of the regional one, such as a VPC endpoint or the sandbox.'
    }
}
