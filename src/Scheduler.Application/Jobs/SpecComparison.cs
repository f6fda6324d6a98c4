using System.Text.Json;
using System.Text.Json.Nodes;
using Scheduler.Domain.Specs;

namespace Scheduler.Application.Jobs;

internal static class SpecComparison
{
    /// <summary>
    /// Same JSON document, member order aside (jsonb keeps object keys in its own order, so a stored spec's
    /// dictionaries may come back reordered).
    /// </summary>
    public static bool AreSame(JobSpec a, JobSpec b) =>
        JsonNode.DeepEquals(JsonSerializer.SerializeToNode(a, JobSpecJson.Options), JsonSerializer.SerializeToNode(b, JobSpecJson.Options));
}
