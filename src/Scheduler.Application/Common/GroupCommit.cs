using System.Collections.Concurrent;

namespace Scheduler.Application.Common;

/// <summary>
/// Group commit: items of concurrent callers are written together, one group per <paramref name="write"/> (one round trip, one
/// transaction, one WAL flush) instead of one transaction each. A caller's task completes only after its group's write
/// returned, with the answer the write gave for its item; a write that throws answers <paramref name="failed"/> to the whole
/// group (after <paramref name="onFailure"/> saw the exception), and each caller then goes its own way.
/// </summary>
internal sealed class GroupCommit<TItem, TResult>(
    Func<IReadOnlyList<TItem>, Task<IReadOnlyList<TResult>>> write, TResult failed, Action<int, Exception> onFailure, int maxGroupSize)
{
    // Two groups in flight: one fills while the other waits for its commit to reach the disk.
    private const int MaxGroupsInFlight = 2;

    private readonly ConcurrentQueue<Pending> _pending = new();
    private int _groupsInFlight;

    // A second group starts only once this many items wait; fewer wait for the group in flight. Starting one for whatever
    // waited (often one or two items) made half the groups tiny: each paid a statement and a WAL flush of its own, and
    // PostgreSQL's CPU per submit rose by half (docs/benchmarks/control-plane.md).
    private int MinItemsForSecondGroup => maxGroupSize / 2;

    /// <summary>The write's answer for <paramref name="item"/>, once its group was written.</summary>
    public Task<TResult> WriteAsync(TItem item, CancellationToken cancellationToken)
    {
        var pending = new Pending(item);
        _pending.Enqueue(pending);
        StartGroupIfIdle();
        // A caller that stops waiting does not stop the write: like a client that disconnects during a commit.
        return pending.Written.Task.WaitAsync(cancellationToken);
    }

    private void StartGroupIfIdle()
    {
        while (!_pending.IsEmpty)
        {
            var inFlight = Volatile.Read(ref _groupsInFlight);
            if (inFlight >= MaxGroupsInFlight || (inFlight > 0 && _pending.Count < MinItemsForSecondGroup))
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
            var group = new List<Pending>(maxGroupSize);
            while (group.Count < maxGroupSize && _pending.TryDequeue(out var pending))
            {
                group.Add(pending);
            }

            if (group.Count > 0)
            {
                await WriteAsync(group);
            }
        }
        finally
        {
            Interlocked.Decrement(ref _groupsInFlight);
            StartGroupIfIdle();
        }
    }

    private async Task WriteAsync(List<Pending> group)
    {
        IReadOnlyList<TResult>? results = null;
        try
        {
            results = await write(group.ConvertAll(p => p.Item));
        }
#pragma warning disable CA1031 // Whatever failed, each caller learns it from the failed answer and goes its own way.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            onFailure(group.Count, ex);
        }

        for (var i = 0; i < group.Count; i++)
        {
            group[i].Written.TrySetResult(results is not null && i < results.Count ? results[i] : failed);
        }
    }

    private sealed record Pending(TItem Item)
    {
        public TaskCompletionSource<TResult> Written { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
