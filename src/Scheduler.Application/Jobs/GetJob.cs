using Mediator;
using Scheduler.Application.Common;
using Scheduler.Persistence;

namespace Scheduler.Application.Jobs;

public sealed record GetJob(Guid JobId) : IQuery<Result<JobDetails>>;

internal sealed class GetJobHandler(SchedulerDbContext db) : IQueryHandler<GetJob, Result<JobDetails>>
{
    public async ValueTask<Result<JobDetails>> Handle(GetJob query, CancellationToken cancellationToken) =>
        await StoreQueries.JobById(db, query.JobId, cancellationToken) is { } job
            ? JobDetails.From(job)
            : JobChanges.NoSuchJob(query.JobId);
}
