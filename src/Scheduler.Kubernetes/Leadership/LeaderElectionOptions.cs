namespace Scheduler.Kubernetes.Leadership;

/// <summary>Where the lease lives and how fast leadership moves. Defaults follow client-go (15 s / 10 s / 2 s).</summary>
public sealed record LeaderElectionOptions
{
    public string Namespace { get; init; } = "default";

    public string LeaseName { get; init; } = "gpu-scheduler-operator";

    /// <summary>This replica's identity (pod name); a random one when empty.</summary>
    public string Identity { get; init; } = string.Empty;

    /// <summary>How long others wait after the last renewal before taking over.</summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>The leader gives up when it could not renew for this long.</summary>
    public TimeSpan RenewDeadline { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan RetryPeriod { get; init; } = TimeSpan.FromSeconds(2);
}
