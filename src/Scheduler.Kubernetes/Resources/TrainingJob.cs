using k8s;
using k8s.Models;
using Scheduler.Domain.Specs;

namespace Scheduler.Kubernetes.Resources;

/// <summary>
/// A training job as a namespaced custom resource. <see cref="Spec"/> is the job spec of the REST API with
/// <see cref="JobSpec.Name"/> left out: the job's name is <c>metadata.name</c> (see <see cref="ToJobSpec"/>).
/// </summary>
[KubernetesEntity(Group = GpuSchedulerApi.Group, ApiVersion = GpuSchedulerApi.Version, Kind = GpuSchedulerApi.TrainingJobKind, PluralName = GpuSchedulerApi.TrainingJobPlural)]
public sealed class TrainingJob() : CustomResource<JobSpec, TrainingJobStatus>(GpuSchedulerApi.TrainingJobKind)
{
    /// <summary>The spec as REST and the validator see it: <c>name</c> taken from <c>metadata.name</c>.</summary>
    public JobSpec ToJobSpec() => Spec with { Name = Metadata.Name };

    /// <summary>A resource for <paramref name="spec"/>; its name moves to <c>metadata.name</c>.</summary>
    public static TrainingJob From(JobSpec spec, string @namespace)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return new TrainingJob
        {
            Metadata = new V1ObjectMeta { Name = spec.Name, NamespaceProperty = @namespace },
            Spec = spec with { Name = null },
        };
    }
}

public sealed class TrainingJobList() : CustomResourceList<TrainingJob>(GpuSchedulerApi.TrainingJobKind + "List");
