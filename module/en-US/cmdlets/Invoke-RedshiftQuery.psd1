@{
    Synopsis    = 'Runs SQL with typed parameters on a Redshift connection and streams the rows as objects.'
    Description = @'
Invoke-RedshiftQuery runs a statement on -Connection (by default the session's default connection from Connect-RedshiftIamra). Parameters are named in the SQL as @name and given in a hashtable; they are sent typed, never spliced into the text.

By default each row is written as an object as soon as it arrives, so a large result never sits in memory; NULL becomes $null and numeric, date and time, boolean, text and binary columns map to the matching .NET types. Several result sets come out one after another. -As DataTable returns one DataTable per result set, -As Scalar the first column of the first row, -As NonQuery the number of rows affected.

Ctrl+C cancels the statement on the server. A long query shows its progress (rows so far). A failed statement is an error record carrying the server's SQLSTATE, message and position.
'@
    Parameters  = @{
        Query          = 'The SQL statement(s).'
        Parameters     = 'Named parameters, e.g. @{ d = (Get-Date).AddDays(-7) } for @d in the SQL.'
        Connection     = 'The connection to use; the default connection when omitted.'
        CommandTimeout = 'Seconds the statement may run; 0 waits forever. The connection''s default when omitted.'
        As             = 'PSObject (the default, streamed), DataTable, Scalar or NonQuery.'
    }
    Inputs      = @{
        'System.String' = 'SQL statements, run one after another.'
    }
    Outputs     = @{
        'System.Management.Automation.PSObject' = 'One object per row (the default).'
        'System.Data.DataTable'                 = 'With -As DataTable.'
        'System.Object'                         = 'With -As Scalar.'
        'System.Int32'                          = 'With -As NonQuery: rows affected.'
    }
    Examples    = @(
        @{
            Title   = 'A parameterised query'
            Code    = "Invoke-RedshiftQuery 'select count(*) as n from sales where saledate > @d' -Parameters @{ d = (Get-Date).AddDays(-7) }"
            Remarks = 'The date is sent as a typed parameter.'
        }
        @{
            Title   = 'A load step in a scheduled job'
            Code    = "Invoke-RedshiftQuery -Connection `$conn -As NonQuery `"copy sales from 's3://bucket/day/' iam_role default format parquet`""
            Remarks = 'Returns the number of rows affected; a failure is a terminating error with -ErrorAction Stop.'
        }
    )
    Links       = @('Connect-RedshiftIamra')
}
