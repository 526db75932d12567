using RedshiftIamra.Sandbox;

namespace RedshiftIamra.Tests.Sandbox;

/// <summary>How fault rules pick the calls they shape.</summary>
public sealed class SandboxFaultsTests
{
    [Fact]
    public void Next_N_calls_counts_from_the_calls_already_made()
    {
        var faults = new SandboxFaults();
        faults.Next("rolesanywhere", "CreateSession");
        faults.Next("rolesanywhere", "CreateSession");

        var rule = faults.ForNextCalls("CreateSession", 2, SandboxFault.Throttle());

        Assert.Equal((3L, 4L), (rule.FirstCall, rule.LastCall));
        var shaped = Enumerable.Range(0, 3).Select(_ => faults.Next("rolesanywhere", "CreateSession").Faults.Count > 0).ToArray();
        Assert.Equal([true, true, false], shaped);
        Assert.Equal(2, rule.Hits);
    }

    [Fact]
    public void Calls_K_to_M_of_one_operation_do_not_count_other_operations()
    {
        var faults = new SandboxFaults();
        var rule = faults.ForCalls("rolesanywhere:CreateSession", 2, 3, SandboxFault.ServiceUnavailable());

        var shaped = new List<(string Operation, long Number, bool Fault)>();
        foreach (var operation in new[] { "CreateSession", "GetClusterCredentials", "CreateSession", "CreateSession", "CreateSession" })
        {
            var service = operation == "CreateSession" ? "rolesanywhere" : "redshift";
            var (number, list) = faults.Next(service, operation);
            shaped.Add((operation, number, list.Count > 0));
        }

        Assert.Equal(
            [("CreateSession", 1L, false), ("GetClusterCredentials", 1L, false), ("CreateSession", 2L, true), ("CreateSession", 3L, true), ("CreateSession", 4L, false)],
            shaped);
        Assert.Equal(2, rule.Hits);
        Assert.Equal(4, faults.CallCount("CreateSession"));
        Assert.Equal(5, faults.CallCount("*"));
    }

    [Fact]
    public void Several_rules_combine_in_order_and_can_be_removed()
    {
        var faults = new SandboxFaults();
        var delay = faults.Always("*", SandboxFault.DelayBy(TimeSpan.FromMilliseconds(1)));
        faults.ForNextCalls("CreateSession", 1, SandboxFault.Reset());

        var first = faults.Next("rolesanywhere", "CreateSession").Faults;
        Assert.Equal([SandboxFaultKind.Delay, SandboxFaultKind.Reset], first.Select(f => f.Kind));

        Assert.True(faults.Remove(delay));
        Assert.Empty(faults.Next("rolesanywhere", "CreateSession").Faults);

        faults.Always("CreateSession", SandboxFault.Throttle(400));
        faults.Clear();
        Assert.Empty(faults.Next("rolesanywhere", "CreateSession").Faults);
        Assert.Empty(faults.Rules);
    }
}
