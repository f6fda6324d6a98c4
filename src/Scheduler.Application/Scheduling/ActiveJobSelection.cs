using Scheduler.Domain.Jobs;

namespace Scheduler.Application.Scheduling;

/// <summary>
/// Which of the active job rows (Queued, Admitted, Running, Preempted) the scheduler acts on now: not a queued job that a person (or <c>spec.hold</c>) or its
/// queue's budget holds, nor one whose notBefore is ahead; of an array's queued tasks only the first
/// <see cref="ListActiveJobs.ArrayTasksPerCycle"/> by index (held ones count towards that window); oldest first. One rule for
/// the operator's incremental snapshot (<c>ActiveJobCache</c>) and for <see cref="ListActiveJobs"/>.
/// </summary>
public static class ActiveJobSelection
{
    public static IReadOnlyList<ActiveJob> Select(IEnumerable<ChangedJob> rows, IReadOnlySet<Guid> budgetHeld, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(budgetHeld);
        var active = rows as IReadOnlyCollection<ChangedJob> ?? [.. rows];
        var window = active
            .Where(r => r.Job is { State: JobState.Queued, ArrayId: not null })
            .GroupBy(r => r.Job.ArrayId!.Value)
            .SelectMany(g => g.OrderBy(r => r.Job.ArrayIndex).Take(ListActiveJobs.ArrayTasksPerCycle))
            .Select(r => r.Job.Id)
            .ToHashSet();
        return active
            .Where(r => r.Job.State != JobState.Queued || (
                (r.Job.ArrayId is null || window.Contains(r.Job.Id))
                && !budgetHeld.Contains(r.Job.Id)
                && r.HeldBy is null
                && !(r.Job.Spec.NotBefore > now)))
            .Select(r => r.Job)
            .OrderBy(j => j.CreatedAt)
            .ThenBy(j => j.Id)
            .ToList();
    }
}
