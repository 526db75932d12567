@{
    Synopsis    = 'Makes the options object for -SessionOption: the rarely changed settings of the module''s AWS calls.'
    Description = @'
New-IamraSessionOption gathers the settings of the AWS calls (Roles Anywhere CreateSession, Redshift GetClusterCredentials and Serverless GetCredentials, CloudFormation DescribeStacks) that most scripts never change, so that they are one parameter, -SessionOption, on every cmdlet that calls AWS instead of several parameters on each: an HTTPS proxy, how long one attempt may take, whether a plain http endpoint off this machine is allowed, and how long before expiry cached sessions and database credentials are renewed.

The object holds no secret. Make it once and pass it to every call, or put it in $PSDefaultParameterValues:

    $PSDefaultParameterValues['*-Iamra*:SessionOption'] = New-IamraSessionOption -Proxy http://proxy.example.com:3128

Values are checked here, before any network call.
'@
    Parameters  = @{
        Proxy                 = 'An HTTPS proxy (http://host:port) to use instead of the standard settings (HTTPS_PROXY, NO_PROXY).'
        TimeoutSeconds        = 'How long one attempt of an AWS call may take, 1 to 300 seconds, 15 by default. Failed attempts are retried with jittered backoff, up to 4 attempts in all.'
        AllowInsecureEndpoint = 'Allows a plain http AWS endpoint that is not on this machine. The signed request and the credentials then travel unencrypted; a warning says so.'
        RenewalMargin         = 'How long before expiry a cached Roles Anywhere session (5 minutes by default, at most a quarter of its lifetime) or database credential (2 minutes by default) is renewed.'
    }
    Outputs     = @{
        'RedshiftIamra.IamraSessionOption' = 'The options, for -SessionOption.'
    }
    Examples    = @(
        @{
            Title   = 'Through a proxy, with a longer timeout'
            Code    = "`$o = New-IamraSessionOption -Proxy http://proxy.example.com:3128 -TimeoutSeconds 60`nGet-IamraSession -Thumbprint `$t -TrustAnchorArn `$ta -ProfileArn `$pa -RoleArn `$ra -SessionOption `$o"
            Remarks = 'Sends CreateSession through the proxy and lets each attempt take up to a minute.'
        }
        @{
            Title   = 'Renew early in a long job'
            Code    = "Connect-RedshiftIamra -ConfigName prod-etl -SessionOption (New-IamraSessionOption -RenewalMargin '00:10:00')"
            Remarks = 'Renews the cached session and database credentials ten minutes before they expire.'
        }
    )
    Links       = @('Get-IamraSession', 'Get-RedshiftDbCredential', 'Connect-RedshiftIamra', 'about_RedshiftIamra')
}
