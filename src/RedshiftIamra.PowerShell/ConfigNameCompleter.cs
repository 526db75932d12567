using System.Management.Automation;
using RedshiftIamra.Configuration;

namespace RedshiftIamra.PowerShell;

/// <summary>Completes the names of the saved configurations.</summary>
public sealed class ConfigNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, System.Management.Automation.Language.CommandAst commandAst, System.Collections.IDictionary fakeBoundParameters)
    {
        IReadOnlyList<RedshiftIamraConfig> configs;
        try
        {
            configs = RedshiftIamraConfigStore.Load(RedshiftIamraConfigStore.DefaultPath());
        }
        catch (IamraException)
        {
            return Array.Empty<CompletionResult>();
        }

        return configs.Where(c => c.Name.StartsWith(wordToComplete ?? string.Empty, StringComparison.OrdinalIgnoreCase))
            .Select(c => new CompletionResult(c.Name, c.Name, CompletionResultType.ParameterValue, c.Target));
    }
}
