using Scheduler.Domain.Catalog;

namespace Scheduler.Admission.Calibration;

/// <summary>
/// Calibrated MFU per (GPU type, model-size band), built by <see cref="MfuCalibrator"/>; anything missing falls back to
/// the catalog's default for the GPU type. Immutable: a new calibration is a new table.
/// </summary>
public sealed class MfuTable
{
    private readonly Dictionary<(string GpuType, ModelSizeBand Band), CalibratedMfu> _entries;

    public MfuTable(IEnumerable<CalibratedMfu> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        _entries = entries.ToDictionary(e => (e.GpuType, e.Band));
    }

    public static MfuTable Empty { get; } = new([]);

    public IReadOnlyCollection<CalibratedMfu> Entries => _entries.Values;

    public MfuChoice Lookup(GpuType gpu, ModelSizeBand band)
    {
        ArgumentNullException.ThrowIfNull(gpu);
        return _entries.TryGetValue((gpu.Name, band), out var entry)
            ? new MfuChoice(entry.Mfu, MfuChoice.CalibratedSource(entry.Samples))
            : new MfuChoice(gpu.DefaultMfu, MfuChoice.DefaultSource);
    }
}

/// <summary>One calibrated value and how many samples it stands on.</summary>
public sealed record CalibratedMfu(string GpuType, ModelSizeBand Band, double Mfu, int Samples);
