using k8s;
using k8s.Models;
using Scheduler.Kubernetes.Watching;

namespace Scheduler.Kubernetes.Tests.Support;

internal static class WatcherRuns
{
    /// <summary>Runs the watcher until <paramref name="done"/> completes (20 s at most), doing <paramref name="meanwhile"/> first, then stops it.</summary>
    public static async Task RunUntilAsync<T>(
        this ResourceWatcher<T> watcher, Func<ResourceEvent<T>, CancellationToken, ValueTask> handler, Task done, Func<Task>? meanwhile = null)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var run = watcher.RunAsync(handler, stop.Token);
        if (meanwhile is not null)
        {
            await meanwhile();
        }

        await done.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);
        await stop.CancelAsync();
        await run;
    }
}
