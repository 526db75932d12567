namespace RedshiftIamra.Aws;

/// <summary>
/// Where the engine tells what it does. The cmdlets forward these to -Verbose and -Debug
/// on the pipeline thread. Nothing written here may contain a secret.
/// </summary>
public interface IOperationLog
{
    void Verbose(string message);

    void Debug(string message);

    void Warning(string message);
}

/// <summary>A log that discards everything.</summary>
public sealed class NullOperationLog : IOperationLog
{
    public static readonly NullOperationLog Instance = new();

    public void Verbose(string message)
    {
    }

    public void Debug(string message)
    {
    }

    public void Warning(string message)
    {
    }
}
