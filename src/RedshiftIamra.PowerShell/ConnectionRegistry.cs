using System.Management.Automation.Runspaces;

namespace RedshiftIamra.PowerShell;

/// <summary>
/// Open connections of this process, and each runspace's default connection. Removing the
/// module closes them all.
/// </summary>
internal static class ConnectionRegistry
{
    private static readonly object s_gate = new();
    private static readonly List<RedshiftConnection> s_open = new();
    private static readonly Dictionary<Guid, RedshiftConnection> s_defaults = new();
    private static bool s_registered;

    public static void Add(RedshiftConnection connection, bool makeDefault)
    {
        lock (s_gate)
        {
            s_open.Add(connection);
            if (makeDefault)
            {
                s_defaults[CurrentRunspace] = connection;
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
            return s_open.ToList();
        }
    }

    /// <summary>Closes a connection (every step is tried) and returns what failed.</summary>
    public static IReadOnlyList<Exception> Close(RedshiftConnection connection)
    {
        lock (s_gate)
        {
            s_open.Remove(connection);
            foreach (var key in s_defaults.Where(p => ReferenceEquals(p.Value, connection)).Select(p => p.Key).ToList())
            {
                s_defaults.Remove(key);
            }
        }

        return connection.Close();
    }

    private static Guid CurrentRunspace => Runspace.DefaultRunspace?.InstanceId ?? Guid.Empty;

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
                s_registered = false;
            }
        }
    }
}
