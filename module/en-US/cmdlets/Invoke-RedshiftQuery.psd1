@{
    Synopsis    = 'Runs SQL with typed parameters on a Redshift connection and streams the rows as objects.'
    Description = @'
Invoke-RedshiftQuery runs a statement on -Connection (by default the session's default connection from Connect-RedshiftIamra). Parameters are named in the SQL as @name and given in a hashtable; they are sent typed, never spliced into the text.

By default each row is written as an object as soon as it arrives, so a large result never sits in memory. Several result sets come out one after another. -As DataTable returns one DataTable per result set, -As Scalar the first column of the first row (the rest is canceled on the server), -As NonQuery the number of rows affected.

VALUES. Every value comes back exactly. NULL is $null. numeric/decimal is [decimal] when the value fits it (up to 28-29 significant digits), otherwise [System.Numerics.BigInteger] for a whole number (numeric(38,0)) and a string with every digit for a fraction (e.g. '1234567890123456789012345.1234567890123'). An interval is a [timespan] when it has no months, otherwise a RedshiftIamra.Connections.RedshiftInterval with Months, Days and Time (it prints as the server does: '1 year 2 mons 3 days 04:05:06'). date, timestamp and timestamptz are [datetime] (UTC kind for timestamptz); 'infinity', '-infinity' and dates before year 1 come back as the server's text ('infinity', '0044-03-15 BC'), never as a stand-in date. time is a [timespan]. A column whose name PowerShell reserves on every object (psobject, psbase, psadapted, psextended, pstypenames) gets a trailing underscore (psobject_); repeated names get 2, 3...

PARAMETERS. Each value is sent typed: string and char as text; bool as boolean; sbyte, byte, short as smallint; ushort, int as integer; uint, long as bigint; ulong, decimal, BigInteger as numeric (every digit kept); float as real; double as double precision; a DateTime of UTC kind as timestamptz, of local kind converted to UTC (the same instant) as timestamptz, of unspecified kind as timestamp; a DateTimeOffset of any offset converted to UTC as timestamptz; DateOnly as date; TimeOnly as time; TimeSpan as interval; Guid as its text; an enum value as its name (pass [int]$value for the number); byte[] as binary; $null as NULL. Refused before anything is sent, with an error naming the parameter and what to pass instead: a SecureString (decrypt it explicitly with ConvertFrom-SecureString -AsPlainText if you mean to send it), a hashtable or object (one parameter per property, or JSON text from ConvertTo-Json), an array or list (Redshift has no array parameters: one parameter per element), and any other type.

STOPPING. Ctrl+C, -CommandTimeout and a downstream command that wants no more rows (Select-Object -First) cancel the statement on the server with the protocol's cancel request and drop the rows already on their way; the connection stays usable. When the server does not acknowledge the cancel within a few seconds (a stopped server, a frozen network), the connection is closed instead of waiting, the error says so (rather than claiming the server canceled it), and the next query opens a new connection.

SHARING. A connection runs one statement at a time: runspaces that share it take turns. A query started from inside the rows of another query on the same connection (in the same pipeline) is refused with RedshiftConnectionBusy: collect the rows first, or use a second connection (Connect-RedshiftIamra -NoDefault). When the session died while idle (a terminated backend, a restarted server), the next query reconnects first; a statement is never sent twice.

A long query shows its progress (rows so far). A failed statement is an error record carrying the server's SQLSTATE, message and position.
'@
    Parameters  = @{
        Query          = 'The SQL statement(s).'
        Parameters     = 'Named parameters, e.g. @{ d = (Get-Date).AddDays(-7) } for @d in the SQL. See PARAMETERS above for how each type is sent and which are refused.'
        Connection     = 'The connection to use; the default connection when omitted.'
        CommandTimeout = 'Seconds to wait for the server (for the statement to start returning rows, and for each further batch); then the statement is canceled on the server, or the connection closed when the server does not answer the cancel. 0 waits forever. The connection''s default when omitted.'
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
        @{
            Title   = 'The first rows only'
            Code    = "Invoke-RedshiftQuery 'select * from events order by ts desc' | Select-Object -First 10"
            Remarks = 'After the tenth row the statement is canceled on the server; the connection is ready for the next query at once.'
        }
    )
    Links       = @('Connect-RedshiftIamra')
}
