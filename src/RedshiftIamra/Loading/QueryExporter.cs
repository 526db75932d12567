using System.Data;
using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using Npgsql;
using RedshiftIamra.Aws;

namespace RedshiftIamra.Loading;

/// <summary>How a query result reaches local files.</summary>
public enum ExportMethod
{
    /// <summary>Unload when staging is configured, stream otherwise.</summary>
    Auto,

    /// <summary>Rows streamed through the connection into a local CSV file.</summary>
    Stream,

    /// <summary>UNLOAD to the staging prefix, parts downloaded in parallel.</summary>
    Unload,
}

/// <summary>The file format of an export.</summary>
public enum ExportFormat
{
    Csv,
    Parquet,
}

/// <summary>What Export-RedshiftQuery was asked to do.</summary>
public sealed record QueryExportOptions
{
    public required string Query { get; init; }

    /// <summary>The file to write (one file), or the folder for the parts (<see cref="Parts"/>, Parquet).</summary>
    public required string Path { get; init; }

    public ExportMethod Method { get; init; } = ExportMethod.Auto;

    public ExportFormat Format { get; init; } = ExportFormat.Csv;

    public bool Gzip { get; init; }

    /// <summary>Keeps UNLOAD's parts as separate files in the folder <see cref="Path"/> instead of joining them.</summary>
    public bool Parts { get; init; }

    /// <summary>A first line with the column names (CSV).</summary>
    public bool Header { get; init; } = true;

    /// <summary>Replaces an existing file (or the parts' folder's files of the same names).</summary>
    public bool Force { get; init; }

    public RedshiftStagingSettings? Staging { get; init; }

    public int CommandTimeoutSeconds { get; init; }

    /// <summary>Parts downloaded at once.</summary>
    public int Parallelism { get; init; } = 4;
}

/// <summary>What an export wrote.</summary>
public sealed record RedshiftExportResult
{
    /// <summary>The file written, or the folder of the parts.</summary>
    public required string Path { get; init; }

    public required IReadOnlyList<string> Files { get; init; }

    /// <summary>Rows written; -1 where the server did not say (an UNLOAD that reports no count).</summary>
    public required long Rows { get; init; }

    /// <summary>Bytes written to local files.</summary>
    public required long Bytes { get; init; }

    public required ExportMethod Method { get; init; }

    public required ExportFormat Format { get; init; }

    public bool Gzip { get; init; }

    public required TimeSpan Duration { get; init; }

    public override string ToString() => $"{(Rows >= 0 ? Rows.ToString("N0", System.Globalization.CultureInfo.InvariantCulture) : "?")} rows to {Path} ({Method}, {Format}{(Gzip ? ", gzip" : string.Empty)})";
}

/// <summary>
/// Exports a query's result to local files, with bounded memory: either streams the rows
/// through the connection into a CSV file (the server's text form of each value, quoted by
/// <see cref="Rfc4180"/>), or runs UNLOAD to the staging prefix and downloads the parts in
/// parallel. Files are written under temporary names and renamed only when complete, so a
/// failure or Ctrl+C leaves no half-written file; staged objects are always deleted.
/// </summary>
public sealed class QueryExporter
{
    private readonly Func<NpgsqlConnection> _open;
    private readonly QueryExportOptions _options;
    private readonly AwsCredentialSource? _aws;
    private readonly string? _region;
    private readonly AwsHttpSettings? _http;
    private readonly IOperationLog _log;
    private readonly CancellationToken _cancellation;

    private QueryExporter(Func<NpgsqlConnection> open, QueryExportOptions options, AwsCredentialSource? aws, string? region, AwsHttpSettings? http, IOperationLog log, CancellationToken cancellationToken)
    {
        _open = open;
        _options = Validate(options);
        _aws = aws;
        _region = region;
        _http = http;
        _log = log;
        _cancellation = cancellationToken;
    }

    /// <summary>An exporter on a module connection (its pool, its staging settings unless the options give some, its AWS session for S3).</summary>
    public static QueryExporter Create(RedshiftConnection connection, QueryExportOptions options, IOperationLog log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(options);
        return new QueryExporter(() => (NpgsqlConnection)connection.OpenConnection(), options with { Staging = options.Staging ?? connection.Staging }, connection.AwsCredentials, connection.Region, connection.AwsHttp, log, cancellationToken);
    }

    /// <summary>An exporter on any Npgsql connection (tests, benchmarks).</summary>
    internal static QueryExporter Create(Func<NpgsqlConnection> open, QueryExportOptions options, AwsCredentialSource? aws, string? region, IOperationLog log, CancellationToken cancellationToken, AwsHttpSettings? http = null) =>
        new(open, options, aws, region, http, log, cancellationToken);

    /// <summary>The way this export goes.</summary>
    public ExportMethod Method => _options.Method switch
    {
        ExportMethod.Auto => _options.Staging is not null && _options.Staging.CopyRoleArn is not null && _aws is not null ? ExportMethod.Unload : ExportMethod.Stream,
        var m => m,
    };

    /// <summary>Runs the export; <paramref name="progress"/> is called on this thread now and then.</summary>
    public RedshiftExportResult Export(Action<LoadProgress>? progress = null)
    {
        return Method == ExportMethod.Unload ? Unload(progress) : Stream(progress);
    }

    private static QueryExportOptions Validate(QueryExportOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.Query))
        {
            throw Invalid("The query is empty.", options.Query);
        }

        if (options.Method == ExportMethod.Stream && options.Format == ExportFormat.Parquet)
        {
            throw Invalid("Parquet comes from UNLOAD: use -ExportMethod Unload (or Auto with staging configured), or -FileFormat Csv to stream the rows.", options.Format);
        }

        if (options.Method == ExportMethod.Stream && options.Parts)
        {
            throw Invalid("-Parts keeps UNLOAD's parts: use -ExportMethod Unload (or Auto with staging configured), or leave -Parts out to stream into one file.", options.Path);
        }

        if (options.Format == ExportFormat.Parquet && options.Gzip)
        {
            throw Invalid("Parquet files are compressed inside (Snappy); -Gzip is for CSV.", options.Format);
        }

        var full = System.IO.Path.GetFullPath(options.Path);
        var folder = options.Parts || options.Format == ExportFormat.Parquet;
        if (folder)
        {
            if (File.Exists(full))
            {
                throw Invalid($"'{full}' is a file; parts go into a folder: give a folder path.", full);
            }
        }
        else
        {
            if (Directory.Exists(full))
            {
                throw Invalid($"'{full}' is a folder; give the file to write (e.g. {System.IO.Path.Combine(full, "result.csv")}), or -Parts to write UNLOAD's parts into it.", full);
            }

            var parent = System.IO.Path.GetDirectoryName(full);
            if (parent is null || !Directory.Exists(parent))
            {
                throw Invalid($"The folder of '{full}' does not exist: create it first.", full);
            }

            if (File.Exists(full) && !options.Force)
            {
                throw new IamraException(ErrorIds.Loading.ExportFileExists, IamraErrorCategory.WriteError,
                    $"'{full}' exists: add -Force to replace it (it is replaced only once the export is complete).", full);
            }
        }

        return options with { Path = full, Staging = options.Staging?.Validate() };
    }

    private static IamraException Invalid(string message, object? target) => new(ErrorIds.Loading.InvalidExport, IamraErrorCategory.InvalidArgument, message, target);

    // ---- Streaming through the connection ------------------------------------------------

    private RedshiftExportResult Stream(Action<LoadProgress>? progress)
    {
        var clock = Stopwatch.StartNew();
        var temp = TempPath(_options.Path);
        long rows = 0;
        try
        {
            using (var connection = _open())
            using (var command = new NpgsqlCommand(_options.Query, connection) { CommandTimeout = _options.CommandTimeoutSeconds, AllResultTypesAreUnknown = true })
            using (_cancellation.Register(() => Cancel(command)))
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                Stream output = _options.Gzip ? new GZipStream(file, CompressionLevel.Fastest, leaveOpen: true) : file;
                using (var writer = new StreamWriter(output, new UTF8Encoding(false), 1 << 16, leaveOpen: true) { NewLine = "\n" })
                using (var reader = command.ExecuteReader(CommandBehavior.SequentialAccess))
                {
                    if (reader.FieldCount == 0)
                    {
                        throw Invalid("The query returns no rows (it is not a SELECT): nothing to export.", _options.Query);
                    }

                    var fields = new string?[reader.FieldCount];
                    if (_options.Header)
                    {
                        for (var i = 0; i < fields.Length; i++)
                        {
                            fields[i] = reader.GetName(i);
                        }

                        Rfc4180.WriteRecord(writer, fields);
                    }

                    var last = clock.Elapsed;
                    while (reader.Read())
                    {
                        for (var i = 0; i < fields.Length; i++)
                        {
                            fields[i] = reader.IsDBNull(i) ? null : reader.GetString(i);
                        }

                        Rfc4180.WriteRecord(writer, fields);
                        rows++;
                        if ((rows & 1023) == 0 && progress is not null && clock.Elapsed - last > TimeSpan.FromSeconds(1))
                        {
                            last = clock.Elapsed;
                            writer.Flush();
                            progress(new LoadProgress(rows, file.Length, clock.Elapsed, "Stream"));
                        }
                    }

                    if (reader.NextResult())
                    {
                        throw Invalid("The query has more than one result; export one SELECT at a time.", _options.Query);
                    }
                }

                if (!ReferenceEquals(output, file))
                {
                    output.Dispose();
                }

                file.Flush(flushToDisk: true);
            }

            _cancellation.ThrowIfCancellationRequested();
            File.Move(temp, _options.Path, overwrite: _options.Force);
            var bytes = new FileInfo(_options.Path).Length;
            _log.Verbose($"Wrote {rows:N0} rows ({bytes:N0} bytes) to {_options.Path} in {clock.Elapsed.TotalSeconds:0.00} s.");
            return new RedshiftExportResult
            {
                Path = _options.Path,
                Files = new[] { _options.Path },
                Rows = rows,
                Bytes = bytes,
                Method = ExportMethod.Stream,
                Format = ExportFormat.Csv,
                Gzip = _options.Gzip,
                Duration = clock.Elapsed,
            };
        }
        catch (Exception e) when (e is NpgsqlException && _cancellation.IsCancellationRequested)
        {
            throw new OperationCanceledException("The export was cancelled; no file was written.", e, _cancellation);
        }
        catch (PostgresException e)
        {
            throw new IamraException(ErrorIds.Loading.ExportFailed, IamraErrorCategory.InvalidOperation,
                $"The query failed: {e.MessageText} (SQLSTATE {e.SqlState}). No file was written.", _options.Query, e);
        }
        finally
        {
            TryDelete(temp);
        }
    }

    private static void Cancel(NpgsqlCommand command)
    {
        try
        {
            command.Cancel();
        }
        catch (Exception)
        {
            // Finished meanwhile.
        }
    }

    /// <summary>A temporary name beside the target (same folder, so the final rename is atomic).</summary>
    private static string TempPath(string path) =>
        System.IO.Path.Combine(System.IO.Path.GetDirectoryName(path)!, "." + System.IO.Path.GetFileName(path) + "." + Guid.NewGuid().ToString("N")[..8] + ".partial");

    private static void TryDelete(string path)
    {
        try
        {
            if (File.Exists(path))
            {
                File.Delete(path);
            }
        }
        catch (IOException)
        {
            // Left for the user; the name says it is partial.
        }
        catch (UnauthorizedAccessException)
        {
            // As above.
        }
    }

    // ---- UNLOAD through S3 ---------------------------------------------------------------

    /// <summary>The UNLOAD statement: the query as a literal, the run's prefix, the role, format, header, compression and encryption.</summary>
    internal static string UnloadSql(string query, string prefixUrl, string role, ExportFormat format, bool header, bool gzip, string? kmsKeyId, string? region)
    {
        var sql = new StringBuilder("unload (").Append(SqlText.QuoteLiteral(query.Trim().TrimEnd(';'))).Append(") to ").Append(SqlText.QuoteLiteral(prefixUrl));
        sql.Append(role == "default" ? " iam_role default" : " iam_role " + SqlText.QuoteLiteral(role));
        if (format == ExportFormat.Parquet)
        {
            sql.Append(" format as parquet");
        }
        else
        {
            sql.Append(" format as csv");
            if (header)
            {
                sql.Append(" header");
            }

            if (gzip)
            {
                sql.Append(" gzip");
            }
        }

        if (kmsKeyId is not null)
        {
            sql.Append(" kms_key_id ").Append(SqlText.QuoteLiteral(kmsKeyId)).Append(" encrypted");
        }

        if (region is not null)
        {
            sql.Append(" region ").Append(SqlText.QuoteLiteral(region));
        }

        return sql.ToString();
    }

    /// <summary>The row count of UNLOAD's INFO message, or null when the message is not that one.</summary>
    internal static long? UnloadCount(string? message)
    {
        var match = message is null ? null : System.Text.RegularExpressions.Regex.Match(message, @"^UNLOAD completed, (\d+) record\(s\) unloaded successfully");
        return match is { Success: true } && long.TryParse(match.Groups[1].Value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : null;
    }

    private RedshiftExportResult Unload(Action<LoadProgress>? progress)
    {
        var staging = _options.Staging ?? throw new IamraException(ErrorIds.Staging.NotConfigured, IamraErrorCategory.InvalidArgument,
            "-ExportMethod Unload needs a staging bucket: give -StagingBucket and -CopyRoleArn, or set the connection's Staging.", _options.Path);
        if (staging.CopyRoleArn is null || _aws is null)
        {
            throw new IamraException(ErrorIds.Staging.NotConfigured, IamraErrorCategory.InvalidArgument,
                staging.CopyRoleArn is null
                    ? "-ExportMethod Unload needs the IAM role UNLOAD runs as: give -CopyRoleArn (the stack's CopyRoleArn output), or 'default' for the cluster's default role."
                    : "-ExportMethod Unload needs AWS credentials for S3: connect with a Roles Anywhere session or an AWS credential source.", _options.Path);
        }

        var clock = Stopwatch.StartNew();
        var stager = new S3Stager(staging, _aws, _region ?? "us-east-1", _http);
        var downloads = new List<string>();
        try
        {
            Sync(stager.ProbeAsync(_cancellation));
            long rows;
            using (var connection = _open())
            using (var command = new NpgsqlCommand(UnloadSql(_options.Query, stager.Url(stager.RunPrefix + "part_"), staging.CopyRoleArn, _options.Format, _options.Header, _options.Gzip, staging.KmsKeyId, staging.Region), connection) { CommandTimeout = _options.CommandTimeoutSeconds })
            using (_cancellation.Register(() => Cancel(command)))
            {
                _log.Verbose($"Unloading to {stager.Url(stager.RunPrefix)}.");

                // The command tag is a bare "UNLOAD"; the count comes in the INFO Redshift sends
                // ("UNLOAD completed, N record(s) unloaded successfully.").
                long unloaded = -1;
                void OnNotice(object? sender, NpgsqlNoticeEventArgs e)
                {
                    if (UnloadCount(e.Notice.MessageText) is { } n)
                    {
                        unloaded = n;
                    }
                }

                connection.Notice += OnNotice;
                try
                {
                    var affected = command.ExecuteNonQuery();
                    rows = unloaded >= 0 ? unloaded : affected;
                }
                finally
                {
                    connection.Notice -= OnNotice;
                }
            }

            var parts = Sync(stager.ListAsync(stager.RunPrefix, _cancellation)).Where(p => !p.Key.EndsWith("manifest", StringComparison.Ordinal)).OrderBy(p => p.Key, StringComparer.Ordinal).ToList();
            _log.Verbose($"UNLOAD wrote {parts.Count} part(s), {parts.Sum(p => p.Size):N0} bytes; downloading.");
            var folder = _options.Parts || _options.Format == ExportFormat.Parquet;
            var tempFolder = folder ? _options.Path : System.IO.Path.GetDirectoryName(_options.Path)!;
            Directory.CreateDirectory(tempFolder);
            var local = parts.Select(p => (p.Key, p.Size, Temp: TempPath(System.IO.Path.Combine(tempFolder, System.IO.Path.GetFileName(p.Key))))).ToList();
            downloads.AddRange(local.Select(l => l.Temp));
            long done = 0;
            using (var gate = new SemaphoreSlim(Math.Max(1, _options.Parallelism)))
            {
                var tasks = local.Select(async l =>
                {
                    await gate.WaitAsync(_cancellation).ConfigureAwait(false);
                    try
                    {
                        await stager.DownloadAsync(l.Key, l.Temp, _cancellation).ConfigureAwait(false);
                        Interlocked.Add(ref done, l.Size);
                    }
                    finally
                    {
                        gate.Release();
                    }
                }).ToList();
                var all = Task.WhenAll(tasks);
                while (!all.Wait(TimeSpan.FromSeconds(1), CancellationToken.None))
                {
                    progress?.Invoke(new LoadProgress(0, Interlocked.Read(ref done), clock.Elapsed, "Download"));
                }

                all.GetAwaiter().GetResult();
            }

            var files = new List<string>();
            if (folder)
            {
                foreach (var l in local)
                {
                    var target = System.IO.Path.Combine(_options.Path, System.IO.Path.GetFileName(l.Key));
                    if (File.Exists(target) && !_options.Force)
                    {
                        throw new IamraException(ErrorIds.Loading.ExportFileExists, IamraErrorCategory.WriteError, $"'{target}' exists: add -Force to replace it.", target);
                    }
                }

                foreach (var l in local)
                {
                    var target = System.IO.Path.Combine(_options.Path, System.IO.Path.GetFileName(l.Key));
                    File.Move(l.Temp, target, overwrite: true);
                    files.Add(target);
                }
            }
            else
            {
                var temp = TempPath(_options.Path);
                downloads.Add(temp);
                Join(local.Select(l => l.Temp).ToList(), temp);
                File.Move(temp, _options.Path, overwrite: _options.Force);
                files.Add(_options.Path);
            }

            var bytes = files.Sum(f => new FileInfo(f).Length);
            _log.Verbose($"Wrote {files.Count} file(s), {bytes:N0} bytes, in {clock.Elapsed.TotalSeconds:0.00} s.");
            return new RedshiftExportResult
            {
                Path = _options.Path,
                Files = files,
                Rows = rows,
                Bytes = bytes,
                Method = ExportMethod.Unload,
                Format = _options.Format,
                Gzip = _options.Gzip,
                Duration = clock.Elapsed,
            };
        }
        catch (Exception e) when (e is NpgsqlException && _cancellation.IsCancellationRequested)
        {
            throw new OperationCanceledException("The export was cancelled; no file was written and the staged objects are deleted.", e, _cancellation);
        }
        catch (PostgresException e)
        {
            throw new IamraException(ErrorIds.Loading.ExportFailed, IamraErrorCategory.InvalidOperation,
                $"UNLOAD failed: {e.MessageText} (SQLSTATE {e.SqlState}). No file was written; the staged objects are deleted.", _options.Query, e);
        }
        catch (Amazon.Runtime.AmazonServiceException e)
        {
            throw stager.Explain(e, "download the unloaded parts from");
        }
        finally
        {
            foreach (var d in downloads)
            {
                TryDelete(d);
            }

            try
            {
                var deleted = Sync(stager.CleanUpAsync());
                _log.Verbose($"Deleted {deleted} staged object(s) under {stager.Url(stager.RunPrefix)}.");
            }
            finally
            {
                Sync(stager.DisposeAsync().AsTask());
            }
        }
    }

    /// <summary>Joins downloaded CSV parts into one file: the header of the first part only; gzip parts into one gzip stream.</summary>
    private void Join(List<string> parts, string target)
    {
        using var file = new FileStream(target, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
        Stream output = _options.Gzip ? new GZipStream(file, CompressionLevel.Fastest, leaveOpen: true) : file;
        try
        {
            for (var i = 0; i < parts.Count; i++)
            {
                _cancellation.ThrowIfCancellationRequested();
                using var part = new FileStream(parts[i], FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
                using Stream input = _options.Gzip ? new GZipStream(part, CompressionMode.Decompress) : part;
                if (_options.Header && i > 0)
                {
                    SkipLine(input);
                }

                input.CopyTo(output);
            }
        }
        finally
        {
            if (!ReferenceEquals(output, file))
            {
                output.Dispose();
            }
        }
    }

    /// <summary>Skips the header line (column names never hold line breaks in UNLOAD's header).</summary>
    private static void SkipLine(Stream input)
    {
        int b;
        while ((b = input.ReadByte()) >= 0 && b != '\n')
        {
        }
    }

    private static T Sync<T>(Task<T> task) => task.GetAwaiter().GetResult();

    private static void Sync(Task task) => task.GetAwaiter().GetResult();
}
