using System.Text;
using Npgsql;
using RedshiftIamra.Sandbox.Front;

namespace RedshiftIamra.Tests.Bulk;

/// <summary>
/// The front's backend session played over an Npgsql connection (as the Redshift front will
/// hold its proxied backend): statements run in whatever transaction the connection has open.
/// </summary>
public sealed class NpgsqlBackendSession(NpgsqlConnection connection) : IBackendSession
{
    public async Task<IReadOnlyList<BackendColumn>> QueryAsync(string sql, Func<IReadOnlyList<string?>, ValueTask> onRow, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection) { AllResultTypesAreUnknown = true };
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var schema = await reader.GetColumnSchemaAsync(cancellationToken);
        var columns = Enumerable.Range(0, reader.FieldCount).Select(i => new BackendColumn(reader.GetName(i), reader.GetDataTypeOID(i),
            schema[i].NumericPrecision is { } precision && reader.GetDataTypeOID(i) == 1700 ? (precision << 16 | (schema[i].NumericScale ?? 0)) + 4 : -1)).ToList();
        var values = new string?[reader.FieldCount];
        while (await reader.ReadAsync(cancellationToken))
        {
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = reader.IsDBNull(i) ? null : reader.GetString(i);
            }

            await onRow(values.ToArray());
        }

        return columns;
    }

    public async Task<long> ExecuteAsync(string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<long> CopyInAsync(string copyFromStdinSql, Func<Stream, CancellationToken, Task> writeData, CancellationToken cancellationToken)
    {
        var writer = await connection.BeginTextImportAsync(copyFromStdinSql, cancellationToken);
        try
        {
            await using (var stream = new TextWriterStream(writer))
            {
                await writeData(stream, cancellationToken);
            }
        }
        catch
        {
            if (writer is NpgsqlCopyTextWriter copy)
            {
                await copy.CancelAsync();
            }

            await writer.DisposeAsync();
            throw;
        }

        await writer.DisposeAsync();
        return -1;
    }

    /// <summary>Bytes (UTF-8) written through to Npgsql's text COPY writer.</summary>
    private sealed class TextWriterStream(TextWriter writer) : Stream
    {
        private readonly Decoder _decoder = new UTF8Encoding(false).GetDecoder();

        public override void Write(byte[] buffer, int offset, int count)
        {
            var chars = new char[_decoder.GetCharCount(buffer, offset, count)];
            var n = _decoder.GetChars(buffer, offset, count, chars, 0);
            writer.Write(chars, 0, n);
        }

        public override async Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            var chars = new char[_decoder.GetCharCount(buffer, offset, count)];
            var n = _decoder.GetChars(buffer, offset, count, chars, 0);
            await writer.WriteAsync(chars.AsMemory(0, n), cancellationToken);
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
            new(WriteAsync(buffer.ToArray(), 0, buffer.Length, cancellationToken));

        public override void Flush() => writer.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => writer.FlushAsync(cancellationToken);

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
