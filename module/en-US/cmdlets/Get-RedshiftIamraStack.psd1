@{
    Synopsis    = 'Reads the outputs of a RedshiftIamra CloudFormation stack into one object that binds by property name into Get-IamraSession, Get-RedshiftDbCredential, Connect-RedshiftIamra and Save-RedshiftIamraConfig.'
    Description = @'
Get-RedshiftIamraStack calls CloudFormation DescribeStacks for a stack built from deploy/redshift-iamra.yaml and returns its outputs under the names the module's parameters have:

- TrustAnchorArn, ProfileArn, RoleArn (the RedshiftAccessRoleArn output) and Region, which bind into Get-IamraSession;
- ClusterIdentifier (RedshiftClusterIdentifier), Hostname (RedshiftClusterEndpoint), Port (RedshiftClusterPort) and WorkgroupName (ServerlessWorkgroupName), which bind into Get-RedshiftDbCredential;
- DbName (RedshiftDatabaseName), DbUser, ServerlessWorkgroupEndpoint, CertificateAuthorityArn, ClientCertificateArn, StackName, StackId, StackStatus, and Outputs: every output by its key.

The stack must be complete (CREATE_COMPLETE, UPDATE_COMPLETE, UPDATE_ROLLBACK_COMPLETE): a stack still being created, rolled back after a failed creation, failed or being deleted is the error RedshiftIamraStackNotReady, which says the status, its reason and what to do. A stack being updated is read with a warning. A stack that does not exist (or was deleted) is RedshiftIamraStackNotFound. TrustAnchorArn, ProfileArn and RedshiftAccessRoleArn, and RedshiftClusterIdentifier or ServerlessWorkgroupName, must be outputs of the stack (RedshiftIamraStackOutputMissing names the one that is not); every output the object carries is checked (ARN forms, region, names, port: RedshiftIamraStackOutputInvalid).

AWS credentials come from a session on the pipeline (Get-IamraSession), -ProfileName, -AccessKey/-SecretKey/-SessionToken, or the default chain (AWS_PROFILE, environment variables, the default profile), as for Get-RedshiftDbCredential. The caller needs cloudformation:DescribeStacks on the stack. The region is -Region, else the stack id's when -StackName is an ARN, else the session's or profile's, else AWS_REGION / AWS_DEFAULT_REGION. The endpoint is -EndpointUrl, else AWS_ENDPOINT_URL_CLOUDFORMATION, AWS_ENDPOINT_URL, else cloudformation.<region>.amazonaws.com. -Verbose says which were used.
'@
    Include     = @('_CertificateSource', '_Pkcs11', '_RolesAnywhere', '_AwsService')
    Parameters  = @{
        StackName   = 'The stack''s name (redshift-test) or its id (arn:aws:cloudformation:<region>:<account>:stack/<name>/<id>; a deleted stack is found only by id).'
        CloudFormationEndpointUrl = 'A CloudFormation endpoint to call instead of the regional one; also AWS_ENDPOINT_URL_CLOUDFORMATION, AWS_ENDPOINT_URL.'
    }
    Inputs      = @{
        'RedshiftIamra.IamraSession' = 'The AWS credentials to read the stack with.'
        'System.String'              = 'StackName (or StackId) by property name.'
    }
    Outputs     = @{
        'RedshiftIamra.RedshiftIamraStack' = 'The stack''s status and outputs, under the names of the module''s parameters; Outputs holds every output by key.'
    }
    Examples    = @(
        @{
            Title   = 'From the stack to a connection'
            Code    = @'
$stack = Get-RedshiftIamraStack -StackName redshift-test -ProfileName admin -Region eu-west-1
Get-IamraCertificate -Thumbprint $t |
  Get-IamraSession -TrustAnchorArn $stack.TrustAnchorArn -ProfileArn $stack.ProfileArn -RoleArn $stack.RoleArn |
  Get-RedshiftDbCredential -ClusterIdentifier $stack.ClusterIdentifier -DbUser $stack.DbUser -DbName $stack.DbName |
  Connect-RedshiftIamra
'@
            Remarks = 'Reads the stack with an administrator''s profile, then connects with the certificate.'
        }
        @{
            Title   = 'Properties bind by name'
            Code    = '$stack | Get-IamraSession -Thumbprint $t'
            Remarks = 'TrustAnchorArn, ProfileArn, RoleArn and Region come from the stack object.'
        }
        @{
            Title   = 'Save the settings once, connect from a scheduled job'
            Code    = @'
Get-RedshiftIamraStack redshift-test -Region eu-west-1 | Save-RedshiftIamraConfig -Name prod-etl -Subject 'CN=redshift-client.example.com' -Latest
Connect-RedshiftIamra -ConfigName prod-etl        # in the job
'@
            Remarks = 'The job needs no access to CloudFormation and holds no secret.'
        }
    )
    Notes       = 'The object holds no secret: stack outputs are ARNs, names and host names.'
    Links       = @('Save-RedshiftIamraConfig', 'Get-IamraSession', 'Get-RedshiftDbCredential', 'about_RedshiftIamra')
}
