using System.Collections.Concurrent;
using System.Management.Automation;
using RedshiftIamra.Aws;

namespace RedshiftIamra.PowerShell;

/// <summary>
/// The base of every RedshiftIamra cmdlet: cancellation on Ctrl+C, and one place that turns
/// engine failures into ErrorRecords with stable ids, so no raw exception escapes.
/// PowerShell disposes the cmdlet when its pipeline ends, which releases what it holds.
/// </summary>
public abstract class IamraCmdlet : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource _cancellation = new();

    /// <summary>Cancelled when the user presses Ctrl+C or the pipeline stops.</summary>
    protected CancellationToken CancellationToken => _cancellation.Token;

    protected override void StopProcessing()
    {
        try
        {
            _cancellation.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The pipeline already ended: nothing is left to stop.
        }
    }

    /// <summary>Releases the cancellation source (called by PowerShell when the pipeline ends).</summary>
    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases what the cmdlet holds; a cmdlet with resources of its own overrides this and calls the base.</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            _cancellation.Dispose();
        }
    }

    // A failure while binding the command (Begin) stops it; a failure for one input
    // (Process, End) is a non-terminating error, so -ErrorAction decides and the rest of
    // the pipeline input is still processed.
    protected sealed override void BeginProcessing()
    {
        CommandLineParameters = new HashSet<string>(MyInvocation.BoundParameters.Keys, StringComparer.OrdinalIgnoreCase);
        Run(Begin, terminating: true);
    }

    /// <summary>
    /// The parameters given on the command line (bound before Begin), as opposed to those bound
    /// later from pipeline input by property name: what the user typed wins, and a value typed
    /// is checked even where the same value from a pipeline object means "not given".
    /// </summary>
    protected IReadOnlySet<string> CommandLineParameters { get; private set; } = new HashSet<string>();

    protected sealed override void ProcessRecord() => Run(Process, terminating: false);

    protected sealed override void EndProcessing() => Run(End, terminating: false);

    protected virtual void Begin()
    {
    }

    protected virtual void Process()
    {
    }

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1716:Identifiers should not match keywords", Justification = "Overridden only by the module's C# cmdlets; End pairs with Begin and Process, the PowerShell block names.")]
    protected virtual void End()
    {
    }

    /// <summary>
    /// Runs engine work off the pipeline thread and waits for it here, writing its verbose,
    /// debug and warning messages as they come (cmdlet output may only be written from the
    /// pipeline thread). Ctrl+C cancels it.
    /// </summary>
    protected T Await<T>(Func<IOperationLog, CancellationToken, Task<T>> operation)
    {
        var log = new QueuedLog();
        var task = Task.Run(() => operation(log, CancellationToken));
        while (!task.IsCompleted)
        {
            log.Signal.Wait(TimeSpan.FromMilliseconds(100));
            Drain(log);
        }

        Drain(log);
        log.Close();
        return task.GetAwaiter().GetResult();
    }

    private void Drain(QueuedLog log)
    {
        while (log.Messages.TryDequeue(out var entry))
        {
            switch (entry.Kind)
            {
                case 'V':
                    WriteVerbose(entry.Text);
                    break;
                case 'D':
                    WriteDebug(entry.Text);
                    break;
                default:
                    WriteWarning(entry.Text);
                    break;
            }
        }
    }

    private sealed class QueuedLog : IOperationLog
    {
        private volatile bool _closed;

        public ConcurrentQueue<(char Kind, string Text)> Messages { get; } = new();

        public SemaphoreSlim Signal { get; } = new(0);

        public void Verbose(string message) => Add('V', message);

        public void Debug(string message) => Add('D', message);

        public void Warning(string message) => Add('W', message);

        public void Close() => _closed = true;

        private void Add(char kind, string message)
        {
            if (_closed)
            {
                return;
            }

            Messages.Enqueue((kind, message));
            Signal.Release();
        }
    }

    private readonly int _pipelineThread = Environment.CurrentManagedThreadId;

    /// <summary>True on the pipeline thread, the only one that may write to the host and streams.</summary>
    protected bool OnPipelineThread => Environment.CurrentManagedThreadId == _pipelineThread;

    /// <summary>Writes a verbose message when called on the pipeline thread; off it (inside <see cref="Await{T}"/> work) the message is dropped.</summary>
    protected void WriteVerboseSafe(string message)
    {
        if (OnPipelineThread)
        {
            WriteVerbose(message);
        }
    }

    /// <summary>The files that ship with the module (its manifest, the default TLS roots), found from where its assemblies load.</summary>
    protected static ModulePaths ModuleFiles => new(Path.GetDirectoryName(typeof(IamraCmdlet).Assembly.Location)!);

    /// <summary>A provider path (relative, <c>~</c>, PSDrive) as a file-system path.</summary>
    protected string? Resolve(string? path) =>
        path is null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);

    /// <summary>Writes a non-terminating error for an engine failure.</summary>
    protected void WriteIamraError(IamraException exception) => WriteError(ToErrorRecord(exception));

    private void Run(Action action, bool terminating)
    {
        try
        {
            action();
        }
        catch (IamraException e) when (terminating)
        {
            ThrowTerminatingError(ToErrorRecord(e));
        }
        catch (IamraException e)
        {
            WriteError(ToErrorRecord(e));
        }
        catch (OperationCanceledException) when (_cancellation.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
        catch (PipelineStoppedException)
        {
            throw;
        }
        catch (Exception e) when (e is not (OutOfMemoryException or StackOverflowException))
        {
            var record = new ErrorRecord(e, ErrorIds.Module.UnexpectedError, ErrorCategory.NotSpecified, null)
            {
                ErrorDetails = new ErrorDetails($"{MyInvocation.MyCommand.Name} failed unexpectedly: {e.GetType().Name}: {e.Message}")
                {
                    RecommendedAction = "Run the command again with -Debug and report the output (it holds no secrets).",
                },
            };
            ThrowTerminatingError(record);
        }
    }

    internal static ErrorRecord ToErrorRecord(IamraException exception)
    {
        var category = Enum.TryParse<ErrorCategory>(exception.Category.ToString(), out var parsed) ? parsed : ErrorCategory.NotSpecified;
        var record = new ErrorRecord(exception, exception.ErrorId, category, exception.Target);
        if (exception.RecommendedAction is not null)
        {
            record.ErrorDetails = new ErrorDetails(exception.Message) { RecommendedAction = exception.RecommendedAction };
        }

        return record;
    }
}
