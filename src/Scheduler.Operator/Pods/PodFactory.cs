using System.Globalization;
using k8s.Models;
using Scheduler.Application.Identity;
using Scheduler.Domain.Specs;

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

    public V1Service HeadlessService(JobWorkload job) => new()
    {
        Metadata = Metadata(job, WorkloadNames.Service(job.Name, job.JobId)),
        Spec = new V1ServiceSpec
        {
            ClusterIP = "None",
            Selector = new Dictionary<string, string> { [WorkloadLabels.JobId] = job.JobId.ToString() },
            Ports = [new V1ServicePort { Name = "rendezvous", Port = options.MasterPort }],
            PublishNotReadyAddresses = true,
        },
    };

    public IReadOnlyList<V1Pod> Pods(JobWorkload job) => job.Pods.Select(p => Pod(job, p)).ToList();

    public V1Pod Pod(JobWorkload job, Core.Decisions.PodPlacement placement)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(placement);
        var name = WorkloadNames.Pod(job.Name, job.JobId, job.Attempt, placement.Rank);
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
        var service = WorkloadNames.Service(job.Name, job.JobId);
        return new V1Pod
        {
            Metadata = metadata,
            Spec = new V1PodSpec
            {
                SchedulerName = options.SchedulerName,
                RestartPolicy = "Never",
                Hostname = name,
                Subdomain = service,
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
                    },
                ],
                Volumes = Volumes(job),
            },
        };
    }

    private List<V1EnvVar> Environment(JobWorkload job, Core.Decisions.PodPlacement placement, string service)
    {
        var rank0 = WorkloadNames.Pod(job.Name, job.JobId, job.Attempt, 0);
        var env = new List<V1EnvVar>
        {
            new V1EnvVar { Name = "SCHEDULER_JOB_ID", Value = job.JobId.ToString() },
            new V1EnvVar { Name = "SCHEDULER_SPEC", Value = $"{options.SpecMountPath}/{SpecFile}" },
            new V1EnvVar { Name = "SCHEDULER_TELEMETRY_URL", Value = $"{options.ControlPlaneUrl().TrimEnd('/')}/api/v1/jobs/{job.JobId}/telemetry" },
            new V1EnvVar { Name = "SCHEDULER_CHECKPOINT_DIR", Value = options.CheckpointMountPath },
            new V1EnvVar { Name = "WORLD_SIZE", Value = job.Pods.Count.ToString(CultureInfo.InvariantCulture) },
            new V1EnvVar { Name = "RANK", Value = placement.Rank.ToString(CultureInfo.InvariantCulture) },
            new V1EnvVar { Name = "MASTER_ADDR", Value = $"{rank0}.{service}.{job.Namespace}.svc" },
            new V1EnvVar { Name = "MASTER_PORT", Value = options.MasterPort.ToString(CultureInfo.InvariantCulture) },
        };
        if (tokens is not null)
        {
            env.Add(new V1EnvVar { Name = "SCHEDULER_TELEMETRY_TOKEN", Value = tokens.Issue(job.JobId, job.Attempt) });
        }

        foreach (var (key, value) in job.Spec.Container?.Env ?? new Dictionary<string, string>())
        {
            env.Add(new V1EnvVar { Name = key, Value = value });
        }

        return env;
    }

    private V1ResourceRequirements Resources(JobWorkload job, Core.Decisions.PodPlacement placement)
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

    private List<V1VolumeMount> Mounts(JobWorkload job)
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

    private static List<V1Volume> Volumes(JobWorkload job)
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

    private static V1ObjectMeta Metadata(JobWorkload job, string name) => new()
    {
        Name = name,
        NamespaceProperty = job.Namespace,
        Labels = new Dictionary<string, string>
        {
            [WorkloadLabels.ManagedByKey] = WorkloadLabels.ManagedBy,
            [WorkloadLabels.JobId] = job.JobId.ToString(),
            [WorkloadLabels.JobName] = job.Name,
            [WorkloadLabels.Queue] = job.Queue,
        },
    };
}
