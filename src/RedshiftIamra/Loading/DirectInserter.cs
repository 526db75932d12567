using System.Globalization;
using System.Text;
using Npgsql;
using NpgsqlTypes;

namespace RedshiftIamra.Loading;

/// <summary>
/// The direct path: rows go out as parameterised multi-row <c>INSERT ... VALUES ($1,$2),($3,$4)</c>
/// statements in the caller's transaction. A batch holds at most 32,767 parameters (the wire
/// protocol counts them in an Int16) and at most <see cref="BatchLimits.MaxBatchBytes"/> of
/// values (well under Redshift's 16 MB statement limit); the statement for a full batch is
/// prepared once and reused.
/// </summary>
internal sealed class DirectInserter : IDisposable
{
    private readonly NpgsqlConnection _connection;
    private readonly NpgsqlTransaction _transaction;
    private readonly string _target;
    private readonly IReadOnlyList<TableColumn> _columns;
    private readonly NpgsqlDbType[] _types;
    private readonly int _rowsPerBatch;
    private readonly long _maxBatchBytes;
    private readonly object[] _buffer;
    private readonly int _commandTimeout;
    private NpgsqlCommand? _fullBatch;
    private int _rows;
    private long _bytes;
    private long _firstRowNumber;

    public DirectInserter(NpgsqlConnection connection, NpgsqlTransaction transaction, string quotedTarget, IReadOnlyList<TableColumn> columns, int rowsPerBatch, long maxBatchBytes, int commandTimeout)
    {
        _connection = connection;
        _transaction = transaction;
        _target = quotedTarget;
        _columns = columns;
        _types = columns.Select(c => ParameterType(c.Kind)).ToArray();
        _rowsPerBatch = BatchLimits.RowsPerBatch(columns.Count, rowsPerBatch);
        _maxBatchBytes = maxBatchBytes;
        _buffer = new object[_rowsPerBatch * columns.Count];
        _commandTimeout = commandTimeout;
    }

    public int RowsPerBatch => _rowsPerBatch;

    public int Statements { get; private set; }

    /// <summary>Adds a converted row (<paramref name="rowNumber"/> is 1-based, for messages); sends a batch when one is full.</summary>
    public void Add(object[] row, long rowNumber, long rowBytes)
    {
        if (_rows > 0 && _bytes + rowBytes > _maxBatchBytes)
        {
            Flush();
        }

        if (_rows == 0)
        {
            _firstRowNumber = rowNumber;
        }

        Array.Copy(row, 0, _buffer, _rows * _columns.Count, _columns.Count);
        _rows++;
        _bytes += rowBytes;
        if (_rows == _rowsPerBatch)
        {
            Flush();
        }
    }

    public void Flush()
    {
        if (_rows == 0)
        {
            return;
        }

        NpgsqlCommand command;
        var reuse = _rows == _rowsPerBatch;
        if (reuse)
        {
            if (_fullBatch is null)
            {
                _fullBatch = CreateCommand(_rowsPerBatch);
                _fullBatch.Prepare();
            }

            command = _fullBatch;
        }
        else
        {
            command = CreateCommand(_rows);
        }

        try
        {
            var count = _rows * _columns.Count;
            for (var i = 0; i < count; i++)
            {
                command.Parameters[i].Value = _buffer[i];
            }

            command.ExecuteNonQuery();
            Statements++;
        }
        catch (PostgresException e)
        {
            throw Explain(e);
        }
        finally
        {
            if (!reuse)
            {
                command.Dispose();
            }

            Array.Clear(_buffer, 0, _rows * _columns.Count);
            _rows = 0;
            _bytes = 0;
        }
    }

    private IamraException Explain(PostgresException e)
    {
        var last = _firstRowNumber + _rows - 1;
        var where = _rows == 1 ? $"row {_firstRowNumber}" : $"rows {_firstRowNumber} to {last}";
        var column = e.ColumnName;
        var value = string.Empty;
        if (column is not null)
        {
            var index = _columns.ToList().FindIndex(c => c.Name == column);
            if (index >= 0 && e.SqlState == SqlStates.NotNullViolation)
            {
                for (var r = 0; r < _rows; r++)
                {
                    if (_buffer[(r * _columns.Count) + index] is DBNull)
                    {
                        where = $"row {_firstRowNumber + r}";
                        value = " (the value is null)";
                        break;
                    }
                }
            }
        }

        return new IamraException(ErrorIds.Loading.LoadFailed, IamraErrorCategory.InvalidData,
            $"Loading {_target} failed at {where}{(column is null ? string.Empty : $", column '{column}'")}{value}: {e.MessageText} (SQLSTATE {e.SqlState}).{(e.Detail is null ? string.Empty : " " + e.Detail)} Nothing was written: the load was rolled back.",
            _target, e);
    }

    private NpgsqlCommand CreateCommand(int rows)
    {
        var sql = InsertSql(_target, _columns.Select(c => c.Name).ToList(), rows);
        var command = new NpgsqlCommand(sql, _connection, _transaction) { CommandTimeout = _commandTimeout };
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < _types.Length; c++)
            {
                command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = _types[c], Value = DBNull.Value });
            }
        }

        return command;
    }

    /// <summary>The statement text for <paramref name="rows"/> rows: positional parameters only, never values.</summary>
    internal static string InsertSql(string quotedTarget, IReadOnlyList<string> columns, int rows)
    {
        var sql = new StringBuilder(64 + (rows * columns.Count * 8));
        sql.Append("insert into ").Append(quotedTarget).Append(" (");
        sql.AppendJoin(", ", columns.Select(SqlText.QuoteIdentifier));
        sql.Append(") values ");
        var n = 1;
        for (var r = 0; r < rows; r++)
        {
            sql.Append(r == 0 ? "(" : ",(");
            for (var c = 0; c < columns.Count; c++)
            {
                if (c > 0)
                {
                    sql.Append(',');
                }

                sql.Append('$').Append(n++.ToString(CultureInfo.InvariantCulture));
            }

            sql.Append(')');
        }

        return sql.ToString();
    }

    internal static NpgsqlDbType ParameterType(ColumnKind kind) => kind switch
    {
        ColumnKind.Int16 => NpgsqlDbType.Smallint,
        ColumnKind.Int32 => NpgsqlDbType.Integer,
        ColumnKind.Int64 => NpgsqlDbType.Bigint,
        ColumnKind.Decimal => NpgsqlDbType.Numeric,
        ColumnKind.Single => NpgsqlDbType.Real,
        ColumnKind.Double => NpgsqlDbType.Double,
        ColumnKind.Boolean => NpgsqlDbType.Boolean,
        ColumnKind.String => NpgsqlDbType.Varchar,
        ColumnKind.Date => NpgsqlDbType.Date,
        ColumnKind.Timestamp => NpgsqlDbType.Timestamp,
        ColumnKind.TimestampTz => NpgsqlDbType.TimestampTz,
        ColumnKind.Time => NpgsqlDbType.Time,
        _ => NpgsqlDbType.Unknown,
    };

    public void Dispose() => _fullBatch?.Dispose();
}

/// <summary>The limits a direct-path batch stays within.</summary>
public static class BatchLimits
{
    /// <summary>The Bind message counts parameters in an Int16.</summary>
    public const int MaxParameters = 32767;

    /// <summary>Redshift refuses a statement over 16 MB; a batch's values stay under half of it.</summary>
    public const long MaxStatementBytes = 16L * 1024 * 1024;

    public const long MaxBatchBytes = MaxStatementBytes / 2;

    /// <summary>The default number of rows per INSERT (fewer when the table is wide).</summary>
    public const int DefaultRowsPerBatch = 2000;

    /// <summary>Rows per batch for <paramref name="columns"/> columns: the wanted number, bounded by the parameter limit.</summary>
    public static int RowsPerBatch(int columns, int wanted)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(columns, 1);
        var byParameters = MaxParameters / columns;
        return Math.Max(1, Math.Min(wanted <= 0 ? DefaultRowsPerBatch : wanted, byParameters));
    }
}
