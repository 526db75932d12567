using System.Management.Automation.Runspaces;
using RedshiftIamra.Credentials;

namespace RedshiftIamra.PowerShell;

/// <summary>
/// The credential servers running in the background of this process, and the runspace that
/// started each. A server lives as long as that runspace: when it closes (a thread job or
/// ForEach-Object -Parallel runspace that ends, a closed runspace pool) its servers stop and
/// put back the environment they set. Removing the module stops them all.
/// </summary>
internal static class CredentialServerRegistry
{
    private static readonly object s_gate = new();
    private static readonly List<(IamraCredentialServer Server, Guid Owner)> s_running = new();
    private static readonly Dictionary<Guid, Runspace> s_watched = new();
    private static bool s_registered;

    public static void Add(IamraCredentialServer server)
    {
        var runspace = Runspace.DefaultRunspace;
        var owner = runspace?.InstanceId ?? Guid.Empty;
        lock (s_gate)
        {
            s_running.Add((server, owner));
            if (runspace is not null && !s_watched.ContainsKey(owner))
            {
                s_watched[owner] = runspace;
                runspace.StateChanged += OnRunspaceStateChanged;
            }

            if (!s_registered)
            {
                s_registered = true;
                ModuleState.Own(new StopAllOnRemove());
            }
        }
    }

    public static IReadOnlyList<IamraCredentialServer> Running
    {
        get
        {
            lock (s_gate)
            {
                return s_running.Select(r => r.Server).ToList();
            }
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

    public static void Stop(IamraCredentialServer server)
    {
        lock (s_gate)
        {
            s_running.RemoveAll(r => ReferenceEquals(r.Server, server));
        }

        server.Dispose();
    }

    /// <summary>Stops what a runspace started once it is closing, closed or broken.</summary>
    private static void OnRunspaceStateChanged(object? sender, RunspaceStateEventArgs e)
    {
        if (sender is not Runspace runspace || e.RunspaceStateInfo.State is not (RunspaceState.Closing or RunspaceState.Closed or RunspaceState.Broken))
        {
            return;
        }

        IamraCredentialServer[] owned;
        lock (s_gate)
        {
            owned = s_running.Where(r => r.Owner == runspace.InstanceId).Select(r => r.Server).ToArray();
            s_running.RemoveAll(r => r.Owner == runspace.InstanceId);
            if (s_watched.Remove(runspace.InstanceId))
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

    private sealed class StopAllOnRemove : IDisposable
    {
        public void Dispose()
        {
            IamraCredentialServer[] servers;
            lock (s_gate)
            {
                servers = s_running.Select(r => r.Server).ToArray();
                s_running.Clear();
                foreach (var runspace in s_watched.Values)
                {
                    runspace.StateChanged -= OnRunspaceStateChanged;
                }

                s_watched.Clear();
                s_registered = false;
            }

            StopNewestFirst(servers);
        }
    }
}
