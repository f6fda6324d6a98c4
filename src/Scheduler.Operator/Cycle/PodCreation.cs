using Microsoft.Extensions.Logging;
using Scheduler.Domain.Jobs;
using Scheduler.Operator.Pods;
using Scheduler.Operator.Store;

namespace Scheduler.Operator.Cycle;

/// <summary>
/// Creates an admitted job's pods (a new placement, or the ranks a crash left missing) and keeps a failure with that job:
/// whatever was created of the attempt is deleted, then a pod the API server refuses (<see cref="ApiRefusal"/>: a 422, a
/// quota webhook's 403, a missing namespace's 404) counts as a failed attempt with the server's reason, so the backoff limit
/// ends the job Failed instead of placing it again every cycle; a transient failure (5xx, timeout) requeues it uncounted.
/// Never throws but for cancellation: one job's pods never stop the cycle for the others.
/// </summary>
public sealed class PodCreation(IOperatorStore store, JobPods pods, JobReconciler policy, ILogger<PodCreation> logger)
{
    /// <summary>True when every pod of <paramref name="placement"/> exists and is bound; false when the job was moved instead.</summary>
    public async Task<bool> CreateAsync(OperatorJob admitted, IReadOnlyList<JobPodPlacement> placement, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(admitted);
        ArgumentNullException.ThrowIfNull(placement);
        try
        {
            await pods.CreateAsync(admitted, placement, cancellationToken);
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not StaleLeaderException)
        {
            CycleLog.PlacementFailed(logger, ex, admitted.Name);
            await UndoAsync(admitted, placement, cancellationToken);
            var move = ApiRefusal.Of(ex) is { } refusal
                ? policy.RetryOrFail(admitted, $"the API server refused its pods: {refusal}")
                : new MoveJob(admitted.Id, JobState.Queued, $"could not create its pods: {ApiRefusal.Describe(ex)}", DeletePods: true);
            await MoveAsync(admitted, move, cancellationToken);
            return false;
        }
    }

    private async Task UndoAsync(OperatorJob admitted, IReadOnlyList<JobPodPlacement> placement, CancellationToken cancellationToken)
    {
        try
        {
            await pods.DeleteAttemptAsync(admitted, admitted.Placement ?? placement, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The API server is failing: the orphan collection deletes a requeued attempt's pods on a later cycle.
            CycleLog.UndoFailed(logger, ex, admitted.Name);
        }
    }

    private async Task MoveAsync(OperatorJob admitted, MoveJob move, CancellationToken cancellationToken)
    {
        var moved = move.CountsAsFailure
            ? await store.RetryAsync(admitted, move.Reason, cancellationToken)
            : await store.TransitionAsync(admitted, move.To, move.Reason, cancellationToken);
        if (!moved)
        {
            return;
        }

        CycleLog.Transition(logger, admitted.Name, admitted.State, move.To, move.Reason);
        if (JobStateMachine.IsFinal(move.To))
        {
            try
            {
                await pods.DeleteServiceAsync(admitted, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                CycleLog.UndoFailed(logger, ex, admitted.Name); // the orphan collection's Service sweep gets it later
            }
        }
    }
}
