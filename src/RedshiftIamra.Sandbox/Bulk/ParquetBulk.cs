using System.Collections.Frozen;
using System.Globalization;
using System.Text;
using Parquet;
using Parquet.Schema;
using RedshiftIamra.Sandbox.Front;

namespace RedshiftIamra.Sandbox.Bulk;

/// <summary>
/// Parquet for COPY and UNLOAD: which Parquet column loads into which Redshift column (COPY
/// matches columns by position, "COPY from columnar data formats"), the Parquet type each
/// unloaded column gets, and the options Redshift refuses with PARQUET.
/// </summary>
internal static class ParquetBulk
{
    /// <summary>The COPY parameters "COPY from columnar data formats" lists as supported (besides FORMAT AS PARQUET).</summary>
    private static readonly FrozenSet<string> s_copyOptions = new[]
    {
        "WITH", "FORMAT", "PARQUET", "IAM_ROLE", "CREDENTIALS", "STATUPDATE", "MANIFEST", "ACCEPTINVCHARS", "FILLRECORD", "EXPLICIT_IDS",
    }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    /// <summary>The UNLOAD parameters the UNLOAD page says PARQUET cannot be used with (those the sandbox parses).</summary>
    private static readonly string[] s_unloadRefused = ["DELIMITER", "FIXEDWIDTH", "ADDQUOTES", "ESCAPE", "NULL", "HEADER", "GZIP", "BZIP2", "ZSTD"];

    /// <summary>Refuses the options Redshift does not take with PARQUET, before anything is read or written.</summary>
    public static void RefuseOptions(BulkOptions options, bool unload)
    {
        if (unload)
        {
            var refused = s_unloadRefused.FirstOrDefault(options.Given.Contains);
            if (refused is not null)
            {
                throw new RedshiftSqlException(SqlStates.FeatureNotSupported, $"{(refused == "NULL" ? "NULL AS" : refused)} argument is not supported for PARQUET based UNLOAD");
            }

            return;
        }

        var bad = options.Given.FirstOrDefault(o => !s_copyOptions.Contains(o));
        if (bad is not null)
        {
            throw new RedshiftSqlException(SqlStates.FeatureNotSupported, $"{(bad == "NULL" ? "NULL AS" : bad)} argument is not supported for PARQUET based COPY");
        }
    }

    /// <summary>The Parquet type of a field as a Parquet schema prints it (<c>optional int32 id</c>).</summary>
    public static string Describe(DataField field)
    {
        var element = field.SchemaElement;
        var physical = element?.Type?.ToString().ToLowerInvariant() ?? field.ClrType.Name.ToLowerInvariant();
        var logical = element?.LogicalType switch
        {
            { STRING: not null } => " (STRING)",
            { DECIMAL: { } d } => $" (DECIMAL({d.Precision},{d.Scale}))",
            { DATE: not null } => " (DATE)",
            { TIMESTAMP: not null } => " (TIMESTAMP)",
            _ => element?.ConvertedType is { } converted ? $" ({converted})" : string.Empty,
        };
        return $"{(field.IsNullable ? "optional" : "required")} {physical} {field.Name}{logical}";
    }

    /// <summary>Whether COPY loads this Parquet column into this Redshift column (else Spectrum's 15007 "incompatible Parquet schema").</summary>
    public static bool Compatible(DataField field, TargetColumn column)
    {
        var clr = field.ClrType;
        if (field.IsArray || field.SchemaType != SchemaType.Data)
        {
            return false;
        }

        return column.TypeName switch
        {
            "int2" or "int4" or "int8" => clr == typeof(short) || clr == typeof(int) || clr == typeof(long) || clr == typeof(sbyte) || clr == typeof(byte) || clr == typeof(ushort) || clr == typeof(uint),
            "numeric" => clr == typeof(decimal) || clr == typeof(short) || clr == typeof(int) || clr == typeof(long),
            "float4" or "float8" => clr == typeof(float) || clr == typeof(double),
            "bool" => clr == typeof(bool),
            "varchar" or "bpchar" or "text" => IsString(clr),
            "date" => clr == typeof(DateOnly) || (clr == typeof(DateTime) && field is DateTimeDataField { DateTimeFormat: DateTimeFormat.Date }),
            "timestamp" or "timestamptz" => clr == typeof(DateTime) && field is not DateTimeDataField { DateTimeFormat: DateTimeFormat.Date },
            _ => IsString(clr),
        };
    }

    /// <summary>
    /// The first BOOLEAN column whose data pages are RLE encoded (what Apache Arrow writes with data
    /// page V2), or null. Parquet.Net 6.1 decodes such pages with a bit width of 0 (every value false,
    /// or a crash), so the sandbox refuses them rather than load wrong values.
    /// </summary>
    public static DataField? RleBooleanColumn(ParquetReader reader, IEnumerable<DataField> fields)
    {
        foreach (var field in fields.Where(f => f.ClrType == typeof(bool)))
        {
            for (var g = 0; g < reader.RowGroupCount; g++)
            {
                using var group = reader.OpenRowGroupReader(g);
                if (group.GetMetadata(field)?.MetaData is not { } chunk)
                {
                    continue;
                }

                var rle = chunk.EncodingStats is { Count: > 0 } stats
                    ? stats.Any(s => s.PageType is Parquet.Meta.PageType.DATA_PAGE or Parquet.Meta.PageType.DATA_PAGE_V2 && s.Encoding == Parquet.Meta.Encoding.RLE)
                    : chunk.Encodings.Contains(Parquet.Meta.Encoding.RLE) && !chunk.Encodings.Contains(Parquet.Meta.Encoding.PLAIN);
                if (rle)
                {
                    return field;
                }
            }
        }

        return null;
    }

    /// <summary>A Parquet STRING column (Parquet.Net reads one as <see cref="ReadOnlyMemory{T}"/> of char unless told otherwise).</summary>
    private static bool IsString(Type clr) => clr == typeof(string) || clr == typeof(ReadOnlyMemory<char>);

    /// <summary>A Parquet column of one row group as PostgreSQL text input (null = SQL NULL).</summary>
    public static async Task<string?[]> ReadAsTextAsync(ParquetRowGroupReader group, DataField field, CancellationToken cancellationToken)
    {
        var count = checked((int)group.RowCount);
        var clr = field.ClrType;
        if (IsString(clr))
        {
            var strings = new string?[count];
            await group.ReadAsync(field, strings.AsMemory(), null, cancellationToken).ConfigureAwait(false);
            return strings;
        }

        if (clr == typeof(int)) return Text(await ReadAsync<int>(group, field, count, cancellationToken).ConfigureAwait(false), v => v.ToString(CultureInfo.InvariantCulture));
        if (clr == typeof(long)) return Text(await ReadAsync<long>(group, field, count, cancellationToken).ConfigureAwait(false), v => v.ToString(CultureInfo.InvariantCulture));
        if (clr == typeof(short)) return Text(await ReadAsync<short>(group, field, count, cancellationToken).ConfigureAwait(false), v => v.ToString(CultureInfo.InvariantCulture));
        if (clr == typeof(sbyte)) return Text(await ReadAsync<sbyte>(group, field, count, cancellationToken).ConfigureAwait(false), v => v.ToString(CultureInfo.InvariantCulture));
        if (clr == typeof(byte)) return Text(await ReadAsync<byte>(group, field, count, cancellationToken).ConfigureAwait(false), v => v.ToString(CultureInfo.InvariantCulture));
        if (clr == typeof(ushort)) return Text(await ReadAsync<ushort>(group, field, count, cancellationToken).ConfigureAwait(false), v => v.ToString(CultureInfo.InvariantCulture));
        if (clr == typeof(uint)) return Text(await ReadAsync<uint>(group, field, count, cancellationToken).ConfigureAwait(false), v => v.ToString(CultureInfo.InvariantCulture));
        if (clr == typeof(decimal)) return Text(await ReadAsync<decimal>(group, field, count, cancellationToken).ConfigureAwait(false), v => v.ToString(CultureInfo.InvariantCulture));
        if (clr == typeof(double)) return Text(await ReadAsync<double>(group, field, count, cancellationToken).ConfigureAwait(false), v => v.ToString("R", CultureInfo.InvariantCulture));
        if (clr == typeof(float)) return Text(await ReadAsync<float>(group, field, count, cancellationToken).ConfigureAwait(false), v => v.ToString("R", CultureInfo.InvariantCulture));
        if (clr == typeof(bool)) return Text(await ReadAsync<bool>(group, field, count, cancellationToken).ConfigureAwait(false), v => v ? "true" : "false");
        if (clr == typeof(DateOnly)) return Text(await ReadAsync<DateOnly>(group, field, count, cancellationToken).ConfigureAwait(false), v => v.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        if (clr == typeof(DateTime))
        {
            var values = await ReadAsync<DateTime>(group, field, count, cancellationToken).ConfigureAwait(false);
            if (field is DateTimeDataField { DateTimeFormat: DateTimeFormat.Date })
            {
                return Text(values, v => v.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            }

            // A timestamp adjusted to UTC (or INT96) is an instant: it loads into TIMESTAMP as its UTC time, into TIMESTAMPTZ with +00.
            return Text(values, v => v.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture) + (v.Kind == DateTimeKind.Utc ? "+00:00" : string.Empty));
        }

        throw new NotSupportedException($"Parquet column '{field.Name}' of type {clr.Name}");
    }

    /// <summary>
    /// A column's values with nulls where its definition levels say so, read raw into buffers of our own.
    /// Parquet.Net's nullable read takes its definition levels and values from the shared array pool;
    /// read that way, an INT(8) column of files Apache Arrow wrote intermittently loaded a value for a
    /// null or a neighbour's value (the cause inside Parquet.Net is not pinned down); with these buffers
    /// it has not recurred.
    /// </summary>
    private static async Task<T?[]> ReadAsync<T>(ParquetRowGroupReader group, DataField field, int count, CancellationToken cancellationToken)
        where T : struct
    {
        var raw = new T[count];
        var levels = field.MaxDefinitionLevel > 0 ? new int[count] : null;
        await group.ReadRawAsync(field, raw.AsMemory(), levels?.AsMemory(), null, cancellationToken).ConfigureAwait(false);
        var values = new T?[count];
        for (int r = 0, v = 0; r < count; r++)
        {
            values[r] = levels is null || levels[r] == field.MaxDefinitionLevel ? raw[v++] : null;
        }

        return values;
    }

    private static string?[] Text<T>(T?[] values, Func<T, string> format)
        where T : struct
    {
        var text = new string?[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            text[i] = values[i] is { } v ? format(v) : null;
        }

        return text;
    }
}

/// <summary>
/// One Parquet file of an UNLOAD: the query's columns as Parquet columns (the sandbox's mapping,
/// README "COPY and UNLOAD"), rows buffered into row groups, Snappy compressed.
/// </summary>
internal sealed class ParquetUnloadWriter : IAsyncDisposable
{
    /// <summary>Rows per row group without ROWGROUPSIZE (Redshift's default is 32 MB; the sandbox counts rows unless ROWGROUPSIZE is given).</summary>
    public const int RowGroupRows = 100_000;

    private readonly ParquetWriter _writer;
    private readonly UnloadColumn[] _columns;
    private readonly List<string?[]> _rows = new(RowGroupRows);

    private ParquetWriter Writer => _writer;

    private ParquetUnloadWriter(ParquetWriter writer, UnloadColumn[] columns)
    {
        _writer = writer;
        _columns = columns;
    }

    public static async Task<ParquetUnloadWriter> CreateAsync(IReadOnlyList<BackendColumn> columns, Stream output, CancellationToken cancellationToken)
    {
        var mapped = columns.Select(UnloadColumn.For).ToArray();
        var schema = new ParquetSchema(mapped.Select(c => (Field)c.Field).ToArray());
        var writer = await ParquetWriter.CreateAsync(schema, output, new ParquetOptions { CompressionMethod = CompressionMethod.Snappy }, cancellationToken: cancellationToken).ConfigureAwait(false);
        return new ParquetUnloadWriter(writer, mapped);
    }

    public int Pending => _rows.Count;

    /// <summary>The buffered rows' size as the UTF-8 bytes of their values' text (what ROWGROUPSIZE is compared with).</summary>
    public long PendingBytes { get; private set; }

    public void Add(IReadOnlyList<string?> row)
    {
        var values = row.ToArray();
        foreach (var value in values)
        {
            PendingBytes += value is null ? 0 : Encoding.UTF8.GetByteCount(value);
        }

        _rows.Add(values);
    }

    /// <summary>Writes the buffered rows as one row group.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_rows.Count == 0)
        {
            return;
        }

        using (var group = Writer.CreateRowGroup())
        {
            for (var c = 0; c < _columns.Length; c++)
            {
                await _columns[c].WriteAsync(group, _rows, c, cancellationToken).ConfigureAwait(false);
            }
        }

        _rows.Clear();
        PendingBytes = 0;
    }

    public async ValueTask DisposeAsync()
    {
        await FlushAsync(CancellationToken.None).ConfigureAwait(false);
        await _writer.DisposeAsync().ConfigureAwait(false);
    }
}

/// <summary>An unloaded column: its Parquet field and how its PostgreSQL text becomes that field's values.</summary>
internal sealed class UnloadColumn
{
    private readonly Func<ParquetRowGroupWriter, List<string?[]>, int, CancellationToken, Task> _write;

    private UnloadColumn(DataField field, Func<ParquetRowGroupWriter, List<string?[]>, int, CancellationToken, Task> write)
    {
        Field = field;
        _write = write;
    }

    public DataField Field { get; }

    public Task WriteAsync(ParquetRowGroupWriter group, List<string?[]> rows, int index, CancellationToken cancellationToken) => _write(group, rows, index, cancellationToken);

    /// <summary>
    /// SMALLINT → INT32 (INT(16)), INTEGER → INT32, BIGINT → INT64, DECIMAL(p,s) → DECIMAL(p,s) (p ≤ 28;
    /// wider or unbounded numerics as STRING), REAL → FLOAT, DOUBLE PRECISION → DOUBLE, BOOLEAN → BOOLEAN,
    /// DATE → DATE, TIMESTAMP → TIMESTAMP(MICROS, not adjusted to UTC), TIMESTAMPTZ → TIMESTAMP(MICROS,
    /// adjusted to UTC); CHAR/VARCHAR and every other type → BYTE_ARRAY STRING (the text Redshift prints).
    /// </summary>
    public static UnloadColumn For(BackendColumn column)
    {
        var name = column.Name;
        switch (column.TypeOid)
        {
            case 21:
                return Of(new DataField<short?>(name), s => short.Parse(s, CultureInfo.InvariantCulture));
            case 23:
                return Of(new DataField<int?>(name), s => int.Parse(s, CultureInfo.InvariantCulture));
            case 20:
                return Of(new DataField<long?>(name), s => long.Parse(s, CultureInfo.InvariantCulture));
            case 700:
                return Of(new DataField<float?>(name), s => float.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture));
            case 701:
                return Of(new DataField<double?>(name), s => double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture));
            case 16:
                return Of(new DataField<bool?>(name), s => s is "t" or "true");
            case 1082:
                return Of(new DateTimeDataField(name, DateTimeFormat.Date, isNullable: true), s => DateTime.ParseExact(s, "yyyy-MM-dd", CultureInfo.InvariantCulture));
            case 1114:
                return Of(new DateTimeDataField(name, DateTimeFormat.Timestamp, false, DateTimeTimeUnit.Micros, isNullable: true),
                    s => DateTime.SpecifyKind(DateTime.Parse(s, CultureInfo.InvariantCulture, DateTimeStyles.None), DateTimeKind.Unspecified));
            case 1184:
                return Of(new DateTimeDataField(name, DateTimeFormat.Timestamp, true, DateTimeTimeUnit.Micros, isNullable: true),
                    s => DateTimeOffset.Parse(s, CultureInfo.InvariantCulture).UtcDateTime);
            case 1700 when column.TypeModifier > 4 && ((column.TypeModifier - 4) >> 16) <= 28:
            {
                var precision = (column.TypeModifier - 4) >> 16;
                var scale = (column.TypeModifier - 4) & 0xFFFF;
                return Of(new DecimalDataField(name, precision, scale, isNullable: true), s => decimal.Parse(s, NumberStyles.Number, CultureInfo.InvariantCulture));
            }

            default:
            {
                var field = new DataField<string>(name);
                return new UnloadColumn(field, async (group, rows, index, token) =>
                {
                    var values = new string?[rows.Count];
                    for (var r = 0; r < values.Length; r++)
                    {
                        values[r] = rows[r][index];
                    }

                    await group.WriteAsync(field, values!, null).ConfigureAwait(false);
                });
            }
        }
    }

    private static UnloadColumn Of<T>(DataField field, Func<string, T> parse)
        where T : struct =>
        new(field, async (group, rows, index, token) =>
        {
            var values = new T?[rows.Count];
            for (var r = 0; r < values.Length; r++)
            {
                values[r] = rows[r][index] is { } text ? parse(text) : null;
            }

            await group.WriteAsync<T>(field, values.AsMemory(), null, null, token).ConfigureAwait(false);
        });
}
