using System.Reflection;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Scheduler.Kubernetes.Crds;

/// <summary>The CRD manifests of the chart (embedded at build time), parsed with the client's YAML reader.</summary>
public static class CustomResourceDefinitions
{
    public const string TrainingJobsFile = "trainingjobs.yaml";
    public const string GpuQueuesFile = "gpuqueues.yaml";

    private static readonly Lazy<V1CustomResourceDefinition> LazyTrainingJobs = new(() => Parse(ReadYaml(TrainingJobsFile)));
    private static readonly Lazy<V1CustomResourceDefinition> LazyGpuQueues = new(() => Parse(ReadYaml(GpuQueuesFile)));

    /// <summary>A fresh copy each time: callers may change it.</summary>
    public static V1CustomResourceDefinition TrainingJobs => Parse(ReadYaml(TrainingJobsFile));

    public static V1CustomResourceDefinition GpuQueues => Parse(ReadYaml(GpuQueuesFile));

    /// <summary>Both definitions, shared and read-only by convention.</summary>
    public static IReadOnlyList<V1CustomResourceDefinition> All => [LazyTrainingJobs.Value, LazyGpuQueues.Value];

    public static string ReadYaml(string fileName)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("crds/" + fileName)
            ?? throw new InvalidOperationException($"The CRD manifest '{fileName}' is not embedded in {typeof(CustomResourceDefinitions).Assembly.GetName().Name}.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    public static V1CustomResourceDefinition Parse(string yaml) => KubernetesYaml.Deserialize<V1CustomResourceDefinition>(yaml);

    /// <summary>Creates the CRDs in a real cluster, or replaces them when they exist (used by e2e set-up and the operator's optional install).</summary>
    public static async Task InstallAsync(IKubernetes client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        foreach (var crd in new[] { TrainingJobs, GpuQueues })
        {
            try
            {
                var existing = await client.ApiextensionsV1.ReadCustomResourceDefinitionAsync(crd.Metadata.Name, cancellationToken: cancellationToken);
                crd.Metadata.ResourceVersion = existing.Metadata.ResourceVersion;
                await client.ApiextensionsV1.ReplaceCustomResourceDefinitionAsync(crd, crd.Metadata.Name, cancellationToken: cancellationToken);
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
            {
                await client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(crd, cancellationToken: cancellationToken);
            }
        }
    }
}
