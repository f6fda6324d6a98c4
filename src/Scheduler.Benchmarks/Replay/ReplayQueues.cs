using System.Text.Json;
using Scheduler.Core.Snapshots;

namespace Scheduler.Benchmarks.Replay;

/// <summary>
/// The queues a what-if replay runs with, read from JSON:
/// <c>{"queues": [{"name": "LS", "cohort": "openb", "nominalQuota": {"T4": 100}, "nominalShare": 0.5, "borrowingLimit": {…},
/// "lendingLimit": {…}, "fairShareWeight": 1, "priority": 1000}]}</c>. Quotas are whole GPUs per GPU type (the trace's model names);
/// <c>nominalShare</c> gives the queue that fraction of every type the cluster has (rounded down) where <c>nominalQuota</c> names no
/// figure; <c>priority</c> is given to every job of the queue.
/// </summary>
internal sealed record ReplayQueue(
    string Name,
    string? Cohort = null,
    IReadOnlyDictionary<string, int>? NominalQuota = null,
    double? NominalShare = null,
    IReadOnlyDictionary<string, int>? BorrowingLimit = null,
    IReadOnlyDictionary<string, int>? LendingLimit = null,
    double FairShareWeight = 1,
    int Priority = 1000)
{
    public QueueInfo ToQueueInfo(IReadOnlyDictionary<string, int> clusterGpus)
    {
        var nominal = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (type, gpus) in clusterGpus)
        {
            if (NominalQuota?.TryGetValue(type, out var n) == true)
            {
                nominal[type] = n;
            }
            else if (NominalShare is { } share)
            {
                nominal[type] = (int)Math.Floor(share * gpus);
            }
        }

        return new QueueInfo
        {
            Name = Name,
            Cohort = Cohort,
            NominalQuota = nominal,
            BorrowingLimit = BorrowingLimit ?? new Dictionary<string, int>(),
            LendingLimit = LendingLimit ?? new Dictionary<string, int>(),
            FairShareWeight = FairShareWeight,
        };
    }
}

internal static class ReplayQueues
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow };

    private sealed record File(IReadOnlyList<ReplayQueue> Queues);

    /// <exception cref="InvalidDataException">The file is not a list of queues with unique names, weights above 0 and shares in 0–1.</exception>
    public static IReadOnlyList<ReplayQueue> Read(string path)
    {
        File? file;
        try
        {
            file = JsonSerializer.Deserialize<File>(System.IO.File.ReadAllText(path), Json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }

        var queues = file?.Queues ?? throw new InvalidDataException($"{path}: expected {{\"queues\": [...]}}");
        foreach (var q in queues)
        {
            if (string.IsNullOrWhiteSpace(q.Name))
            {
                throw new InvalidDataException($"{path}: every queue needs a name");
            }

            if (q.FairShareWeight <= 0 || q.NominalShare is < 0 or > 1)
            {
                throw new InvalidDataException($"{path}: queue {q.Name}: fairShareWeight must be above 0 and nominalShare within 0–1");
            }
        }

        if (queues.Select(q => q.Name).Distinct(StringComparer.Ordinal).Count() != queues.Count)
        {
            throw new InvalidDataException($"{path}: queue names must be unique");
        }

        return queues;
    }

    /// <summary>Without a file: one queue per label in the trace, all in one cohort, each nominally an equal share of every type.</summary>
    public static IReadOnlyList<ReplayQueue> EqualShares(IEnumerable<string> labels)
    {
        var names = labels.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        return names.Select(n => new ReplayQueue(n, Cohort: "all", NominalShare: 1.0 / names.Length)).ToArray();
    }
}
