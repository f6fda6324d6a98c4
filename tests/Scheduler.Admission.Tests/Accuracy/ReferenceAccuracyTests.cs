using Scheduler.Admission.Accuracy;
using Scheduler.Admission.Calibration;
using Scheduler.Admission.Tests.Support;
using Scheduler.Domain.Catalog;
using Scheduler.Domain.Queues;
using Scheduler.Domain.Specs;

namespace Scheduler.Admission.Tests.Accuracy;

/// <summary>The estimator against docs/benchmarks/data/reference: published parameter counts and GPU-hours, measured peak memory, the MFU fit.</summary>
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
    public void Gpu_hours_of_the_fitted_runs_have_a_median_error_of_at_most_10_and_a_worst_of_at_most_25_percent()
    {
        var summary = AccuracySummary.Of(Report().GpuHours);

        Assert.True(summary.Cases >= 5);
        Assert.True(summary.MedianAbsErrorPercent <= 10, $"median |error| {summary.MedianAbsErrorPercent:0.0}%");
        Assert.True(summary.WorstAbsErrorPercent <= 25, $"worst |error| {summary.WorstAbsErrorPercent:0.0}%");
    }

    [Fact]
    public void Held_out_runs_are_reported_apart_and_never_enter_the_mfu_fit()
    {
        var report = Report();

        Assert.True(report.HeldOutGpuHours.Count >= 10);
        Assert.NotNull(report.MfuFit);
        var fitted = report.MfuFit.Rows.Select(r => r.Case.Replace(" (GPU-hours)", string.Empty, StringComparison.Ordinal)).ToHashSet();
        Assert.DoesNotContain(report.HeldOutGpuHours, r => fitted.Contains(r.Case));
        Assert.All(report.HeldOutGpuHours, r => Assert.True(double.IsFinite(r.Predicted) && r.Predicted > 0, r.Case));
    }

    [Fact]
    public void The_default_mfu_coefficients_are_the_least_squares_fit_of_the_reference_measurements()
    {
        var files = ReferenceData.Files();

        var fit = MfuFit.Fit(files.MfuMeasurements!, files.PublishedRuns, GpuCatalog.Default);

        Assert.True(fit.Rows.Count >= 20);
        Assert.Equal(MfuModel.Offset, fit.Offset, 0.001);
        Assert.Equal(MfuModel.SmallModelPerDecade, fit.SmallModelPerDecade, 0.001);
        Assert.Equal(MfuModel.LargeModelPerDecade, fit.LargeModelPerDecade, 0.001);
        Assert.Equal(MfuModel.PerGpuDoubling, fit.PerGpuDoubling, 0.001);
    }

    [Fact]
    public void Every_measured_memory_case_is_within_10_percent()
    {
        var report = Report();
        var rows = report.FullTrainingMemory.Concat(report.LowRankMemory).ToList();

        Assert.True(rows.Count >= 4);
        Assert.All(rows, r => Assert.True(Math.Abs(r.ErrorPercent) <= 10, $"{r.Case}: {r.ErrorPercent:+0.0;-0.0}%"));
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
            .Concat(ReferenceCsv.Parse(files.ModelState!).Select(ReferenceSpecs.ModelState))
            .Concat(ReferenceCsv.Parse(files.HeldOutRuns!).Select(ReferenceSpecs.PublishedRun))
            .Concat(ReferenceCsv.Parse(files.MfuMeasurements!).Where(r => GpuCatalog.Default.Contains(r.Text("gpu_type"))).Select(ReferenceSpecs.MfuMeasurement));

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
