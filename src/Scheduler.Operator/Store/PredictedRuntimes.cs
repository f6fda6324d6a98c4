using System.Collections.Concurrent;
using Scheduler.Admission;
using Scheduler.Domain.Catalog;
using Scheduler.Domain.Jobs;
using Scheduler.Domain.Specs;

namespace Scheduler.Operator.Store;

/// <summary>
/// The estimator's wall-clock time per job, computed once per job (a stored spec never changes) instead of every cycle;
/// entries of jobs that are no longer active are dropped by <see cref="Retain"/>.
/// </summary>
internal sealed class PredictedRuntimes(GpuCatalog catalog)
{
    private readonly Estimator _estimator = new(catalog);
    private readonly ConcurrentDictionary<JobId, TimeSpan?> _byJob = new();

    /// <summary>
    /// The stored estimate's wall-clock hours when the job has one (repriced when the job was placed, so it is read each time),
    /// else the estimator's, computed once.
    /// </summary>
    public TimeSpan? Of(JobId jobId, JobSpec spec, double? estimatedWallHours = null) =>
        estimatedWallHours is { } hours ? Clamp(hours) : _byJob.GetOrAdd(jobId, _ => Estimate(spec));

    public void Retain(IReadOnlySet<JobId> active)
    {
        foreach (var id in _byJob.Keys.Where(id => !active.Contains(id)))
        {
            _byJob.TryRemove(id, out _);
        }
    }

    /// <summary>None for a spec the estimator cannot price: the job then runs without a prediction.</summary>
    private TimeSpan? Estimate(JobSpec spec)
    {
        try
        {
            return Clamp(_estimator.Estimate(spec).WallHours);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    private static TimeSpan? Clamp(double hours) =>
        double.IsFinite(hours) && hours >= 0 ? TimeSpan.FromHours(Math.Min(hours, 24 * 365 * 10)) : null;
}
