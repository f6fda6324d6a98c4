namespace Scheduler.Admission.Accuracy;

/// <summary>The estimator against the reference figures, one table per quantity.</summary>
/// <param name="ParameterCounts">Computed parameters against published counts.</param>
/// <param name="GpuHours">Predicted GPU-hours with the catalog's default MFU against reported GPU-hours.</param>
/// <param name="FullTrainingMemory">Predicted peak memory of full-training runs against measured peaks.</param>
/// <param name="LowRankMemory">The same for LoRA and QLoRA runs (reported, not asserted).</param>
/// <param name="ModelState">Weights + gradients + optimizer state against the ZeRO paper's figures.</param>
/// <param name="HeldOutGpuHours">GPU-hours of published runs that the default MFU was not fitted to.</param>
/// <param name="MfuFit">The default MFU's fit and its residuals; null without mfu-measurements.csv.</param>
public sealed record AccuracyReport(
    IReadOnlyList<AccuracyRow> ParameterCounts,
    IReadOnlyList<AccuracyRow> GpuHours,
    IReadOnlyList<AccuracyRow> FullTrainingMemory,
    IReadOnlyList<AccuracyRow> LowRankMemory,
    IReadOnlyList<AccuracyRow> ModelState,
    IReadOnlyList<AccuracyRow> HeldOutGpuHours,
    MfuFitResult? MfuFit);

/// <summary>One case: what the estimator predicts, what the source reports, and the source.</summary>
public sealed record AccuracyRow(string Case, double Predicted, double Reported, string Unit, string Source, string Detail)
{
    /// <summary>Signed error in percent of the reported figure (positive: the estimator predicts more).</summary>
    public double ErrorPercent => (Predicted - Reported) / Reported * 100;
}

/// <summary>Median and worst absolute percentage error over a table.</summary>
public sealed record AccuracySummary(int Cases, double MedianAbsErrorPercent, double WorstAbsErrorPercent)
{
    public static AccuracySummary Of(IReadOnlyList<AccuracyRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0)
        {
            return new AccuracySummary(0, double.NaN, double.NaN);
        }

        var errors = rows.Select(r => Math.Abs(r.ErrorPercent)).ToList();
        return new AccuracySummary(rows.Count, Calibration.MfuCalibrator.Median(errors), errors.Max());
    }
}

/// <summary>The text of the reference files; a missing file is null and its tables stay empty.</summary>
public sealed record ReferenceFiles(
    string? PublishedRuns, string? MeasuredMemory, string? ModelState, string? HeldOutRuns = null, string? MfuMeasurements = null)
{
    public const string HeldOutRunsFile = "published-runs-heldout.csv";
    public const string MfuMeasurementsFile = "mfu-measurements.csv";

    public const string PublishedRunsFile = "published-runs.csv";
    public const string MeasuredMemoryFile = "measured-memory.csv";
    public const string ModelStateFile = "model-state-memory.csv";
}
