using k8s.Models;
using Scheduler.Domain.Jobs;

namespace Scheduler.Operator.Pods;

/// <summary>How job pods are materialised (configuration section <c>Scheduler:Workload</c>).</summary>
public sealed record WorkloadOptions
{
    /// <summary>The bundled trainer image, used when a spec names no image.</summary>
    public string TrainerImage { get; init; } = "ghcr.io/gpu-scheduler/trainer:0.1.0";

    /// <summary>Base URL pods use to reach the control plane (telemetry); resolved when a pod is made (Simulated mode knows it only once the host listens).</summary>
    public Func<string> ControlPlaneUrl { get; init; } = () => "http://gpu-scheduler.gpu-scheduler.svc:8080";

    /// <summary><c>spec.schedulerName</c> of every pod we create.</summary>
    public string SchedulerName { get; init; } = "gpu-scheduler";

    public int MasterPort { get; init; } = 29500;

    /// <summary>Seconds a preempted pod gets between SIGTERM and SIGKILL to commit its checkpoint.</summary>
    public long TerminationGracePeriodSeconds { get; init; } = 120;

    public string CheckpointMountPath { get; init; } = "/checkpoints";

    public string SpecMountPath { get; init; } = "/etc/gpu-scheduler";

    /// <summary>The extended resource whole GPUs are requested as.</summary>
    public string GpuResource { get; init; } = WorkloadLabels.GpuResource;

    /// <summary>The non-root user, ServiceAccount and claims of job pods (configuration section <c>Scheduler:JobPods</c>).</summary>
    public JobPodPolicy Security { get; init; } = new();

    /// <summary>Namespace of REST jobs' pods, where <see cref="JobPodPolicy.ServiceAccount"/> exists; null: every namespace has it.</summary>
    public string? JobNamespace { get; init; }

    /// <summary>Tolerations every pod carries (the GPU nodes' taints placement let the job onto).</summary>
    public IReadOnlyList<V1Toleration> Tolerations { get; init; } = [];
}
