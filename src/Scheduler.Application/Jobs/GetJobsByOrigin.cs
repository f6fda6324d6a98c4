using Mediator;
using Microsoft.EntityFrameworkCore;
using Scheduler.Application.Admission;
using Scheduler.Persistence;

namespace Scheduler.Application.Jobs;

/// <summary>The jobs submitted through the TrainingJob with this uid, newest first (one per accepted spec generation at most), with their estimates and measurements.</summary>
public sealed record GetJobsByOrigin(string Uid) : IQuery<IReadOnlyList<JobDetails>>;

internal sealed class GetJobsByOriginHandler(SchedulerDbContext db) : IQueryHandler<GetJobsByOrigin, IReadOnlyList<JobDetails>>
{
    public async ValueTask<IReadOnlyList<JobDetails>> Handle(GetJobsByOrigin query, CancellationToken cancellationToken)
    {
        var jobs = await db.Jobs.AsNoTracking()
            .Where(j => j.Origin != null && j.Origin.Uid == query.Uid)
            .OrderByDescending(j => j.CreatedAt).ThenByDescending(j => j.Id)
            .ToListAsync(cancellationToken);
        return await AdmissionRecords.AttachAllAsync(db, [.. jobs.Select(JobDetails.From)], cancellationToken);
    }
}
