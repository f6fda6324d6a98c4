using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Scheduler.Application.Common;
using Scheduler.Domain.Jobs;
using Scheduler.Persistence;
using Scheduler.Persistence.Jobs;

namespace Scheduler.Application.Jobs;

/// <summary>
/// Group commit for new jobs. Concurrent submissions are inserted, each with its submission event, in one statement
/// (<see cref="NewJobsInsert"/>: one round trip, one transaction, one WAL flush) instead of one transaction each. A caller's
/// task completes only after its group committed, so nothing acknowledged can be lost. A job the group could not insert
/// (its name is taken) or a group that failed as a whole answers false: that caller inserts alone, where a conflict gets
/// its exact answer.
/// </summary>
internal sealed partial class JobWriter
{
    /// <summary>At most this many jobs per transaction; 64 concurrent clients fill a group or two.</summary>
    public const int MaxGroupSize = 64;

    private readonly IServiceScopeFactory _scopes;
    private readonly GroupCommit<NewJob, bool> _groups;
    private NewJobsInsert? _insert;

    public JobWriter(IServiceScopeFactory scopes, ILogger<JobWriter> logger)
    {
        _scopes = scopes;
        _groups = new GroupCommit<NewJob, bool>(SaveAsync, failed: false, (count, ex) => LogGroupFailed(logger, count, ex), MaxGroupSize);
    }

    /// <summary>
    /// True once <paramref name="job"/>, its events and its <paramref name="rows"/> (each an entity keyed by the job: its
    /// estimate, its budget charge) are committed; false when the caller must insert it alone.
    /// </summary>
    public Task<bool> TryInsertAsync(Job job, IReadOnlyList<object> rows, CancellationToken cancellationToken) =>
        _groups.WriteAsync(new NewJob(job, rows), cancellationToken);

    private async Task<IReadOnlyList<bool>> SaveAsync(IReadOnlyList<NewJob> group)
    {
        await using var scope = _scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SchedulerDbContext>();
        var inserted = await InsertAsync(db, [.. group.Select(p => p.Job)], [.. group.SelectMany(p => p.Rows)]);
        return [.. group.Select(p => inserted.Contains(p.Job.Id))];
    }

    /// <summary>One SQL statement for the whole group (<see cref="NewJobsInsert"/>); EF's SaveChanges when the model has outgrown it.</summary>
    private async Task<HashSet<Guid>> InsertAsync(SchedulerDbContext db, List<Job> jobs, List<object> rows)
    {
        var insert = _insert is { } known && known.Model == db.Model ? known : _insert = NewJobsInsert.For(db.Model);
        if (insert is null || !insert.CanWrite(rows))
        {
            // One transaction: a duplicate name fails the whole group, whose callers then insert alone.
            db.Jobs.AddRange(jobs);
            db.AddRange(rows);
            await db.SaveChangesAsync(CancellationToken.None);
            return jobs.Select(j => j.Id).ToHashSet();
        }

        return await insert.ExecuteAsync(db, jobs, rows, CancellationToken.None);
    }

    [LoggerMessage(EventId = 2101, Level = LogLevel.Debug, Message = "A group of {Count} new jobs failed to commit; each is inserted alone")]
    private static partial void LogGroupFailed(ILogger logger, int count, Exception exception);

    private sealed record NewJob(Job Job, IReadOnlyList<object> Rows);
}
