using System.Collections.Concurrent;
using System.Management.Automation;
using RedshiftIamra.Aws;
using RedshiftIamra.Loading;

namespace RedshiftIamra.PowerShell.Commands;

/// <summary>
/// <c>Export-RedshiftQuery</c>: writes a query's result to local files, by UNLOAD to the staging
/// prefix and parallel downloads, or streamed through the connection into a CSV file. Nothing is
/// half-written and no staged object is left behind.
/// </summary>
[Cmdlet(VerbsData.Export, "RedshiftQuery", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(RedshiftExportResult))]
public sealed class ExportRedshiftQueryCommand : RedshiftStagingCmdlet
{
    private DateTime _lastProgress = DateTime.MinValue;
    private bool _progressShown;

    /// <summary>The SELECT whose result is exported.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    [Alias("Sql", "CommandText")]
    public string Query { get; set; } = null!;

    /// <summary>The file to write; the folder for -Parts and Parquet.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = null!;

    /// <summary>The connection; the default connection otherwise.</summary>
    [Parameter]
    public RedshiftConnection? Connection { get; set; }

    /// <summary>Auto (UNLOAD when staging is configured), Stream or Unload.</summary>
    [Parameter]
    [ValidateSet(nameof(ExportMethodName.Auto), nameof(ExportMethodName.Stream), nameof(ExportMethodName.Unload))]
    public string ExportMethod { get; set; } = nameof(ExportMethodName.Auto);

    [Parameter]
    [ValidateSet(nameof(ExportFormatName.Csv), nameof(ExportFormatName.Parquet))]
    public string FileFormat { get; set; } = nameof(ExportFormatName.Csv);

    /// <summary>gzip-compressed CSV (also implied by a path ending in .gz).</summary>
    [Parameter]
    public SwitchParameter Gzip { get; set; }

    /// <summary>Keeps UNLOAD's parts as separate files in the folder -Path.</summary>
    [Parameter]
    public SwitchParameter Parts { get; set; }

    /// <summary>Leaves out the CSV header line.</summary>
    [Parameter]
    public SwitchParameter NoHeader { get; set; }

    /// <summary>Replaces existing files (once the export is complete).</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Seconds the query (or UNLOAD) may run; 0 waits forever. The connection's default otherwise.</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    [Alias("CommandTimeoutSeconds")]
    public int CommandTimeout { get; set; } = -1;

    /// <summary>Returns a summary of the export.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void Process()
    {
        var connection = ConnectionOrDefault(Connection);
        var path = Resolve(Path)!;
        var options = new QueryExportOptions
        {
            Query = Query,
            Path = path,
            Method = Enum.Parse<RedshiftIamra.Loading.ExportMethod>(ExportMethod, ignoreCase: true),
            Format = Enum.Parse<ExportFormat>(FileFormat, ignoreCase: true),
            Gzip = Gzip.IsPresent || path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase),
            Parts = Parts.IsPresent,
            Header = !NoHeader.IsPresent,
            Force = Force.IsPresent,
            Staging = Staging(connection),
            CommandTimeoutSeconds = CommandTimeout >= 0 ? CommandTimeout : connection.Options.CommandTimeoutSeconds,
        };
        var log = new QueueLog();
        var exporter = QueryExporter.Create(connection, options, log, CancellationToken);
        if (!ShouldProcess(path, $"Export the query's result ({exporter.Method}, {options.Format}{(options.Gzip ? ", gzip" : string.Empty)})"))
        {
            return;
        }

        RedshiftExportResult result;
        try
        {
            result = exporter.Export(p =>
            {
                Drain(log);
                Progress(p);
            });
        }
        finally
        {
            Drain(log);
            if (_progressShown)
            {
                WriteProgress(new ProgressRecord(1, "Export-RedshiftQuery", "Done") { RecordType = ProgressRecordType.Completed });
            }
        }

        if (PassThru.IsPresent)
        {
            WriteObject(result);
        }
    }

    private void Progress(LoadProgress p)
    {
        var now = DateTime.UtcNow;
        if (!ShowProgress || now - _lastProgress < TimeSpan.FromSeconds(1))
        {
            return;
        }

        _lastProgress = now;
        _progressShown = true;
        var seconds = Math.Max(p.Elapsed.TotalSeconds, 0.001);
        var status = p.Stage == "Download"
            ? $"Downloading parts: {p.Bytes / 1048576.0:N1} MB ({p.Bytes / 1048576.0 / seconds:N1} MB/s)"
            : $"{p.Rows:N0} rows, {p.Bytes / 1048576.0:N1} MB ({p.Rows / seconds:N0} rows/s, {p.Bytes / 1048576.0 / seconds:N1} MB/s)";
        WriteProgress(new ProgressRecord(1, "Export-RedshiftQuery", status));
    }

    /// <summary>No progress records in a session started with -NonInteractive beyond what the host shows.</summary>
    private static bool ShowProgress { get; } = !PowerShellCommandLine.IsNonInteractive(Environment.GetCommandLineArgs());

    private void Drain(QueueLog log)
    {
        while (log.Messages.TryDequeue(out var entry))
        {
            if (entry.Warning)
            {
                WriteWarning(entry.Text);
            }
            else
            {
                WriteVerbose(entry.Text);
            }
        }
    }

    private enum ExportMethodName
    {
        Auto,
        Stream,
        Unload,
    }

    private enum ExportFormatName
    {
        Csv,
        Parquet,
    }

    /// <summary>Engine messages, written on the pipeline thread.</summary>
    private sealed class QueueLog : IOperationLog
    {
        public ConcurrentQueue<(bool Warning, string Text)> Messages { get; } = new();

        public void Verbose(string message) => Messages.Enqueue((false, message));

        public void Debug(string message) => Messages.Enqueue((false, message));

        public void Warning(string message) => Messages.Enqueue((true, message));
    }
}
