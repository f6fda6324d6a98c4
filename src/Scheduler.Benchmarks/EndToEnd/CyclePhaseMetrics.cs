using System.Globalization;

namespace Scheduler.Benchmarks.EndToEnd;

/// <summary>
/// The operator's cycle figures read from the control plane's <c>/metrics</c>: cycles run, their wall time, and the time spent
/// in each phase (<c>gpu_scheduler_cycle_phase_seconds</c>); the difference of two readings is what a run cost.
/// </summary>
internal sealed record CyclePhaseMetrics(double Cycles, double CycleSeconds, IReadOnlyDictionary<string, double> PhaseSeconds, double Placements)
{
    public static CyclePhaseMetrics Empty { get; } = new(0, 0, new Dictionary<string, double>(), 0);

    /// <summary>The current figures; <see cref="Empty"/> when <c>/metrics</c> does not answer within 120 s (a saturated control plane).</summary>
    public static async Task<CyclePhaseMetrics> ReadAsync(HttpClient http, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(120));
        try
        {
            return Parse(await http.GetStringAsync("/metrics", timeout.Token));
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync($"/metrics did not answer: {e.Message}");
            return Empty;
        }
    }

    internal static CyclePhaseMetrics Parse(string text)
    {
        double cycles = 0, seconds = 0, placements = 0;
        var phases = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith('#') || line.LastIndexOf(' ') is var space && space < 0
                || !double.TryParse(line[(space + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                continue;
            }

            if (line.StartsWith("gpu_scheduler_cycle_duration_seconds_count", StringComparison.Ordinal))
            {
                cycles = value;
            }
            else if (line.StartsWith("gpu_scheduler_cycle_duration_seconds_sum", StringComparison.Ordinal))
            {
                seconds = value;
            }
            else if (line.StartsWith("gpu_scheduler_placements_total{", StringComparison.Ordinal))
            {
                placements += value;
            }
            else if (line.StartsWith("gpu_scheduler_cycle_phase_seconds_sum{", StringComparison.Ordinal)
                && line.IndexOf("phase=\"", StringComparison.Ordinal) is var at and >= 0)
            {
                var start = at + "phase=\"".Length;
                var phase = line[start..line.IndexOf('"', start)];
                phases[phase] = phases.GetValueOrDefault(phase) + value;
            }
        }

        return new CyclePhaseMetrics(cycles, seconds, phases, placements);
    }

    public CyclePhaseMetrics Minus(CyclePhaseMetrics before) => new(
        Cycles - before.Cycles,
        CycleSeconds - before.CycleSeconds,
        PhaseSeconds.ToDictionary(p => p.Key, p => p.Value - before.PhaseSeconds.GetValueOrDefault(p.Key), StringComparer.Ordinal),
        Placements - before.Placements);
}
