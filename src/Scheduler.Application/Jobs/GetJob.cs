using Mediator;
using Scheduler.Application.Admission;
using Scheduler.Application.Common;
using Scheduler.Persistence;

namespace Scheduler.Application.Jobs;

public sealed record GetJob(Guid JobId) : IQuery<Result<JobDetails>>;

internal sealed class GetJobHandler(SchedulerDbContext db) : IQueryHandler<GetJob, Result<JobDetails>>
{
    public async ValueTask<Result<JobDetails>> Handle(GetJob query, CancellationToken cancellationToken) =>
        await StoreQueries.JobById(db, query.JobId, cancellationToken) is { } job
            ? await AdmissionRecords.AttachAsync(db, JobDetails.From(job), cancellationToken)
            : JobChanges.NoSuchJob(query.JobId);
}
