using System.Management.Automation.Runspaces;

namespace RedshiftIamra.PowerShell;

/// <summary>
/// Open connections of this process, the runspace that opened each, and each runspace's
/// default connection. A connection lives as long as the runspace that opened it: when that
/// runspace closes (a ForEach-Object -Parallel or thread job runspace that ends, a closed
/// runspace pool) its connections are closed, so no server session outlives it. Removing the
/// module closes them all.
/// </summary>
internal static class ConnectionRegistry
{
    private static readonly object s_gate = new();
    private static readonly Dictionary<RedshiftConnection, Guid> s_open = new(ReferenceEqualityComparer.Instance);
    private static readonly Dictionary<Guid, RedshiftConnection> s_defaults = new();
    private static readonly Dictionary<Guid, Runspace> s_watched = new();
    private static bool s_registered;

    public static void Add(RedshiftConnection connection, bool makeDefault)
    {
        var runspace = Runspace.DefaultRunspace;
        var owner = runspace?.InstanceId ?? Guid.Empty;
        lock (s_gate)
        {
            s_open[connection] = owner;
            if (makeDefault)
            {
                s_defaults[owner] = connection;
            }

            if (runspace is not null && !s_watched.ContainsKey(owner))
            {
                s_watched[owner] = runspace;
                runspace.StateChanged += OnRunspaceStateChanged;
            }

            if (!s_registered)
            {
                s_registered = true;
                ModuleState.Own(new CloseAllOnRemove());
            }
        }
    }

    public static RedshiftConnection? Default
    {
        get
        {
            lock (s_gate)
            {
                return s_defaults.TryGetValue(CurrentRunspace, out var connection) ? connection : null;
            }
        }
    }

    public static IReadOnlyList<RedshiftConnection> All()
    {
        lock (s_gate)
        {
            return s_open.Keys.ToList();
        }
    }

    /// <summary>How many runspaces are watched (for the module-removal test: none after removal).</summary>
    internal static int WatchedRunspaces
    {
        get
        {
            lock (s_gate)
            {
                return s_watched.Count;
            }
        }
    }

    public static void Close(RedshiftConnection connection)
    {
        lock (s_gate)
        {
            s_open.Remove(connection);
            foreach (var key in s_defaults.Where(p => ReferenceEquals(p.Value, connection)).Select(p => p.Key).ToList())
            {
                s_defaults.Remove(key);
            }
        }

        connection.Dispose();
    }

    private static Guid CurrentRunspace => Runspace.DefaultRunspace?.InstanceId ?? Guid.Empty;

    /// <summary>Closes what a runspace opened once it is closing, closed or broken.</summary>
    private static void OnRunspaceStateChanged(object? sender, RunspaceStateEventArgs e)
    {
        if (sender is not Runspace runspace || e.RunspaceStateInfo.State is not (RunspaceState.Closing or RunspaceState.Closed or RunspaceState.Broken))
        {
            return;
        }

        List<RedshiftConnection> owned;
        lock (s_gate)
        {
            owned = s_open.Where(p => p.Value == runspace.InstanceId).Select(p => p.Key).ToList();
            s_defaults.Remove(runspace.InstanceId);
            if (s_watched.Remove(runspace.InstanceId))
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

    private sealed class CloseAllOnRemove : IDisposable
    {
        public void Dispose()
        {
            foreach (var connection in All())
            {
                Close(connection);
            }

            lock (s_gate)
            {
                foreach (var runspace in s_watched.Values)
                {
                    runspace.StateChanged -= OnRunspaceStateChanged;
                }

                s_watched.Clear();
                s_defaults.Clear();
                s_registered = false;
            }
        }
    }
}
