@{
    Synopsis    = 'Exports a query''s result to local files: UNLOAD through the staging bucket with parallel downloads, or streamed through the connection into a CSV file.'
    Description = @'
Export-RedshiftQuery runs -Query on -Connection (by default the session's default connection) and writes its result to -Path, with bounded memory whatever the row count.

- Unload: where staging is configured (-StagingBucket and -CopyRoleArn, or the connection's Staging), the query runs as UNLOAD to a unique folder under the staging prefix (CSV with a header line, optionally gzip, or Parquet; SSE-KMS with -KmsKeyId), the parts are downloaded in parallel with the connection's own AWS session and joined into one file (the header kept once), or kept as parts in the folder -Path with -Parts (Parquet is always parts). The staged objects are deleted afterwards, also after a failure or Ctrl+C.
- Stream: otherwise the rows are read through the connection and written to one CSV file as they arrive. Values are the server's text form (as psql shows them); fields are quoted as RFC 4180 says (only when they hold a comma, a quote or a line break); NULL is an empty field and an empty string is "". -Gzip (or a path ending in .gz) compresses the file.

Files are written under a temporary name beside the target and renamed only once complete, so a failure or Ctrl+C leaves no half-written file. An existing file is replaced only with -Force.
'@
    Include     = @('_RedshiftStaging')
    Parameters  = @{
        Query          = 'The SELECT whose result is exported.'
        Path           = 'The file to write; with -Parts or -FileFormat Parquet, the folder the parts go into.'
        Connection     = 'The connection to use; the default connection when omitted.'
        ExportMethod   = 'Auto (the default: Unload when staging is configured, Stream otherwise), Stream or Unload.'
        FileFormat     = 'Csv (the default) or Parquet (Unload only).'
        Gzip           = 'gzip-compressed CSV; implied by a -Path ending in .gz.'
        Parts          = 'Keeps UNLOAD''s parts as separate files in the folder -Path instead of joining them.'
        NoHeader       = 'Leaves out the CSV header line.'
        Force          = 'Replaces existing files (once the export is complete).'
        CommandTimeout = 'Seconds the query or UNLOAD may run; 0 waits forever. The connection''s default when omitted.'
        PassThru       = 'Returns a summary: path, files, rows, bytes, method, format, duration.'
    }
    Inputs      = @{
        'None' = 'Nothing from the pipeline.'
    }
    Outputs     = @{
        'RedshiftIamra.Loading.RedshiftExportResult' = 'With -PassThru: the path, the files written, rows (-1 when UNLOAD does not say), bytes, method, format and duration.'
    }
    Examples    = @(
        @{
            Title   = 'Stream a result into a CSV file'
            Code    = "Export-RedshiftQuery 'select * from sales where saledate >= current_date - 7' -Path .\sales.csv -PassThru"
            Remarks = 'Without staging settings the rows stream through the connection into sales.csv, written under a temporary name and renamed when complete.'
        }
        @{
            Title   = 'UNLOAD a large table as Parquet parts'
            Code    = "Export-RedshiftQuery 'select * from events' -Path .\events -FileFormat Parquet -StagingBucket my-staging -CopyRoleArn arn:aws:iam::123456789012:role/redshift-copy"
            Remarks = 'UNLOAD writes the parts to the staging bucket; they are downloaded in parallel into .\events and deleted from S3.'
        }
    )
    Notes       = 'Error ids: RedshiftInvalidExport, RedshiftExportFileExists, RedshiftExportFailed, RedshiftStagingNotConfigured, RedshiftStagingInvalid, RedshiftStagingAccessDenied, RedshiftStagingFailed (see about_RedshiftIamra).'
    Links       = @('Write-RedshiftTable', 'Invoke-RedshiftQuery', 'about_RedshiftIamra')
}
