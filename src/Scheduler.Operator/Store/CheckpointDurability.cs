using Scheduler.Domain.Jobs;
using Scheduler.Domain.Specs;

namespace Scheduler.Operator.Store;

/// <summary>
/// Whether a job's checkpoints outlive its pods. Only a job that names <c>checkpoint.volume</c> (a PersistentVolumeClaim) keeps
/// them: without one the checkpoint directory is an <c>emptyDir</c>, deleted with the pod, so every new attempt (after a
/// preemption, a failure, a lost node) starts again from step 0. The operator says so in the requeue reason and prices it
/// so: such a job's earlier progress and checkpoint do not shorten its next attempt, and a fresh checkpoint does not make it
/// a cheaper preemption victim. See docs/scheduling.md "Checkpoints".
/// </summary>
public static class CheckpointDurability
{
    public static bool IsDurable(JobSpec spec) => !string.IsNullOrEmpty(spec?.Checkpoint?.Volume);

    /// <summary>
    /// The job as the scheduler should see it: a job without durable checkpoints has no checkpoint to resume from, and no
    /// progress to resume with unless its current attempt is running (its own telemetry).
    /// </summary>
    public static OperatorJob AsScheduled(OperatorJob job)
    {
        ArgumentNullException.ThrowIfNull(job);
        return IsDurable(job.Spec)
            ? job
            : job with
            {
                LastCheckpointStep = null,
                LastCheckpointAt = null,
                Progress = job.State == JobState.Running ? job.Progress : 0,
            };
    }

    /// <summary>What the next attempt starts from, for a requeue reason.</summary>
    public static string ResumesFrom(OperatorJob job)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (!IsDurable(job.Spec))
        {
            return "restarts from step 0 (no checkpoint.volume: its checkpoints were lost with its pods)";
        }

        return job.LastCheckpointStep is { } step
            ? $"resumes from checkpoint step {step.ToString(System.Globalization.CultureInfo.InvariantCulture)}"
            : "resumes from its last checkpoint";
    }
}
