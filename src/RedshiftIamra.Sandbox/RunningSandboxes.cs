namespace RedshiftIamra.Sandbox;

/// <summary>
/// Every sandbox of this process that is still running, so that it stops when the process exits
/// normally and when the module's <see cref="IamraContext"/> is released (the module removed).
/// </summary>
internal sealed class RunningSandboxes : IContextPart
{
    private readonly List<SandboxHost> _running = new();
    private bool _hooked;

    public static RunningSandboxes Current => IamraContext.Current.Part(() => new RunningSandboxes());

    public string Name => "RunningSandboxes";

    public int Alive
    {
        get
        {
            lock (_running)
            {
                return _running.Count;
            }
        }
    }

    public void Add(SandboxHost sandbox)
    {
        lock (_running)
        {
            _running.Add(sandbox);
            if (!_hooked)
            {
                _hooked = true;
                AppDomain.CurrentDomain.ProcessExit += (_, _) => StopAll();
            }
        }
    }

    public void Remove(SandboxHost sandbox)
    {
        lock (_running)
        {
            _running.Remove(sandbox);
        }
    }

    public void Release() => StopAll();

    private void StopAll()
    {
        List<SandboxHost> running;
        lock (_running)
        {
            running = _running.ToList();
        }

        foreach (var sandbox in running)
        {
            try
            {
                sandbox.Stop();
            }
            catch (Exception e) when (e is InvalidOperationException or IOException or ObjectDisposedException)
            {
                // Best effort: the next start reaps what is left.
            }

            Remove(sandbox);
        }
    }
}
