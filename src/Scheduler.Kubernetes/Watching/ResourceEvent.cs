namespace Scheduler.Kubernetes.Watching;

public enum ResourceEventType
{
    Added,
    Modified,
    Deleted,
    /// <summary>A (re)list finished: every object the server holds has been reported; <see cref="ResourceEvent{T}.Object"/> is null.</summary>
    Synced,
}

/// <summary>One change seen by <see cref="ResourceWatcher{T}"/>. After a relist the watcher reports the differences as ordinary events.</summary>
public sealed record ResourceEvent<T>(ResourceEventType Type, T? Object) where T : class;
