namespace RedshiftIamra.Loader;

/// <summary>
/// An object whose extended type data (a note property in RedshiftIamra.Types.ps1xml) tells the
/// psm1 whether the current runspace has the module's type data already: a runspace opened from
/// a RunspacePool after another runspace imported the module gets it from their shared
/// InitialSessionState, and loading it twice would fail with "member already present".
/// </summary>
/// <remarks>
/// Create a new instance for each check: PowerShell remembers the type table an object was
/// first wrapped with, so one shared instance would answer for the first runspace only.
/// </remarks>
public sealed class TypeDataProbe
{
}
