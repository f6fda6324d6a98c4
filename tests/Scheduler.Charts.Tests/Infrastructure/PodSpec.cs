using System.Text.Json.Nodes;

namespace Scheduler.Charts.Tests.Infrastructure;

/// <summary>The pod template of a workload, with its containers and init containers.</summary>
internal sealed record PodSpec(string Owner, JsonNode Spec)
{
    public static PodSpec Of(Manifest workload) =>
        new(workload.ToString(), workload.At("spec.template.spec") ?? throw new InvalidOperationException($"{workload} has no pod template"));

    public IEnumerable<JsonNode> Containers => Spec.At("containers")!.AsArray().OfType<JsonNode>();

    public IEnumerable<JsonNode> AllContainers => Containers.Concat(Spec.At("initContainers")?.AsArray().OfType<JsonNode>() ?? []);

    public JsonNode Container(string name) => AllContainers.Single(c => (string?)c.At("name") == name);

    public IEnumerable<JsonNode> Env(string container) => Container(container).At("env")?.AsArray().OfType<JsonNode>() ?? [];

    public T Get<T>(string path) => Spec.At(path) is { } node ? node.GetValue<T>() : throw new KeyNotFoundException($"{Owner} pod has no {path}");
}
