using Mediator;

namespace Scheduler.Application.Scheduling;

/// <summary>
/// Every job the scheduler acts on now (Queued, Admitted, Running or Preempted, as <see cref="ActiveJobSelection"/> selects
/// them), oldest first, from a full read: what the operator's incremental snapshot must equal. Of an array's queued tasks
/// only the first <see cref="ArrayTasksPerCycle"/> by index count (the operator's gate offers the core at most its
/// parallelism of them anyway, and only as many as the free GPUs could take).
/// </summary>
public sealed record ListActiveJobs : IQuery<IReadOnlyList<ActiveJob>>
{
    /// <summary>
    /// Bounds the cycle's work on one array's queue. It was 1,000, which made a burst of an array wait one cycle per 1,000
    /// tasks however free the cluster was; the operator's gate already offers the core only what the free GPUs could take.
    /// </summary>
    public const int ArrayTasksPerCycle = 5_000;
}

internal sealed class ListActiveJobsHandler(ISender sender, TimeProvider clock) : IQueryHandler<ListActiveJobs, IReadOnlyList<ActiveJob>>
{
    public async ValueTask<IReadOnlyList<ActiveJob>> Handle(ListActiveJobs query, CancellationToken cancellationToken)
    {
        var all = await sender.Send(new ReadJobChanges(Since: null), cancellationToken);
        return ActiveJobSelection.Select(all.Rows, all.BudgetHeld, clock.GetUtcNow());
    }
}
