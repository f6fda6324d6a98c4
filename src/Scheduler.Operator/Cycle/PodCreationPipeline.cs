using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Scheduler.Domain.Jobs;
using Scheduler.Operator.Metrics;
using Scheduler.Operator.Store;

namespace Scheduler.Operator.Cycle;

/// <summary>
/// Pipelining: the pods of a cycle's placements are created and bound here, <paramref name="parallelism"/> jobs at a time,
/// while the next cycle already reads its snapshot and runs the core. Safe because the placements are stored before they
/// get here (capacity promised to an admitted job is never handed out twice, a crash leaves admitted jobs whose missing pods
/// the reconciler creates under the same names), and because, while a job's pods are being created, the cycle leaves that
/// job to its creation (<see cref="IsCreating"/>): the reconciler takes no action on it and the core's decisions about it
/// wait for a later cycle. A write refused for a stale term during a creation ends leadership at the next cycle
/// (<see cref="ThrowIfFenced"/>). For <see cref="WatchLag"/> after a job's pods were created, the reconciler does not create
/// them again (<see cref="CreatedRecently"/>): the pod watch may not show them yet, and each missing rank would cost three
/// API calls answered 409.
/// </summary>
public sealed class PodCreationPipeline(
    PodCreation creation, SchedulerMetrics metrics, TimeProvider time, ILogger<PodCreationPipeline> logger, int parallelism)
{
    /// <summary>How long the reconciler trusts a creation that succeeded over a pod watch that does not show its pods yet.</summary>
    public static readonly TimeSpan WatchLag = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<JobId, (int Attempt, long At)> _created = new();
    private readonly SemaphoreSlim _slots = new(Math.Max(1, parallelism));
    private readonly ConcurrentDictionary<JobId, Task> _creating = new();
    private StaleLeaderException? _fenced;

    /// <summary>Whether the pods of <paramref name="jobId"/>'s placement are being created now.</summary>
    public bool IsCreating(JobId jobId) => _creating.ContainsKey(jobId);

    /// <summary>Whether this attempt's pods were all created and bound less than <see cref="WatchLag"/> ago.</summary>
    public bool CreatedRecently(JobId jobId, int attempt) =>
        _created.TryGetValue(jobId, out var created) && created.Attempt == attempt && time.GetElapsedTime(created.At) < WatchLag;

    /// <summary>Jobs whose pods are being created now.</summary>
    public int Count => _creating.Count;

    /// <summary>Starts creating the pods of <paramref name="admitted"/> (each stored Admitted with its placement) and returns at once.</summary>
    public Task StartAsync(IReadOnlyList<OperatorJob> admitted, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(admitted);
        foreach (var (id, created) in _created)
        {
            if (time.GetElapsedTime(created.At) >= WatchLag)
            {
                _created.TryRemove(id, out _);
            }
        }

        var started = Stopwatch.GetTimestamp();
        var batch = new List<Task>(admitted.Count);
        foreach (var job in admitted)
        {
            var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (!_creating.TryAdd(job.Id, gate.Task))
            {
                continue; // already being created (a later cycle never admits it again before it is done)
            }

            batch.Add(CreateAsync(job, gate, cancellationToken));
        }

        var all = Task.WhenAll(batch);
        // The API phase of a pipelined cycle is the wall time its batch took, observed when the batch is done.
        _ = all.ContinueWith(_ => metrics.CyclePhase.WithLabels(CyclePhases.Api).Observe(Stopwatch.GetElapsedTime(started).TotalSeconds),
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return all;
    }

    /// <summary>Throws the stale-term refusal a creation met, once: the leader's loop then steps down.</summary>
    public void ThrowIfFenced()
    {
        if (Interlocked.Exchange(ref _fenced, null) is { } fenced)
        {
            throw fenced;
        }
    }

    /// <summary>Waits until every creation started so far has ended (tests; a leader that steps down).</summary>
    public Task DrainAsync() => Task.WhenAll(_creating.Values);

    private async Task CreateAsync(OperatorJob job, TaskCompletionSource gate, CancellationToken cancellationToken)
    {
        try
        {
            await _slots.WaitAsync(cancellationToken);
            try
            {
                if (await creation.CreateAsync(job, job.Placement!, cancellationToken))
                {
                    _created[job.Id] = (job.Attempt, time.GetTimestamp());
                }
            }
            finally
            {
                _slots.Release();
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Leadership ended: the next leader's reconciler creates what is missing.
        }
        catch (StaleLeaderException e)
        {
            _fenced = e;
        }
#pragma warning disable CA1031 // a background creation must not fault unobserved
        catch (Exception e)
#pragma warning restore CA1031
        {
            // PodCreation keeps failures with their job; anything else is logged, and the reconciler creates what is missing.
            CycleLog.ActionFailed(logger, e, job.Name, nameof(PodCreation));
        }
        finally
        {
            _creating.TryRemove(job.Id, out _);
            gate.TrySetResult();
        }
    }
}
