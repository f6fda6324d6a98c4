using System.Globalization;
using k8s.Models;
using Scheduler.Application.Identity;
using Scheduler.Domain.Jobs;
using Scheduler.Domain.Specs;
using Scheduler.Domain.Workloads;
using Scheduler.Operator.Cycle;
using Scheduler.Operator.Store;

namespace Scheduler.Operator.Pods;

/// <summary>
/// Turns a placed job into Kubernetes objects: a headless Service for rank 0's address and one pod per rank with our scheduler
/// name, GPU requests, the distributed-training environment and the checkpoint volume. The spec travels in a pod annotation
/// that a downward-API volume mounts as a file (<c>SCHEDULER_SPEC</c>), so no ConfigMap (and no ConfigMap permission) is needed.
/// Pure: no API calls. With <paramref name="tokens"/>, each attempt's pods get its telemetry credential (<c>SCHEDULER_TELEMETRY_TOKEN</c>).
/// </summary>
public sealed class PodFactory(WorkloadOptions options, JobTokens? tokens = null)
{
    private const string SpecFile = "spec.json";

    /// <summary>
    /// Whether the job gets the headless Service (rank 0's DNS name for the other ranks): only a job of several pods needs one.
    /// A single-pod job rendezvouses with itself on 127.0.0.1, so its placement costs one API call instead of two.
    /// </summary>
    public static bool NeedsService(OperatorJob job)
    {
        ArgumentNullException.ThrowIfNull(job);
        return GangShape.Of(job.Spec).Pods > 1;
    }

    public V1Service HeadlessService(OperatorJob job) => new()
    {
        Metadata = Metadata(job, WorkloadNames.Service(job.Name, job.Id)),
        Spec = new V1ServiceSpec
        {
            ClusterIP = "None",
            Selector = new Dictionary<string, string> { [WorkloadLabels.JobId] = job.Id.ToString() },
            Ports = [new V1ServicePort { Name = "rendezvous", Port = options.MasterPort }],
            PublishNotReadyAddresses = true,
        },
    };

    /// <summary>The pod of one rank of the job's placement.</summary>
    public V1Pod Pod(OperatorJob job, JobPodPlacement placement)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(placement);
        var name = WorkloadNames.Pod(job.Name, job.Id, job.Attempt, placement.Rank);
        var metadata = Metadata(job, name);
        metadata.Labels[WorkloadLabels.Attempt] = job.Attempt.ToString(CultureInfo.InvariantCulture);
        metadata.Labels[WorkloadLabels.Rank] = placement.Rank.ToString(CultureInfo.InvariantCulture);
        metadata.Annotations = new Dictionary<string, string>
        {
            [WorkloadLabels.GpuIndices] = string.Join(',', placement.GpuIndices),
            [WorkloadLabels.GpuMilli] = placement.GpuMilli.ToString(CultureInfo.InvariantCulture),
            [WorkloadLabels.Spec] = JobSpecJson.Serialize(job.Spec),
        };
        if (job.PredictedRuntime is { } runtime)
        {
            // What is left of the prediction: a resumed attempt starts from its checkpoint.
            var left = runtime * (1 - Math.Clamp(job.Progress, 0, 1));
            metadata.Annotations[WorkloadLabels.PredictedRuntimeSeconds] = ((long)Math.Ceiling(left.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        }

        var container = job.Spec.Container;
        var service = WorkloadNames.Service(job.Name, job.Id);
        return new V1Pod
        {
            Metadata = metadata,
            Spec = new V1PodSpec
            {
                SchedulerName = options.SchedulerName,
                RestartPolicy = "Never",
                // The restricted Pod Security Standard, whatever the spec asks (it has no field to ask otherwise): docs/security.md.
                ServiceAccountName = options.Security.ServiceAccountFor(job.Queue, options.JobNamespace is null || options.JobNamespace == job.Namespace),
                AutomountServiceAccountToken = false,
                SecurityContext = new V1PodSecurityContext
                {
                    RunAsNonRoot = true,
                    RunAsUser = options.Security.RunAsUser,
                    RunAsGroup = options.Security.RunAsGroup,
                    FsGroup = options.Security.FsGroup,
                    SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" },
                },
                Hostname = name,
                Subdomain = NeedsService(job) ? service : null,
                TerminationGracePeriodSeconds = options.TerminationGracePeriodSeconds,
                Tolerations = options.Tolerations.Count == 0 ? null : options.Tolerations.ToList(),
                Containers =
                [
                    new V1Container
                    {
                        Name = "trainer",
                        Image = container?.Image ?? options.TrainerImage,
                        Command = container?.Command?.ToList(),
                        Args = container?.Args?.ToList(),
                        Env = Environment(job, placement, service),
                        Resources = Resources(job, placement),
                        VolumeMounts = Mounts(job),
                        SecurityContext = new V1SecurityContext
                        {
                            AllowPrivilegeEscalation = false,
                            Privileged = false,
                            RunAsNonRoot = true,
                            Capabilities = new V1Capabilities { Drop = ["ALL"] },
                            SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" },
                        },
                    },
                ],
                Volumes = Volumes(job),
            },
        };
    }

    private List<V1EnvVar> Environment(OperatorJob job, JobPodPlacement placement, string service)
    {
        var rank0 = WorkloadNames.Pod(job.Name, job.Id, job.Attempt, 0);
        var env = new List<V1EnvVar>
        {
            new V1EnvVar { Name = TrainerEnvironment.JobId, Value = job.Id.ToString() },
            new V1EnvVar { Name = TrainerEnvironment.Spec, Value = $"{options.SpecMountPath}/{SpecFile}" },
            new V1EnvVar { Name = TrainerEnvironment.TelemetryUrl, Value = options.ControlPlaneUrl().TrimEnd('/') + TrainerEnvironment.TelemetryPath(job.Id) },
            new V1EnvVar { Name = TrainerEnvironment.CheckpointDir, Value = options.CheckpointMountPath },
            new V1EnvVar { Name = TrainerEnvironment.WorldSize, Value = (job.Placement?.Count ?? 1).ToString(CultureInfo.InvariantCulture) },
            new V1EnvVar { Name = TrainerEnvironment.Rank, Value = placement.Rank.ToString(CultureInfo.InvariantCulture) },
            new V1EnvVar { Name = TrainerEnvironment.MasterAddr, Value = NeedsService(job) ? $"{rank0}.{service}.{job.Namespace}.svc" : "127.0.0.1" },
            new V1EnvVar { Name = TrainerEnvironment.MasterPort, Value = options.MasterPort.ToString(CultureInfo.InvariantCulture) },
        };
        if (job.ArrayIndex is { } index)
        {
            env.Add(new V1EnvVar { Name = TrainerEnvironment.ArrayIndex, Value = index.ToString(CultureInfo.InvariantCulture) });
        }

        if (tokens is not null)
        {
            env.Add(new V1EnvVar { Name = TrainerEnvironment.TelemetryToken, Value = tokens.Issue(job.Id.Value, job.Attempt) });
        }

        foreach (var (key, value) in job.Spec.Container?.Env ?? new Dictionary<string, string>())
        {
            env.Add(new V1EnvVar { Name = key, Value = value });
        }

        return env;
    }

    private V1ResourceRequirements Resources(OperatorJob job, JobPodPlacement placement)
    {
        var requests = new Dictionary<string, ResourceQuantity>();
        var limits = new Dictionary<string, ResourceQuantity>();
        // A fractional GPU is shared through the annotation (a sharing device plugin honours it); whole GPUs are requested as such.
        if (placement.GpuMilli >= 1000)
        {
            var gpus = new ResourceQuantity(placement.GpuIndices.Count.ToString(CultureInfo.InvariantCulture));
            requests[options.GpuResource] = gpus;
            limits[options.GpuResource] = gpus;
        }

        if (job.Spec.Container?.Cpu is { } cpu)
        {
            requests["cpu"] = new ResourceQuantity(cpu);
        }

        if (job.Spec.Container?.Memory is { } memory)
        {
            requests["memory"] = new ResourceQuantity(memory);
            limits["memory"] = new ResourceQuantity(memory);
        }

        return new V1ResourceRequirements { Requests = requests, Limits = limits };
    }

    private List<V1VolumeMount> Mounts(OperatorJob job)
    {
        var mounts = new List<V1VolumeMount>
        {
            new() { Name = "spec", MountPath = options.SpecMountPath, ReadOnlyProperty = true },
            new() { Name = "checkpoints", MountPath = options.CheckpointMountPath },
            new() { Name = "shm", MountPath = "/dev/shm" },
        };
        mounts.AddRange((job.Spec.Container?.Volumes ?? []).Select(v => new V1VolumeMount
        {
            Name = v.Name, MountPath = v.MountPath, ReadOnlyProperty = v.ReadOnly ?? false,
        }));
        return mounts;
    }

    private static List<V1Volume> Volumes(OperatorJob job)
    {
        var checkpoint = job.Spec.Checkpoint?.Volume;
        var shm = job.Spec.Container?.ShmSize;
        var volumes = new List<V1Volume>
        {
            new()
            {
                Name = "spec",
                DownwardAPI = new V1DownwardAPIVolumeSource
                {
                    Items = [new V1DownwardAPIVolumeFile { Path = SpecFile, FieldRef = new V1ObjectFieldSelector { FieldPath = $"metadata.annotations['{WorkloadLabels.Spec}']" } }],
                },
            },
            checkpoint is null
                ? new V1Volume { Name = "checkpoints", EmptyDir = new V1EmptyDirVolumeSource() }
                : new V1Volume { Name = "checkpoints", PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = checkpoint } },
            new()
            {
                Name = "shm",
                EmptyDir = new V1EmptyDirVolumeSource { Medium = "Memory", SizeLimit = shm is null ? null : new ResourceQuantity(shm) },
            },
        };
        volumes.AddRange((job.Spec.Container?.Volumes ?? []).Select(v => new V1Volume
        {
            Name = v.Name,
            PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = v.ClaimName, ReadOnlyProperty = v.ReadOnly ?? false },
        }));
        return volumes;
    }

    private static V1ObjectMeta Metadata(OperatorJob job, string name) => new()
    {
        Name = name,
        NamespaceProperty = job.Namespace,
        Labels = new Dictionary<string, string>
        {
            [WorkloadLabels.ManagedByKey] = WorkloadLabels.ManagedBy,
            [WorkloadLabels.JobId] = job.Id.ToString(),
            [WorkloadLabels.JobName] = job.Name,
            [WorkloadLabels.Queue] = job.Queue,
        },
    };
}
