using Scheduler.Charts.Tests.Infrastructure;

namespace Scheduler.Charts.Tests;

public sealed class HelmLintTests(ChartTools tools)
{
    [Theory]
    [MemberData(nameof(ValueSet.Names), MemberType = typeof(ValueSet))]
    public async Task Chart_lints_cleanly_in_strict_mode(string valueSet)
    {
        var result = await tools.Renderer.LintAsync(ValueSet.Named(valueSet));

        Assert.True(result.ExitCode == 0, result.Describe());
        Assert.Contains("0 chart(s) failed", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public void Ci_value_sets_cover_external_db_bundled_db_and_ha_off()
    {
        var names = ValueSet.All.Select(v => v.Name).ToList();

        Assert.Superset(new HashSet<string> { ValueSet.ExternalDb, ValueSet.BundledDb, ValueSet.HaOff }, names.ToHashSet());
    }
}
