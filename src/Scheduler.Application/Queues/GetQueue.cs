using Mediator;
using Scheduler.Application.Common;
using Scheduler.Persistence;

namespace Scheduler.Application.Queues;

public sealed record GetQueue(string Name) : IQuery<Result<QueueDetails>>;

internal sealed class GetQueueHandler(SchedulerDbContext db) : IQueryHandler<GetQueue, Result<QueueDetails>>
{
    public async ValueTask<Result<QueueDetails>> Handle(GetQueue query, CancellationToken cancellationToken) =>
        await StoreQueries.QueueByName(db, query.Name, cancellationToken) is { } queue
            ? QueueDetails.From(queue)
            : Failure.NotFound("name", $"no queue is named '{query.Name}'");
}
