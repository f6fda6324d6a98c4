using Mediator;
using Microsoft.EntityFrameworkCore;
using Scheduler.Persistence;

namespace Scheduler.Application.Scheduling;

/// <summary>
/// Which of these job ids the database has a row for, in any state: the orphan collection's check that a pod's job was ever
/// stored here before it deletes the pod (a pod of a job the database never heard of points at a restored or wrong database).
/// </summary>
public sealed record FindKnownJobs(IReadOnlyCollection<Guid> JobIds) : IQuery<IReadOnlySet<Guid>>;

internal sealed class FindKnownJobsHandler(SchedulerDbContext db) : IQueryHandler<FindKnownJobs, IReadOnlySet<Guid>>
{
    public async ValueTask<IReadOnlySet<Guid>> Handle(FindKnownJobs query, CancellationToken cancellationToken)
    {
        if (query.JobIds.Count == 0)
        {
            return new HashSet<Guid>();
        }

        var ids = query.JobIds.Distinct().ToList();
        return (await db.Jobs.AsNoTracking().Where(j => ids.Contains(j.Id)).Select(j => j.Id).ToListAsync(cancellationToken)).ToHashSet();
    }
}
