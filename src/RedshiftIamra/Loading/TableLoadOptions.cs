namespace RedshiftIamra.Loading;

/// <summary>Which way rows reach the table.</summary>
public enum LoadMethod
{
    /// <summary>Staged when staging is configured and the load is large, direct otherwise.</summary>
    Auto,

    /// <summary>Batched, parameterised multi-row INSERT statements.</summary>
    Direct,

    /// <summary>gzip CSV parts in S3 and one COPY ... MANIFEST.</summary>
    Staged,
}

/// <summary>What Write-RedshiftTable was asked to do.</summary>
public sealed record TableLoadOptions
{
    public required TableName Table { get; init; }

    /// <summary>Input column name → table column name (case-insensitive), for the columns whose names differ.</summary>
    public IReadOnlyDictionary<string, string>? ColumnMap { get; init; }

    public LoadMethod Method { get; init; } = LoadMethod.Auto;

    public bool CreateTable { get; init; }

    /// <summary>Empties the table inside the load's transaction (DELETE: Redshift's TRUNCATE commits).</summary>
    public bool Truncate { get; init; }

    /// <summary>Key columns: rows whose keys exist are replaced, the others inserted.</summary>
    public IReadOnlyList<string>? UpsertKeys { get; init; }

    public RedshiftStagingSettings? Staging { get; init; }

    /// <summary>Rows per INSERT on the direct path (bounded by the parameter limit).</summary>
    public int BatchRows { get; init; } = BatchLimits.DefaultRowsPerBatch;

    /// <summary>With Auto: a load of at least this many rows is staged (when staging is configured).</summary>
    public int StagedThresholdRows { get; init; } = 20_000;

    /// <summary>Rows read before -CreateTable decides the types.</summary>
    public int SampleRows { get; init; } = 1000;

    /// <summary>The compressed size at which a staged part is closed and uploaded.</summary>
    public long PartBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>Parts written at once on the staged path.</summary>
    public int Parallelism { get; init; } = Math.Clamp(Environment.ProcessorCount, 2, 4);

    /// <summary>Seconds a statement may run; 0 waits forever.</summary>
    public int CommandTimeoutSeconds { get; init; }
}

/// <summary>What a load did (Write-RedshiftTable -PassThru).</summary>
public sealed record RedshiftLoadResult
{
    public required string Table { get; init; }

    public required long Rows { get; init; }

    /// <summary>Bytes of values sent (direct) or of CSV written before compression (staged).</summary>
    public required long Bytes { get; init; }

    /// <summary>Compressed bytes uploaded (staged), 0 on the direct path.</summary>
    public long CompressedBytes { get; init; }

    /// <summary>Direct or Staged.</summary>
    public required LoadMethod Method { get; init; }

    /// <summary>INSERT statements (direct) or uploaded parts (staged).</summary>
    public required int Parts { get; init; }

    public required TimeSpan Duration { get; init; }

    public bool Created { get; init; }

    public bool Truncated { get; init; }

    public bool Upserted { get; init; }

    public double RowsPerSecond => Duration.TotalSeconds > 0 ? Rows / Duration.TotalSeconds : 0;

    public override string ToString() => $"{Rows:N0} rows into {Table} ({Method}, {Duration.TotalSeconds:0.0} s)";
}

/// <summary>How far a load is, for progress bars.</summary>
public readonly record struct LoadProgress(long Rows, long Bytes, TimeSpan Elapsed, string Stage);
