using System.Collections.Concurrent;
using System.IO.Compression;
using System.Text;
using System.Threading.Channels;

namespace RedshiftIamra.Loading;

/// <summary>
/// Turns rows into gzip CSV parts and uploads them while rows still arrive. The caller formats
/// rows into chunks of about 1 MB; several workers (one per part being written) compress chunks
/// into local temporary files; a part that reaches the size cap is closed, uploaded and its local
/// file deleted. Memory stays bounded: a few chunks in flight plus the compressors' buffers.
/// Where every row went is kept per chunk, so a COPY error's file and line lead back to the row.
/// </summary>
internal sealed class StagedParts : IAsyncDisposable
{
    public const int ChunkChars = 1 << 20;

    private readonly S3Stager _stager;
    private readonly string _directory;
    private readonly long _partBytes;
    private readonly Channel<Chunk> _channel;
    private readonly Task[] _workers;
    private readonly ConcurrentBag<Task> _uploads = new();
    private readonly ConcurrentBag<string> _partKeys = new();
    private readonly ConcurrentBag<ChunkPlace> _places = new();
    private readonly CancellationTokenSource _cancel;
    private readonly SemaphoreSlim _uploadSlots;
    private readonly int _chunkChars;
    private readonly StringBuilder _chunk;
    private long _chunkFirstRow;
    private int _chunkRows;
    private int _chunkLines;
    private bool _chunkMultiline;
    private int _partCounter;
    private long _compressedBytes;
    private long _rawBytes;

    public StagedParts(S3Stager stager, int workers, long partBytes, CancellationToken cancellationToken, int chunkChars = ChunkChars)
    {
        _chunkChars = chunkChars;
        _chunk = new StringBuilder(chunkChars + 4096);
        _stager = stager;
        _partBytes = partBytes;
        _directory = Directory.CreateTempSubdirectory("redshift-iamra-stage-").FullName;
        _cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _uploadSlots = new SemaphoreSlim(Math.Max(2, workers));
        _channel = Channel.CreateBounded<Chunk>(new BoundedChannelOptions(workers * 2) { SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });
        _workers = Enumerable.Range(0, workers).Select(_ => Task.Run(WorkAsync)).ToArray();
    }

    public long CompressedBytes => Interlocked.Read(ref _compressedBytes);

    public long RawBytes => Interlocked.Read(ref _rawBytes);

    public int Parts => _partKeys.Count;

    /// <summary>Appends a converted row; hands a full chunk to the workers (waits while they are busy).</summary>
    public void AddRow(object[] values, long rowNumber)
    {
        if (_chunkRows == 0)
        {
            _chunkFirstRow = rowNumber;
        }

        var start = _chunk.Length;
        CsvFormat.AppendRow(_chunk, values);
        var lines = 1;
        if (_chunk.Length - start > values.Length * 2)
        {
            lines = CsvFormat.CountLines(_chunk, start);
            _chunkMultiline |= lines > 1;
        }

        _chunkRows++;
        _chunkLines += lines;
        if (_chunk.Length >= _chunkChars)
        {
            Post();
        }
    }

    private void Post()
    {
        if (_chunkRows == 0)
        {
            return;
        }

        var bytes = Encoding.UTF8.GetBytes(_chunk.ToString());
        Interlocked.Add(ref _rawBytes, bytes.Length);
        var chunk = new Chunk(bytes, _chunkFirstRow, _chunkRows, _chunkLines, _chunkMultiline);
        _chunk.Clear();
        _chunkRows = 0;
        _chunkLines = 0;
        _chunkMultiline = false;
        try
        {
            if (!_channel.Writer.TryWrite(chunk))
            {
                _channel.Writer.WriteAsync(chunk, _cancel.Token).AsTask().GetAwaiter().GetResult();
            }
        }
        catch (ChannelClosedException e) when (e.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
        }
    }

    /// <summary>Sends the last chunk, waits for every part to be uploaded, and returns the parts' S3 URLs.</summary>
    public async Task<List<string>> CompleteAsync()
    {
        Post();
        _channel.Writer.TryComplete();
        await Task.WhenAll(_workers).ConfigureAwait(false);
        await Task.WhenAll(_uploads).ConfigureAwait(false);
        return _partKeys.OrderBy(k => k, StringComparer.Ordinal).Select(_stager.Url).ToList();
    }

    /// <summary>The row that a COPY error's file and line number point to (1-based line in the part).</summary>
    public (long Row, bool Exact)? RowAt(string url, long line)
    {
        foreach (var place in _places)
        {
            if (_stager.Url(place.Key) == url.Trim() && line >= place.FirstLine && line < place.FirstLine + place.Lines)
            {
                return place.Multiline ? (place.FirstRow, false) : (place.FirstRow + (line - place.FirstLine), true);
            }
        }

        return null;
    }

    private async Task WorkAsync()
    {
        Part? part = null;
        try
        {
            await foreach (var chunk in _channel.Reader.ReadAllAsync(_cancel.Token).ConfigureAwait(false))
            {
                part ??= OpenPart();
                _places.Add(new ChunkPlace(part.Key, part.Lines + 1, chunk.Lines, chunk.FirstRow, chunk.Rows, chunk.Multiline));
                await part.Gzip.WriteAsync(chunk.Bytes, _cancel.Token).ConfigureAwait(false);
                part.Lines += chunk.Lines;
                if (part.File.Position >= _partBytes)
                {
                    ClosePart(part);
                    part = null;
                }
            }

            if (part is not null)
            {
                ClosePart(part);
            }
        }
        catch (Exception e)
        {
            part?.Dispose();
            _channel.Writer.TryComplete(e);
            await _cancel.CancelAsync().ConfigureAwait(false);
            throw;
        }
    }

    private Part OpenPart()
    {
        var n = Interlocked.Increment(ref _partCounter);
        var name = $"part-{n:D5}.csv.gz";
        var path = Path.Combine(_directory, name);
        var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
        return new Part(_stager.RunPrefix + name, path, file, new GZipStream(file, CompressionLevel.Fastest, leaveOpen: true));
    }

    private void ClosePart(Part part)
    {
        part.Gzip.Dispose();
        Interlocked.Add(ref _compressedBytes, part.File.Length);
        part.File.Dispose();
        _partKeys.Add(part.Key);
        _uploads.Add(UploadAsync(part));
    }

    private async Task UploadAsync(Part part)
    {
        await _uploadSlots.WaitAsync(_cancel.Token).ConfigureAwait(false);
        try
        {
            await _stager.UploadFileAsync(part.Path, part.Key, _cancel.Token).ConfigureAwait(false);
        }
        catch
        {
            _channel.Writer.TryComplete(new OperationCanceledException("An upload failed."));
            await _cancel.CancelAsync().ConfigureAwait(false);
            throw;
        }
        finally
        {
            _uploadSlots.Release();
            TryDelete(part.Path);
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        _channel.Writer.TryComplete();
        await _cancel.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(_workers.Concat(_uploads)).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Already reported by CompleteAsync or the caller's failure.
        }

        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }

        _cancel.Dispose();
    }

    private sealed record Chunk(byte[] Bytes, long FirstRow, int Rows, int Lines, bool Multiline);

    private sealed record ChunkPlace(string Key, long FirstLine, int Lines, long FirstRow, int Rows, bool Multiline);

    private sealed class Part(string key, string path, FileStream file, GZipStream gzip) : IDisposable
    {
        public string Key { get; } = key;

        public string Path { get; } = path;

        public FileStream File { get; } = file;

        public GZipStream Gzip { get; } = gzip;

        public long Lines { get; set; }

        public void Dispose()
        {
            Gzip.Dispose();
            File.Dispose();
        }
    }
}
