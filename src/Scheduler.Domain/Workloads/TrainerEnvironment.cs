namespace Scheduler.Domain.Workloads;

/// <summary>
/// The environment every job pod gets, the pod ↔ trainer contract (docs/trainer.md): the pod factory sets these, the bundled
/// trainer and the simulated kubelet read them. A user's own image reads the same variables.
/// </summary>
public static class TrainerEnvironment
{
    /// <summary>The job's id (a Guid's text).</summary>
    public const string JobId = "SCHEDULER_JOB_ID";

    /// <summary>Path of the mounted, normalised spec JSON.</summary>
    public const string Spec = "SCHEDULER_SPEC";

    /// <summary>Where telemetry samples are posted (<see cref="TelemetrySample"/>): the control plane's <c>/api/v1/jobs/{id}/telemetry</c>.</summary>
    public const string TelemetryUrl = "SCHEDULER_TELEMETRY_URL";

    /// <summary>The attempt's own credential, sent as a bearer token with telemetry.</summary>
    public const string TelemetryToken = "SCHEDULER_TELEMETRY_TOKEN";

    /// <summary>The checkpoint directory (the job's volume, or an emptyDir).</summary>
    public const string CheckpointDir = "SCHEDULER_CHECKPOINT_DIR";

    /// <summary>The task's index within an array job.</summary>
    public const string ArrayIndex = "SCHEDULER_ARRAY_INDEX";

    /// <summary>Pods in the gang (torch.distributed's name).</summary>
    public const string WorldSize = "WORLD_SIZE";

    /// <summary>This pod's rank, 0 to <see cref="WorldSize"/> − 1.</summary>
    public const string Rank = "RANK";

    /// <summary>Rank 0's stable DNS name (the job's headless Service).</summary>
    public const string MasterAddr = "MASTER_ADDR";

    public const string MasterPort = "MASTER_PORT";

    /// <summary>The telemetry path of a job on the control plane.</summary>
    public static string TelemetryPath(Jobs.JobId jobId) => $"/api/v1/jobs/{jobId}/telemetry";
}
