using Scheduler.Operator.Pods;

namespace Scheduler.Operator.Hosting;

/// <summary>Configuration section <c>Scheduler:Kubernetes</c> (the chart's configmap writes it; durations are <c>[d.]hh:mm:ss</c>).</summary>
public sealed class KubernetesOptions
{
    public const string Section = "Scheduler:Kubernetes";

    /// <summary>Unset: <see cref="KubernetesMode.Kubeconfig"/> when <c>KUBECONFIG</c> is set, else <see cref="KubernetesMode.Simulated"/>.</summary>
    public KubernetesMode? Mode { get; set; }

    public string? Kubeconfig { get; set; }

    public string SchedulerName { get; set; } = "gpu-scheduler";

    public string TrainerImage { get; set; } = "ghcr.io/gpu-scheduler/trainer:0.1.0";

    /// <summary>Base URL pods post telemetry to; unset in Simulated mode: the control plane's own listening address.</summary>
    public string? TelemetryUrl { get; set; }

    /// <summary>Namespace of REST-submitted jobs' pods.</summary>
    public string DefaultNamespace { get; set; } = "default";

    public NodeLabelOptions NodeLabels { get; set; } = new();

    /// <summary>
    /// Tolerations of every job's pods, which placement honours against node taints; unset or empty: <see cref="TolerationSetting.Default"/>
    /// (the <c>nvidia.com/gpu:NoSchedule</c> taint of GPU node pools). A list given replaces the default.
    /// </summary>
    public List<TolerationSetting>? Tolerations { get; set; }

    public LeaderElectionSettings LeaderElection { get; set; } = new();

    /// <summary>Per-call timeout and bounded retries of transient failures (<c>Scheduler:Kubernetes:Requests</c>); watches are exempt.</summary>
    public Scheduler.Kubernetes.Clients.ApiRequestOptions Requests { get; set; } = new();

    /// <summary>
    /// The operator's client-side limit on pod, binding and Service calls per second (kube-scheduler's <c>--kube-api-qps</c>,
    /// whose default is 50); <see cref="ApiBurst"/> calls may go at once. 0 turns the limit off.
    /// </summary>
    public double ApiQps { get; set; } = 1000;

    public int ApiBurst { get; set; } = 2000;

    /// <summary>How many placed jobs have their Service, pods and bindings created at once in a cycle.</summary>
    public int ApiParallelism { get; set; } = 32;

    /// <summary>
    /// Whether the next cycle starts while the previous cycle's pods are being created (<c>PodCreationPipeline</c>); false waits
    /// for them within the cycle.
    /// </summary>
    public bool PipelinePodCreation { get; set; } = true;

    public SimulatedClusterSettings Simulated { get; set; } = new();
}

public sealed class NodeLabelOptions
{
    /// <summary>Node label naming the GPU model (the NVIDIA GPU feature discovery's, by default).</summary>
    public string GpuProduct { get; set; } = WorkloadLabels.GpuProductLabel;

    /// <summary>Extra product label value → catalog type name, for products the catalog does not list.</summary>
    public Dictionary<string, string> ProductMapping { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Extended resource counting a node's whole GPUs; pods request whole GPUs as this resource too.</summary>
    public string GpuResource { get; set; } = WorkloadLabels.GpuResource;

    /// <summary>Node labels naming a node's zone, block (spine), rack (leaf switch) and NVLink clique; empty: the level is not read.</summary>
    public string Zone { get; set; } = Inventory.TopologyLabels.DefaultZone;

    public string Block { get; set; } = Inventory.TopologyLabels.DefaultBlock;

    public string Rack { get; set; } = Inventory.TopologyLabels.DefaultRack;

    public string Clique { get; set; } = Inventory.TopologyLabels.DefaultClique;

    public Inventory.TopologyLabels Topology() => new(Zone, Block, Rack, Clique);
}

public sealed class LeaderElectionSettings
{
    public string LeaseName { get; set; } = "gpu-scheduler-operator";

    public string Namespace { get; set; } = "default";

    /// <summary>This replica's identity; the pod name (<c>HOSTNAME</c>) plus a random suffix when empty.</summary>
    public string? Identity { get; set; }

    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(15);

    public TimeSpan RenewDeadline { get; set; } = TimeSpan.FromSeconds(10);

    public TimeSpan RetryPeriod { get; set; } = TimeSpan.FromSeconds(2);
}

/// <summary>The embedded cluster of Simulated mode (<c>Scheduler:Kubernetes:Simulated</c>).</summary>
public sealed class SimulatedClusterSettings
{
    /// <summary>GPU type → node count; default 4 × H100-SXM and 4 × A100-80GB nodes.</summary>
    public Dictionary<string, int> Nodes { get; set; } = new(StringComparer.Ordinal);

    public int GpusPerNode { get; set; } = 8;

    /// <summary>Nodes labelled with one rack (<c>topology.gpu-scheduler.io/rack</c>), and racks with one block (<c>…/block</c>).</summary>
    public int NodesPerRack { get; set; } = 2;

    public int RacksPerBlock { get; set; } = 2;

    /// <summary>Simulated seconds per real second.</summary>
    public double ClockSpeed { get; set; } = 1.0;

    /// <summary>What runs pods of the bundled trainer image: the fast simulated trainer (default) or real local trainer processes.</summary>
    public SimulatedRuntime Runtime { get; set; } = SimulatedRuntime.Simulated;

    /// <summary>
    /// The built trainer the <see cref="SimulatedRuntime.Process"/> runtime starts (<c>Scheduler.Trainer.dll</c> or a self-contained
    /// executable); unset: <c>Scheduler.Trainer.dll</c> next to the host's own assemblies.
    /// </summary>
    public string? TrainerPath { get; set; }
}

/// <summary>Runtimes of the simulated cluster's kubelet (<c>Scheduler:Kubernetes:Simulated:Runtime</c>, <c>make run SIM_RUNTIME=process</c>).</summary>
public enum SimulatedRuntime
{
    /// <summary>Pods only pretend to train: runtime from the estimate, synthetic telemetry, on the simulated clock.</summary>
    Simulated,

    /// <summary>Pods of the bundled trainer image run the real trainer on the CPU, in real time (tiny models only).</summary>
    Process,
}
