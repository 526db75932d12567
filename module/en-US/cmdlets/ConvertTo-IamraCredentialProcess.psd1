@{
    Synopsis    = 'Writes a Roles Anywhere session as the credential_process JSON that the AWS CLI and SDKs read.'
    Description = @'
ConvertTo-IamraCredentialProcess turns an IamraSession into the compact JSON a credential_process must print: {"Version":1,"AccessKeyId":...,"SecretAccessKey":...,"SessionToken":...,"Expiration":"2026-11-26T20:00:00Z"}.

The output holds the secret access key and session token in clear, by design: it is meant only for the standard output of a credential process, which the AWS CLI, the AWS SDKs and AWS Tools for PowerShell read. Set-IamraAwsProfile writes a profile that runs Get-IamraSession piped to this cmdlet.
'@
    Parameters  = @{
        Session = 'The session from Get-IamraSession.'
    }
    Inputs      = @{
        'RedshiftIamra.IamraSession' = 'The session to convert.'
    }
    Outputs     = @{
        'System.String' = 'One line of JSON.'
    }
    Examples    = @(
        @{
            Title   = 'A credential process by hand'
            Code    = "Get-IamraSession -Thumbprint `$t -TrustAnchorArn `$ta -ProfileArn `$pa -RoleArn `$ra | ConvertTo-IamraCredentialProcess"
            Remarks = 'Prints the JSON the AWS CLI expects from credential_process. Set-IamraAwsProfile writes this command into a profile for you.'
        }
    )
    Notes       = 'Never redirect this output to a file: it contains the secret key and session token.'
    Links       = @('Set-IamraAwsProfile', 'Get-IamraSession')
}
