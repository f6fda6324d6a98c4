using Scheduler.Domain.Specs;

namespace Scheduler.Application.Jobs;

/// <summary>Which changes between a stored spec and a spec submitted again an update can make (a TrainingJob edited in place).</summary>
public static class JobUpdates
{
    /// <summary>
    /// The update that turns <paramref name="stored"/> into <paramref name="submitted"/> when they differ only in
    /// <c>hold</c>, <c>maxRuntime</c> and <c>priorityClass</c>; null when they are the same or differ elsewhere.
    /// <paramref name="submitted"/> must be valid (its defaults are filled as submission fills them).
    /// </summary>
    public static JobUpdate? Between(JobSpec stored, JobSpec submitted)
    {
        ArgumentNullException.ThrowIfNull(stored);
        ArgumentNullException.ThrowIfNull(submitted);
        var wanted = JobSpecNormalizer.Normalize(submitted) with
        {
            PriorityClass = submitted.PriorityClass ?? stored.PriorityClass,
            MaxRuntime = submitted.MaxRuntime ?? stored.MaxRuntime,
            Hold = submitted.Hold == true ? true : null,
            Notify = Notifications.NotificationTargets.AsStored(stored.Notify, submitted.Notify),
        };
        var current = stored with { Hold = stored.Hold == true ? true : null };
        if (SpecComparison.AreSame(current, wanted)
            || !SpecComparison.AreSame(current with { PriorityClass = wanted.PriorityClass, MaxRuntime = wanted.MaxRuntime, Hold = wanted.Hold }, wanted))
        {
            return null;
        }

        return new JobUpdate
        {
            PriorityClass = wanted.PriorityClass != current.PriorityClass ? wanted.PriorityClass : null,
            MaxRuntime = wanted.MaxRuntime != current.MaxRuntime ? wanted.MaxRuntime : null,
            Hold = wanted.Hold != current.Hold ? wanted.Hold == true : null,
        };
    }
}
