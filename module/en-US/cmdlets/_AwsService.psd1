# Parameter texts shared by the cmdlets that call an AWS API with any AWS credential source
# (Get-RedshiftDbCredential, Get-RedshiftIamraStack). Included with Include = @('_AwsService').
@{
    Parameters = @{
        Session               = 'A Roles Anywhere session from Get-IamraSession. It is renewed automatically when it nears its end.'
        ProfileName           = 'An AWS profile from the shared config files (any kind AWSSDK.Core understands, credential_process included).'
        AccessKey             = 'An AWS access key id, with -SecretKey (and -SessionToken for temporary credentials).'
        SecretKey             = 'The secret access key, as a SecureString.'
        SessionToken          = 'The session token of temporary credentials, as a SecureString.'
        Proxy                 = 'An HTTPS proxy instead of the standard settings (HTTPS_PROXY, NO_PROXY).'
        CaBundlePath          = 'A PEM file of extra trusted roots for the API endpoint; defaults to AWS_CA_BUNDLE.'
        TimeoutSeconds        = 'How long one API attempt may take, 15 seconds by default.'
        AllowInsecureEndpoint = 'Allows a plain http API endpoint that is not on this machine (a warning says so).'
    }
}
