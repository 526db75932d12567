using System.Management.Automation.Runspaces;

namespace RedshiftIamra.PowerShell;

/// <summary>
/// Open connections of this process, the runspace that opened each, and each runspace's
/// default connection. A connection lives as long as the runspace that opened it: when that
/// runspace closes (a ForEach-Object -Parallel or thread job runspace that ends, a closed
/// runspace pool) its connections are closed, so no server session outlives it. A part of the
/// module's <see cref="IamraContext"/>: removing the module closes them all.
/// </summary>
internal sealed class ConnectionRegistry : IContextPart
{
    private readonly object _gate = new();
    private readonly Dictionary<RedshiftConnection, Guid> _open = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<Guid, RedshiftConnection> _defaults = new();
    private readonly Dictionary<Guid, Runspace> _watched = new();

    /// <summary>The registry of the module's context.</summary>
    public static ConnectionRegistry Current => IamraContext.Current.Part(() => new ConnectionRegistry());

    public string Name => "Connections";

    /// <summary>Open connections, plus runspaces still watched (a watch left behind is a leak too).</summary>
    public int Alive
    {
        get
        {
            lock (_gate)
            {
                return _open.Count + _watched.Count;
            }
        }
    }

    public void Add(RedshiftConnection connection, bool makeDefault)
    {
        var runspace = Runspace.DefaultRunspace;
        var owner = runspace?.InstanceId ?? Guid.Empty;
        lock (_gate)
        {
            _open[connection] = owner;
            if (makeDefault)
            {
                _defaults[owner] = connection;
            }

            if (runspace is not null && !_watched.ContainsKey(owner))
            {
                _watched[owner] = runspace;
                runspace.StateChanged += OnRunspaceStateChanged;
            }
        }
    }

    public RedshiftConnection? Default
    {
        get
        {
            lock (_gate)
            {
                return _defaults.TryGetValue(CurrentRunspace, out var connection) ? connection : null;
            }
        }
    }

    public IReadOnlyList<RedshiftConnection> All()
    {
        lock (_gate)
        {
            return _open.Keys.ToList();
        }
    }

    /// <summary>How many runspaces are watched (for the module-removal test: none after removal).</summary>
    internal int WatchedRunspaces
    {
        get
        {
            lock (_gate)
            {
                return _watched.Count;
            }
        }
    }

    /// <summary>Closes a connection (every step is tried) and returns what failed.</summary>
    public IReadOnlyList<Exception> Close(RedshiftConnection connection)
    {
        lock (_gate)
        {
            _open.Remove(connection);
            foreach (var key in _defaults.Where(p => ReferenceEquals(p.Value, connection)).Select(p => p.Key).ToList())
            {
                _defaults.Remove(key);
            }
        }

        return connection.Close();
    }

    private static Guid CurrentRunspace => Runspace.DefaultRunspace?.InstanceId ?? Guid.Empty;

    /// <summary>Closes what a runspace opened once it is closing, closed or broken.</summary>
    private void OnRunspaceStateChanged(object? sender, RunspaceStateEventArgs e)
    {
        if (sender is not Runspace runspace || e.RunspaceStateInfo.State is not (RunspaceState.Closing or RunspaceState.Closed or RunspaceState.Broken))
        {
            return;
        }

        List<RedshiftConnection> owned;
        lock (_gate)
        {
            owned = _open.Where(p => p.Value == runspace.InstanceId).Select(p => p.Key).ToList();
            _defaults.Remove(runspace.InstanceId);
            if (_watched.Remove(runspace.InstanceId))
            {
                runspace.StateChanged -= OnRunspaceStateChanged;
            }
        }

        foreach (var connection in owned)
        {
            try
            {
                Close(connection);
            }
            catch (Exception)
            {
                // A runspace closing must not fail because one connection failed to close.
            }
        }
    }

    /// <summary>Closes every connection and stops watching every runspace.</summary>
    public void Release()
    {
        var failures = new List<Exception>();
        foreach (var connection in All())
        {
            failures.AddRange(Close(connection));
        }

        lock (_gate)
        {
            foreach (var runspace in _watched.Values)
            {
                runspace.StateChanged -= OnRunspaceStateChanged;
            }

            _watched.Clear();
            _defaults.Clear();
        }

        if (failures.Count > 0)
        {
            throw new AggregateException("Some connections failed to close.", failures);
        }
    }
}
