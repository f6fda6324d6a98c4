using Scheduler.Application.Common;
using Scheduler.Application.Jobs;
using Scheduler.Domain.Jobs;
using Scheduler.Persistence;

namespace Scheduler.Application.Scheduling;

/// <summary>The scheduler's changes apply only to the version of the job it decided on; a job that moved meanwhile is a conflict.</summary>
internal static class ExpectedVersion
{
    public static ValueTask<Result<JobDetails>> ChangeAsync(
        SchedulerDbContext db, Guid jobId, int expectedVersion, Action<Job> change, CancellationToken cancellationToken, long? leaderTerm = null) =>
        JobChanges.ApplyAsync(db, jobId, job =>
        {
            if (job.Version != expectedVersion)
            {
                return Failure.Conflict("version", $"the job is at version {job.Version}, not {expectedVersion}");
            }

            change(job);
            return null;
        }, cancellationToken, leaderTerm);
}
