using System.Management.Automation;
using RedshiftIamra.Configuration;

namespace RedshiftIamra.PowerShell.Commands;

/// <summary><c>Get-RedshiftIamraConfig</c>: lists the saved connection settings, or the ones named.</summary>
[Cmdlet(VerbsCommon.Get, "RedshiftIamraConfig")]
[OutputType(typeof(RedshiftIamraConfig))]
public sealed class GetRedshiftIamraConfigCommand : IamraCmdlet
{
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    [Alias("ConfigName")]
    [ArgumentCompleter(typeof(ConfigNameCompleter))]
    public string[]? Name { get; set; }

    protected override void Process()
    {
        var path = RedshiftIamraConfigStore.DefaultPath();
        if (Name is null)
        {
            var all = RedshiftIamraConfigStore.Load(path);
            WriteVerbose($"{all.Count} configuration(s) in {path}.");
            WriteObject(all, enumerateCollection: true);
            return;
        }

        foreach (var name in Name)
        {
            if (WildcardPattern.ContainsWildcardCharacters(name))
            {
                var pattern = new WildcardPattern(name, WildcardOptions.IgnoreCase);
                WriteObject(RedshiftIamraConfigStore.Load(path).Where(c => pattern.IsMatch(c.Name)), enumerateCollection: true);
                continue;
            }

            try
            {
                WriteObject(RedshiftIamraConfigStore.Get(path, name));
            }
            catch (IamraException e)
            {
                WriteIamraError(e);
            }
        }
    }
}
