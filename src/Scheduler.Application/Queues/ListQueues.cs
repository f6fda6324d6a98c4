using Mediator;
using Microsoft.EntityFrameworkCore;
using Scheduler.Persistence;

namespace Scheduler.Application.Queues;

/// <summary>Every queue, by name (there are few: one per team).</summary>
public sealed record ListQueues : IQuery<IReadOnlyList<QueueDetails>>;

internal sealed class ListQueuesHandler(SchedulerDbContext db) : IQueryHandler<ListQueues, IReadOnlyList<QueueDetails>>
{
    public async ValueTask<IReadOnlyList<QueueDetails>> Handle(ListQueues query, CancellationToken cancellationToken)
    {
        var queues = await db.Queues.AsNoTracking().OrderBy(q => q.Name).ToListAsync(cancellationToken);
        return queues.Select(QueueDetails.From).ToList();
    }
}
