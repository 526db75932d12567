using System.Collections;
using System.Data;
using System.Diagnostics;
using System.Management.Automation;
using RedshiftIamra.Connections;

namespace RedshiftIamra.PowerShell.Commands;

/// <summary>What Invoke-RedshiftQuery returns.</summary>
public enum RedshiftQueryResult
{
    /// <summary>One object per row, streamed as rows arrive.</summary>
    PSObject,

    /// <summary>One DataTable per result set.</summary>
    DataTable,

    /// <summary>The first column of the first row.</summary>
    Scalar,

    /// <summary>The number of rows affected.</summary>
    NonQuery,
}

/// <summary>
/// <c>Invoke-RedshiftQuery</c>: runs SQL with typed parameters on a connection and streams the
/// rows as objects. Ctrl+C cancels the statement on the server.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "RedshiftQuery")]
[OutputType(typeof(PSObject), typeof(DataTable), typeof(object), typeof(int))]
public sealed class InvokeRedshiftQueryCommand : IamraCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ValidateNotNullOrEmpty]
    [Alias("Sql", "CommandText")]
    public string Query { get; set; } = null!;

    /// <summary>Named parameters: @name in the SQL, name in the hashtable. Values are sent typed, never spliced into the text.</summary>
    [Parameter(Position = 1)]
    public IDictionary? Parameters { get; set; }

    /// <summary>The connection; binds from the pipeline, so Connect-RedshiftIamra | Invoke-RedshiftQuery 'select 1' works.</summary>
    [Parameter(ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    public RedshiftConnection? Connection { get; set; }

    /// <summary>Seconds the statement may run; 0 waits forever. The connection's default otherwise.</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    [Alias("CommandTimeoutSeconds")]
    public int CommandTimeout { get; set; } = -1;

    [Parameter]
    public RedshiftQueryResult As { get; set; } = RedshiftQueryResult.PSObject;

    protected override void Process()
    {
        var connection = Connection ?? ConnectionRegistry.Current.Default
            ?? throw new IamraException(ErrorIds.Connection.NoConnection, IamraErrorCategory.ConnectionError,
                "There is no connection: run Connect-RedshiftIamra first, or pass -Connection.");
        var parameters = Parameters?.Cast<DictionaryEntry>()
            .Select(entry => new KeyValuePair<string, object?>(entry.Key?.ToString() ?? string.Empty, entry.Value is PSObject wrapped ? wrapped.BaseObject : entry.Value))
            .ToList();
        WriteVerbose($"Running on {connection.Id} ({connection.User}@{connection.Host}/{connection.Database}): {Abbreviate(Query)}");

        // Disposing the query (also when the downstream stops early, e.g. Select-Object -First)
        // cancels the rest on the server and hands the session back clean.
        using var query = RedshiftQuery.Start(connection, Query, parameters, CommandTimeout >= 0 ? CommandTimeout : null, CancellationToken);
        switch (As)
        {
            case RedshiftQueryResult.NonQuery:
                WriteObject(query.Complete());
                break;
            case RedshiftQueryResult.Scalar:
                // The first column of the first row; the rest is cancelled on the server.
                var first = query.Read() ?? (query.NextResult() ? query.Read() : null);
                WriteObject(first is { Length: > 0 } ? first[0] : null);
                break;
            case RedshiftQueryResult.DataTable:
                do
                {
                    if (query.Columns.Count == 0)
                    {
                        continue;
                    }

                    var rows = new List<object?[]>();
                    while (query.Read() is { } values)
                    {
                        rows.Add(values);
                    }

                    var table = new DataTable();
                    for (var i = 0; i < query.Columns.Count; i++)
                    {
                        table.Columns.Add(query.Columns[i], QueryValues.CommonType(rows, i, query.ColumnTypes[i]));
                    }

                    table.BeginLoadData();
                    foreach (var values in rows)
                    {
                        table.Rows.Add(values.Select(v => v ?? DBNull.Value).ToArray());
                    }

                    table.EndLoadData();
                    WriteObject(table, enumerateCollection: false);
                }
                while (query.NextResult());

                break;
            default:
                StreamRows(query);
                break;
        }
    }

    private void StreamRows(RedshiftQuery query)
    {
        var clock = Stopwatch.StartNew();
        var lastProgress = TimeSpan.Zero;
        do
        {
            var names = query.Columns;
            while (query.Read() is { } values)
            {
                var row = new PSObject();
                for (var i = 0; i < values.Length; i++)
                {
                    row.Properties.Add(new PSNoteProperty(names[i], values[i]));
                }

                WriteObject(row);
                if ((query.RowsRead & 1023) == 0 && clock.Elapsed - lastProgress > TimeSpan.FromSeconds(1))
                {
                    lastProgress = clock.Elapsed;
                    WriteProgress(new ProgressRecord(1, "Invoke-RedshiftQuery", $"{query.RowsRead:N0} rows in {clock.Elapsed.TotalSeconds:0} s"));
                }
            }
        }
        while (query.NextResult());

        if (lastProgress > TimeSpan.Zero)
        {
            WriteProgress(new ProgressRecord(1, "Invoke-RedshiftQuery", "Done") { RecordType = ProgressRecordType.Completed });
        }

        WriteVerbose($"{query.RowsRead:N0} rows in {clock.Elapsed.TotalMilliseconds:0} ms.");
    }

    private static string Abbreviate(string query)
    {
        var flat = query.ReplaceLineEndings(" ").Trim();
        return flat.Length <= 200 ? flat : flat[..200] + "...";
    }
}
