using Scheduler.Domain.Queues;
using Scheduler.Persistence.Queues;

namespace Scheduler.Application.Queues;

/// <summary>A queue as the API shows it: its name, its normalised spec and when it was created and last replaced.</summary>
public sealed record QueueDetails(string Name, QueueSpec Spec, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public static QueueDetails From(JobQueue queue)
    {
        ArgumentNullException.ThrowIfNull(queue);
        return new(queue.Name, queue.Spec, queue.CreatedAt, queue.UpdatedAt);
    }
}
