using System.Management.Automation;
using RedshiftIamra.Configuration;

namespace RedshiftIamra.PowerShell.Commands;

/// <summary><c>Remove-RedshiftIamraConfig</c>: removes saved connection settings; the other entries stay.</summary>
[Cmdlet(VerbsCommon.Remove, "RedshiftIamraConfig", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(void))]
public sealed class RemoveRedshiftIamraConfigCommand : IamraCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [Alias("ConfigName")]
    [ArgumentCompleter(typeof(ConfigNameCompleter))]
    public string[] Name { get; set; } = null!;

    protected override void Process()
    {
        var path = RedshiftIamraConfigStore.DefaultPath();
        foreach (var name in Name)
        {
            try
            {
                var config = RedshiftIamraConfigStore.Get(path, name);
                if (ShouldProcess(path, $"Remove the configuration '{config.Name}' ({config.Target})"))
                {
                    RedshiftIamraConfigStore.Remove(path, config.Name);
                    WriteVerbose($"Removed the configuration '{config.Name}' from {path}.");
                }
            }
            catch (IamraException e)
            {
                WriteIamraError(e);
            }
        }
    }
}
