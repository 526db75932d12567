@{
    Synopsis    = 'Loads pipeline objects, a DataTable, a data reader or CSV files into a Redshift table in one transaction.'
    Description = @'
Write-RedshiftTable writes rows into -Table on -Connection (by default the session's default connection from Connect-RedshiftIamra). Rows come from the pipeline (PSCustomObject, hashtable or DataRow: one row each), from -InputObject (a DataTable or an IDataReader: all its rows), or from -Path (CSV files, optionally gzip, whose first row names the columns). Input columns map to table columns by name, ignoring case; -ColumnMap renames the ones that differ.

Before any row is sent, the input is checked against the table: a table that does not exist (without -CreateTable), an input column the table does not have, a NOT NULL column without a value or default, an -Upsert key that is not loaded, and every value against its column's type, NULL-ability and width. The error names the row, the column and the value.

Two paths, one transaction each:

- Direct: batched, parameterised multi-row INSERT statements (values are never spliced into SQL text), each under Redshift's 16 MB statement limit and the protocol's 32767 parameters.
- Staged: the rows are written as gzip CSV parts (several at once), uploaded to -StagingBucket/-StagingPrefix with the connection's own AWS session (SSE-S3, or SSE-KMS with -KmsKeyId), listed in a manifest and loaded by one COPY ... MANIFEST IAM_ROLE -CopyRoleArn. A small probe object checks that the role can write there before any part is uploaded. The staged objects are deleted afterwards, after a failure and after Ctrl+C too. A COPY error is reported with the row, column and value from stl_load_errors or sys_load_error_detail.

-Method Auto (the default) takes the staged path when staging is configured (parameters, or the connection's Staging) and the input has more than 20,000 rows, the direct path otherwise.

-CreateTable creates a missing table from the input's columns: types from the DataTable's or reader's column types, or inferred from the first 1,000 rows (VARCHAR sized with headroom, at most 65535; DISTSTYLE AUTO on Redshift). -Truncate empties the table inside the load's transaction with DELETE (Redshift's TRUNCATE would commit at once), so a failed load leaves the old rows in place. -Upsert -Key id loads into a temporary table, then deletes the rows with the same key and inserts the new ones in the same transaction.

A failure or Ctrl+C rolls everything back: the table is as it was. Memory stays bounded whatever the row count: rows are streamed, never collected. Progress (rows, MB, rows/s and MB/s) is shown once a second, except in a session started with -NonInteractive.
'@
    Include     = @('_RedshiftStaging')
    Parameters  = @{
        Table          = 'The table: name or schema.name (a part in double quotes keeps its case, dots and spaces).'
        Schema         = 'The table''s schema, when -Table is a bare name.'
        InputObject    = 'A row (PSCustomObject, hashtable, DataRow) from the pipeline, or a DataTable or IDataReader whose rows are all loaded.'
        Path           = 'CSV files (gzip recognised by content) with a header row; wildcards allowed. All files must have the same columns.'
        Connection     = 'The connection to use; the default connection when omitted.'
        ColumnMap      = 'Input column name to table column name, for the columns whose names differ: @{ CustomerId = ''customer_id'' }.'
        Method         = 'Auto (the default), Direct (batched INSERT) or Staged (S3 and COPY).'
        CreateTable    = 'Creates the table from the input''s columns when it does not exist.'
        Truncate       = 'Empties the table first, inside the load''s transaction (DELETE, not TRUNCATE, which would commit).'
        Upsert         = 'Replaces the rows whose -Key matches an input row and inserts the rest.'
        Key            = 'The columns that identify a row, for -Upsert.'
        BatchSize      = 'Rows per INSERT statement on the direct path (2000 by default); fewer when a statement would pass 16 MB or 32767 parameters.'
        CommandTimeout = 'Seconds one statement (an INSERT batch, the COPY) may run; 0 waits forever. The connection''s default when omitted.'
        PassThru       = 'Returns a summary: rows, bytes, the path taken, statements or parts, duration, rows per second.'
    }
    Inputs      = @{
        'System.Management.Automation.PSObject' = 'Rows: objects, hashtables, DataRows; or a DataTable or IDataReader.'
    }
    Outputs     = @{
        'RedshiftIamra.Loading.RedshiftLoadResult' = 'With -PassThru: the table, rows, bytes, compressed bytes, method, parts, duration, and whether the table was created, emptied or upserted.'
    }
    Examples    = @(
        @{
            Title   = 'Objects from the pipeline'
            Code    = "Import-Csv .\customers.csv | Select-Object Id, Name, @{ n = 'Created'; e = { [datetime] `$_.Created } } | Write-RedshiftTable -Table sales.customers -PassThru"
            Remarks = 'Loads the rows by the direct path in one transaction and returns the summary.'
        }
        @{
            Title   = 'A gzip CSV file through S3'
            Code    = "Write-RedshiftTable -Table events -Path .\events-*.csv.gz -Method Staged -StagingBucket my-staging -CopyRoleArn arn:aws:iam::123456789012:role/redshift-copy"
            Remarks = 'Uploads gzip CSV parts with the connection''s Roles Anywhere session, runs one COPY, and deletes the staged objects.'
        }
        @{
            Title   = 'Replace rows by key'
            Code    = "`$table | Write-RedshiftTable -Table dim_product -Upsert -Key product_id -WhatIf"
            Remarks = 'Says what would happen; without -WhatIf the rows with the same product_id are replaced and new ones inserted, atomically.'
        }
    )
    Notes       = 'Error ids: RedshiftTableNotFound, RedshiftInvalidTableName, RedshiftColumnNotInTable, RedshiftColumnMissing, RedshiftInvalidColumnMap, RedshiftValueNotConvertible, RedshiftNullNotAllowed, RedshiftValueTooWide, RedshiftFileNotCsv, RedshiftInputFileNotFound, RedshiftInconsistentRow, RedshiftNoInputColumns, RedshiftInvalidUpsertKey, RedshiftStagingNotConfigured, RedshiftStagingInvalid, RedshiftStagingAccessDenied, RedshiftStagingFailed, RedshiftLoadFailed (see about_RedshiftIamra).'
    Links       = @('Connect-RedshiftIamra', 'Export-RedshiftQuery', 'Invoke-RedshiftQuery', 'about_RedshiftIamra')
}
