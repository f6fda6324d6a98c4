using Scheduler.Application.Admission;
using Scheduler.Domain.Queues;
using Scheduler.Persistence.Queues;

namespace Scheduler.Application.Queues;

/// <summary>
/// A queue as the API shows it: its name, its normalised spec and when it was created and last replaced; on a read of
/// one queue with a GPU-hour budget, also the budget's use in the current period.
/// </summary>
public sealed record QueueDetails(string Name, QueueSpec Spec, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, BudgetUsage? Budget = null)
{
    /// <summary>The team that owns the queue; absent: the cluster admins'.</summary>
    public string? Team { get; init; }

    public static QueueDetails From(JobQueue queue)
    {
        ArgumentNullException.ThrowIfNull(queue);
        return new(queue.Name, queue.Spec, queue.CreatedAt, queue.UpdatedAt) { Team = queue.Team };
    }
}
