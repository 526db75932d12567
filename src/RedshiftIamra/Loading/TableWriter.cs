using System.Diagnostics;
using System.Globalization;
using System.Text;
using Npgsql;
using RedshiftIamra.Aws;

namespace RedshiftIamra.Loading;

/// <summary>
/// Writes rows into a Redshift table in one transaction, by the direct path (multi-row INSERT)
/// or the staged path (gzip CSV parts in S3, one COPY ... MANIFEST). Rows are pushed one at a
/// time (<see cref="AddRow"/>) and streamed: the first rows are held back only until the path,
/// the column mapping and (with -CreateTable) the types are decided, and every value is checked
/// against its column before anything is written. A failure or cancellation rolls the
/// transaction back and deletes every staged object, so the table is as it was.
/// </summary>
public sealed class TableWriter : IAsyncDisposable, IDisposable
{
    private readonly Func<NpgsqlConnection> _open;
    private readonly TableLoadOptions _options;
    private readonly AwsCredentialSource? _aws;
    private readonly string? _region;
    private readonly AwsHttpSettings? _http;
    private readonly IOperationLog _log;
    private readonly CancellationToken _cancellation;
    private readonly Stopwatch _clock = new();
    private readonly List<object?[]> _held = new();
    private string[]? _sourceNames;
    private Type?[]? _sourceTypes;
    private NpgsqlConnection? _connection;
    private NpgsqlTransaction? _transaction;
    private S3Stager? _stager;
    private StagedParts? _parts;
    private DirectInserter? _direct;
    private TableColumn[] _targets = Array.Empty<TableColumn>();
    private int[] _sourceIndex = Array.Empty<int>();
    private object[] _row = Array.Empty<object>();
    private LoadMethod _method;
    private string _loadTarget = string.Empty;
    private bool _created;
    private bool _started;
    private bool _finished;
    private long _rows;
    private long _bytes;

    private TableWriter(Func<NpgsqlConnection> open, TableLoadOptions options, AwsCredentialSource? aws, string? region, AwsHttpSettings? http, IOperationLog log, CancellationToken cancellationToken)
    {
        _open = open;
        _options = Validate(options);
        _aws = aws;
        _region = region;
        _http = http;
        _log = log;
        _cancellation = cancellationToken;
    }

    /// <summary>A writer on a module connection: a pooled connection of its own, the connection's staging settings unless the options give some, and its AWS session for S3.</summary>
    public static TableWriter Create(RedshiftConnection connection, TableLoadOptions options, IOperationLog log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var staging = options.Staging ?? connection.Staging;
        return new TableWriter(() => (NpgsqlConnection)connection.OpenConnection(), options with { Staging = staging }, connection.AwsCredentials, connection.Region, connection.AwsHttp, log, cancellationToken);
    }

    /// <summary>A writer on any Npgsql connection (tests, benchmarks), with the AWS credentials for staging.</summary>
    internal static TableWriter Create(Func<NpgsqlConnection> open, TableLoadOptions options, AwsCredentialSource? aws, string? region, IOperationLog log, CancellationToken cancellationToken, AwsHttpSettings? http = null) =>
        new(open, options, aws, region, http, log, cancellationToken);

    /// <summary>The path taken (known once the first rows decided it).</summary>
    public LoadMethod Method => _method;

    public LoadProgress Progress => new(_rows, _bytes + (_parts?.RawBytes ?? 0), _clock.Elapsed, _started ? _method.ToString() : "Reading");

    /// <summary>The input's column names (and .NET types where the input declares them), before the first row.</summary>
    public void SetSource(IReadOnlyList<string> names, IReadOnlyList<Type?>? types = null)
    {
        if (_sourceNames is not null)
        {
            throw new InvalidOperationException("The input's columns are already set.");
        }

        if (names.Count == 0)
        {
            throw new IamraException(ErrorIds.Loading.NoInput, IamraErrorCategory.InvalidData, $"The input has no columns to load into {_options.Table}.", _options.Table.ToString());
        }

        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var name in names)
        {
            if (string.IsNullOrWhiteSpace(name) || !seen.Add(name))
            {
                throw new IamraException(ErrorIds.Loading.InconsistentRow, IamraErrorCategory.InvalidData,
                    $"The input's column names must be non-empty and unique (ignoring case); '{name}' is {(string.IsNullOrWhiteSpace(name) ? "empty" : "repeated")}.", name);
            }
        }

        _sourceNames = names.ToArray();
        _sourceTypes = types?.ToArray();
        _clock.Start();
    }

    public IReadOnlyList<string> SourceNames => _sourceNames ?? (IReadOnlyList<string>)Array.Empty<string>();

    /// <summary>One input row, its values in the order of <see cref="SetSource"/>.</summary>
    public void AddRow(object?[] values)
    {
        if (_sourceNames is null)
        {
            throw new InvalidOperationException("SetSource first.");
        }

        if (values.Length != _sourceNames.Length)
        {
            throw new IamraException(ErrorIds.Loading.InconsistentRow, IamraErrorCategory.InvalidData,
                $"Row {_rows + _held.Count + 1} has {values.Length} values; the input has {_sourceNames.Length} columns.", _rows + _held.Count + 1);
        }

        if (_finished)
        {
            throw new InvalidOperationException("The load has already ended (a failure rolled it back, or it was committed).");
        }

        try
        {
            _cancellation.ThrowIfCancellationRequested();
            if (!_started)
            {
                _held.Add(values);
                if (_held.Count >= HoldRows)
                {
                    Start(inputEnded: false);
                }

                return;
            }

            Write(values);
        }
        catch
        {
            // A failed load ends here: rolled back, staged objects deleted; later rows are refused.
            Dispose();
            throw;
        }
    }

    private int HoldRows => Math.Max(_options.SampleRows, _options.Method == LoadMethod.Auto && StagingReady ? _options.StagedThresholdRows : 0);

    private bool StagingReady => _options.Staging is { CopyRoleArn: not null } && _aws is not null;

    /// <summary>Sends what is left, runs the COPY (staged) and the upsert, commits, and deletes the staged objects.</summary>
    public RedshiftLoadResult Complete()
    {
        if (_sourceNames is null)
        {
            throw new IamraException(ErrorIds.Loading.NoInput, IamraErrorCategory.InvalidData, $"There were no rows to load into {_options.Table}.", _options.Table.ToString());
        }

        if (_finished)
        {
            throw new InvalidOperationException("The load has already ended (a failure rolled it back, or it was committed).");
        }

        try
        {
            if (!_started)
            {
                Start(inputEnded: true);
            }

            var parts = 0;
            long compressed = 0;
            if (_direct is not null)
            {
                _direct.Flush();
                parts = _direct.Statements;
            }
            else if (_parts is not null)
            {
                var urls = Sync(_parts.CompleteAsync());
                parts = urls.Count;
                compressed = _parts.CompressedBytes;
                _bytes += _parts.RawBytes;
                if (_rows > 0)
                {
                    var manifestKey = _stager!.RunPrefix + "manifest";
                    Sync(_stager.PutTextAsync(manifestKey, S3Stager.Manifest(urls), _cancellation));
                    _log.Verbose($"Uploaded {parts} part(s), {compressed:N0} bytes compressed; running COPY from {_stager.Url(manifestKey)}.");
                    Copy(_stager.Url(manifestKey));
                }
            }

            if (_options.UpsertKeys is { Count: > 0 } keys)
            {
                Upsert(keys);
            }

            _transaction!.Commit();
            _finished = true;
            _clock.Stop();
            _log.Verbose($"Committed {_rows:N0} rows into {_options.Table} in {_clock.Elapsed.TotalSeconds:0.00} s ({_method}).");
            return new RedshiftLoadResult
            {
                Table = _options.Table.ToString(),
                Rows = _rows,
                Bytes = _bytes,
                CompressedBytes = compressed,
                Method = _method,
                Parts = parts,
                Duration = _clock.Elapsed,
                Created = _created,
                Truncated = _options.Truncate,
                Upserted = _options.UpsertKeys is { Count: > 0 },
            };
        }
        catch (Exception e) when (e is PostgresException or NpgsqlException && _cancellation.IsCancellationRequested)
        {
            throw new OperationCanceledException("The load was cancelled; nothing was written.", e, _cancellation);
        }
        catch
        {
            Dispose();
            throw;
        }
        finally
        {
            FinishStaging();
        }
    }

    private void Start(bool inputEnded)
    {
        _started = true;
        var staged = _options.Method switch
        {
            LoadMethod.Staged => true,
            LoadMethod.Direct => false,
            _ => StagingReady && !inputEnded,
        };
        if (staged && _options.Staging is null)
        {
            throw new IamraException(ErrorIds.Staging.NotConfigured, IamraErrorCategory.InvalidArgument,
                "-Method Staged needs a staging bucket: give -StagingBucket and -CopyRoleArn, or connect with a configuration or stack that has them.", _options.Table.ToString());
        }

        if (staged && (_options.Staging!.CopyRoleArn is null || _aws is null))
        {
            throw new IamraException(ErrorIds.Staging.NotConfigured, IamraErrorCategory.InvalidArgument,
                _options.Staging.CopyRoleArn is null
                    ? "-Method Staged needs the IAM role COPY runs as: give -CopyRoleArn (the stack's CopyRoleArn output), or 'default' for the cluster's default role."
                    : "-Method Staged needs AWS credentials for S3: connect with a Roles Anywhere session or an AWS credential source.", _options.Table.ToString());
        }

        _method = staged ? LoadMethod.Staged : LoadMethod.Direct;
        _connection = _open();
        try
        {
            var columns = TableCatalog.ReadColumns(_connection, null, _options.Table);
            List<(string Name, string Type)>? create = null;
            if (columns.Count == 0)
            {
                if (!_options.CreateTable)
                {
                    throw new IamraException(ErrorIds.Loading.TableNotFound, IamraErrorCategory.ObjectNotFound,
                        $"The table {_options.Table} does not exist (or you may not see it). Create it first, or add -CreateTable to create it from the input's columns.", _options.Table.ToString());
                }

                create = InferColumns();
                columns = create.Select(c => ColumnFromType(c.Name, c.Type)).ToList();
            }

            Map(columns);

            // Every held row is checked before anything is written.
            var converted = new List<object[]>(_held.Count);
            for (var i = 0; i < _held.Count; i++)
            {
                converted.Add((object[])Convert(_held[i], i + 1).Clone());
            }

            if (staged)
            {
                _stager = new S3Stager(_options.Staging!, _aws!, _region ?? "us-east-1", _http);
                _log.Verbose($"Staging under {_stager.Url(_stager.RunPrefix)}; checking that the role can write there.");
                Sync(_stager.ProbeAsync(_cancellation));
            }

            _transaction = _connection.BeginTransaction();
            if (create is not null)
            {
                var redshift = TableCatalog.IsRedshift(_connection, _transaction);
                Execute(TypeInference.CreateTableSql(_options.Table, create, redshift));
                _created = true;
                _log.Verbose($"Created {_options.Table} ({string.Join(", ", create.Select(c => c.Name + " " + c.Type))}).");
            }

            if (_options.Truncate)
            {
                Execute($"delete from {_options.Table.Quoted}");
                _log.Verbose($"Emptied {_options.Table} inside the load's transaction.");
            }

            _loadTarget = _options.Table.Quoted;
            if (_options.UpsertKeys is { Count: > 0 })
            {
                _loadTarget = SqlText.QuoteIdentifier("redshift_iamra_upsert_" + Guid.NewGuid().ToString("N")[..12]);
                Execute($"create temp table {_loadTarget} (like {_options.Table.Quoted})");
            }

            if (staged)
            {
                _parts = new StagedParts(_stager!, _options.Parallelism, _options.PartBytes, _cancellation);
            }
            else
            {
                _direct = new DirectInserter(_connection, _transaction, _loadTarget, _targets, _options.BatchRows, BatchLimits.MaxBatchBytes, _options.CommandTimeoutSeconds);
            }

            _log.Verbose($"Loading {_options.Table} by the {_method} path ({string.Join(", ", _targets.Select(t => t.Name))}).");
            foreach (var row in converted)
            {
                Send(row);
            }

            _held.Clear();
        }
        catch (ValueRejectedException)
        {
            throw;
        }
    }

    private List<(string Name, string Type)> InferColumns()
    {
        var names = _sourceNames!;
        var result = new List<(string, string)>();
        var sample = _held.Take(_options.SampleRows).ToList();
        for (var i = 0; i < names.Length; i++)
        {
            var target = MappedName(names[i]);
            var type = TypeInference.Infer(_sourceTypes is { } t && i < t.Length ? t[i] : null, sample.Select(r => r[i]));
            result.Add((target.ToLowerInvariant(), type));
        }

        return result;
    }

    private static TableColumn ColumnFromType(string name, string type)
    {
        var open = type.IndexOf('(', StringComparison.Ordinal);
        var baseType = (open < 0 ? type : type[..open]).ToLowerInvariant() switch
        {
            "varchar" => "character varying",
            "timestamptz" => "timestamp with time zone",
            "timestamp" => "timestamp without time zone",
            "time" => "time without time zone",
            var other => other,
        };
        int? length = null, precision = null, scale = null;
        if (open >= 0)
        {
            var args = type[(open + 1)..^1].Split(',');
            if (baseType == "numeric")
            {
                precision = int.Parse(args[0], CultureInfo.InvariantCulture);
                scale = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 0;
            }
            else
            {
                length = int.Parse(args[0], CultureInfo.InvariantCulture);
            }
        }

        return new TableColumn(name, baseType, length, precision, scale, true, false);
    }

    private string MappedName(string source)
    {
        if (_options.ColumnMap is { } map)
        {
            foreach (var (from, to) in map)
            {
                if (string.Equals(from, source, StringComparison.OrdinalIgnoreCase))
                {
                    return to;
                }
            }
        }

        return source;
    }

    private void Map(List<TableColumn> columns)
    {
        var names = _sourceNames!;
        if (_options.ColumnMap is { } map)
        {
            foreach (var key in map.Keys)
            {
                if (!names.Any(n => string.Equals(n, key, StringComparison.OrdinalIgnoreCase)))
                {
                    throw new IamraException(ErrorIds.Loading.InvalidColumnMap, IamraErrorCategory.InvalidArgument,
                        $"-ColumnMap names the input column '{key}', which the input does not have. The input's columns: {string.Join(", ", names)}.", key);
                }
            }
        }

        var targets = new List<TableColumn>();
        var indexes = new List<int>();
        var used = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < names.Length; i++)
        {
            var wanted = MappedName(names[i]);
            var column = columns.FirstOrDefault(c => c.Name == wanted) ?? columns.FirstOrDefault(c => string.Equals(c.Name, wanted, StringComparison.OrdinalIgnoreCase));
            if (column is null)
            {
                throw new IamraException(ErrorIds.Loading.ColumnNotInTable, IamraErrorCategory.InvalidData,
                    $"The input column '{names[i]}'{(wanted == names[i] ? string.Empty : $" (mapped to '{wanted}')")} is not a column of {_options.Table}. The table's columns: {string.Join(", ", columns.Select(c => c.Name))}. Rename it with -ColumnMap @{{ '{names[i]}' = 'column' }} or leave it out of the input.", names[i]);
            }

            if (!used.Add(column.Name))
            {
                throw new IamraException(ErrorIds.Loading.InvalidColumnMap, IamraErrorCategory.InvalidArgument,
                    $"Two input columns go to the table column '{column.Name}'; each table column takes one input column.", column.Name);
            }

            targets.Add(column);
            indexes.Add(i);
        }

        var missing = columns.Where(c => !used.Contains(c.Name) && !c.Nullable && !c.HasDefault).Select(c => c.Name).ToList();
        if (missing.Count > 0)
        {
            throw new IamraException(ErrorIds.Loading.ColumnMissing, IamraErrorCategory.InvalidData,
                $"The input has no value for {string.Join(", ", missing.Select(m => $"'{m}'"))} of {_options.Table}, which {(missing.Count == 1 ? "is" : "are")} NOT NULL without a default. Add {(missing.Count == 1 ? "it" : "them")} to the input or map an input column to {(missing.Count == 1 ? "it" : "them")} with -ColumnMap.", missing[0]);
        }

        if (_options.UpsertKeys is { Count: > 0 } keys)
        {
            foreach (var key in keys)
            {
                if (!targets.Any(t => string.Equals(t.Name, key, StringComparison.OrdinalIgnoreCase)))
                {
                    throw new IamraException(ErrorIds.Loading.InvalidKey, IamraErrorCategory.InvalidArgument,
                        $"The upsert key '{key}' is not one of the loaded columns ({string.Join(", ", targets.Select(t => t.Name))}).", key);
                }
            }
        }

        _targets = targets.ToArray();
        _sourceIndex = indexes.ToArray();
        _row = new object[_targets.Length];
    }

    private object[] Convert(object?[] values, long rowNumber)
    {
        for (var c = 0; c < _targets.Length; c++)
        {
            var raw = values[_sourceIndex[c]];
            try
            {
                _row[c] = ValueConverter.Convert(raw, _targets[c]);
            }
            catch (ValueRejectedException e)
            {
                var category = IamraErrorCategory.InvalidData;
                throw new IamraException(e.ErrorId, category,
                    $"Row {rowNumber}, column '{_targets[c].Name}' ({_targets[c].SqlType}): {e.Message}. Nothing was written: the load stopped before sending it{(_started ? " and was rolled back" : string.Empty)}.", new LoadErrorTarget(rowNumber, _targets[c].Name, raw is null ? null : ValueConverter.Abbreviate(ValueConverter.AsText(raw))));
            }
        }

        return _row;
    }

    private void Write(object?[] values)
    {
        var row = Convert(values, _rows + 1);
        Send(row);
    }

    private void Send(object[] row)
    {
        _rows++;
        if (_direct is not null)
        {
            var size = 0L;
            foreach (var v in row)
            {
                size += v is string s ? s.Length + 4 : 12;
            }

            _bytes += size;
            _direct.Add(row, _rows, size);
        }
        else
        {
            _parts!.AddRow(row, _rows);
        }
    }

    private void Copy(string manifestUrl)
    {
        var sql = CopySql(_loadTarget, _targets.Select(t => t.Name).ToList(), manifestUrl, _options.Staging!.CopyRoleArn!, _options.Staging.Region);
        try
        {
            Execute(sql, timeout: _options.CommandTimeoutSeconds);
        }
        catch (PostgresException e) when (!_cancellation.IsCancellationRequested)
        {
            // Redshift fails a load with SQLSTATE XX000, which Npgsql treats as a critical failure:
            // it breaks the connection, and the server rolls the transaction back as the session ends.
            // Roll back only a connection that is still open; the load errors are read on another.
            if (_connection!.State == System.Data.ConnectionState.Open)
            {
                _transaction!.Rollback();
            }

            throw ExplainCopy(e);
        }
    }

    /// <summary>The COPY statement: the manifest, the role, and the options that read <see cref="CsvFormat"/> back exactly.</summary>
    internal static string CopySql(string quotedTarget, IReadOnlyList<string> columns, string manifestUrl, string role, string? region)
    {
        var sql = new StringBuilder("copy ").Append(quotedTarget).Append(" (");
        sql.AppendJoin(", ", columns.Select(SqlText.QuoteIdentifier));
        sql.Append(") from ").Append(SqlText.QuoteLiteral(manifestUrl));
        sql.Append(role == "default" ? " iam_role default" : " iam_role " + SqlText.QuoteLiteral(role));
        sql.Append(" manifest ").Append(CsvFormat.CopyOptions).Append(" gzip compupdate off statupdate off");
        if (region is not null)
        {
            sql.Append(" region ").Append(SqlText.QuoteLiteral(region));
        }

        return sql.ToString();
    }

    private IamraException ExplainCopy(PostgresException e)
    {
        var detail = string.Empty;
        try
        {
            detail = LoadErrorDetail() ?? string.Empty;
        }
        catch (Exception lookup) when (lookup is NpgsqlException or InvalidOperationException)
        {
            detail = $" (the load error tables could not be read: {lookup.Message})";
        }

        return new IamraException(ErrorIds.Loading.LoadFailed, IamraErrorCategory.InvalidData,
            $"COPY into {_options.Table} failed: {e.MessageText}{detail} Nothing was written: the load was rolled back and the staged files are deleted.", _options.Table.ToString(), e);
    }

    /// <summary>The first load error of this run, from stl_load_errors (provisioned) or sys_load_error_detail (serverless).</summary>
    private string? LoadErrorDetail()
    {
        if (_connection!.State == System.Data.ConnectionState.Open)
        {
            return LoadErrorDetail(_connection);
        }

        // The system tables are the cluster's, not the session's: another connection sees them.
        using var other = _open();
        return LoadErrorDetail(other);
    }

    private string? LoadErrorDetail(NpgsqlConnection connection)
    {
        var like = _stager!.Url(_stager.RunPrefix) + "%";
        foreach (var (table, file, line, column, value, reason, order) in new[]
        {
            ("stl_load_errors", "filename", "line_number", "colname", "raw_field_value", "err_reason", "starttime"),
            ("sys_load_error_detail", "file_name", "line_number", "column_name", "column_value", "error_message", "start_time"),
        })
        {
            try
            {
                using var command = new NpgsqlCommand($"select * from {table} where trim({file}) like $1 order by {order} desc limit 1", connection);
                command.Parameters.Add(new NpgsqlParameter { Value = like, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Varchar });
                using var reader = command.ExecuteReader();
                if (!reader.Read())
                {
                    return null;
                }

                string? Field(string name)
                {
                    for (var i = 0; i < reader.FieldCount; i++)
                    {
                        if (string.Equals(reader.GetName(i), name, StringComparison.OrdinalIgnoreCase))
                        {
                            return reader.IsDBNull(i) ? null : System.Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture)?.Trim();
                        }
                    }

                    return null;
                }

                var url = Field(file) ?? string.Empty;
                var lineNumber = long.TryParse(Field(line), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : 0;
                var row = _parts?.RowAt(url, lineNumber);
                var where = row is { } r ? (r.Exact ? $"row {r.Row}" : $"a row from {r.Row} on") : $"line {lineNumber} of {url}";
                return $" At {where}, column '{Field(column)}', value '{Field(value)}': {Field(reason)} ({table}).";
            }
            catch (PostgresException missing) when (missing.SqlState is SqlStates.UndefinedTable or SqlStates.UndefinedColumn)
            {
                continue;
            }
        }

        return null;
    }

    private void Upsert(IReadOnlyList<string> keys)
    {
        var target = _options.Table.Quoted;
        var columns = string.Join(", ", _targets.Select(t => SqlText.QuoteIdentifier(t.Name)));
        var match = string.Join(" and ", keys.Select(k =>
        {
            var name = SqlText.QuoteIdentifier(_targets.First(t => string.Equals(t.Name, k, StringComparison.OrdinalIgnoreCase)).Name);
            return $"{target}.{name} = s.{name}";
        }));
        Execute($"delete from {target} using {_loadTarget} s where {match}");
        Execute($"insert into {target} ({columns}) select {columns} from {_loadTarget}");
        Execute($"drop table {_loadTarget}");
    }

    private void Execute(string sql, int? timeout = null)
    {
        using var command = new NpgsqlCommand(sql, _connection, _transaction) { CommandTimeout = timeout ?? _options.CommandTimeoutSeconds };
        using var cancel = _cancellation.Register(() =>
        {
            try
            {
                command.Cancel();
            }
            catch (Exception)
            {
                // Finished meanwhile.
            }
        });
        command.ExecuteNonQuery();
    }

    private static T Sync<T>(Task<T> task) => task.GetAwaiter().GetResult();

    private static void Sync(Task task) => task.GetAwaiter().GetResult();

    private void FinishStaging()
    {
        if (_parts is not null)
        {
            Sync(_parts.DisposeAsync().AsTask());
            _parts = null;
        }

        if (_stager is not null)
        {
            var stager = _stager;
            _stager = null;
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

    private static TableLoadOptions Validate(TableLoadOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.UpsertKeys is { Count: > 0 } && options.Truncate)
        {
            throw new IamraException(ErrorIds.Loading.InvalidKey, IamraErrorCategory.InvalidArgument, "-Upsert and -Truncate do not go together: -Truncate empties the table, so every row is new.");
        }

        if (options.ColumnMap is { } map && map.Values.Any(string.IsNullOrWhiteSpace))
        {
            throw new IamraException(ErrorIds.Loading.InvalidColumnMap, IamraErrorCategory.InvalidArgument, "-ColumnMap maps a column to an empty name: give @{ 'input name' = 'table column' }.");
        }

        return options with { Staging = options.Staging?.Validate() };
    }

    public void Dispose()
    {
        if (!_finished)
        {
            try
            {
                _transaction?.Rollback();
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
            {
                // The connection broke: the server rolls back.
            }

            try
            {
                FinishStaging();
            }
            catch (Exception e) when (e is IamraException or OperationCanceledException)
            {
                _log.Warning(e.Message);
            }
        }

        _direct?.Dispose();
        _transaction?.Dispose();
        _connection?.Dispose();
        _finished = true;
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>Where a load failed: the row (1-based), the column and the value (abbreviated), as the error's target.</summary>
public sealed record LoadErrorTarget(long Row, string Column, string? Value)
{
    public override string ToString() => $"row {Row}, column {Column}";
}
