using System.Text.Json.Nodes;
using k8s.Models;

namespace Scheduler.Simulation.ApiServer;

/// <summary>
/// The API server's ResourceQuota admission, for pods: a new pod that would take its namespace past a quota's
/// <c>spec.hard</c> is refused 403 (<c>pods "x" is forbidden: exceeded quota: q, requested: …, used: …, limited: …</c>), and
/// one that leaves out a compute resource a quota tracks is refused 403 (<c>failed quota: q: must specify requests.memory</c>),
/// in a real API server's words. Tracked: <c>pods</c>/<c>count/pods</c>, <c>requests.cpu</c>/<c>cpu</c>,
/// <c>requests.memory</c>/<c>memory</c>, <c>limits.cpu</c>, <c>limits.memory</c> and <c>requests.&lt;extended&gt;</c>
/// (<c>requests.nvidia.com/gpu</c>). What is used is summed over the namespace's pods that have not ended, at the moment of the
/// create (<c>status.used</c> is not written); quota scopes are not modelled.
/// </summary>
internal static class ResourceQuotaAdmission
{
    private static readonly string[] Compute = ["cpu", "memory"];

    /// <summary>The refusal of <paramref name="pod"/>, or null when every quota of its namespace admits it. Call under the store's lock.</summary>
    public static ApiError? Check(ObjectStore store, ApiResource quotas, ApiResource pods, string @namespace, string name, JsonObject pod)
    {
        var (declared, _) = store.ListShared(quotas, @namespace, Selector.Everything);
        if (declared.Count == 0)
        {
            return null;
        }

        var requested = Usage(pod);
        var live = store.ListShared(pods, @namespace, Selector.Everything).Items
            .Where(p => p["status"]?["phase"]?.GetValue<string>() is not ("Succeeded" or "Failed"))
            .Select(Usage)
            .ToList();
        foreach (var quota in declared)
        {
            var quotaName = quota["metadata"]?["name"]?.GetValue<string>() ?? string.Empty;
            if (quota["spec"]?["hard"] is not JsonObject hard)
            {
                continue;
            }

            var tracked = hard.Select(h => h.Key).Order(StringComparer.Ordinal).ToList();
            var missing = tracked.Where(k => IsCompute(k) && !requested.ContainsKey(k)).ToList();
            if (missing.Count > 0)
            {
                return Forbidden(pods, name, $"failed quota: {quotaName}: must specify {string.Join(",", missing)}");
            }

            var exceeded = tracked
                .Where(k => requested.ContainsKey(k))
                .Select(k => (Key: k, Limit: Quantity(hard[k]), Used: live.Sum(u => u.GetValueOrDefault(k))))
                .Where(k => k.Used + requested[k.Key] > k.Limit)
                .ToList();
            if (exceeded.Count > 0)
            {
                return Forbidden(pods, name,
                    $"exceeded quota: {quotaName}, requested: {List(exceeded.Select(k => (k.Key, requested[k.Key])))}, " +
                    $"used: {List(exceeded.Select(k => (k.Key, k.Used)))}, limited: {List(exceeded.Select(k => (k.Key, k.Limit)))}");
            }
        }

        return null;
    }

    /// <summary>What one pod counts against a quota, under every name a quota may track it by.</summary>
    private static Dictionary<string, decimal> Usage(JsonObject pod)
    {
        var usage = new Dictionary<string, decimal>(StringComparer.Ordinal) { ["pods"] = 1, ["count/pods"] = 1 };
        foreach (var container in (pod["spec"]?["containers"] as JsonArray)?.OfType<JsonObject>() ?? [])
        {
            var limits = container["resources"]?["limits"] as JsonObject;
            var requests = container["resources"]?["requests"] as JsonObject;
            // As the API server defaults them: a resource with a limit and no request requests its limit.
            foreach (var resource in (requests?.Select(r => r.Key) ?? []).Union(limits?.Select(l => l.Key) ?? []))
            {
                var request = Quantity(requests?[resource] ?? limits?[resource]);
                Add(usage, $"requests.{resource}", request);
                if (IsComputeResource(resource))
                {
                    Add(usage, resource, request);
                }

                if (limits?[resource] is { } limit && IsComputeResource(resource))
                {
                    Add(usage, $"limits.{resource}", Quantity(limit));
                }
            }
        }

        return usage;
    }

    private static void Add(Dictionary<string, decimal> usage, string key, decimal amount) =>
        usage[key] = usage.GetValueOrDefault(key) + amount;

    private static bool IsComputeResource(string resource) => Compute.Contains(resource, StringComparer.Ordinal);

    /// <summary>A quota on cpu or memory requires every new pod to state it.</summary>
    private static bool IsCompute(string key) =>
        IsComputeResource(key) || (key.Split('.', 2) is ["requests" or "limits", var resource] && IsComputeResource(resource));

    private static decimal Quantity(JsonNode? value) => new ResourceQuantity(value?.ToString() ?? "0").ToDecimal();

    private static string List(IEnumerable<(string Key, decimal Amount)> amounts) =>
        string.Join(",", amounts.Select(a => $"{a.Key}={Format(a.Key, a.Amount)}"));

    private static string Format(string key, decimal amount) =>
        new ResourceQuantity(amount, 0, key.EndsWith("memory", StringComparison.Ordinal) ? ResourceQuantity.SuffixFormat.BinarySI : ResourceQuantity.SuffixFormat.DecimalSI)
            .CanonicalizeString();

    private static ApiError Forbidden(ApiResource pods, string name, string why) =>
        new(System.Net.HttpStatusCode.Forbidden, "Forbidden", $"{pods.QualifiedPlural} \"{name}\" is forbidden: {why}", pods, name);
}
