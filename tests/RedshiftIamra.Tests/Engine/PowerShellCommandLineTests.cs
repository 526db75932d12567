namespace RedshiftIamra.Tests.Engine;

/// <summary>-NonInteractive as pwsh reads it: any abbreviation of four letters or more, before -File / -Command; what follows those belongs to the script.</summary>
public sealed class PowerShellCommandLineTests
{
    [Theory]
    [InlineData("pwsh", "-NonInteractive", "-File", "job.ps1")]
    [InlineData("pwsh", "-noni", "-c", "Get-Date")]
    [InlineData("pwsh", "-NoProfile", "/NonInteractive", "-Command", "x")]
    [InlineData("pwsh", "--noninteractive")]
    [InlineData("powershell.exe", "-NoLogo", "-NONINTER", "-File", "C:\\jobs\\load.ps1")]
    public void Finds_NonInteractive_before_the_script(params string[] arguments) =>
        Assert.True(PowerShellCommandLine.IsNonInteractive(arguments));

    [Theory]
    [InlineData("pwsh")]
    [InlineData("pwsh", "-NoProfile", "-File", "job.ps1", "-NonInteractive")]
    [InlineData("pwsh", "-c", "Invoke-Job -NonInteractive")]
    [InlineData("pwsh", "-Command", "-NonInteractive")]
    [InlineData("pwsh", "-non")]
    [InlineData("pwsh", "-NoLogo", "-NoExit")]
    [InlineData("-NonInteractive")]
    public void Does_not_mistake_script_arguments_or_other_switches(params string[] arguments) =>
        Assert.False(PowerShellCommandLine.IsNonInteractive(arguments));
}
