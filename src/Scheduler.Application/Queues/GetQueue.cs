using Mediator;
using Scheduler.Application.Admission;
using Scheduler.Application.Common;
using Scheduler.Persistence;

namespace Scheduler.Application.Queues;

public sealed record GetQueue(string Name) : IQuery<Result<QueueDetails>>;

internal sealed class GetQueueHandler(SchedulerDbContext db, TimeProvider clock) : IQueryHandler<GetQueue, Result<QueueDetails>>
{
    public async ValueTask<Result<QueueDetails>> Handle(GetQueue query, CancellationToken cancellationToken)
    {
        if (await StoreQueries.QueueByName(db, query.Name, cancellationToken) is not { } queue)
        {
            return Failure.NotFound("name", $"no queue is named '{query.Name}'");
        }

        var budget = await BudgetUsage.OfAsync(db, queue.Name, queue.Spec.GpuHourBudget, clock.GetUtcNow(), cancellationToken);
        return QueueDetails.From(queue) with { Budget = budget };
    }
}
