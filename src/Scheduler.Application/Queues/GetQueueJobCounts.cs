using Mediator;
using Microsoft.EntityFrameworkCore;
using Scheduler.Domain.Jobs;
using Scheduler.Persistence;

namespace Scheduler.Application.Queues;

/// <summary>How many of a queue's jobs wait (Queued, Preempted) and how many hold GPUs (Admitted, Running).</summary>
public sealed record GetQueueJobCounts(string Queue) : IQuery<QueueJobCounts>;

public sealed record QueueJobCounts(int Pending, int Running);

internal sealed class GetQueueJobCountsHandler(SchedulerDbContext db) : IQueryHandler<GetQueueJobCounts, QueueJobCounts>
{
    public async ValueTask<QueueJobCounts> Handle(GetQueueJobCounts query, CancellationToken cancellationToken)
    {
        var counts = await db.Jobs.AsNoTracking()
            .Where(j => j.Queue == query.Queue && (j.State == JobState.Queued || j.State == JobState.Preempted
                                                   || j.State == JobState.Admitted || j.State == JobState.Running))
            .GroupBy(j => j.State)
            .Select(g => new { State = g.Key, Count = g.Count() })
            .ToListAsync(cancellationToken);
        int Of(params JobState[] states) => counts.Where(c => states.Contains(c.State)).Sum(c => c.Count);
        return new QueueJobCounts(Of(JobState.Queued, JobState.Preempted), Of(JobState.Admitted, JobState.Running));
    }
}
