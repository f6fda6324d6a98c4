namespace Scheduler.Domain.Jobs;

/// <summary>
/// How job pods are confined (configuration section <c>Scheduler:JobPods</c>), shared by submission (which claims a job
/// may mount) and the pod factory (the rest). Every pod runs under the Kubernetes <c>restricted</c> Pod Security Standard
/// as this non-root user; nothing in a spec changes it (docs/security.md).
/// </summary>
public sealed record JobPodPolicy
{
    public const string Section = "Scheduler:JobPods";

    /// <summary>The trainer image's user (src/Scheduler.Trainer/Dockerfile); any non-zero UID.</summary>
    public long RunAsUser { get; init; } = 10001;

    public long RunAsGroup { get; init; } = 10001;

    /// <summary>Group that owns mounted volumes, so the non-root user can write checkpoints.</summary>
    public long FsGroup { get; init; } = 10001;

    /// <summary>The ServiceAccount job pods run as unless their queue names another; its token is never mounted.</summary>
    public string ServiceAccount { get; init; } = "gpu-scheduler-job";

    /// <summary>ServiceAccount per queue name, overriding <see cref="ServiceAccount"/>.</summary>
    public IReadOnlyDictionary<string, string> QueueServiceAccounts { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// PersistentVolumeClaims each queue's jobs may mount (container.volumes and checkpoint.volume), by queue name; a
    /// queue not listed may mount none. <c>*</c> in a queue's list allows any claim in the job's namespace.
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> QueueClaims { get; init; } = new Dictionary<string, IReadOnlyList<string>>();

    /// <summary>
    /// The queue's ServiceAccount if it names one; otherwise <see cref="ServiceAccount"/> in the jobs namespace (the chart
    /// creates it there) and <c>default</c> in a TrainingJob's own namespace, where ours does not exist. No token either way.
    /// </summary>
    public string ServiceAccountFor(string queue, bool inJobNamespace = true) =>
        QueueServiceAccounts.TryGetValue(queue, out var account) ? account : inJobNamespace ? ServiceAccount : "default";

    public bool AllowsClaim(string queue, string claim) =>
        QueueClaims.TryGetValue(queue, out var claims) && claims.Any(c => c == "*" || string.Equals(c, claim, StringComparison.Ordinal));

    /// <summary>The claims the queue allows, for messages.</summary>
    public IReadOnlyList<string> ClaimsOf(string queue) => QueueClaims.TryGetValue(queue, out var claims) ? claims : [];

    /// <summary>Refuses a configuration that would break the restricted profile (root) rather than start with it.</summary>
    public JobPodPolicy Validated()
    {
        if (RunAsUser <= 0 || RunAsGroup <= 0 || FsGroup <= 0)
        {
            throw new InvalidOperationException($"{Section}: RunAsUser, RunAsGroup and FsGroup must be non-zero (the restricted Pod Security Standard forbids root).");
        }

        return this;
    }
}
