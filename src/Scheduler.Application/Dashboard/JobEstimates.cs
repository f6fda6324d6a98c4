using Scheduler.Admission;
using Scheduler.Domain.Specs;

namespace Scheduler.Application.Dashboard;

/// <summary>
/// What the dashboard shows of a job's estimate (the estimate's fields in docs/admission.md, plus the implied tokens per second);
/// <see cref="Interconnect"/>: the note of a placed gang's repricing ("priced for 2 racks, …: +14.2% step time …").
/// </summary>
public sealed record EstimateView(
    string GpuType,
    double Parameters,
    MemoryBreakdown MemoryPerGpuGiB,
    double GpuMemoryGiB,
    bool Fits,
    string Verdict,
    long Steps,
    double StepSeconds,
    double WallHours,
    double GpuHours,
    double Mfu,
    string MfuSource,
    double? TokensPerSecond,
    string? Interconnect = null);

/// <summary>
/// What the dashboard shows of a job's estimate: the one stored when the job was admitted (priced with the MFU calibrated
/// then), else — for a job stored before estimates were — the pure estimator's price of its spec now. A spec the estimator
/// cannot price shows no estimate rather than failing the page.
/// </summary>
public sealed class JobEstimates(Estimator estimator)
{
    public EstimateView? For(JobSpec spec, Estimate? stored)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var estimate = stored;
        if (estimate is null)
        {
            try
            {
                estimate = estimator.Estimate(spec);
            }
            catch (ArgumentException)
            {
                return null;
            }
        }

        var seconds = estimate.WallHours * 3600;
        return new EstimateView(estimate.GpuType, estimate.Parameters, estimate.MemoryPerGpuGiB, estimate.GpuMemoryGiB, estimate.Fits,
            estimate.Verdict, estimate.Steps, estimate.StepSeconds, estimate.WallHours, estimate.GpuHours, estimate.Mfu, estimate.MfuSource,
            seconds > 0 ? estimate.Tokens / seconds : null, estimate.Interconnect?.Note);
    }
}
