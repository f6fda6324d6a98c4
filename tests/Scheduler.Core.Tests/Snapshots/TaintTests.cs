using Scheduler.Core.Snapshots;

namespace Scheduler.Core.Tests.Snapshots;

public sealed class TaintTests
{
    [Theory]
    [InlineData("NoSchedule", true)]
    [InlineData("NoExecute", true)]
    [InlineData("PreferNoSchedule", false)]
    public void Only_no_schedule_and_no_execute_keep_pods_away(string effect, bool blocks)
    {
        Assert.Equal(blocks, new Taint("gpu", "a100", effect).Blocks);
    }

    [Theory]
    [InlineData("gpu", "a100", "NoSchedule", true)]
    [InlineData("gpu", null, null, true)]
    [InlineData("", null, null, true)]
    [InlineData("gpu", "h100", null, false)]
    [InlineData("gpu", "a100", "NoExecute", false)]
    [InlineData("other", null, null, false)]
    public void Tolerations_match_as_kubernetes_matches_them(string key, string? value, string? effect, bool tolerated)
    {
        var taint = new Taint("gpu", "a100", "NoSchedule");

        Assert.Equal(tolerated, new Toleration(key, value, effect).Tolerates(taint));
        Assert.Equal(tolerated, taint.IsToleratedBy([new Toleration("unrelated"), new Toleration(key, value, effect)]));
    }
}
