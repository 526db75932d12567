namespace RedshiftIamra;

/// <summary>
/// What the command line of the PowerShell process says about the job: a scheduled task or
/// service started with <c>pwsh -NonInteractive</c> has nobody to answer a prompt and nobody
/// to watch a progress bar.
/// </summary>
public static class PowerShellCommandLine
{
    /// <summary>True when the PowerShell command line has <c>-NonInteractive</c> (or an abbreviation such as <c>-noni</c>) before the script or command.</summary>
    public static bool IsNonInteractive(IEnumerable<string> arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        foreach (var argument in arguments.Skip(1))
        {
            if (argument.Length < 2 || argument[0] is not ('-' or '/'))
            {
                continue;
            }

            var name = argument.TrimStart('-', '/');
            if (name.Length >= 4 && "noninteractive".StartsWith(name, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }

            // What follows -File or -Command belongs to the script, not to pwsh.
            if (name.Equals("f", StringComparison.OrdinalIgnoreCase) || name.Equals("c", StringComparison.OrdinalIgnoreCase)
                || (name.Length >= 2 && ("file".StartsWith(name, StringComparison.OrdinalIgnoreCase) || "command".StartsWith(name, StringComparison.OrdinalIgnoreCase))))
            {
                return false;
            }
        }

        return false;
    }
}
