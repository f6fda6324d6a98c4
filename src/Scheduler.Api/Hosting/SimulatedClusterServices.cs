using k8s;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Scheduler.Domain.Catalog;
using Scheduler.Domain.Queues;
using Scheduler.Operator.Hosting;

namespace Scheduler.Api.Hosting;

internal static class SimulatedClusterServices
{
    /// <summary>
    /// In Simulated mode (<see cref="OperatorServices.ResolveMode"/>: <c>make run</c> without a cluster), the embedded simulated
    /// cluster and the <see cref="IKubernetes"/> client for it, which the operator then uses. Any other mode: nothing. The
    /// production operator does not carry the simulation; this host (and the tests) bring it.
    /// </summary>
    public static IHostApplicationBuilder AddSimulatedCluster(this IHostApplicationBuilder builder)
    {
        if (OperatorServices.ResolveMode(builder.Configuration) != KubernetesMode.Simulated)
        {
            return builder;
        }

        var kubernetes = OperatorServices.ReadSettings(builder.Configuration).Kubernetes;
        var dataDir = builder.Configuration["Scheduler:DataDir"] ?? ".data";
        var kubeconfig = Path.Combine(dataDir, "kubeconfig");
        var processes = SimulatedClusterRuntime.ProcessRuntime(kubernetes, dataDir);
        builder.Services.TryAddSingleton(provider => new SimulatedClusterRuntime(
            kubernetes.Simulated, processes, kubeconfig, provider.GetRequiredService<GpuCatalog>(), provider.GetRequiredService<PriorityClasses>(),
            provider.GetRequiredService<TimeProvider>(), provider.GetRequiredService<ILogger<SimulatedClusterRuntime>>()));
        builder.Services.TryAddSingleton(provider => provider.GetRequiredService<SimulatedClusterRuntime>().Cluster.CreateClient());
        return builder;
    }
}
