using k8s;
using k8s.Models;

namespace Scheduler.Kubernetes.Resources;

/// <summary>The envelope every custom resource of ours shares (KubeOps' <c>CustomKubernetesEntity</c> in spirit).</summary>
public abstract class CustomResource<TSpec, TStatus> : IKubernetesObject<V1ObjectMeta>, ISpec<TSpec>, IStatus<TStatus?>
    where TSpec : new()
    where TStatus : class
{
    protected CustomResource(string kind) => Kind = kind;

    public string ApiVersion { get; set; } = GpuSchedulerApi.ApiVersion;

    public string Kind { get; set; }

    public V1ObjectMeta Metadata { get; set; } = new();

    public TSpec Spec { get; set; } = new();

    public TStatus? Status { get; set; }
}

/// <summary>A list of custom resources as the API answers it.</summary>
public abstract class CustomResourceList<T> : IKubernetesObject<V1ListMeta>, IItems<T>
{
    protected CustomResourceList(string kind) => Kind = kind;

    public string ApiVersion { get; set; } = GpuSchedulerApi.ApiVersion;

    public string Kind { get; set; }

    public V1ListMeta Metadata { get; set; } = new();

    public IList<T> Items { get; set; } = [];
}
