using System.Text;
using System.Text.Json;

namespace RedshiftIamra.Sandbox.Bulk;

/// <summary>One record of a load file: its fields (value, whether quoted; null value = SQL NULL) or why it cannot be split.</summary>
internal sealed record SourceRecord(long LineNumber, string RawLine, IReadOnlyList<(string? Value, bool Quoted)>? Fields, LoadProblem? Problem);

/// <summary>Reads delimited records: CSV (RFC 4180 quoting with the QUOTE character) or Redshift's default text (no quoting, <c>\</c> escapes nothing).</summary>
internal sealed class DelimitedRecordReader(TextReader reader, char delimiter, char? quote)
{
    private const int MaxRawLine = 1024;
    private long _line;

    public SourceRecord? Next()
    {
        var fields = new List<(string?, bool)>();
        var field = new StringBuilder();
        var raw = new StringBuilder();
        var quoted = false;
        var inQuotes = false;
        var started = false;
        var first = _line + 1;
        while (true)
        {
            var c = reader.Read();
            if (c < 0)
            {
                if (!started)
                {
                    return null;
                }

                if (inQuotes)
                {
                    _line++;
                    return new SourceRecord(first, raw.ToString(), null, new LoadProblem(1216, "Unterminated quoted field", RawValue: field.ToString()));
                }

                fields.Add((field.ToString(), quoted));
                _line++;
                return new SourceRecord(first, raw.ToString(), fields, null);
            }

            started = true;
            var ch = (char)c;
            if (ch != '\n' && ch != '\r' && raw.Length < MaxRawLine)
            {
                raw.Append(ch);
            }

            if (inQuotes)
            {
                if (ch == quote)
                {
                    if (reader.Peek() == quote)
                    {
                        reader.Read();
                        field.Append(ch);
                        if (raw.Length < MaxRawLine)
                        {
                            raw.Append(ch);
                        }
                    }
                    else
                    {
                        inQuotes = false;
                    }
                }
                else
                {
                    if (ch == '\n')
                    {
                        _line++;
                        if (raw.Length < MaxRawLine)
                        {
                            raw.Append(ch);
                        }
                    }

                    field.Append(ch);
                }

                continue;
            }

            if (ch == quote && field.Length == 0 && !quoted)
            {
                inQuotes = true;
                quoted = true;
            }
            else if (ch == delimiter)
            {
                fields.Add((field.ToString(), quoted));
                field.Clear();
                quoted = false;
            }
            else if (ch == '\r' && reader.Peek() == '\n')
            {
                // CRLF: the LF ends the record.
            }
            else if (ch == '\n')
            {
                fields.Add((field.ToString(), quoted));
                _line++;
                return new SourceRecord(first, raw.ToString(), fields, null);
            }
            else
            {
                field.Append(ch);
            }
        }
    }

    /// <summary>Skips whole lines (IGNOREHEADER).</summary>
    public void SkipLines(int count)
    {
        for (var i = 0; i < count && reader.ReadLine() is not null; i++)
        {
            _line++;
        }
    }
}

/// <summary>
/// Reads JSON objects for <c>JSON 'auto'</c>: one object after another (white space between, no
/// array around them); each top-level key matches the column of the same name (with
/// <c>'auto ignorecase'</c> in any case); arrays and objects load as their JSON text. Source:
/// Redshift Database Developer Guide, "COPY from JSON format".
/// </summary>
internal sealed class JsonRecordReader(TextReader reader, IReadOnlyList<TargetColumn> columns, bool ignoreCase)
{
    private long _line = 1;

    public SourceRecord? Next()
    {
        var text = new StringBuilder();
        var depth = 0;
        var inString = false;
        var escaped = false;
        long? start = null;
        while (true)
        {
            var c = reader.Read();
            if (c < 0)
            {
                return text.Length == 0 || string.IsNullOrWhiteSpace(text.ToString())
                    ? null
                    : new SourceRecord(_line, Cut(text), null, new LoadProblem(1224, "Invalid JSON object: the file ends inside an object"));
            }

            var ch = (char)c;
            if (ch == '\n')
            {
                _line++;
            }

            if (depth == 0 && char.IsWhiteSpace(ch))
            {
                continue;
            }

            if (depth == 0 && ch != '{')
            {
                return new SourceRecord(_line, ch.ToString(), null, new LoadProblem(1224, "Invalid JSONPath format: Member is not an object."));
            }

            start ??= _line;
            text.Append(ch);
            if (inString)
            {
                if (escaped)
                {
                    escaped = false;
                }
                else if (ch == '\\')
                {
                    escaped = true;
                }
                else if (ch == '"')
                {
                    inString = false;
                }

                continue;
            }

            if (ch == '"')
            {
                inString = true;
            }
            else if (ch == '{' || ch == '[')
            {
                depth++;
            }
            else if (ch == '}' || ch == ']')
            {
                depth--;
                if (depth == 0)
                {
                    return Map(_line, text.ToString());
                }
            }
        }
    }

    private SourceRecord Map(long line, string json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            return new SourceRecord(line, Cut(new StringBuilder(json)), null, new LoadProblem(1224, "Invalid JSON: " + e.Message));
        }

        using (document)
        {
            var comparison = ignoreCase ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal;
            var values = new Dictionary<string, JsonElement>(comparison);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                values.TryAdd(property.Name, property.Value.Clone());
            }

            var fields = new List<(string?, bool)>(columns.Count);
            foreach (var column in columns)
            {
                if (!values.TryGetValue(column.Name, out var value) || value.ValueKind == JsonValueKind.Null)
                {
                    fields.Add((null, false));
                }
                else
                {
                    fields.Add(value.ValueKind switch
                    {
                        JsonValueKind.String => (value.GetString(), true),
                        JsonValueKind.True => ("true", false),
                        JsonValueKind.False => ("false", false),
                        JsonValueKind.Number => (value.GetRawText(), false),
                        _ => (value.GetRawText(), true),
                    });
                }
            }

            return new SourceRecord(line, Cut(new StringBuilder(json)), fields, null);
        }
    }

    private static string Cut(StringBuilder text) => text.Length <= 1024 ? text.ToString() : text.ToString(0, 1024);
}
