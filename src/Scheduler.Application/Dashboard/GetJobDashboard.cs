using Mediator;
using Microsoft.EntityFrameworkCore;
using Scheduler.Application.Admission;
using Scheduler.Application.Common;
using Scheduler.Application.Jobs;
using Scheduler.Domain.Jobs;
using Scheduler.Persistence;

namespace Scheduler.Application.Dashboard;

/// <summary>A job's page: the job, its estimate beside what was measured, progress, timeline, pods.</summary>
public sealed record GetJobDashboard(Guid JobId) : IQuery<Result<JobDashboard>>;

public sealed record JobDashboard(
    JobDetails Job, EstimateView? Estimate, MeasuredView Measured, ProgressView Progress, string? PendingReason,
    IReadOnlyList<PodView> Pods, IReadOnlyList<TimelineEntry> Events);

/// <summary>
/// Measured so far. GPU-hours and wall hours come from the job's transitions (time spent Admitted or Running); the
/// trainer's figures (step, loss, tokens/s, MFU, peak memory, last checkpoint) are null until its telemetry is stored.
/// </summary>
public sealed record MeasuredView(
    double GpuHoursSoFar, double WallHoursSoFar, long? Step, double? Loss, double? TokensPerSecond, double? Mfu,
    double? PeakMemoryGiB, long? LastCheckpointStep);

/// <summary><see cref="Fraction"/> of <see cref="TotalSteps"/> done and the expected end; null without telemetry.</summary>
public sealed record ProgressView(long? TotalSteps, double? Fraction, DateTimeOffset? Eta);

public sealed record PodView(string Name, string? Node, IReadOnlyList<string> Gpus, string Phase);

public sealed record TimelineEntry(int Sequence, JobState? From, JobState To, string Reason, DateTimeOffset Time);

internal sealed class GetJobDashboardHandler(SchedulerDbContext db, IClusterView cluster, JobEstimates estimates, TimeProvider clock)
    : IQueryHandler<GetJobDashboard, Result<JobDashboard>>
{
    public async ValueTask<Result<JobDashboard>> Handle(GetJobDashboard query, CancellationToken cancellationToken)
    {
        if (await StoreQueries.JobById(db, query.JobId, cancellationToken) is not { } job)
        {
            return JobChanges.NoSuchJob(query.JobId);
        }

        var events = await db.JobEvents.AsNoTracking().Where(e => e.JobId == job.Id).OrderBy(e => e.Sequence).ToListAsync(cancellationToken);
        var intervals = GpuHolding.Intervals(events, clock.GetUtcNow());
        var wallHours = intervals.Sum(i => (i.End - i.Start).TotalHours);
        var details = await AdmissionRecords.AttachAsync(db, JobDetails.From(job), cancellationToken);
        var estimate = estimates.For(job.Spec, details.Estimate);
        var pods = (await cluster.ReadAsync(cancellationToken)).Pods.Where(p => p.JobId == job.Id).OrderBy(p => p.Name, StringComparer.Ordinal)
            .Select(p => new PodView(p.Name, p.Node, p.GpuIndices.Select(i => GpuLabel(i, p.GpuMilli)).ToList(), p.Phase)).ToList();

        var m = details.Measured;
        var fraction = m is null && job.Progress <= 0 ? (double?)null : job.Progress;
        return new JobDashboard(
            details,
            estimate,
            new MeasuredView(m?.GpuHours is > 0 ? m.GpuHours : wallHours * (job.Spec.Resources?.GpuShare() ?? 0), wallHours, m?.Step, m?.Loss, m?.TokensPerSecond, m?.Mfu,
                m?.PeakMemoryGiB, m?.LastCheckpointStep ?? job.LastCheckpointStep),
            new ProgressView(estimate?.Steps, fraction, EtaOf(job, m)),
            job.State == JobState.Queued ? details.BudgetHold ?? GetQueuesDashboardHandler.ReasonOf(job) : null,
            pods,
            events.Select(e => new TimelineEntry(e.Sequence, e.From, e.To, e.Reason, e.At)).ToList());
    }

    /// <summary>While running: now plus the work left at the measured pace (tokens per second, else seconds per step).</summary>
    private DateTimeOffset? EtaOf(Job job, MeasuredProgress? measured)
    {
        if (job.State != JobState.Running || measured is null)
        {
            return null;
        }

        var training = job.Spec.Training;
        double? secondsLeft = training?.Tokens is > 0 && measured.TokensPerSecond > 0
            ? Math.Max(0, training.Tokens.Value - measured.Tokens) / measured.TokensPerSecond
            : training?.Steps is > 0 && measured.StepSeconds > 0
                ? Math.Max(0, training.Steps.Value - measured.Step) * measured.StepSeconds
                : null;
        return secondsLeft is { } seconds && double.IsFinite(seconds) && seconds < TimeSpan.FromDays(3650).TotalSeconds
            ? clock.GetUtcNow() + TimeSpan.FromSeconds(seconds)
            : null;
    }

    private static string GpuLabel(int index, int milli) =>
        milli >= ClusterAllocation.WholeGpuMilli ? $"GPU {index}" : $"GPU {index} ({milli / 10.0:0.#}%)";
}
