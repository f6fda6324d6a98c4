using k8s;
using Scheduler.Kubernetes.Resources;

namespace Scheduler.Kubernetes.Clients;

/// <summary>Typed clients for our two custom resources.</summary>
public static class GpuSchedulerClients
{
    public static CustomResourceClient<TrainingJob, TrainingJobList> TrainingJobs(this IKubernetes client) =>
        new(client, GpuSchedulerApi.Group, GpuSchedulerApi.Version, GpuSchedulerApi.TrainingJobPlural, namespaced: true);

    public static CustomResourceClient<GpuQueue, GpuQueueList> GpuQueues(this IKubernetes client) =>
        new(client, GpuSchedulerApi.Group, GpuSchedulerApi.Version, GpuSchedulerApi.GpuQueuePlural, namespaced: false);
}
