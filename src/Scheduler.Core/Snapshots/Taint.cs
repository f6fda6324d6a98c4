namespace Scheduler.Core.Snapshots;

/// <summary>A node taint as Kubernetes spells it; <c>NoSchedule</c> and <c>NoExecute</c> keep untolerating pods away.</summary>
public sealed record Taint(string Key, string? Value, string Effect = "NoSchedule")
{
    internal bool Blocks => Effect is "NoSchedule" or "NoExecute";

    internal bool IsToleratedBy(IReadOnlyList<Toleration> tolerations)
    {
        foreach (var toleration in tolerations)
        {
            if (toleration.Tolerates(this))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>
/// Tolerates a taint of <see cref="Key"/>; a null <see cref="Value"/> tolerates any value (Kubernetes' <c>Exists</c>), and with it an
/// empty key tolerates every taint. A null <see cref="Effect"/> tolerates every effect.
/// </summary>
public sealed record Toleration(string Key, string? Value = null, string? Effect = null)
{
    /// <summary>Whether this toleration matches <paramref name="taint"/> (Kubernetes' rule; the effect matters only to blocking taints).</summary>
    public bool Tolerates(Taint taint) =>
        (Key.Length == 0 ? Value is null : Key == taint.Key)
        && (Value is null || Value == (taint.Value ?? string.Empty))
        && (string.IsNullOrEmpty(Effect) || Effect == taint.Effect);
}
