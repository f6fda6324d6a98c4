using Scheduler.Domain.Catalog;

namespace Scheduler.Admission.Calibration;

/// <summary>
/// Turns MFU measured on finished jobs into the values later estimates use, per (GPU type, model-size band):
/// <list type="number">
/// <item>samples that are not finite or outside (0, 1] are dropped (a broken counter is not a measurement);</item>
/// <item>a group needs <see cref="MfuCalibrationOptions.MinSamples"/> samples, else the catalog default stays;</item>
/// <item>the value is the median, which ignores any minority of outliers however wild;</item>
/// <item>it is clamped to [<see cref="MfuCalibrationOptions.Floor"/>, <see cref="MfuCalibrationOptions.Ceiling"/>] and to
/// within <see cref="MfuCalibrationOptions.MaxFactorFromDefault"/> of the GPU type's default, so a run of odd jobs cannot
/// make prices absurd.</item>
/// </list>
/// </summary>
public static class MfuCalibrator
{
    public static MfuTable Calibrate(IEnumerable<MfuSample> samples, GpuCatalog catalog, MfuCalibrationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentNullException.ThrowIfNull(catalog);
        options ??= new MfuCalibrationOptions();
        var entries = samples
            .Where(s => double.IsFinite(s.Mfu) && s.Mfu is > 0 and <= 1 && double.IsFinite(s.Parameters) && catalog.Contains(s.GpuType))
            .GroupBy(s => (s.GpuType, Band: ModelSizeBands.Of(s.Parameters)))
            .Where(g => g.Count() >= options.MinSamples)
            .Select(g => new CalibratedMfu(g.Key.GpuType, g.Key.Band, Bound(Median(g.Select(s => s.Mfu)), catalog.Get(g.Key.GpuType).DefaultMfu, options), g.Count()))
            .OrderBy(e => e.GpuType, StringComparer.Ordinal).ThenBy(e => e.Band);
        return new MfuTable(entries);
    }

    internal static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
        {
            throw new ArgumentException("the median of nothing is undefined", nameof(values));
        }

        var middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    private static double Bound(double value, double defaultMfu, MfuCalibrationOptions options)
    {
        var low = Math.Max(options.Floor, defaultMfu / options.MaxFactorFromDefault);
        var high = Math.Min(options.Ceiling, defaultMfu * options.MaxFactorFromDefault);
        return Math.Clamp(value, low, Math.Max(low, high));
    }
}

/// <summary>How much evidence calibration needs and how far it may move a default.</summary>
public sealed record MfuCalibrationOptions
{
    public int MinSamples { get; init; } = 5;

    public double Floor { get; init; } = 0.05;

    public double Ceiling { get; init; } = 0.8;

    /// <summary>A calibrated value stays within [default ÷ factor, default × factor].</summary>
    public double MaxFactorFromDefault { get; init; } = 2;
}
