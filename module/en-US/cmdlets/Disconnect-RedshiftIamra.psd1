@{
    Synopsis    = 'Closes a Redshift connection and its pool.'
    Description = @'
Disconnect-RedshiftIamra closes the given connection (or the default one) and the pool behind it. -All closes every connection this process opened: a query running on one (in another runspace) is canceled, every connection is closed even when closing another fails, and then each failure is reported as its own error. Removing the module closes them all as well.
'@
    Parameters  = @{
        Connection = 'The connection(s) to close; the default connection when omitted.'
        All        = 'Closes every connection this process opened.'
    }
    Inputs      = @{
        'RedshiftIamra.RedshiftConnection' = 'A connection to close.'
    }
    Outputs     = @{}
    Examples    = @(
        @{
            Title   = 'Close the default connection'
            Code    = 'Disconnect-RedshiftIamra'
            Remarks = 'Closes the connection Connect-RedshiftIamra made the default.'
        }
    )
    Links       = @('Connect-RedshiftIamra')
}
