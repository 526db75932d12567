using RedshiftIamra.Aws;
using RedshiftIamra.Pkcs11;
using RedshiftIamra.Sessions;

namespace RedshiftIamra;

/// <summary>
/// One piece of state the module keeps between commands (a cache, a client pool, a registry of
/// open connections): it can say how much of it is alive and release all of it.
/// </summary>
public interface IContextPart
{
    /// <summary>The name the census reports it under.</summary>
    string Name { get; }

    /// <summary>How many things it holds now (cached credentials, open clients, running servers).</summary>
    int Alive { get; }

    /// <summary>Closes and forgets everything it holds; the part stays usable afterwards.</summary>
    void Release();
}

/// <summary>
/// Everything the module keeps alive between commands, in one place: the session and database
/// credential caches, the HTTP clients, the clock offsets learned from AWS endpoints, the
/// PKCS#11 token sessions, and the registries of the PowerShell layer (connections, credential
/// servers, sandboxes), which register themselves with <see cref="Part{T}"/>. Removing the module
/// releases the context as a whole, so nothing can be left out of a hand-kept list.
/// </summary>
public sealed class IamraContext
{
    private readonly object _gate = new();
    private readonly List<IContextPart> _parts = new();
    private readonly Dictionary<Type, IContextPart> _byType = new();

    public IamraContext()
    {
        Sessions = new CredentialCache<string, IamraSession>();
        DbCredentials = new CredentialCache<string, RedshiftDbCredential>();
        HttpClients = new AwsHttpClientPool();
        Clocks = new ClockOffsets();
        Tokens = new Pkcs11TokenSet();
        Add(new CachePart<string, IamraSession>("Sessions", Sessions));
        Add(new CachePart<string, RedshiftDbCredential>("DbCredentials", DbCredentials));
        Add(HttpClients);
        Add(Clocks);
        Add(Tokens);
    }

    /// <summary>The context of this process (one per loaded copy of the module).</summary>
    public static IamraContext Current { get; } = new();

    /// <summary>Roles Anywhere sessions, shared by every runspace.</summary>
    public CredentialCache<string, IamraSession> Sessions { get; }

    /// <summary>Database credentials, shared by every runspace.</summary>
    public CredentialCache<string, RedshiftDbCredential> DbCredentials { get; }

    /// <summary>One HTTP client per AWS endpoint and settings.</summary>
    public AwsHttpClientPool HttpClients { get; }

    /// <summary>How far each AWS endpoint's clock is from this machine's.</summary>
    public ClockOffsets Clocks { get; }

    /// <summary>The PKCS#11 tokens the module has a session with.</summary>
    public Pkcs11TokenSet Tokens { get; }

    /// <summary>
    /// The part of type <typeparamref name="T"/>, created by <paramref name="create"/> the first
    /// time it is asked for and the same instance afterwards (also after <see cref="Release"/>).
    /// </summary>
    public T Part<T>(Func<T> create)
        where T : class, IContextPart
    {
        ArgumentNullException.ThrowIfNull(create);
        lock (_gate)
        {
            if (_byType.TryGetValue(typeof(T), out var known))
            {
                return (T)known;
            }

            var part = create();
            _byType[typeof(T)] = part;
            _parts.Add(part);
            return part;
        }
    }

    /// <summary>Every part by name, with how much of it is alive now.</summary>
    public IReadOnlyDictionary<string, int> Census()
    {
        var census = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var part in Snapshot())
        {
            census[part.Name] = part.Alive;
        }

        return census;
    }

    /// <summary>
    /// Releases every part, the newest first (registries before the clients and caches they
    /// use). A part that fails does not stop the others; the failures are returned.
    /// </summary>
    public IReadOnlyList<Exception> Release()
    {
        var failures = new List<Exception>();
        var parts = Snapshot();
        for (var i = parts.Length - 1; i >= 0; i--)
        {
            try
            {
                parts[i].Release();
            }
            catch (Exception e)
            {
                failures.Add(e);
            }
        }

        return failures;
    }

    private void Add(IContextPart part)
    {
        _parts.Add(part);
        _byType[part.GetType()] = part;
    }

    private IContextPart[] Snapshot()
    {
        lock (_gate)
        {
            return _parts.ToArray();
        }
    }

    private sealed class CachePart<TKey, TValue> : IContextPart
        where TKey : notnull
        where TValue : class, IExpiring
    {
        private readonly CredentialCache<TKey, TValue> _cache;

        public CachePart(string name, CredentialCache<TKey, TValue> cache)
        {
            Name = name;
            _cache = cache;
        }

        public string Name { get; }

        public int Alive => _cache.Count;

        public void Release() => _cache.Clear();
    }
}
