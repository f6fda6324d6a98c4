using k8s.Models;

namespace Scheduler.Kubernetes.Resources;

/// <summary>Condition types of a TrainingJob and a helper that keeps one condition per type.</summary>
public static class TrainingJobConditions
{
    public const string Admitted = "Admitted";
    public const string Scheduled = "Scheduled";
    public const string Running = "Running";
    public const string Preempted = "Preempted";
    public const string Succeeded = "Succeeded";
    public const string Failed = "Failed";

    public static IReadOnlyList<string> All { get; } = [Admitted, Scheduled, Running, Preempted, Succeeded, Failed];

    /// <summary>
    /// Returns <paramref name="conditions"/> with the condition of <paramref name="type"/> set. The transition time only
    /// moves when the status flips, as the API conventions ask.
    /// </summary>
    public static IReadOnlyList<V1Condition> Set(
        IReadOnlyList<V1Condition>? conditions, string type, bool status, string reason, string message, DateTimeOffset now, long? generation = null)
    {
        var statusText = status ? "True" : "False";
        var existing = conditions?.FirstOrDefault(c => c.Type == type);
        var transition = existing is not null && existing.Status == statusText ? existing.LastTransitionTime : now.UtcDateTime;
        var updated = new V1Condition
        {
            Type = type,
            Status = statusText,
            Reason = reason,
            Message = message,
            LastTransitionTime = transition,
            ObservedGeneration = generation,
        };
        return [.. (conditions ?? []).Where(c => c.Type != type), updated];
    }

    public static bool IsTrue(IReadOnlyList<V1Condition>? conditions, string type) =>
        conditions?.Any(c => c.Type == type && c.Status == "True") == true;
}
