using k8s;
using Scheduler.Kubernetes.Crds;

namespace Scheduler.Kubernetes.Tests.Scenarios;

/// <summary>
/// The shared scenarios against a real cluster (kind, k3d): opt in with <c>GPU_SCHEDULER_E2E=1</c> and <c>KUBECONFIG</c>
/// (docs/e2e.md). The CRDs are installed (or updated) first.
/// </summary>
[Trait("Category", "E2E")]
public sealed class RealClusterScenarios : ClusterScenarios
{
    protected override async Task<IKubernetes> ConnectAsync()
    {
        var kubeconfig = Environment.GetEnvironmentVariable("KUBECONFIG");
        if (Environment.GetEnvironmentVariable("GPU_SCHEDULER_E2E") != "1" || string.IsNullOrEmpty(kubeconfig) || !File.Exists(kubeconfig))
        {
            Assert.Skip("E2E: set GPU_SCHEDULER_E2E=1 and KUBECONFIG to a disposable kind or k3d cluster (docs/e2e.md).");
        }

        var client = new k8s.Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig));
        await CustomResourceDefinitions.InstallAsync(client, Ct);
        await Task.Delay(TimeSpan.FromSeconds(2), Ct); // let the new CRDs become established
        return client;
    }

    protected override Task DisconnectAsync() => Task.CompletedTask;
}
