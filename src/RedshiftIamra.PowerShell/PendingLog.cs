using System.Collections.Concurrent;
using System.Management.Automation;
using RedshiftIamra.Aws;

namespace RedshiftIamra.PowerShell;

/// <summary>
/// A log for engine work that outlives one call (a server, an updater): messages wait here
/// until the pipeline thread writes them; at most the last 200, so a background server that
/// nobody reads does not grow without bound.
/// </summary>
internal sealed class PendingLog : IOperationLog
{
    private const int Capacity = 200;
    private readonly ConcurrentQueue<(char Kind, string Text)> _messages = new();

    public void Verbose(string message) => Add('V', message);

    public void Debug(string message) => Add('D', message);

    public void Warning(string message) => Add('W', message);

    public void DrainTo(Cmdlet cmdlet)
    {
        while (_messages.TryDequeue(out var entry))
        {
            switch (entry.Kind)
            {
                case 'V':
                    cmdlet.WriteVerbose(entry.Text);
                    break;
                case 'D':
                    cmdlet.WriteDebug(entry.Text);
                    break;
                default:
                    cmdlet.WriteWarning(entry.Text);
                    break;
            }
        }
    }

    private void Add(char kind, string text)
    {
        _messages.Enqueue((kind, $"{DateTime.Now:HH:mm:ss} {text}"));
        while (_messages.Count > Capacity && _messages.TryDequeue(out _))
        {
        }
    }
}
