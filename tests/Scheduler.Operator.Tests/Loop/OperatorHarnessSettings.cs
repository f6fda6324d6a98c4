using k8s;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Scheduler.Application;
using Scheduler.Kubernetes.Watching;
using Scheduler.Operator.Hosting;

namespace Scheduler.Operator.Tests.Loop;

/// <summary>
/// An operator host like <see cref="OperatorHarness.StartOperatorAsync"/>'s, with settings of the test's own on top (the node
/// not-ready grace, the orphan collection's intervals). The caller disposes the instance.
/// </summary>
internal static class OperatorHarnessSettings
{
    public static async Task<OperatorInstance> StartOperatorAsync(this OperatorHarness harness, string identity, IReadOnlyDictionary<string, string?> settings)
    {
        ArgumentNullException.ThrowIfNull(harness);
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Scheduler"] = harness.Database.ConnectionString,
            ["Scheduler:Intervals:SchedulingCycle"] = "00:00:00.2",
            ["Scheduler:Intervals:CycleDebounce"] = "00:00:00.02",
            ["Scheduler:Kubernetes:DefaultNamespace"] = "training",
            ["Scheduler:Kubernetes:LeaderElection:Identity"] = identity,
            ["Scheduler:Kubernetes:LeaderElection:LeaseDuration"] = "00:00:01.5",
            ["Scheduler:Kubernetes:LeaderElection:RenewDeadline"] = "00:00:01",
            ["Scheduler:Kubernetes:LeaderElection:RetryPeriod"] = "00:00:00.2",
            ["Scheduler:Policy:BackoffLimit"] = harness.BackoffLimit.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Scheduler:Policy:PreemptionGracePeriodSeconds"] = "5",
        });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddApplicationServices();
        builder.Services.AddSingleton(Prometheus.Metrics.NewCustomRegistry());
        builder.Services.AddSingleton(new ResourceWatcherOptions { InitialBackoff = TimeSpan.FromMilliseconds(50), MaxBackoff = TimeSpan.FromSeconds(1) });
        builder.Services.AddSingleton<IKubernetes>(harness.Cluster.CreateClient());
        builder.AddOperatorLoop(OperatorServices.ReadSettings(builder.Configuration), KubernetesMode.Simulated);
        var host = builder.Build();
        await host.StartAsync();
        return new OperatorInstance(identity, host);
    }
}
