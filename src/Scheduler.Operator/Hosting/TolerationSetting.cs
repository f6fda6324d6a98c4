using k8s.Models;

namespace Scheduler.Operator.Hosting;

/// <summary>
/// One entry of <c>Scheduler:Kubernetes:Tolerations</c>, spelled as a pod's toleration: every job's pods carry it, and placement
/// lets jobs onto nodes whose taints it tolerates. <see cref="Operator"/> is <c>Exists</c> (any value; with an empty
/// <see cref="Key"/>, any taint) or <c>Equal</c> (the default, as in Kubernetes); an empty <see cref="Effect"/> tolerates every effect.
/// </summary>
public sealed class TolerationSetting
{
    public const string Exists = "Exists";
    public const string Equal = "Equal";

    /// <summary>The taint NVIDIA's GPU operator and GKE's GPU node pools put on GPU nodes (<c>nvidia.com/gpu=present:NoSchedule</c>), tolerated whatever its value.</summary>
    public static IReadOnlyList<TolerationSetting> Default { get; } = [new() { Key = "nvidia.com/gpu", Operator = Exists, Effect = "NoSchedule" }];

    public string Key { get; set; } = string.Empty;

    public string Operator { get; set; } = Equal;

    public string? Value { get; set; }

    public string? Effect { get; set; }

    /// <summary>The tolerations configured, or <see cref="Default"/> when none are; throws on an entry Kubernetes would refuse.</summary>
    public static IReadOnlyList<TolerationSetting> Resolve(IReadOnlyList<TolerationSetting>? configured)
    {
        var tolerations = configured is { Count: > 0 } ? configured : Default;
        foreach (var toleration in tolerations)
        {
            var problem = toleration.Operator switch
            {
                Exists when !string.IsNullOrEmpty(toleration.Value) => "an Exists toleration takes no value",
                Exists => null,
                Equal when toleration.Key.Length == 0 => "an Equal toleration needs a key",
                Equal => null,
                _ => $"operator '{toleration.Operator}' is neither {Exists} nor {Equal}",
            };
            if (problem is not null)
            {
                throw new InvalidOperationException($"{KubernetesOptions.Section}:Tolerations: key '{toleration.Key}': {problem}.");
            }
        }

        return tolerations;
    }

    /// <summary>What placement honours: <c>Exists</c> tolerates any value (a null value).</summary>
    public Core.Snapshots.Toleration ToCore() =>
        new(Key, Operator == Exists ? null : Value ?? string.Empty, string.IsNullOrEmpty(Effect) ? null : Effect);

    /// <summary>What the pod carries, so that the kubelet admits it on the tainted node (and a NoExecute taint does not evict it).</summary>
    public V1Toleration ToPod() => new()
    {
        Key = Key.Length == 0 ? null : Key,
        OperatorProperty = Operator,
        Value = Operator == Exists ? null : Value ?? string.Empty,
        Effect = string.IsNullOrEmpty(Effect) ? null : Effect,
    };
}
