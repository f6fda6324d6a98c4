using k8s;
using k8s.Models;
using Scheduler.Domain.Specs;

namespace Scheduler.Kubernetes.Resources;

/// <summary>
/// A training job as a namespaced custom resource. <see cref="Spec"/> is the job spec of the REST API with
/// <see cref="JobSpec.Name"/> left out: the job's name is <c>metadata.name</c> (see <see cref="ToJobSpec"/>).
/// </summary>
[KubernetesEntity(Group = GpuSchedulerApi.Group, ApiVersion = GpuSchedulerApi.Version, Kind = GpuSchedulerApi.TrainingJobKind, PluralName = GpuSchedulerApi.TrainingJobPlural)]
public sealed class TrainingJob : IKubernetesObject<V1ObjectMeta>, ISpec<JobSpec>, IStatus<TrainingJobStatus?>
{
    public string ApiVersion { get; set; } = GpuSchedulerApi.ApiVersion;

    public string Kind { get; set; } = GpuSchedulerApi.TrainingJobKind;

    public V1ObjectMeta Metadata { get; set; } = new();

    public JobSpec Spec { get; set; } = new();

    public TrainingJobStatus? Status { get; set; }

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

public sealed class TrainingJobList : IKubernetesObject<V1ListMeta>, IItems<TrainingJob>
{
    public string ApiVersion { get; set; } = GpuSchedulerApi.ApiVersion;

    public string Kind { get; set; } = GpuSchedulerApi.TrainingJobKind + "List";

    public V1ListMeta Metadata { get; set; } = new();

    public IList<TrainingJob> Items { get; set; } = [];
}
