namespace RedshiftIamra.Sandbox.Bulk;

/// <summary>
/// The IAM roles associated with the cluster (what <c>aws redshift modify-cluster-iam-roles</c>
/// sets): COPY and UNLOAD may name only these in <c>IAM_ROLE</c>, and <c>IAM_ROLE default</c>
/// means <see cref="DefaultRoleArn"/>. Changeable while running.
/// </summary>
public sealed class SandboxClusterIamRoles
{
    private readonly object _lock = new();
    private readonly HashSet<string> _roles = new(StringComparer.Ordinal);
    private string? _default;

    public SandboxClusterIamRoles(IEnumerable<string> roleArns, string? defaultRoleArn)
    {
        _roles.UnionWith(roleArns);
        if (defaultRoleArn is not null)
        {
            _roles.Add(defaultRoleArn);
        }

        _default = defaultRoleArn;
    }

    /// <summary>The role <c>IAM_ROLE default</c> stands for (null: none set, as on a cluster without a default IAM role).</summary>
    public string? DefaultRoleArn
    {
        get
        {
            lock (_lock)
            {
                return _default;
            }
        }

        set
        {
            lock (_lock)
            {
                _default = value;
                if (value is not null)
                {
                    _roles.Add(value);
                }
            }
        }
    }

    public IReadOnlyList<string> RoleArns
    {
        get
        {
            lock (_lock)
            {
                return _roles.Order(StringComparer.Ordinal).ToList();
            }
        }
    }

    public bool Contains(string roleArn)
    {
        lock (_lock)
        {
            return _roles.Contains(roleArn);
        }
    }

    public void Add(string roleArn)
    {
        lock (_lock)
        {
            _roles.Add(roleArn);
        }
    }

    public bool Remove(string roleArn)
    {
        lock (_lock)
        {
            if (_default == roleArn)
            {
                _default = null;
            }

            return _roles.Remove(roleArn);
        }
    }
}
