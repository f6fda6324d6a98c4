using Scheduler.Domain.Workloads;

namespace Scheduler.Simulation.Cluster;

/// <summary>Pod annotations the simulated kubelet reads (the operator sets them from the estimate and the job's progress).</summary>
public static class SimulatedPodAnnotations
{
    /// <summary>Simulated runtime until the pod exits: an ISO-8601 duration (<c>PT2H</c>) or seconds (<c>7200</c>). The environment
    /// variable <see cref="RuntimeEnv"/> of the first container is the fallback, then the cluster's default.</summary>
    public const string Runtime = "gpu-scheduler.io/simulated-runtime";

    /// <summary>Exit code at the end of the runtime (default 0): 1 simulates a retryable crash, 64 an invalid spec.</summary>
    public const string ExitCode = "gpu-scheduler.io/simulated-exit-code";

    /// <summary>Optimizer steps the job has in total and the step this pod resumes from (telemetry only).</summary>
    public const string TotalSteps = "gpu-scheduler.io/total-steps";

    public const string StartStep = "gpu-scheduler.io/start-step";

    /// <summary>Steps between checkpoints (default 500), for <c>lastCheckpointStep</c>.</summary>
    public const string CheckpointInterval = "gpu-scheduler.io/checkpoint-interval";

    public const string RuntimeEnv = "SCHEDULER_SIMULATED_RUNTIME";

    /// <summary>Exit code of a trainer that committed a checkpoint after SIGTERM (DESIGN.md: requeue and resume).</summary>
    public const int CheckpointedExitCode = TrainerExitCodes.Checkpointed;
}
