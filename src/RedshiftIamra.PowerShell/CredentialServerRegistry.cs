using RedshiftIamra.Credentials;

namespace RedshiftIamra.PowerShell;

/// <summary>The credential servers running in the background of this process; removing the module stops them all (and restores the environment).</summary>
internal static class CredentialServerRegistry
{
    private static readonly object s_gate = new();
    private static readonly List<IamraCredentialServer> s_running = new();
    private static bool s_registered;

    public static void Add(IamraCredentialServer server)
    {
        lock (s_gate)
        {
            s_running.Add(server);
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
                return s_running.ToList();
            }
        }
    }

    public static void Stop(IamraCredentialServer server)
    {
        lock (s_gate)
        {
            s_running.Remove(server);
        }

        server.Dispose();
    }

    private sealed class StopAllOnRemove : IDisposable
    {
        public void Dispose()
        {
            IamraCredentialServer[] servers;
            lock (s_gate)
            {
                servers = s_running.ToArray();
                s_running.Clear();
                s_registered = false;
            }

            // Newest first, so each restores the environment the one before it found.
            foreach (var server in Enumerable.Reverse(servers))
            {
                server.Dispose();
            }
        }
    }
}
