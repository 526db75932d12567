using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using RedshiftIamra.Sandbox.Front;
using RedshiftIamra.Sandbox.S3;

namespace RedshiftIamra.Sandbox.Bulk;

/// <summary>Where the bulk statements run: the account and cluster they speak for.</summary>
public sealed record SandboxBulkSettings
{
    public string Region { get; init; } = "us-east-1";

    public string AccountId { get; init; } = "123456789012";

    public string ClusterIdentifier { get; init; } = "my-redshift-cluster";

    public string DatabaseName { get; init; } = "dev";

    public TimeProvider Clock { get; init; } = TimeProvider.System;
}

/// <summary>
/// Redshift's <c>COPY ... FROM 's3://...'</c> and <c>UNLOAD ... TO 's3://...'</c> for the
/// sandbox's Redshift front: reads and writes the sandbox's S3 objects, checks the role is one
/// the cluster may assume and that the bucket's policy lets it in, and runs inside the client's
/// transaction on its backend session (PostgreSQL's <c>COPY FROM STDIN</c> / a query). Bad rows
/// go to <c>stl_load_errors</c> and <c>sys_load_error_detail</c> through a connection of its own
/// (the admin connection string), so they survive the client's rollback. Messages as the
/// Redshift Database Developer Guide gives them (COPY, UNLOAD, "Load error reference").
/// </summary>
public sealed class SandboxBulkStatements : IRedshiftStatementHandler
{
    private readonly S3ObjectStore _store;
    private readonly SandboxClusterIamRoles _roles;
    private readonly SandboxBulkSettings _settings;
    private readonly LoadErrorLog _errors;

    public SandboxBulkStatements(S3ObjectStore store, SandboxClusterIamRoles roles, string adminConnectionString, SandboxBulkSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(roles);
        ArgumentException.ThrowIfNullOrWhiteSpace(adminConnectionString);
        _store = store;
        _roles = roles;
        _settings = settings ?? new SandboxBulkSettings();
        _errors = new LoadErrorLog(adminConnectionString);
    }

    /// <summary>Makes <c>stl_load_errors</c> and <c>sys_load_error_detail</c> exist now (they are made at the first COPY otherwise).</summary>
    public Task EnsureSystemTablesAsync(CancellationToken cancellationToken = default) => _errors.EnsureTablesAsync(cancellationToken);

    public async Task<StatementOutcome?> TryHandleAsync(string sql, IBackendSession backend, FrontSessionInfo session, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sql);
        if (BulkStatementParser.LooksLikeCopyFromS3(sql))
        {
            return await CopyAsync(BulkStatementParser.ParseCopy(sql), backend, session, cancellationToken).ConfigureAwait(false);
        }

        if (BulkStatementParser.LooksLikeUnload(sql))
        {
            return await UnloadAsync(BulkStatementParser.ParseUnload(sql), backend, session, cancellationToken).ConfigureAwait(false);
        }

        return null;
    }

    // ---- authorization and S3 ---------------------------------------------------------------

    private string AssumeRole(BulkOptions options, FrontSessionInfo session)
    {
        var role = options.IamRole ?? _roles.DefaultRoleArn
            ?? throw new RedshiftSqlException(SqlStates.InternalError, "The default IAM role is not set for this cluster; name the role: IAM_ROLE 'arn:aws:iam::<account>:role/<name>'.");
        if (!_roles.Contains(role))
        {
            // Seen from Redshift: "User arn:aws:redshift:<region>:<account>:dbuser:<cluster>/<user> is not authorized to assume IAM Role <arn>" (code 8001).
            var user = $"arn:aws:redshift:{_settings.Region}:{_settings.AccountId}:dbuser:{_settings.ClusterIdentifier}/{session.UserName}";
            var message = $"User {user} is not authorized to assume IAM Role {role}";
            throw new RedshiftSqlException(SqlStates.InternalError, message,
                "\n  -----------------------------------------------\n" +
                $"  error:    {message}\n  code:      8001\n  context:   IAM Role={role}\n  query:     0\n  location:  xen_aws_credentials_mgr.cpp:402\n  process:   padbmaster [pid=0]\n  -----------------------------------------------\n");
        }

        if (options.Region is { } region && region != _settings.Region)
        {
            throw S3Error(301, "PermanentRedirect", "The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint.");
        }

        return role;
    }

    private S3Bucket Bucket(string name, string role)
    {
        var bucket = _store.FindBucket(name) ?? throw S3Error(404, "NoSuchBucket", "The specified bucket does not exist");
        return bucket.AllowedRoleArns.Contains(role) ? bucket : throw S3Error(403, "AccessDenied", "Access Denied");
    }

    /// <summary>An S3 failure as Redshift reports it: <c>S3ServiceException:&lt;message&gt;,Status 404,Error NoSuchBucket,Rid ...</c>.</summary>
    private static RedshiftSqlException S3Error(int status, string code, string message) =>
        new(SqlStates.InternalError, $"S3ServiceException:{message},Status {status},Error {code},Rid {Guid.NewGuid().ToString("N")[..16].ToUpperInvariant()}");

    private static (string Bucket, string Key) SplitS3Url(string url)
    {
        if (!url.StartsWith("s3://", StringComparison.OrdinalIgnoreCase))
        {
            throw new RedshiftSqlException(SqlStates.InternalError, $"Invalid S3 URL '{url}': expected s3://bucket/prefix.");
        }

        var rest = url[5..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? (rest, string.Empty) : (rest[..slash], rest[(slash + 1)..]);
    }

    // ---- COPY ---------------------------------------------------------------------------------

    private async Task<StatementOutcome> CopyAsync(CopyStatement copy, IBackendSession backend, FrontSessionInfo session, CancellationToken cancellationToken)
    {
        var startTime = _settings.Clock.GetUtcNow().UtcDateTime;
        if (copy.Options.Format == BulkFormat.Parquet)
        {
            ParquetBulk.RefuseOptions(copy.Options, unload: false);
        }
        else if (copy.Options.FillRecord || copy.Options.ExplicitIds)
        {
            var option = copy.Options.FillRecord ? "FILLRECORD" : "EXPLICIT_IDS";
            throw new RedshiftSqlException(SqlStates.FeatureNotSupported, $"{option} is not supported by the sandbox yet for {copy.Options.Format.ToString().ToUpperInvariant()} COPY: it takes {option} with PARQUET.");
        }

        var role = AssumeRole(copy.Options, session);
        var (table, tableId, allColumns) = await DescribeTableAsync(copy.Table, backend, cancellationToken).ConfigureAwait(false);
        var columns = allColumns;
        if (copy.Columns is { } names)
        {
            columns = names.Select(n => allColumns.FirstOrDefault(c => c.Name == n)
                ?? throw new RedshiftSqlException(SqlStates.UndefinedColumn, $"column \"{n}\" of relation \"{table}\" does not exist")).ToList();
        }

        if (copy.Options.Format == BulkFormat.Parquet)
        {
            columns = IdentityColumns(copy, allColumns, columns);
        }

        var files = ResolveFiles(copy, role);

        // Who and where, asked before the load: a failed COPY aborts the transaction the backend session runs in.
        var context = await ContextAsync(backend, session, tableId, startTime, cancellationToken).ConfigureAwait(false);
        if (copy.Options.Format == BulkFormat.Parquet)
        {
            return await CopyParquetAsync(copy, files, table, columns, context, backend, cancellationToken).ConfigureAwait(false);
        }

        var problems = new List<LoadErrorRow>();
        long loaded = 0;
        var failed = false;

        // Where each line sent to PostgreSQL came from (file index, line in the file), so a value
        // PostgreSQL refuses (its CONTEXT names the line of the COPY stream) is recorded against
        // the file, line, column and value it came from, as Redshift records a load error.
        var sentFile = new List<int>();
        var sentLine = new List<long>();
        var fileIndex = -1;
        var columnList = string.Join(", ", columns.Select(c => BulkStatementParser.QuoteIdentifier(c.Name)));
        var copySql = $"COPY {copy.Table} ({columnList}) FROM STDIN";
        try
        {
            await backend.CopyInAsync(copySql, async (stream, token) =>
            {
                await using var writer = new StreamWriter(stream, new UTF8Encoding(false), 64 * 1024, leaveOpen: true);
                foreach (var file in files)
                {
                    fileIndex++;
                    await using var raw = _store.OpenRead(file);
                    await using var body = copy.Options.Gzip ? new GZipStream(raw, CompressionMode.Decompress) : raw;
                    using var text = new StreamReader(body, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, 64 * 1024);
                    var fileName = $"s3://{file.Bucket}/{file.Key}";
                    Func<SourceRecord?> next;
                    if (copy.Options.Format == BulkFormat.Json)
                    {
                        if (copy.Options.JsonPaths is not { } paths || !paths.StartsWith("auto", StringComparison.OrdinalIgnoreCase))
                        {
                            throw new RedshiftSqlException(SqlStates.FeatureNotSupported, "The sandbox loads JSON with 'auto' or 'auto ignorecase' only (no JSONPaths file).");
                        }

                        var json = new JsonRecordReader(text, columns, paths.Equals("auto ignorecase", StringComparison.OrdinalIgnoreCase));
                        next = json.Next;
                    }
                    else
                    {
                        var csv = copy.Options.Format == BulkFormat.Csv;
                        var reader = new DelimitedRecordReader(text, copy.Options.Delimiter ?? (csv ? ',' : '|'), csv ? copy.Options.Quote : null);
                        reader.SkipLines(copy.Options.IgnoreHeader);
                        next = reader.Next;
                    }

                    SourceRecord? record;
                    while ((record = next()) is not null)
                    {
                        token.ThrowIfCancellationRequested();
                        var problem = record.Problem;
                        string?[]? values = null;
                        if (problem is null && copy.Options.Format != BulkFormat.Json && record.Fields!.Count == 1 && record.Fields[0] is { Value: "", Quoted: false } && columns.Count > 1)
                        {
                            continue; // an empty line
                        }

                        if (problem is null && record.Fields!.Count < columns.Count)
                        {
                            problem = new LoadProblem(1214, "Delimiter not found", columns[record.Fields.Count], string.Empty, record.RawLine.Length);
                        }
                        else if (problem is null && record.Fields!.Count > columns.Count)
                        {
                            problem = new LoadProblem(1202, "Extra column(s) found", null, string.Empty);
                        }

                        if (problem is null)
                        {
                            values = new string?[columns.Count];
                            for (var c = 0; c < columns.Count && problem is null; c++)
                            {
                                var (value, quoted) = record.Fields![c];
                                values[c] = RedshiftFieldChecker.Convert(value, quoted, columns[c], copy.Options, out problem);
                            }
                        }

                        if (problem is not null)
                        {
                            problems.Add(new LoadErrorRow(fileName, record.LineNumber, problem, record.RawLine));
                            if (problems.Count > copy.Options.MaxError)
                            {
                                failed = true;
                                throw new LoadFailedException();
                            }

                            continue;
                        }

                        WriteCopyLine(writer, values!);
                        sentFile.Add(fileIndex);
                        sentLine.Add(record.LineNumber);
                        loaded++;
                    }
                }

                await writer.FlushAsync(token).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (!failed && e is not OperationCanceledException && IsBackendRefusal(e))
        {
            // PostgreSQL refused a value the checks let through (a type they do not model): a load
            // error all the same, at the line, column and value PostgreSQL's CONTEXT names.
            problems.Add(BackendProblem(e, files, columns, sentFile, sentLine, copy.Source));
            failed = true;
        }
        catch (Exception) when (failed)
        {
        }

        if (problems.Count > 0)
        {
            await _errors.WriteAsync(context, problems, cancellationToken).ConfigureAwait(false);
        }

        var shortName = ShortName(table);
        if (failed)
        {
            throw new RedshiftSqlException(SqlStates.InternalError, $"Load into table '{shortName}' failed.  Check 'stl_load_errors' system table for details.");
        }

        var notices = new List<string> { $"Load into table '{shortName}' completed, {loaded} record(s) loaded successfully." };
        if (problems.Count > 0)
        {
            notices.Add($"Load into table '{shortName}' completed, {problems.Count} record(s) could not be loaded.  Check 'stl_load_errors' system table for details.");
        }

        // "COPY n", as PostgreSQL tags it: what Npgsql's RecordsAffected and psycopg's rowcount read.
        return new StatementOutcome("COPY " + loaded.ToString(CultureInfo.InvariantCulture), notices);
    }

    /// <summary>
    /// COPY ... FORMAT AS PARQUET: the files' columns load by position into the target columns (their
    /// count must match, their types must be compatible, else Spectrum's scan error 15007 before any row
    /// is sent); any bad value fails the COPY (MAXERROR is not taken for columnar formats).
    /// </summary>
    private async Task<StatementOutcome> CopyParquetAsync(CopyStatement copy, List<S3ObjectInfo> files, string table, List<TargetColumn> columns, LoadErrorContext context, IBackendSession backend, CancellationToken cancellationToken)
    {
        var shortName = ShortName(table);
        foreach (var file in files)
        {
            await using var raw = _store.OpenRead(file);
            DataFieldList fields;
            Parquet.Schema.DataField? rleBoolean;
            try
            {
                await using var reader = await Parquet.ParquetReader.CreateAsync(raw, cancellationToken: cancellationToken).ConfigureAwait(false);
                fields = new DataFieldList(reader.Schema.GetDataFields());
                rleBoolean = ParquetBulk.RleBooleanColumn(reader, fields.Items);
            }
            catch (Exception e) when (e is IOException or InvalidDataException or Parquet.ParquetException or NotSupportedException)
            {
                throw await SpectrumErrorAsync(15001, $"File '{HttpsUrl(file)}' is not a valid Parquet file: {e.Message}", context, file, null, cancellationToken).ConfigureAwait(false);
            }

            // FILLRECORD: a file with fewer columns than the table loads NULL into the table's last columns.
            if (fields.Items.Length != columns.Count && !(copy.Options.FillRecord && fields.Items.Length < columns.Count))
            {
                throw await SpectrumErrorAsync(15007, $"Unmatched number of columns between table and file. Table columns: {columns.Count}, Data columns: {fields.Items.Length}, File name: {HttpsUrl(file)}", context, file, null, cancellationToken).ConfigureAwait(false);
            }

            for (var c = 0; c < fields.Items.Length; c++)
            {
                if (!ParquetBulk.Compatible(fields.Items[c], columns[c]))
                {
                    throw await SpectrumErrorAsync(15007,
                        $"File '{HttpsUrl(file)}' has an incompatible Parquet schema for column 's3://{file.Bucket}/{file.Key}.{columns[c].Name}'. Column type: {columns[c].FormattedType.ToUpperInvariant()}, Parquet schema:\n{ParquetBulk.Describe(fields.Items[c])}",
                        context, file, columns[c], cancellationToken).ConfigureAwait(false);
                }
            }

            if (rleBoolean is not null)
            {
                throw new RedshiftSqlException(SqlStates.FeatureNotSupported,
                    $"File '{HttpsUrl(file)}': the BOOLEAN column '{rleBoolean.Name}' has RLE-encoded data pages (as Parquet data page V2 writes them), which the sandbox cannot read yet.");
            }
        }

        var problems = new List<LoadErrorRow>();
        RedshiftSqlException? scanError = null;
        long loaded = 0;
        var failed = false;
        var columnList = string.Join(", ", columns.Select(c => BulkStatementParser.QuoteIdentifier(c.Name)));
        try
        {
            await backend.CopyInAsync($"COPY {copy.Table} ({columnList}) FROM STDIN", async (stream, token) =>
            {
                await using var writer = new StreamWriter(stream, new UTF8Encoding(false), 64 * 1024, leaveOpen: true);
                var values = new string?[columns.Count];
                foreach (var file in files)
                {
                    await using var raw = _store.OpenRead(file);
                    await using var reader = await Parquet.ParquetReader.CreateAsync(raw, cancellationToken: token).ConfigureAwait(false);
                    var fields = reader.Schema.GetDataFields();
                    long row = 0;
                    for (var g = 0; g < reader.RowGroupCount; g++)
                    {
                        using var group = reader.OpenRowGroupReader(g);
                        var data = new string?[columns.Count][];
                        for (var c = 0; c < columns.Count; c++)
                        {
                            data[c] = c < fields.Length
                                ? await ParquetBulk.ReadAsTextAsync(group, fields[c], token).ConfigureAwait(false)
                                : new string?[group.RowCount];
                        }

                        for (var r = 0; r < group.RowCount; r++)
                        {
                            row++;
                            LoadProblem? problem = null;
                            for (var c = 0; c < columns.Count && problem is null; c++)
                            {
                                var text = data[c][r];
                                if (text is not null && columns[c].CharacterLength is { } length && Encoding.UTF8.GetByteCount(text) is var bytes && bytes > length)
                                {
                                    scanError = await SpectrumErrorAsync(15001,
                                        $"The length of the data column {columns[c].Name} is longer than the length defined in the table. Table: {length}, Data: {bytes}, File name: {HttpsUrl(file)}",
                                        context, file, columns[c], token, row, text).ConfigureAwait(false);
                                    throw scanError;
                                }

                                values[c] = RedshiftFieldChecker.Convert(text, quoted: true, columns[c], copy.Options, out problem);
                            }

                            if (problem is not null)
                            {
                                problems.Add(new LoadErrorRow($"s3://{file.Bucket}/{file.Key}", row, problem, string.Join('|', Enumerable.Range(0, columns.Count).Select(c => data[c][r] ?? string.Empty))));
                                failed = true;
                                throw new LoadFailedException();
                            }

                            WriteCopyLine(writer, values);
                            loaded++;
                        }
                    }
                }

                await writer.FlushAsync(token).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception) when (failed || scanError is not null)
        {
        }
        catch (Exception e) when (e is not OperationCanceledException && IsBackendRefusal(e))
        {
            problems.Add(BackendProblem(e, files, columns, [], [], copy.Source));
            failed = true;
        }

        if (scanError is not null)
        {
            throw scanError;
        }

        if (problems.Count > 0)
        {
            await _errors.WriteAsync(context, problems, cancellationToken).ConfigureAwait(false);
        }

        if (failed)
        {
            throw new RedshiftSqlException(SqlStates.InternalError, $"Load into table '{shortName}' failed.  Check 'stl_load_errors' system table for details.");
        }

        return new StatementOutcome("COPY " + loaded.ToString(CultureInfo.InvariantCulture), [$"Load into table '{shortName}' completed, {loaded} record(s) loaded successfully."]);
    }

    /// <summary>
    /// The columns a COPY loads as EXPLICIT_IDS says ("Loading default column values"): without a column
    /// list, IDENTITY columns are left out unless EXPLICIT_IDS is given; a column list that names an
    /// IDENTITY column needs EXPLICIT_IDS, and EXPLICIT_IDS with a list that leaves one out fails.
    /// </summary>
    private static List<TargetColumn> IdentityColumns(CopyStatement copy, List<TargetColumn> allColumns, List<TargetColumn> columns)
    {
        if (copy.Columns is null)
        {
            return copy.Options.ExplicitIds ? columns : columns.Where(c => !c.Identity).ToList();
        }

        if (columns.FirstOrDefault(c => c.Identity) is { } listed && !copy.Options.ExplicitIds)
        {
            throw new RedshiftSqlException(SqlStates.InternalError, $"The column list names the IDENTITY column \"{listed.Name}\": COPY loads it only with EXPLICIT_IDS.");
        }

        if (copy.Options.ExplicitIds && allColumns.FirstOrDefault(c => c.Identity && !columns.Contains(c)) is { } omitted)
        {
            throw new RedshiftSqlException(SqlStates.InternalError, $"EXPLICIT_IDS was given but the column list leaves out the IDENTITY column \"{omitted.Name}\".");
        }

        return columns;
    }

    private sealed record DataFieldList(Parquet.Schema.DataField[] Items);

    private string HttpsUrl(S3ObjectInfo file) => $"https://s3.{_settings.Region}.amazonaws.com/{file.Bucket}/{file.Key}";

    /// <summary>
    /// Redshift Spectrum's scan error, as COPY from Parquet reports it (XX000 "Spectrum Scan Error", the
    /// code and context in DETAIL), recorded in the load error tables too.
    /// </summary>
    private async Task<RedshiftSqlException> SpectrumErrorAsync(int code, string message, LoadErrorContext context, S3ObjectInfo file, TargetColumn? column, CancellationToken cancellationToken, long row = 0, string? value = null)
    {
        await _errors.WriteAsync(context, [new LoadErrorRow($"s3://{file.Bucket}/{file.Key}", row, new LoadProblem(code, Cut(message, 100), column, value), string.Empty)], cancellationToken).ConfigureAwait(false);
        return new RedshiftSqlException(SqlStates.InternalError, "Spectrum Scan Error",
            "\n  -----------------------------------------------\n" +
            $"  error:    Spectrum Scan Error\n  code:      {code}\n  context:   {message}\n  query:     0\n  location:  dory_util.cpp:1450\n  process:   worker_thread [pid=0]\n  -----------------------------------------------\n");
    }

    /// <summary>
    /// A refusal of the data by PostgreSQL: Npgsql's PostgresException (a plain backend connection), or
    /// the front's backend error of SQLSTATE class 22 (data exception) or 23 (integrity constraint).
    /// </summary>
    private static bool IsBackendRefusal(Exception e) =>
        e.GetType().Name is "PostgresException" || e.InnerException?.GetType().Name is "PostgresException"
        || (e is RedshiftSqlException { SqlState: var state } && (state.StartsWith(SqlStates.ClassDataException, StringComparison.Ordinal) || state.StartsWith(SqlStates.ClassIntegrityConstraintViolation, StringComparison.Ordinal)));

    /// <summary>The load error for a value PostgreSQL refused: PostgreSQL's CONTEXT (<c>COPY t, line N, column c: "value"</c>) mapped back to the source file and line.</summary>
    private static LoadErrorRow BackendProblem(Exception e, List<S3ObjectInfo> files, IReadOnlyList<TargetColumn> columns, List<int> sentFile, List<long> sentLine, string source)
    {
        var refusal = e.GetType().Name is "PostgresException" ? e : e.InnerException?.GetType().Name is "PostgresException" ? e.InnerException! : e;
        var where = refusal.GetType().GetProperty("Where")?.GetValue(refusal) as string;
        var reason = refusal.GetType().GetProperty("MessageText")?.GetValue(refusal) as string ?? refusal.Message;
        var match = where is null ? null : System.Text.RegularExpressions.Regex.Match(where, "line (\\d+)(?:, column ([^:]+): \"(.*)\")?", System.Text.RegularExpressions.RegexOptions.Singleline);
        var fileName = files.Count > 0 ? $"s3://{files[0].Bucket}/{files[0].Key}" : source;
        long line = 0;
        TargetColumn? column = null;
        string? value = null;
        if (match is { Success: true } && int.TryParse(match.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var sent) && sent >= 1 && sent <= sentLine.Count)
        {
            var file = files[sentFile[sent - 1]];
            fileName = $"s3://{file.Bucket}/{file.Key}";
            line = sentLine[sent - 1];
            if (match.Groups[2].Success)
            {
                column = columns.FirstOrDefault(c => c.Name == match.Groups[2].Value);
                value = match.Groups[3].Value;
            }
        }

        return new LoadErrorRow(fileName, line, new LoadProblem(1200, Cut(reason, 100), column, value), string.Empty);
    }

    private sealed class LoadFailedException : Exception
    {
    }

    /// <summary>One row in PostgreSQL's text COPY format: tab-separated, <c>\N</c> for NULL, backslash escapes.</summary>
    private static void WriteCopyLine(StreamWriter writer, string?[] values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            if (i > 0)
            {
                writer.Write('\t');
            }

            var value = values[i];
            if (value is null)
            {
                writer.Write("\\N");
                continue;
            }

            foreach (var ch in value)
            {
                switch (ch)
                {
                    case '\\':
                        writer.Write("\\\\");
                        break;
                    case '\t':
                        writer.Write("\\t");
                        break;
                    case '\n':
                        writer.Write("\\n");
                        break;
                    case '\r':
                        writer.Write("\\r");
                        break;
                    default:
                        writer.Write(ch);
                        break;
                }
            }
        }

        writer.Write('\n');
    }

    /// <summary>The objects a COPY reads: every key that starts with the prefix (Redshift's prefix match), or a manifest's entries.</summary>
    private List<S3ObjectInfo> ResolveFiles(CopyStatement copy, string role)
    {
        var (bucketName, key) = SplitS3Url(copy.Source);
        var bucket = Bucket(bucketName, role);
        if (!copy.Options.Manifest)
        {
            var files = _store.List(bucket.Name, key).Where(o => !o.Key.EndsWith('/')).ToList();
            return files.Count == 0 ? throw new RedshiftSqlException(SqlStates.InternalError, $"The specified S3 prefix '{key}' does not exist") : files;
        }

        var manifest = _store.Head(bucket.Name, key) ?? throw S3Error(404, "NoSuchKey", "The specified key does not exist.");
        JsonDocument document;
        try
        {
            using var stream = _store.OpenRead(manifest);
            document = JsonDocument.Parse(stream);
        }
        catch (JsonException)
        {
            throw new RedshiftSqlException(SqlStates.InternalError, "Manifest file is not in correct json format");
        }

        using (document)
        {
            if (!document.RootElement.TryGetProperty("entries", out var entries) || entries.ValueKind != JsonValueKind.Array)
            {
                throw new RedshiftSqlException(SqlStates.InternalError, "Manifest file is not in correct json format");
            }

            var result = new List<S3ObjectInfo>();
            foreach (var entry in entries.EnumerateArray())
            {
                var url = entry.TryGetProperty("url", out var u) ? u.GetString() : null;
                var mandatory = entry.TryGetProperty("mandatory", out var m) && m.ValueKind == JsonValueKind.True;
                if (url is null)
                {
                    throw new RedshiftSqlException(SqlStates.InternalError, "Manifest file is not in correct json format");
                }

                var (entryBucket, entryKey) = SplitS3Url(url);
                var found = _store.FindBucket(entryBucket) is { } b && b.AllowedRoleArns.Contains(role) ? _store.Head(entryBucket, entryKey) : null;
                if (found is null)
                {
                    if (mandatory)
                    {
                        throw new RedshiftSqlException(SqlStates.InternalError, $"S3ServiceException:The specified key does not exist.,Status 404,Error NoSuchKey: manifest entry '{url}' is mandatory");
                    }

                    continue;
                }

                result.Add(found);
            }

            return result.Count == 0 ? throw new RedshiftSqlException(SqlStates.InternalError, "COPY found no files to load: every entry of the manifest is missing") : result;
        }
    }

    private static async Task<(string Table, int TableId, List<TargetColumn> Columns)> DescribeTableAsync(string table, IBackendSession backend, CancellationToken cancellationToken)
    {
        var literal = "'" + table.Replace("'", "''", StringComparison.Ordinal) + "'";
        int? id = null;
        string? name = null;
        await backend.QueryAsync($"select to_regclass({literal})::oid::int, (select relname from pg_class where oid = to_regclass({literal}))", row =>
        {
            id = row[0] is null ? null : int.Parse(row[0]!, CultureInfo.InvariantCulture);
            name = row[1];
            return ValueTask.CompletedTask;
        }, cancellationToken).ConfigureAwait(false);
        if (id is null)
        {
            throw new RedshiftSqlException(SqlStates.UndefinedTable, $"relation \"{ShortName(table)}\" does not exist");
        }

        var columns = new List<TargetColumn>();
        await backend.QueryAsync(
            $"select a.attname, t.typname, format_type(a.atttypid, a.atttypmod), a.attnotnull, a.atttypmod, a.attidentity = 'a' from pg_attribute a join pg_type t on t.oid = a.atttypid where a.attrelid = {id} and a.attnum > 0 and not a.attisdropped order by a.attnum",
            row =>
            {
                columns.Add(new TargetColumn(row[0]!, row[1]!, row[2]!, row[3] is "t" or "true", int.Parse(row[4]!, CultureInfo.InvariantCulture), row[5] is "t" or "true"));
                return ValueTask.CompletedTask;
            }, cancellationToken).ConfigureAwait(false);
        return (name!, id.Value, columns);
    }

    private static async Task<LoadErrorContext> ContextAsync(IBackendSession backend, FrontSessionInfo session, int tableId, DateTime startTime, CancellationToken cancellationToken)
    {
        int userId = 0, sessionId = 0;
        try
        {
            await backend.QueryAsync("select (select oid::int from pg_roles where rolname = current_user), pg_backend_pid()", row =>
            {
                userId = int.Parse(row[0] ?? "0", CultureInfo.InvariantCulture);
                sessionId = int.Parse(row[1] ?? "0", CultureInfo.InvariantCulture);
                return ValueTask.CompletedTask;
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (IsBackendRefusal(e) || e is InvalidOperationException or RedshiftSqlException)
        {
            // The client's transaction is already aborted: the rows are recorded without these ids.
        }

        return new LoadErrorContext(userId, sessionId, 0, tableId, session.DatabaseName, startTime);
    }

    // ---- UNLOAD -------------------------------------------------------------------------------

    private async Task<StatementOutcome> UnloadAsync(UnloadStatement unload, IBackendSession backend, FrontSessionInfo session, CancellationToken cancellationToken)
    {
        var options = unload.Options;
        if (options.Format == BulkFormat.Parquet)
        {
            ParquetBulk.RefuseOptions(options, unload: true);
        }
        else if (options.RowGroupBytes is not null)
        {
            throw new RedshiftSqlException(SqlStates.FeatureNotSupported, "ROWGROUPSIZE argument is supported only for PARQUET based UNLOAD");
        }

        var role = AssumeRole(options, session);
        if (options.Format == BulkFormat.Json)
        {
            throw new RedshiftSqlException(SqlStates.FeatureNotSupported, $"UNLOAD to {options.Format.ToString().ToUpperInvariant()} is not supported by the sandbox yet: unload CSV, text or PARQUET.");
        }

        if (System.Text.RegularExpressions.Regex.IsMatch(unload.Query, @"\blimit\s+\d+\s*;?\s*$", System.Text.RegularExpressions.RegexOptions.IgnoreCase))
        {
            throw new RedshiftSqlException(SqlStates.FeatureNotSupported, "Limit clause is not supported in the outermost select of an UNLOAD statement");
        }

        var (bucketName, prefix) = SplitS3Url(unload.Target);
        var bucket = Bucket(bucketName, role);
        var suffix = options.Format == BulkFormat.Parquet ? "." + (options.Extension ?? "parquet")
            : (options.Extension is { } extension ? "." + extension : string.Empty) + (options.Gzip ? ".gz" : string.Empty);
        var firstName = prefix + (options.Parallel ? "0000_part_00" : "000") + suffix;
        var manifestName = prefix + "manifest";
        if (options.CleanPath)
        {
            foreach (var existing in _store.List(bucket.Name, prefix))
            {
                _store.Delete(bucket.Name, existing.Key);
            }
        }
        else if (!options.AllowOverwrite && (_store.Head(bucket.Name, firstName) is not null || (options.Manifest && _store.Head(bucket.Name, manifestName) is not null)))
        {
            throw new RedshiftSqlException(SqlStates.InternalError, "Specified unload destination on S3 is not empty. Consider using a different bucket / prefix, manually removing the target files in S3, or using the ALLOWOVERWRITE option.");
        }

        var delimiter = options.Delimiter ?? (options.Format == BulkFormat.Csv ? ',' : '|');
        var maxBytes = options.MaxFileSizeBytes ?? 6200L * 1024 * 1024;
        var temporary = Path.Combine(_store.Directory, "tmp", "unload-" + Guid.NewGuid().ToString("N"));
        var written = new List<(string Key, long Bytes, long Rows)>();
        long rows = 0;
        IReadOnlyList<BackendColumn> columns = [];
        if (options.Format == BulkFormat.Parquet)
        {
            (columns, rows) = await UnloadParquetAsync(unload.Query, bucket.Name, n => prefix + (options.Parallel ? $"0000_part_{n:00}" : $"{n:000}") + suffix, maxBytes, options.RowGroupBytes, temporary, written, backend, cancellationToken).ConfigureAwait(false);
            goto Manifest;
        }
        FileStream? file = null;
        Stream? output = null;
        StreamWriter? writer = null;
        long fileRows = 0;
        string? headerLine = null;

        async Task CloseFileAsync()
        {
            if (writer is null)
            {
                return;
            }

            await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
            await writer.DisposeAsync().ConfigureAwait(false);
            var key = NameOf(written.Count);
            await using (var read = new FileStream(temporary, FileMode.Open, FileAccess.Read))
            {
                var info = await _store.PutAsync(bucket.Name, key, read, _settings.Clock.GetUtcNow(), cancellationToken: cancellationToken).ConfigureAwait(false);
                written.Add((key, info.Size, fileRows));
            }

            File.Delete(temporary);
            writer = null;
            output = null;
            file = null;
            fileRows = 0;
        }

        string NameOf(int index) => prefix + (options.Parallel ? $"0000_part_{index:00}" : $"{index:000}") + suffix;

        void OpenFile()
        {
            file = new FileStream(temporary, FileMode.Create, FileAccess.Write);
            output = options.Gzip ? new GZipStream(file, CompressionLevel.Fastest) : file;
            writer = new StreamWriter(output, new UTF8Encoding(false), 64 * 1024);
            if (headerLine is not null)
            {
                writer.Write(headerLine);
            }
        }

        try
        {
            var pending = new List<IReadOnlyList<string?>>();
            columns = await backend.QueryAsync(unload.Query, async row =>
            {
                if (writer is null)
                {
                    OpenFile();
                }

                writer!.Write(FormatUnloadRow(row, options, delimiter));
                rows++;
                fileRows++;
                if (file!.Length + (options.Gzip ? 0 : 0) >= maxBytes)
                {
                    await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
                    if (file.Length >= maxBytes)
                    {
                        await CloseFileAsync().ConfigureAwait(false);
                    }
                }
            }, cancellationToken).ConfigureAwait(false);
            if (options.Header)
            {
                headerLine = FormatUnloadRow(columns.Select(c => (string?)c.Name).ToList(), options, delimiter);
            }

            // The header goes first in every file: files written before the columns were known get it now.
            if (options.Header && (written.Count > 0 || writer is not null))
            {
                await CloseFileAsync().ConfigureAwait(false);
                foreach (var part in written.ToList())
                {
                    await PrependAsync(bucket.Name, part.Key, headerLine!, options.Gzip, cancellationToken).ConfigureAwait(false);
                }
            }
            else
            {
                await CloseFileAsync().ConfigureAwait(false);
            }

            if (written.Count == 0)
            {
                // No rows: Redshift still writes one (empty, or header-only) file.
                OpenFile();
                await CloseFileAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            if (writer is not null)
            {
                await writer.DisposeAsync().ConfigureAwait(false);
            }

            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }

    Manifest:
        if (options.Manifest)
        {
            var sizes = written.Select(w => _store.Head(bucket.Name, w.Key)!.Size).ToList();
            var manifest = new StringBuilder("{\n  \"entries\": [\n");
            for (var i = 0; i < written.Count; i++)
            {
                manifest.Append("    {\"url\":\"s3://").Append(bucket.Name).Append('/').Append(written[i].Key).Append("\", \"meta\": { \"content_length\": ")
                    .Append(sizes[i].ToString(CultureInfo.InvariantCulture)).Append(" }}").Append(i + 1 < written.Count ? ",\n" : "\n");
            }

            manifest.Append("  ]");
            if (options.ManifestVerbose)
            {
                manifest.Append(",\n  \"schema\": {\n    \"elements\": [\n");
                for (var i = 0; i < columns.Count; i++)
                {
                    manifest.Append("      {\"name\": \"").Append(columns[i].Name).Append("\"}").Append(i + 1 < columns.Count ? ",\n" : "\n");
                }

                manifest.Append("    ]\n  },\n  \"meta\": {\n    \"content_length\": ").Append(sizes.Sum().ToString(CultureInfo.InvariantCulture))
                    .Append(",\n    \"record_count\": ").Append(rows.ToString(CultureInfo.InvariantCulture)).Append("\n  }");
            }

            manifest.Append("\n}\n");
            using var stream = new MemoryStream(Encoding.UTF8.GetBytes(manifest.ToString()));
            await _store.PutAsync(bucket.Name, manifestName, stream, _settings.Clock.GetUtcNow(), "application/json", cancellationToken).ConfigureAwait(false);
        }

        return new StatementOutcome("UNLOAD", [$"UNLOAD completed, {rows} record(s) unloaded successfully."]);
    }

    /// <summary>
    /// UNLOAD ... FORMAT AS PARQUET: the query's columns (asked first, with no rows) become the files'
    /// schema; rows go into row groups; a file that reaches MAXFILESIZE is closed and the next begins.
    /// </summary>
    private async Task<(IReadOnlyList<BackendColumn> Columns, long Rows)> UnloadParquetAsync(string query, string bucket, Func<int, string> nameOf, long maxBytes, long? rowGroupBytes, string temporary,
        List<(string Key, long Bytes, long Rows)> written, IBackendSession backend, CancellationToken cancellationToken)
    {
        var columns = await backend.QueryAsync($"select * from ({query.TrimEnd().TrimEnd(';')}) as unload_columns limit 0", _ => ValueTask.CompletedTask, cancellationToken).ConfigureAwait(false);
        long rows = 0, fileRows = 0;
        FileStream? file = null;
        ParquetUnloadWriter? writer = null;

        async Task CloseAsync()
        {
            await writer!.DisposeAsync().ConfigureAwait(false);
            await file!.DisposeAsync().ConfigureAwait(false);
            writer = null;
            file = null;
            var key = nameOf(written.Count);
            await using (var read = new FileStream(temporary, FileMode.Open, FileAccess.Read))
            {
                var info = await _store.PutAsync(bucket, key, read, _settings.Clock.GetUtcNow(), cancellationToken: cancellationToken).ConfigureAwait(false);
                written.Add((key, info.Size, fileRows));
            }

            File.Delete(temporary);
            fileRows = 0;
        }

        async Task OpenAsync()
        {
            file = new FileStream(temporary, FileMode.Create, FileAccess.ReadWrite);
            writer = await ParquetUnloadWriter.CreateAsync(columns, file, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            await backend.QueryAsync(query, async row =>
            {
                if (writer is null)
                {
                    await OpenAsync().ConfigureAwait(false);
                }

                writer!.Add(row);
                rows++;
                fileRows++;
                if (rowGroupBytes is { } limit ? writer.PendingBytes >= limit : writer.Pending >= ParquetUnloadWriter.RowGroupRows)
                {
                    await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
                    if (file!.Length >= maxBytes)
                    {
                        await CloseAsync().ConfigureAwait(false);
                    }
                }
            }, cancellationToken).ConfigureAwait(false);
            if (writer is null && written.Count == 0)
            {
                // No rows: Redshift still writes one file (the schema, no row groups).
                await OpenAsync().ConfigureAwait(false);
            }

            if (writer is not null)
            {
                await CloseAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            if (writer is not null)
            {
                await writer.DisposeAsync().ConfigureAwait(false);
            }

            if (file is not null)
            {
                await file.DisposeAsync().ConfigureAwait(false);
            }

            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }

        return (columns, rows);
    }

    private async Task PrependAsync(string bucket, string key, string header, bool gzip, CancellationToken cancellationToken)
    {
        var info = _store.Head(bucket, key)!;
        var path = Path.Combine(_store.Directory, "tmp", "header-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using (var target = new FileStream(path, FileMode.CreateNew, FileAccess.Write))
            {
                Stream output = gzip ? new GZipStream(target, CompressionLevel.Fastest, leaveOpen: true) : target;
                await output.WriteAsync(Encoding.UTF8.GetBytes(header), cancellationToken).ConfigureAwait(false);
                await using (var source = _store.OpenRead(info))
                {
                    Stream input = gzip ? new GZipStream(source, CompressionMode.Decompress) : source;
                    await input.CopyToAsync(output, cancellationToken).ConfigureAwait(false);
                }

                if (gzip)
                {
                    await output.DisposeAsync().ConfigureAwait(false);
                }
            }

            await using var read = new FileStream(path, FileMode.Open, FileAccess.Read);
            await _store.PutAsync(bucket, key, read, _settings.Clock.GetUtcNow(), cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>
    /// One unloaded row: CSV quotes a field that holds the delimiter, the quote, CR or LF (doubling quotes)
    /// and writes NULL as an empty field; text writes NULL as <c>\N</c> (or NULL AS) and escapes nothing.
    /// </summary>
    private static string FormatUnloadRow(IReadOnlyList<string?> row, BulkOptions options, char delimiter)
    {
        var builder = new StringBuilder();
        for (var i = 0; i < row.Count; i++)
        {
            if (i > 0)
            {
                builder.Append(delimiter);
            }

            var value = row[i];
            if (options.Format == BulkFormat.Csv)
            {
                if (value is null)
                {
                    builder.Append(options.NullAs ?? string.Empty);
                }
                else if (value.Length == 0 || value.IndexOfAny([delimiter, '"', '\r', '\n']) >= 0 || options.AddQuotes)
                {
                    builder.Append('"').Append(value.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
                }
                else
                {
                    builder.Append(value);
                }
            }
            else
            {
                builder.Append(value ?? options.NullAs ?? string.Empty);
            }
        }

        return builder.Append('\n').ToString();
    }

    private static string ShortName(string table)
    {
        var dot = table.LastIndexOf("\".\"", StringComparison.Ordinal);
        var last = dot >= 0 ? table[(dot + 2)..] : table;
        return last.Trim('"').Replace("\"\"", "\"", StringComparison.Ordinal);
    }

    private static string Cut(string text, int length) => text.Length <= length ? text : text[..length];
}
