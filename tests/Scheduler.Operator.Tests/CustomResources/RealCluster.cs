using k8s;
using k8s.Models;
using Scheduler.Kubernetes.Clients;
using Scheduler.Kubernetes.Crds;

namespace Scheduler.Operator.Tests.CustomResources;

/// <summary>
/// The cluster of <c>KUBECONFIG</c> for the E2E variants, only with <c>GPU_SCHEDULER_E2E=1</c> (docs/e2e.md): the CRDs
/// are installed (or updated) and each test gets a namespace of its own, deleted afterwards.
/// </summary>
internal static class RealCluster
{
    public static async Task<(IKubernetes Client, string Namespace)> ConnectAsync(CancellationToken cancellationToken)
    {
        var kubeconfig = Environment.GetEnvironmentVariable("KUBECONFIG");
        if (Environment.GetEnvironmentVariable("GPU_SCHEDULER_E2E") != "1" || string.IsNullOrEmpty(kubeconfig) || !File.Exists(kubeconfig))
        {
            Assert.Skip("E2E: set GPU_SCHEDULER_E2E=1 and KUBECONFIG to a disposable kind or k3d cluster (docs/e2e.md).");
        }

        var client = new k8s.Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig));
        await CustomResourceDefinitions.InstallAsync(client, cancellationToken);
        await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken); // let new CRDs become established
        var @namespace = $"gs-sync-{Guid.NewGuid():N}"[..20];
        await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = @namespace } }, cancellationToken: cancellationToken);
        return (client, @namespace);
    }

    /// <summary>
    /// Deletes the test's TrainingJobs while the sync still runs (it drops its finalizer), strips the finalizer from any
    /// left after 10 s, then deletes the test's GpuQueue and namespace.
    /// </summary>
    public static async Task CleanUpAsync(IKubernetes client, string @namespace, string queue)
    {
        var jobs = client.TrainingJobs();
        foreach (var job in (await jobs.ListAsync(@namespace)).Items)
        {
            await jobs.DeleteAsync(job.Metadata.Name, @namespace, CancellationToken.None);
        }

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while ((await jobs.ListAsync(@namespace)).Items is { Count: > 0 } left)
        {
            if (DateTime.UtcNow > deadline)
            {
                foreach (var job in left)
                {
                    var strip = new V1Patch(new { metadata = new { finalizers = Array.Empty<string>() } }, V1Patch.PatchType.MergePatch);
                    await jobs.PatchAsync(job.Metadata.Name, @namespace, strip, CancellationToken.None);
                }
            }

            await Task.Delay(200);
        }

        await client.GpuQueues().DeleteAsync(queue, null, CancellationToken.None);
        await client.CoreV1.DeleteNamespaceAsync(@namespace, cancellationToken: CancellationToken.None);
    }
}
