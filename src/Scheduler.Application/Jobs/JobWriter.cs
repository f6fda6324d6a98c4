using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
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
internal sealed partial class JobWriter(IServiceScopeFactory scopes, ILogger<JobWriter> logger)
{
    /// <summary>At most this many jobs per transaction; 64 concurrent clients fill a group or two.</summary>
    public const int MaxGroupSize = 64;

    // Two groups in flight: one fills while the other waits for its commit to reach the disk.
    private const int MaxGroupsInFlight = 2;

    // A second group starts only once this many jobs wait; fewer wait for the group in flight. Starting one for whatever
    // waited (often one or two jobs) made half the groups tiny: each paid a statement and a WAL flush of its own, and
    // PostgreSQL's CPU per submit rose by half (docs/benchmarks/control-plane.md).
    private const int MinJobsForSecondGroup = MaxGroupSize / 2;

    private readonly ConcurrentQueue<Pending> _pending = new();
    private int _groupsInFlight;
    private NewJobsInsert? _insert;

    /// <summary>
    /// True once <paramref name="job"/>, its events and its <paramref name="rows"/> (each an entity keyed by the job: its
    /// estimate, its budget charge) are committed; false when the caller must insert it alone.
    /// </summary>
    public Task<bool> TryInsertAsync(Job job, IReadOnlyList<object> rows, CancellationToken cancellationToken)
    {
        var pending = new Pending(job, rows);
        _pending.Enqueue(pending);
        StartGroupIfIdle();
        // A caller that stops waiting does not stop the write: like a client that disconnects during a commit.
        return pending.Committed.Task.WaitAsync(cancellationToken);
    }

    private void StartGroupIfIdle()
    {
        while (!_pending.IsEmpty)
        {
            var inFlight = Volatile.Read(ref _groupsInFlight);
            if (inFlight >= MaxGroupsInFlight || (inFlight > 0 && _pending.Count < MinJobsForSecondGroup))
            {
                // A group in flight looks again when it ends.
                return;
            }

            if (Interlocked.CompareExchange(ref _groupsInFlight, inFlight + 1, inFlight) == inFlight)
            {
                _ = Task.Run(WriteGroupAsync);
                return;
            }
        }
    }

    private async Task WriteGroupAsync()
    {
        try
        {
            var group = new List<Pending>(MaxGroupSize);
            while (group.Count < MaxGroupSize && _pending.TryDequeue(out var pending))
            {
                group.Add(pending);
            }

            if (group.Count > 0)
            {
                await SaveAsync(group);
            }
        }
        finally
        {
            Interlocked.Decrement(ref _groupsInFlight);
            StartGroupIfIdle();
        }
    }

    private async Task SaveAsync(List<Pending> group)
    {
        HashSet<Guid>? inserted = null;
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<SchedulerDbContext>();
            inserted = await InsertAsync(db, group.ConvertAll(p => p.Job), group.SelectMany(p => p.Rows).ToList());
        }
#pragma warning disable CA1031 // Whatever failed, nothing was committed: each caller retries alone and meets the error itself.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogGroupFailed(logger, group.Count, ex);
        }

        foreach (var pending in group)
        {
            pending.Committed.TrySetResult(inserted?.Contains(pending.Job.Id) == true);
        }
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

        await db.Database.OpenConnectionAsync(CancellationToken.None);
        try
        {
            return await insert.ExecuteAsync(db.Database.GetDbConnection(), jobs, rows, CancellationToken.None);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    [LoggerMessage(EventId = 2101, Level = LogLevel.Debug, Message = "A group of {Count} new jobs failed to commit; each is inserted alone")]
    private static partial void LogGroupFailed(ILogger logger, int count, Exception exception);

    private sealed record Pending(Job Job, IReadOnlyList<object> Rows)
    {
        public TaskCompletionSource<bool> Committed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
