namespace RedshiftIamra.Configuration;

/// <summary>
/// The one precedence rule for a command's settings, written once for every stage:
/// <list type="number">
/// <item>a value the user gave wins — typed on the command line, or bound from a piped object
/// (a certificate, a session, a credential, a stack), since PowerShell binds both before the command runs;</item>
/// <item>otherwise a saved configuration's value (<c>-ConfigName</c>) fills it and then counts as given;</item>
/// <item>otherwise, when saving a configuration, a stack's output fills it (the <c>WithStack</c> methods of the stage settings);</item>
/// <item>otherwise the stage's default.</item>
/// </list>
/// Saved values the user overrode are listed in <see cref="Overridden"/> for <c>-Verbose</c>.
/// A group that is one thing (the certificate source, the Redshift target) is taken from one
/// layer as a whole, never mixed value by value: see <see cref="CertificateSourceSettings"/> and
/// <see cref="RedshiftTargetSettings"/>.
/// </summary>
public sealed class SettingPrecedence
{
    private readonly ISet<string> _given;
    private readonly List<string> _overridden = new();

    /// <param name="given">The names of the parameters the user gave; values taken from a saved configuration are added to it.</param>
    public SettingPrecedence(ISet<string> given)
    {
        ArgumentNullException.ThrowIfNull(given);
        _given = given;
    }

    /// <summary>What the user gave that replaced a saved value (<c>-Name</c>, or a whole group).</summary>
    public IReadOnlyList<string> Overridden => _overridden;

    /// <summary>Whether the user gave <paramref name="name"/> (or it was filled from the saved configuration already).</summary>
    public bool IsGiven(string name) => _given.Contains(name);

    /// <summary>Records that the user's value replaced a saved one.</summary>
    public void NoteOverridden(string what) => _overridden.Add(what);

    /// <summary>True when the saved value is to be used: the user did not give the setting and the configuration has one.</summary>
    public bool UseSaved(string name, bool hasSaved)
    {
        if (_given.Contains(name))
        {
            if (hasSaved)
            {
                _overridden.Add("-" + name);
            }

            return false;
        }

        if (hasSaved)
        {
            _given.Add(name);
        }

        return hasSaved;
    }

    public T? Pick<T>(string name, T? current, T? saved) where T : class => UseSaved(name, saved is not null) ? saved : current;

    public int Pick(string name, int current, int? saved) => UseSaved(name, saved is not null) ? saved!.Value : current;

    /// <summary>A switch: the saved configuration can turn it on, never off.</summary>
    public bool Pick(string name, bool current, bool saved) => UseSaved(name, saved) || current;
}
