@{
    Synopsis    = 'Stops background credential servers and puts back the environment variables they set.'
    Description = @'
Stop-IamraCredentialServer stops the servers piped in (or, with none, every background server of this process): the port closes, requests under way finish (for up to 5 seconds), the token file is removed, and AWS_CONTAINER_CREDENTIALS_FULL_URI, AWS_CONTAINER_AUTHORIZATION_TOKEN and the other variables the server set get their earlier values back (a variable changed since is left as it is). Remove-Module RedshiftIamra does the same for every server.
'@
    Parameters  = @{
        Server      = 'The servers to stop, from Start-IamraCredentialServer or Get-IamraCredentialServer. Without it, all of them.'
    }
    Inputs      = @{
        'RedshiftIamra.Credentials.IamraCredentialServer' = 'Servers to stop.'
    }
    Outputs     = @{
        'None' = 'Nothing.'
    }
    Examples    = @(
        @{
            Title   = 'Stop one server'
            Code    = "`$server = Get-IamraSession @session | Start-IamraCredentialServer`n# ...`n`$server | Stop-IamraCredentialServer"
            Remarks = 'Stops that server only.'
        }
        @{
            Title   = 'Stop all'
            Code    = 'Stop-IamraCredentialServer'
            Remarks = 'Stops every background server of this process.'
        }
    )
    Links       = @('Start-IamraCredentialServer', 'Get-IamraCredentialServer')
}
