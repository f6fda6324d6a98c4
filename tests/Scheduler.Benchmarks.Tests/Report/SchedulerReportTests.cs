using Scheduler.Benchmarks.Report;
using Scheduler.Testing;

namespace Scheduler.Benchmarks.Tests.Report;

/// <summary>make bench rewrites the generated head of docs/benchmarks/scheduler.md and keeps the studies recorded by hand.</summary>
public sealed class SchedulerReportTests
{
    [Fact]
    public void What_follows_the_marker_in_the_existing_report_is_kept()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("report").FullName, "scheduler.md");
        File.WriteAllText(path, $"# old generated part\n\n{SchedulerReport.HandWrittenMarker}\n\n## A study\n\nfigures\n");

        var kept = SchedulerReport.HandWrittenPart(path);

        Assert.StartsWith(Environment.NewLine + SchedulerReport.HandWrittenMarker, kept, StringComparison.Ordinal);
        Assert.EndsWith("## A study\n\nfigures\n", kept, StringComparison.Ordinal);
        Assert.DoesNotContain("old generated part", kept, StringComparison.Ordinal);
    }

    [Fact]
    public void A_first_report_gets_the_marker_for_later_studies()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("report").FullName, "scheduler.md");

        Assert.Equal(Environment.NewLine + SchedulerReport.HandWrittenMarker + Environment.NewLine, SchedulerReport.HandWrittenPart(path));
    }

    [Fact]
    public void The_committed_report_carries_the_marker()
    {
        var report = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "docs", "benchmarks", "scheduler.md"));

        Assert.Contains(SchedulerReport.HandWrittenMarker, report, StringComparison.Ordinal);
    }
}
