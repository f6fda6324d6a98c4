namespace Scheduler.Kubernetes.Watching;

public sealed record ResourceWatcherOptions
{
    /// <summary>First back-off after a failed list or watch; doubles up to <see cref="MaxBackoff"/>, each with ±50% jitter.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Server-side timeout of one watch request; the watcher then re-watches from the last resourceVersion.</summary>
    public int WatchTimeoutSeconds { get; init; } = 300;
}
