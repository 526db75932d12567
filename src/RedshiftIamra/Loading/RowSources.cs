using System.Data;
using System.IO.Compression;
using nietras.SeparatedValues;

namespace RedshiftIamra.Loading;

/// <summary>
/// Lines up records whose fields come by name (PowerShell objects, hashtables, DataRows) with the
/// input's columns, which the first record sets. A later record with a field the first did not
/// have is an error (its value would be lost); a field it lacks is NULL.
/// </summary>
public sealed class RecordShaper
{
    private readonly Dictionary<string, int> _index;

    public RecordShaper(IReadOnlyList<string> names)
    {
        Names = names;
        _index = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < names.Count; i++)
        {
            _index.TryAdd(names[i], i);
        }
    }

    public IReadOnlyList<string> Names { get; }

    public object?[] Shape(IEnumerable<KeyValuePair<string, object?>> record, long rowNumber)
    {
        var values = new object?[Names.Count];
        foreach (var (name, value) in record)
        {
            if (!_index.TryGetValue(name, out var i))
            {
                throw new IamraException(ErrorIds.Loading.InconsistentRow, IamraErrorCategory.InvalidData,
                    $"Row {rowNumber} has the property '{name}', which the first row did not have (the first row sets the columns: {string.Join(", ", Names)}). Select the same properties for every row (Select-Object).", rowNumber);
            }

            values[i] = value;
        }

        return values;
    }
}

/// <summary>Rows of an <see cref="IDataReader"/> (a DataTable's too): its column names and declared types.</summary>
public static class DataReaderSource
{
    public static (string[] Names, Type?[] Types) Columns(IDataReader reader)
    {
        var names = new string[reader.FieldCount];
        var types = new Type?[reader.FieldCount];
        for (var i = 0; i < names.Length; i++)
        {
            names[i] = reader.GetName(i);
            types[i] = reader.GetFieldType(i);
        }

        return (names, types);
    }

    public static void LoadAll(IDataReader reader, TableWriter writer, Action<TableWriter>? progress = null)
    {
        var (names, types) = Columns(reader);
        writer.SetSource(names, types);
        while (reader.Read())
        {
            var values = new object?[names.Length];
            reader.GetValues(values!);
            writer.AddRow(values);
            progress?.Invoke(writer);
        }
    }
}

/// <summary>
/// A CSV file (optionally gzip, recognised by its magic bytes) read with Sep: a header row names
/// the columns, the separator is detected from it, quoted fields may hold separators, quotes and
/// line breaks. A file that is binary, has no header or rows of a different length is refused
/// with the file and what is wrong.
/// </summary>
public sealed class CsvFileSource : IDisposable
{
    private readonly Stream _stream;
    private readonly SepReader _reader;

    private CsvFileSource(string path, Stream stream, SepReader reader, string[] columns)
    {
        Path = path;
        _stream = stream;
        _reader = reader;
        Columns = columns;
    }

    public string Path { get; }

    public IReadOnlyList<string> Columns { get; }

    public bool Compressed { get; private init; }

    public static CsvFileSource Open(string path)
    {
        if (!File.Exists(path))
        {
            throw new IamraException(ErrorIds.Loading.InputFileNotFound, IamraErrorCategory.ObjectNotFound, $"The file '{path}' does not exist.", path);
        }

        bool compressed;
        using (var probe = OpenStream(path, out compressed))
        {
            CheckText(probe, path, compressed);
        }

        var stream = OpenStream(path, out _);
        try
        {
            var reader = Sep.Reader(o => o with { Unescape = true }).From(stream);
            var columns = reader.Header.ColNames.ToArray();
            if (columns.Length == 0 || columns.All(string.IsNullOrWhiteSpace))
            {
                reader.Dispose();
                throw NotCsv(path, "it has no header row naming the columns");
            }

            return new CsvFileSource(path, stream, reader, columns) { Compressed = compressed };
        }
        catch (IamraException)
        {
            stream.Dispose();
            throw;
        }
        catch (Exception e) when (e is InvalidDataException or IOException or ArgumentException or NotSupportedException)
        {
            stream.Dispose();
            throw NotCsv(path, e.Message);
        }
    }

    /// <summary>Opens every file once (each must exist, be CSV and have a header) and checks they name the same columns, before any row is loaded.</summary>
    public static void CheckSameColumns(IReadOnlyList<string> paths)
    {
        IReadOnlyList<string>? columns = null;
        foreach (var path in paths)
        {
            using var source = Open(path);
            if (columns is null)
            {
                columns = source.Columns;
            }
            else if (!columns.SequenceEqual(source.Columns, StringComparer.OrdinalIgnoreCase))
            {
                throw new IamraException(ErrorIds.Loading.InconsistentRow, IamraErrorCategory.InvalidData,
                    $"'{path}' has the columns {string.Join(", ", source.Columns)}; '{paths[0]}' has {string.Join(", ", columns)}. Load files with the same columns together.", path);
            }
        }
    }

    private static Stream OpenStream(string path, out bool compressed)
    {
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        var magic = new byte[2];
        var read = file.Read(magic, 0, 2);
        file.Position = 0;
        compressed = read == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
        return compressed ? new GZipStream(file, CompressionMode.Decompress) : file;
    }

    /// <summary>The rows as strings, in the order of <see cref="Columns"/>.</summary>
    public IEnumerable<object?[]> Rows()
    {
        var enumerator = _reader.GetEnumerator();
        long row = 0;
        while (true)
        {
            object?[] values;
            try
            {
                if (!enumerator.MoveNext())
                {
                    yield break;
                }

                row++;
                var current = enumerator.Current;
                if (current.ColCount != Columns.Count)
                {
                    throw NotCsv(Path, $"data row {row} has {current.ColCount} fields; the header has {Columns.Count}");
                }

                values = new object?[Columns.Count];
                for (var i = 0; i < values.Length; i++)
                {
                    values[i] = current[i].ToString();
                }
            }
            catch (Exception e) when (e is InvalidDataException or IOException)
            {
                throw NotCsv(Path, $"after data row {row}: {e.Message}");
            }

            yield return values;
        }
    }

    private static void CheckText(Stream stream, string path, bool compressed)
    {
        var head = new byte[4096];
        var n = 0;
        int read;
        try
        {
            while (n < head.Length && (read = stream.Read(head, n, head.Length - n)) > 0)
            {
                n += read;
            }
        }
        catch (InvalidDataException e)
        {
            throw NotCsv(path, $"its gzip data is damaged ({e.Message})");
        }

        if (n == 0)
        {
            throw NotCsv(path, "it is empty");
        }

        if (Array.IndexOf(head, (byte)0, 0, n) >= 0)
        {
            throw NotCsv(path, $"it holds binary data{(compressed ? " after decompression" : string.Empty)} (a NUL byte in the first {n} bytes)");
        }
    }

    private static IamraException NotCsv(string path, string why) => new(ErrorIds.Loading.NotCsv, IamraErrorCategory.InvalidData,
        $"'{path}' is not a CSV file this cmdlet can load: {why}. Give a UTF-8 CSV file (optionally gzip) whose first row names the columns.", path);

    public void Dispose()
    {
        _reader.Dispose();
        _stream.Dispose();
    }
}
