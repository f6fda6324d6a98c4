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

    /// <summary>
    /// Test hook: how the pod goes wrong, one of <see cref="SimulatedFailures"/>. The environment variable
    /// <see cref="FailureEnv"/> of the first container (a job spec's <c>container.env</c> sets it) is the fallback. Only the
    /// simulated kubelet reads either; a real kubelet ignores them.
    /// </summary>
    public const string Failure = "gpu-scheduler.io/simulated-failure";

    /// <summary>The environment fallback of <see cref="Failure"/> (not under the reserved <c>SCHEDULER_</c> prefix, so a spec may set it).</summary>
    public const string FailureEnv = "SIMULATED_FAILURE";

    /// <summary>
    /// Images under this top-level domain (RFC 2606 reserves it: it never resolves) fail to pull, <c>ErrImagePull</c> then
    /// <c>ImagePullBackOff</c>, on the simulated kubelet as on a real one.
    /// </summary>
    public const string UnpullableImageDomain = ".invalid";

    /// <summary>Exit code of a trainer that committed a checkpoint after SIGTERM (DESIGN.md: requeue and resume).</summary>
    public const int CheckpointedExitCode = TrainerExitCodes.Checkpointed;
}

/// <summary>The values of <see cref="SimulatedPodAnnotations.Failure"/>, each the status a real kubelet writes for it.</summary>
public static class SimulatedFailures
{
    /// <summary>At the end of the runtime the container is killed for memory: Failed, exit 137, terminated reason <c>OOMKilled</c>.</summary>
    public const string OomKilled = "OOMKilled";

    /// <summary>At the end of the runtime the kubelet evicts the pod: Failed, reason <c>Evicted</c>, condition <c>DisruptionTarget</c>.</summary>
    public const string Evicted = "Evicted";

    /// <summary>The pod never starts: its container waits with <c>ErrImagePull</c>, then <c>ImagePullBackOff</c>.</summary>
    public const string ErrImagePull = "ErrImagePull";

    /// <summary>The pod never starts: its container waits with <c>CreateContainerConfigError</c> (a Secret it names is missing).</summary>
    public const string CreateContainerConfigError = "CreateContainerConfigError";
}
