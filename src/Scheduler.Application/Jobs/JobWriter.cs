using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Scheduler.Domain.Jobs;
using Scheduler.Persistence;

namespace Scheduler.Application.Jobs;

/// <summary>
/// Group commit for new jobs. Concurrent submissions are inserted, each with its submission event, in one transaction
/// (one <c>SaveChanges</c>, one round trip, one WAL flush) instead of one transaction each. A caller's task completes only
/// after its group committed, so nothing acknowledged can be lost. When a group fails (a duplicate name in it, say), every
/// caller in it gets false and inserts alone, where a conflict gets its exact answer; the failed group left nothing behind.
/// </summary>
internal sealed partial class JobWriter(IServiceScopeFactory scopes, ILogger<JobWriter> logger)
{
    /// <summary>At most this many jobs per transaction; 64 concurrent clients fill a group or two.</summary>
    public const int MaxGroupSize = 64;

    // Two groups in flight: one fills while the other waits for its commit to reach the disk.
    private const int MaxGroupsInFlight = 2;

    private readonly ConcurrentQueue<Pending> _pending = new();
    private int _groupsInFlight;

    /// <summary>True once <paramref name="job"/> and its events are committed; false when the caller must insert it alone.</summary>
    public Task<bool> TryInsertAsync(Job job, CancellationToken cancellationToken)
    {
        var pending = new Pending(job);
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
            if (inFlight >= MaxGroupsInFlight)
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
        var committed = false;
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<SchedulerDbContext>();
            db.Jobs.AddRange(group.Select(p => p.Job));
            await db.SaveChangesAsync(CancellationToken.None);
            committed = true;
        }
#pragma warning disable CA1031 // Whatever failed, the transaction rolled back: each caller retries alone and meets the error itself.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogGroupFailed(logger, group.Count, ex);
        }

        foreach (var pending in group)
        {
            pending.Committed.TrySetResult(committed);
        }
    }

    [LoggerMessage(EventId = 2101, Level = LogLevel.Debug, Message = "A group of {Count} new jobs failed to commit; each is inserted alone")]
    private static partial void LogGroupFailed(ILogger logger, int count, Exception exception);

    private sealed record Pending(Job Job)
    {
        public TaskCompletionSource<bool> Committed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
