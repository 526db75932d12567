namespace RedshiftIamra.Credentials;

/// <summary>
/// Sets process environment variables (which child processes inherit) and puts back what
/// was there before on dispose. A variable someone changed since is left as they set it.
/// </summary>
public sealed class EnvironmentOverlay : IDisposable
{
    private readonly List<(string Name, string? Before, string? Set)> _changes = new();
    private int _disposed;

    private EnvironmentOverlay()
    {
    }

    /// <summary>Sets each variable (null removes it) and remembers the value it had.</summary>
    public static EnvironmentOverlay Apply(IEnumerable<KeyValuePair<string, string?>> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var overlay = new EnvironmentOverlay();
        foreach (var (name, value) in values)
        {
            overlay._changes.Add((name, Environment.GetEnvironmentVariable(name), value));
            Environment.SetEnvironmentVariable(name, value);
        }

        return overlay;
    }

    /// <summary>The names this overlay set or removed.</summary>
    public IReadOnlyList<string> Names => _changes.Select(c => c.Name).ToList();

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        for (var i = _changes.Count - 1; i >= 0; i--)
        {
            var (name, before, set) = _changes[i];
            if (Environment.GetEnvironmentVariable(name) == set)
            {
                Environment.SetEnvironmentVariable(name, before);
            }
        }
    }
}
