using System.Collections;
using System.Collections.Concurrent;
using System.Collections.ObjectModel;
using System.Data;
using System.Management.Automation;
using RedshiftIamra.Aws;
using RedshiftIamra.Loading;

namespace RedshiftIamra.PowerShell.Commands;

/// <summary>
/// <c>Write-RedshiftTable</c>: loads pipeline objects, a DataTable, a data reader or CSV files into
/// a table in one transaction, by batched INSERTs or staged S3 files and one COPY. A failure or
/// Ctrl+C leaves the table as it was and no staged object behind.
/// </summary>
[Cmdlet(VerbsCommunications.Write, "RedshiftTable", DefaultParameterSetName = InputSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(RedshiftLoadResult))]
public sealed class WriteRedshiftTableCommand : RedshiftStagingCmdlet
{
    private const string InputSet = "Input";
    private const string PathSet = "Path";

    private readonly QueueLog _log = new();
    private TableWriter? _writer;
    private RecordShaper? _shaper;
    private long _records;
    private DateTime _lastProgress = DateTime.MinValue;
    private bool _progressShown;
    private bool _stopped;

    /// <summary>The table: name, schema.name, or a name with -Schema.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Table { get; set; } = null!;

    /// <summary>The table's schema, when -Table is a bare name (public otherwise, or the search path's first).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Schema { get; set; }

    /// <summary>Rows: objects, hashtables or DataRows from the pipeline, or one DataTable or IDataReader.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputSet)]
    [AllowNull]
    public PSObject? InputObject { get; set; }

    /// <summary>CSV files (gzip too) whose first row names the columns; wildcards allowed.</summary>
    [Parameter(Mandatory = true, ParameterSetName = PathSet)]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = null!;

    /// <summary>The connection; the default connection (the last Connect-RedshiftIamra) otherwise.</summary>
    [Parameter]
    public RedshiftConnection? Connection { get; set; }

    /// <summary>Input column name → table column name, for the columns whose names differ.</summary>
    [Parameter]
    public IDictionary? ColumnMap { get; set; }

    /// <summary>Direct (batched INSERT), Staged (S3 and COPY) or Auto (staged when staging is configured and the input is large).</summary>
    [Parameter]
    [ValidateSet(nameof(LoadMethodName.Auto), nameof(LoadMethodName.Direct), nameof(LoadMethodName.Staged))]
    public string Method { get; set; } = nameof(LoadMethodName.Auto);

    /// <summary>Creates the table from the input's columns when it does not exist.</summary>
    [Parameter]
    public SwitchParameter CreateTable { get; set; }

    /// <summary>Empties the table inside the load's transaction (DELETE, not Redshift's committing TRUNCATE).</summary>
    [Parameter]
    public SwitchParameter Truncate { get; set; }

    /// <summary>Replaces the rows whose -Key matches an input row, and inserts the others.</summary>
    [Parameter]
    public SwitchParameter Upsert { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? Key { get; set; }

    /// <summary>Rows per INSERT statement on the direct path (fewer when the statement would pass 16 MB or the parameter limit).</summary>
    [Parameter]
    [ValidateRange(1, 32767)]
    public int BatchSize { get; set; } = BatchLimits.DefaultRowsPerBatch;

    /// <summary>Seconds one statement may run; 0 waits forever. The connection's default otherwise.</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    [Alias("CommandTimeoutSeconds")]
    public int CommandTimeout { get; set; } = -1;

    /// <summary>Returns a summary of the load (rows, bytes, path, parts, duration).</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void Begin()
    {
        if (Upsert.IsPresent && (Key is null || Key.Length == 0))
        {
            throw new IamraException(ErrorIds.Loading.InvalidKey, IamraErrorCategory.InvalidArgument,
                "-Upsert needs -Key: the columns that identify a row (e.g. -Key id).", "Key");
        }

        if (Key is not null && !Upsert.IsPresent)
        {
            throw new IamraException(ErrorIds.Loading.InvalidKey, IamraErrorCategory.InvalidArgument,
                "-Key is for -Upsert: add -Upsert to replace the rows with the same key, or leave -Key out.", "Key");
        }

        var table = TableName.Parse(Table, Schema);
        var connection = ConnectionOrDefault(Connection);
        var options = new TableLoadOptions
        {
            Table = table,
            ColumnMap = ToMap(ColumnMap),
            Method = Enum.Parse<LoadMethod>(Method, ignoreCase: true),
            CreateTable = CreateTable.IsPresent,
            Truncate = Truncate.IsPresent,
            UpsertKeys = Upsert.IsPresent ? Key : null,
            BatchRows = BatchSize,
            Staging = Staging(connection),
            CommandTimeoutSeconds = CommandTimeout >= 0 ? CommandTimeout : connection.Options.CommandTimeoutSeconds,
        };
        var paths = ParameterSetName == PathSet ? ResolvePaths() : null;
        var action = Truncate.IsPresent ? "Replace all rows" : Upsert.IsPresent ? $"Upsert rows by {string.Join(", ", Key!)}" : "Insert rows";
        if (!ShouldProcess($"{table} on {connection.Host}/{connection.Database}", action + (CreateTable.IsPresent ? " (creating the table if it does not exist)" : string.Empty)))
        {
            _stopped = true;
            return;
        }

        _writer = TableWriter.Create(connection, options, _log, CancellationToken);
        if (paths is not null)
        {
            Guard(() => LoadFiles(paths));
        }
    }

    private List<string> ResolvePaths()
    {
        var result = new List<string>();
        foreach (var path in Path)
        {
            Collection<string> resolved;
            try
            {
                resolved = SessionState.Path.GetResolvedProviderPathFromPSPath(path, out _);
            }
            catch (ItemNotFoundException e)
            {
                throw new IamraException(ErrorIds.Loading.InputFileNotFound, IamraErrorCategory.ObjectNotFound, $"No file matches '{path}'.", path, e);
            }

            if (resolved.Count == 0)
            {
                throw new IamraException(ErrorIds.Loading.InputFileNotFound, IamraErrorCategory.ObjectNotFound, $"No file matches '{path}'.", path);
            }

            result.AddRange(resolved);
        }

        // Every file is checked (exists, is CSV, same columns) before any row is written.
        CsvFileSource.CheckSameColumns(result);
        return result;
    }

    private void LoadFiles(List<string> paths)
    {
        foreach (var path in paths)
        {
            using var source = CsvFileSource.Open(path);
            WriteVerbose($"Reading {path}{(source.Compressed ? " (gzip)" : string.Empty)}: {string.Join(", ", source.Columns)}.");
            if (_writer!.SourceNames.Count == 0)
            {
                _writer.SetSource(source.Columns);
            }

            foreach (var row in source.Rows())
            {
                _writer.AddRow(row);
                Tick();
            }
        }
    }

    protected override void Process()
    {
        if (_stopped || ParameterSetName != InputSet || InputObject is null)
        {
            return;
        }

        Guard(() => Add(_writer!));
    }

    /// <summary>Runs a step of the load; on failure the writer has rolled back, and the rest of the input is not loaded.</summary>
    private void Guard(Action step)
    {
        try
        {
            step();
        }
        catch
        {
            _stopped = true;
            _writer?.Dispose();
            Drain();
            throw;
        }
    }

    private void Add(TableWriter writer)
    {
        switch (InputObject!.BaseObject)
        {
            case DataTable table:
                using (var reader = table.CreateDataReader())
                {
                    DataReaderSource.LoadAll(reader, writer, _ => Tick());
                }

                return;
            case IDataReader reader:
                DataReaderSource.LoadAll(reader, writer, _ => Tick());
                return;
        }

        var fields = Fields(InputObject).ToList();
        if (_shaper is null)
        {
            _shaper = new RecordShaper(fields.Select(f => f.Key).ToList());
            writer.SetSource(_shaper.Names);
        }

        writer.AddRow(_shaper.Shape(fields, ++_records));
        Tick();
    }

    private static IEnumerable<KeyValuePair<string, object?>> Fields(PSObject input)
    {
        switch (input.BaseObject)
        {
            case DataRow row:
                foreach (DataColumn column in row.Table.Columns)
                {
                    yield return KeyValuePair.Create(column.ColumnName, Unwrap(row[column]));
                }

                yield break;
            case IDictionary dictionary:
                foreach (DictionaryEntry entry in dictionary)
                {
                    yield return KeyValuePair.Create(entry.Key?.ToString() ?? string.Empty, Unwrap(entry.Value));
                }

                yield break;
        }

        foreach (var property in input.Properties)
        {
            if (property.IsGettable && property.MemberType is PSMemberTypes.NoteProperty or PSMemberTypes.Property or PSMemberTypes.AliasProperty or PSMemberTypes.ScriptProperty)
            {
                yield return KeyValuePair.Create(property.Name, Unwrap(property.Value));
            }
        }
    }

    private static object? Unwrap(object? value) => value switch
    {
        PSObject wrapped => wrapped.BaseObject,
        DBNull => null,
        _ => value,
    };

    protected override void End()
    {
        if (_stopped)
        {
            return;
        }

        RedshiftLoadResult result;
        try
        {
            result = _writer!.Complete();
        }
        finally
        {
            _stopped = true;
            _writer!.Dispose();
            Drain();
            if (_progressShown)
            {
                WriteProgress(new ProgressRecord(1, "Write-RedshiftTable", "Done") { RecordType = ProgressRecordType.Completed });
            }
        }

        WriteVerbose($"{result.Rows:N0} rows into {result.Table} by the {result.Method} path in {result.Duration.TotalSeconds:0.00} s ({result.RowsPerSecond:N0} rows/s).");
        if (PassThru.IsPresent)
        {
            WriteObject(result);
        }
    }

    /// <summary>Rolls back a load the pipeline stopped (Ctrl+C, an error downstream) and deletes its staged objects.</summary>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _writer?.Dispose();
        }

        base.Dispose(disposing);
    }

    private void Tick()
    {
        if (_log.Pending)
        {
            Drain();
        }

        var now = DateTime.UtcNow;
        if (!ShowProgress || now - _lastProgress < TimeSpan.FromSeconds(1))
        {
            return;
        }

        _lastProgress = now;
        var p = _writer!.Progress;
        var seconds = Math.Max(p.Elapsed.TotalSeconds, 0.001);
        _progressShown = true;
        WriteProgress(new ProgressRecord(1, "Write-RedshiftTable", $"{Table}: {p.Rows:N0} rows, {p.Bytes / 1048576.0:N1} MB ({p.Rows / seconds:N0} rows/s, {p.Bytes / 1048576.0 / seconds:N1} MB/s) by the {p.Stage} path"));
    }

    /// <summary>No progress records in a session started with -NonInteractive (a job, a service) beyond what the host shows.</summary>
    private static bool ShowProgress { get; } = !PowerShellCommandLine.IsNonInteractive(Environment.GetCommandLineArgs());

    private void Drain()
    {
        while (_log.Messages.TryDequeue(out var entry))
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

    private static Dictionary<string, string>? ToMap(IDictionary? map)
    {
        if (map is null)
        {
            return null;
        }

        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (DictionaryEntry entry in map)
        {
            result[entry.Key?.ToString() ?? string.Empty] = (entry.Value is PSObject p ? p.BaseObject : entry.Value)?.ToString() ?? string.Empty;
        }

        return result;
    }

    /// <summary>The names -Method takes (a string parameter, so the engine is not loaded while PowerShell scans the cmdlets).</summary>
    private enum LoadMethodName
    {
        Auto,
        Direct,
        Staged,
    }

    /// <summary>Engine messages, written on the pipeline thread.</summary>
    private sealed class QueueLog : IOperationLog
    {
        public ConcurrentQueue<(bool Warning, string Text)> Messages { get; } = new();

        public bool Pending => !Messages.IsEmpty;

        public void Verbose(string message) => Messages.Enqueue((false, message));

        public void Debug(string message) => Messages.Enqueue((false, message));

        public void Warning(string message) => Messages.Enqueue((true, message));
    }
}
