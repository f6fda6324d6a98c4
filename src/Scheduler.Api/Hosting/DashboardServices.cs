using k8s;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Scheduler.Admission;
using Scheduler.Application.Dashboard;
using Scheduler.Domain.Catalog;
using Scheduler.Operator.Hosting;
using Scheduler.Operator.Inventory;
using Scheduler.Operator.Metrics;

namespace Scheduler.Api.Hosting;

internal static class DashboardServices
{
    /// <summary>
    /// The read side of <c>/ui</c> and <c>/metrics</c>: estimates priced on read, the cluster from the Kubernetes API when
    /// an <see cref="IKubernetes"/> is registered (else an empty cluster), and the metrics registry.
    /// </summary>
    public static IHostApplicationBuilder AddDashboardServices(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        var kubernetesOptions = builder.Configuration.GetSection(KubernetesOptions.Section).Get<KubernetesOptions>();
        var tolerations = TolerationSetting.Resolve(kubernetesOptions?.Tolerations);
        services.TryAddSingleton(provider => new Estimator(provider.GetRequiredService<GpuCatalog>()));
        services.TryAddSingleton<JobEstimates>();
        services.TryAddSingleton<IClusterView>(provider => provider.GetService<IKubernetes>() is { } kubernetes
            ? new KubernetesClusterView(kubernetes, provider.GetRequiredService<GpuCatalog>(), kubernetesOptions?.NodeLabels, tolerations)
            : new EmptyClusterView());
        services.AddSchedulerMetrics();
        return builder;
    }
}
