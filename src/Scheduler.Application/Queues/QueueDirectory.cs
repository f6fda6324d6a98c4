using System.Collections.Concurrent;
using Scheduler.Application.Common;
using Scheduler.Persistence;
using Scheduler.Persistence.Queues;

namespace Scheduler.Application.Queues;

/// <summary>
/// The queues submissions name, kept for <see cref="Lifetime"/> so that a submit costs no queue read. A queue changed
/// through this process (<see cref="Forget"/>, called by PutQueue) is read afresh by the next submit; a change made by
/// another replica reaches this one within <see cref="Lifetime"/>. Queues are never deleted, and an unknown name is never
/// cached, so a queue created elsewhere is usable at once.
/// </summary>
internal sealed class QueueDirectory(TimeProvider clock)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    // Bumped by Forget: a read that began before a change must not cache what it read.
    private long _generation;

    /// <summary>The queue named <paramref name="name"/>, untracked and shared: read it, never change it.</summary>
    public async ValueTask<JobQueue?> FindAsync(SchedulerDbContext db, string name, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (_entries.TryGetValue(name, out var entry) && entry.ExpiresAt > now)
        {
            return entry.Queue;
        }

        var generation = Interlocked.Read(ref _generation);
        var queue = await StoreQueries.QueueByName(db, name, cancellationToken);
        if (queue is not null && Interlocked.Read(ref _generation) == generation)
        {
            _entries[name] = new Entry(queue, now + Lifetime);
        }

        return queue;
    }

    public void Forget(string name)
    {
        Interlocked.Increment(ref _generation);
        _entries.TryRemove(name, out _);
    }

    private sealed record Entry(JobQueue Queue, DateTimeOffset ExpiresAt);
}
