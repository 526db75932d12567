using System.Management.Automation;

namespace RedshiftIamra.PowerShell;

/// <summary>
/// The base of every RedshiftIamra cmdlet: cancellation on Ctrl+C, and one place that turns
/// engine failures into ErrorRecords with stable ids, so no raw exception escapes.
/// </summary>
public abstract class IamraCmdlet : PSCmdlet
{
    private readonly CancellationTokenSource _cancellation = new();

    /// <summary>Cancelled when the user presses Ctrl+C or the pipeline stops.</summary>
    protected CancellationToken CancellationToken => _cancellation.Token;

    protected override void StopProcessing() => _cancellation.Cancel();

    // A failure while binding the command (Begin) stops it; a failure for one input
    // (Process, End) is a non-terminating error, so -ErrorAction decides and the rest of
    // the pipeline input is still processed.
    protected sealed override void BeginProcessing() => Run(Begin, terminating: true);

    protected sealed override void ProcessRecord() => Run(Process, terminating: false);

    protected sealed override void EndProcessing() => Run(End, terminating: false);

    protected virtual void Begin()
    {
    }

    protected virtual void Process()
    {
    }

    protected virtual void End()
    {
    }

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
            var record = new ErrorRecord(e, "IamraUnexpectedError", ErrorCategory.NotSpecified, null)
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
