# Parameter texts of the AWS credential group (src/RedshiftIamra.PowerShell/AwsServiceCmdlet.cs), shared by
# every cmdlet that calls an AWS API with any AWS credential source. Included with Include = @('_AwsService').
@{
    Parameters = @{
        Session      = 'A Roles Anywhere session from Get-IamraSession, usually from the pipeline. It is renewed automatically when it nears its end.'
        ProfileName  = 'An AWS profile from the shared config files (any kind AWSSDK.Core understands, credential_process included).'
        AccessKey    = 'An AWS access key id, with -SecretKey (and -SessionToken for temporary credentials).'
        SecretKey    = 'The secret access key: a SecureString, or a plain string as AWS Tools for PowerShell scripts pass it (turned into a SecureString at once; never echoed in output or errors).'
        SessionToken = 'The session token of temporary credentials: a SecureString or a plain string, as for -SecretKey.'
    }
}
