namespace Scheduler.Core.Snapshots;

/// <summary>A node taint as Kubernetes spells it; <c>NoSchedule</c> and <c>NoExecute</c> keep untolerating pods away.</summary>
public sealed record Taint(string Key, string? Value, string Effect = "NoSchedule")
{
    internal bool Blocks => Effect is "NoSchedule" or "NoExecute";

    internal bool IsToleratedBy(IReadOnlyList<Toleration> tolerations)
    {
        foreach (var toleration in tolerations)
        {
            if (toleration.Key == Key && (toleration.Value is null || toleration.Value == Value))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>Tolerates a taint of <see cref="Key"/>; a null <see cref="Value"/> tolerates any value (Kubernetes' <c>Exists</c>).</summary>
public sealed record Toleration(string Key, string? Value = null);
