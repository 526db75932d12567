@{
    Synopsis    = 'Lists the credential servers running in the background of this PowerShell process, with their state.'
    Description = @'
Get-IamraCredentialServer returns the servers Start-IamraCredentialServer started in the background of this process: where they listen (Uri, MetadataEndpoint, Port), their token as a SecureString, the state (Running; Degraded when the last renewal failed but the credentials served have not expired; Unavailable when there are none to serve; Stopped), the credentials' access key id and expiration, and renewal and request counts with the last renewal error. No property shows a secret.
'@
    Parameters  = @{
        Id = 'Returns only the servers with these ids.'
    }
    Inputs      = @{
        'None' = 'This cmdlet takes no pipeline input.'
    }
    Outputs     = @{
        'RedshiftIamra.Credentials.IamraCredentialServer' = 'Each running background server.'
    }
    Examples    = @(
        @{
            Title   = 'Is renewal working?'
            Code    = 'Get-IamraCredentialServer | Format-List State, Expiration, NextRenewal, Renewals, RenewalFailures, LastError'
            Remarks = 'A Degraded state with a LastError says why the last renewal failed; the server keeps serving until the credentials expire.'
        }
    )
    Links       = @('Start-IamraCredentialServer', 'Stop-IamraCredentialServer')
}
