using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Scheduler.Operator.CustomResources;

public static class CustomResourceSyncServices
{
    /// <summary>
    /// Keeps TrainingJobs and GpuQueues in step with PostgreSQL through the application's commands: each TrainingJob
    /// becomes a job (and deleting it cancels the job), each GpuQueue a queue, and both get their status written back.
    /// Needs <see cref="k8s.IKubernetes"/> and the application services in the container.
    /// </summary>
    public static IServiceCollection AddCustomResourceSync(this IServiceCollection services, CustomResourceSyncOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(options ?? new CustomResourceSyncOptions());
        services.AddHostedService<TrainingJobSync>();
        services.AddHostedService<GpuQueueSync>();
        return services;
    }
}
