using Scheduler.Admission.Accuracy;
using Scheduler.Admission.Tests.Support;
using Scheduler.Domain.Catalog;
using Scheduler.Domain.Queues;
using Scheduler.Domain.Specs;

namespace Scheduler.Admission.Tests.Accuracy;

/// <summary>The estimator against docs/benchmarks/data/reference: published parameter counts and GPU-hours, measured peak memory.</summary>
public sealed class ReferenceAccuracyTests
{
    private static AccuracyReport Report() => EstimatorAccuracy.Compare(ReferenceData.Files(), new Estimator(GpuCatalog.Default));

    [Fact]
    public void Parameter_counts_are_within_2_percent_of_the_published_ones()
    {
        var rows = Report().ParameterCounts;

        Assert.NotEmpty(rows);
        Assert.All(rows, r => Assert.True(Math.Abs(r.ErrorPercent) <= 2, $"{r.Case}: {r.ErrorPercent:+0.00;-0.00}%"));
    }

    [Fact]
    public void Gpu_hours_with_the_default_mfu_have_a_median_error_of_at_most_25_percent()
    {
        var summary = AccuracySummary.Of(Report().GpuHours);

        Assert.True(summary.Cases >= 5);
        Assert.True(summary.MedianAbsErrorPercent <= 25, $"median |error| {summary.MedianAbsErrorPercent:0.0}%");
    }

    [Fact]
    public void Full_training_memory_is_within_15_percent_of_the_measured_peak()
    {
        var rows = Report().FullTrainingMemory;

        Assert.NotEmpty(rows);
        Assert.All(rows, r => Assert.True(Math.Abs(r.ErrorPercent) <= 15, $"{r.Case}: {r.ErrorPercent:+0.0;-0.0}%"));
    }

    [Fact]
    public void Lora_and_qlora_memory_is_not_under_predicted()
    {
        // Reported in docs/benchmarks/estimator.md; asserted only on the side that matters for admission.
        var rows = Report().LowRankMemory;

        Assert.NotEmpty(rows);
        Assert.All(rows, r => Assert.True(r.Predicted >= r.Reported, $"{r.Case}: {r.ErrorPercent:+0.0;-0.0}%"));
    }

    [Fact]
    public void Model_state_matches_the_zero_paper_to_its_rounding()
    {
        var rows = Report().ModelState;

        Assert.Equal(4, rows.Count);
        Assert.All(rows, r => Assert.True(Math.Abs(r.Predicted - r.Reported) <= 0.05, $"{r.Case}: {r.Predicted:0.000} GB, paper {r.Reported} GB"));
    }

    [Fact]
    public void Reference_specs_pass_the_same_validation_as_submitted_ones()
    {
        var validator = new JobSpecValidator(GpuCatalog.Default, PriorityClasses.Default);
        var files = ReferenceData.Files();
        var specs = ReferenceCsv.Parse(files.PublishedRuns!).Select(ReferenceSpecs.PublishedRun)
            .Concat(ReferenceCsv.Parse(files.MeasuredMemory!).Select(ReferenceSpecs.MeasuredMemory))
            .Concat(ReferenceCsv.Parse(files.ModelState!).Select(ReferenceSpecs.ModelState));

        Assert.All(specs, spec => Assert.Empty(validator.Check(spec)));
    }

    [Fact]
    public void Csv_fields_may_be_quoted_and_comments_are_skipped()
    {
        var rows = ReferenceCsv.Parse("# a comment\nname,notes,gpus\nx,\"a, \"\"quoted\"\" note\",8\r\n");

        var row = Assert.Single(rows);
        Assert.Equal("a, \"quoted\" note", row.Text("notes"));
        Assert.Equal(8, row.Integer("gpus"));
    }
}
