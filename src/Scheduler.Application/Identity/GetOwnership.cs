using Mediator;
using Microsoft.EntityFrameworkCore;
using Scheduler.Application.Queues;
using Scheduler.Domain.Jobs;
using Scheduler.Persistence;

namespace Scheduler.Application.Identity;

/// <summary>
/// Whom a queue or a job belongs to, for the API's resource-based authorization: the owning team (null: the cluster
/// admins'). A queue's comes from <see cref="QueueDirectory"/>'s cache, so a submission's check costs no extra read.
/// </summary>
public sealed record GetQueueOwner(string Queue) : IQuery<QueueOwner?>;

public sealed record QueueOwner(string Queue, string? Team);

public sealed record GetJobOwner(Guid JobId) : IQuery<JobOwner?>;

/// <summary>The job's queue and team, and which attempt runs now in what state (the telemetry check needs those).</summary>
public sealed record JobOwner(Guid JobId, string Queue, string? Team, int Attempt, JobState State);

internal sealed class GetQueueOwnerHandler(SchedulerDbContext db, QueueDirectory queues) : IQueryHandler<GetQueueOwner, QueueOwner?>
{
    public async ValueTask<QueueOwner?> Handle(GetQueueOwner query, CancellationToken cancellationToken) =>
        await queues.FindAsync(db, query.Queue, cancellationToken) is { } queue ? new QueueOwner(queue.Name, queue.Team) : null;
}

internal sealed class GetJobOwnerHandler(SchedulerDbContext db) : IQueryHandler<GetJobOwner, JobOwner?>
{
    public async ValueTask<JobOwner?> Handle(GetJobOwner query, CancellationToken cancellationToken) =>
        await db.Jobs.AsNoTracking().Where(j => j.Id == query.JobId)
            .Select(j => new JobOwner(j.Id, j.Queue, db.Queues.Where(q => q.Name == j.Queue).Select(q => q.Team).FirstOrDefault(), j.Attempt, j.State))
            .FirstOrDefaultAsync(cancellationToken);
}
