using System.Management.Automation.Runspaces;
using RedshiftIamra.Credentials;

namespace RedshiftIamra.PowerShell;

/// <summary>
/// The credential servers running in the background of this process, and the runspace that
/// started each. A server lives as long as that runspace: when it closes (a thread job or
/// ForEach-Object -Parallel runspace that ends, a closed runspace pool) its servers stop and
/// put back the environment they set. A part of the module's <see cref="IamraContext"/>:
/// removing the module stops them all.
/// </summary>
internal sealed class CredentialServerRegistry : IContextPart
{
    private readonly object _gate = new();
    private readonly List<(IamraCredentialServer Server, Guid Owner)> _running = new();
    private readonly Dictionary<Guid, Runspace> _watched = new();

    /// <summary>The registry of the module's context.</summary>
    public static CredentialServerRegistry Current => IamraContext.Current.Part(() => new CredentialServerRegistry());

    public string Name => "CredentialServers";

    /// <summary>Running servers, plus runspaces still watched.</summary>
    public int Alive
    {
        get
        {
            lock (_gate)
            {
                return _running.Count + _watched.Count;
            }
        }
    }

    public void Add(IamraCredentialServer server)
    {
        var runspace = Runspace.DefaultRunspace;
        var owner = runspace?.InstanceId ?? Guid.Empty;
        lock (_gate)
        {
            _running.Add((server, owner));
            if (runspace is not null && !_watched.ContainsKey(owner))
            {
                _watched[owner] = runspace;
                runspace.StateChanged += OnRunspaceStateChanged;
            }
        }
    }

    public IReadOnlyList<IamraCredentialServer> Running
    {
        get
        {
            lock (_gate)
            {
                return _running.Select(r => r.Server).ToList();
            }
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

    public void Stop(IamraCredentialServer server)
    {
        lock (_gate)
        {
            _running.RemoveAll(r => ReferenceEquals(r.Server, server));
        }

        server.Dispose();
    }

    /// <summary>Stops what a runspace started once it is closing, closed or broken.</summary>
    private void OnRunspaceStateChanged(object? sender, RunspaceStateEventArgs e)
    {
        if (sender is not Runspace runspace || e.RunspaceStateInfo.State is not (RunspaceState.Closing or RunspaceState.Closed or RunspaceState.Broken))
        {
            return;
        }

        IamraCredentialServer[] owned;
        lock (_gate)
        {
            owned = _running.Where(r => r.Owner == runspace.InstanceId).Select(r => r.Server).ToArray();
            _running.RemoveAll(r => r.Owner == runspace.InstanceId);
            if (_watched.Remove(runspace.InstanceId))
            {
                runspace.StateChanged -= OnRunspaceStateChanged;
            }
        }

        StopNewestFirst(owned);
    }

    /// <summary>Newest first, so each restores the environment the one before it found.</summary>
    private static void StopNewestFirst(IamraCredentialServer[] servers)
    {
        foreach (var server in Enumerable.Reverse(servers))
        {
            try
            {
                server.Dispose();
            }
            catch (Exception)
            {
                // Closing a runspace or removing the module must not fail because one server failed to stop.
            }
        }
    }

    /// <summary>Stops every server (newest first) and stops watching every runspace.</summary>
    public void Release()
    {
        IamraCredentialServer[] servers;
        lock (_gate)
        {
            servers = _running.Select(r => r.Server).ToArray();
            _running.Clear();
            foreach (var runspace in _watched.Values)
            {
                runspace.StateChanged -= OnRunspaceStateChanged;
            }

            _watched.Clear();
        }

        StopNewestFirst(servers);
    }
}
