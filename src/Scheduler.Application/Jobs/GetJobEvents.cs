using Mediator;
using Microsoft.EntityFrameworkCore;
using Scheduler.Application.Common;
using Scheduler.Persistence;

namespace Scheduler.Application.Jobs;

/// <summary>A job's transitions with their reasons, oldest first.</summary>
public sealed record GetJobEvents(Guid JobId) : IQuery<Result<IReadOnlyList<JobEventDetails>>>;

internal sealed class GetJobEventsHandler(SchedulerDbContext db) : IQueryHandler<GetJobEvents, Result<IReadOnlyList<JobEventDetails>>>
{
    public async ValueTask<Result<IReadOnlyList<JobEventDetails>>> Handle(GetJobEvents query, CancellationToken cancellationToken)
    {
        var events = await db.JobEvents.AsNoTracking()
            .Where(e => e.JobId == query.JobId)
            .OrderBy(e => e.Sequence)
            .ToListAsync(cancellationToken);

        // Every job has its submission event, so none means no such job.
        return events.Count == 0
            ? JobChanges.NoSuchJob(query.JobId)
            : Result<IReadOnlyList<JobEventDetails>>.Success(events.Select(JobEventDetails.Of).ToList());
    }
}
