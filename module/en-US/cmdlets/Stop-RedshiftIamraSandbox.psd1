@{
    Synopsis    = 'Stops sandboxes started with Start-RedshiftIamraSandbox in this process.'
    Description = @'
Stop-RedshiftIamraSandbox stops the given sandbox, or every sandbox this process started. It closes the listener and all connections, removes the client certificate from Cert:\CurrentUser\My when Start-RedshiftIamraSandbox imported it, and deletes the working folder when it was a temporary one. Removing the module stops every sandbox too.
'@
    Parameters  = @{
        Sandbox = 'The sandbox to stop (from Start-RedshiftIamraSandbox). Every sandbox of this process when omitted.'
    }
    Inputs      = @{
        'RedshiftIamra.Sandbox.SandboxHost' = 'A sandbox to stop.'
    }
    Outputs     = @{}
    Examples    = @(
        @{
            Title   = 'Stop them all'
            Code    = 'Stop-RedshiftIamraSandbox'
            Remarks = 'Stops every sandbox started in this PowerShell process.'
        }
    )
    Links       = @('Start-RedshiftIamraSandbox')
}
