using System.Management.Automation;
using RedshiftIamra.Aws;

namespace RedshiftIamra.PowerShell.Commands;

/// <summary>
/// <c>New-IamraSessionOption</c>: the rarely changed settings of the module's AWS calls (proxy,
/// per-attempt timeout, plain http endpoints, renewal margin) in one object for -SessionOption.
/// </summary>
[Cmdlet(VerbsCommon.New, "IamraSessionOption")]
[OutputType(typeof(IamraSessionOption))]
public sealed class NewIamraSessionOptionCommand : IamraCmdlet
{
    [Parameter]
    [ValidateNotNull]
    public Uri? Proxy { get; set; }

    [Parameter]
    [ValidateRange(1, 300)]
    public int TimeoutSeconds { get; set; } = IamraSessionOption.DefaultTimeoutSeconds;

    [Parameter]
    public SwitchParameter AllowInsecureEndpoint { get; set; }

    [Parameter]
    public TimeSpan RenewalMargin { get; set; }

    protected override void Process() => WriteObject(new IamraSessionOption
    {
        Proxy = Proxy,
        TimeoutSeconds = TimeoutSeconds,
        AllowInsecureEndpoint = AllowInsecureEndpoint.IsPresent,
        RenewalMargin = MyInvocation.BoundParameters.ContainsKey(nameof(RenewalMargin)) ? RenewalMargin : null,
    }.Validated());
}
