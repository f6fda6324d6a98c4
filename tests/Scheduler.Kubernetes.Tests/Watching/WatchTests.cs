using k8s;
using k8s.Models;
using Scheduler.Kubernetes.Clients;
using Scheduler.Kubernetes.Resources;
using Scheduler.Kubernetes.Watching;
using Scheduler.Simulation.ApiServer;
using Scheduler.Kubernetes.Tests.Support;
using static Scheduler.Kubernetes.Tests.Support.TestJobs;

namespace Scheduler.Kubernetes.Tests.Watching;

public sealed class WatchTests : FakeServerTest
{
    protected override FakeApiServerOptions Options => new() { BookmarkInterval = TimeSpan.FromMilliseconds(100) };

    [Fact]
    public async Task A_watch_from_a_list_resource_version_reports_only_later_changes_with_bookmarks()
    {
        await Client.TrainingJobs().CreateAsync(Job("before"), Ct);
        var list = await Client.TrainingJobs().ListAsync("default", cancellationToken: Ct);
        await Client.TrainingJobs().CreateAsync(Job("after"), Ct);
        await Client.TrainingJobs().DeleteAsync("before", "default", Ct);

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var seen = new List<(WatchEventType, string?)>();
        await foreach (var (type, job) in Client.TrainingJobs().Watch("default", null, list.Metadata.ResourceVersion, 30, _ => { }, stop.Token))
        {
            seen.Add((type, type == WatchEventType.Bookmark ? null : job.Metadata.Name));
            if (type == WatchEventType.Bookmark)
            {
                break;
            }
        }

        Assert.Equal([(WatchEventType.Added, "after"), (WatchEventType.Deleted, "before"), (WatchEventType.Bookmark, null)], seen);
    }

    [Fact]
    public async Task A_watch_from_a_compacted_resource_version_reports_410_Gone()
    {
        var list = await Client.TrainingJobs().ListAsync("default", cancellationToken: Ct);
        await Client.TrainingJobs().CreateAsync(Job("after"), Ct);
        Server.CompactHistory();
        Exception? error = null;

        await foreach (var _ in Client.TrainingJobs().Watch("default", null, list.Metadata.ResourceVersion, 30, e => error = e, Ct))
        {
            Assert.Fail("a gone watch reports no objects");
        }

        Assert.Equal(410, Assert.IsType<KubernetesException>(error).Status.Code);
    }

    [Fact]
    public async Task Label_changes_move_objects_in_and_out_of_a_filtered_watch()
    {
        var list = await Client.CoreV1.ListNamespacedPodAsync("default", cancellationToken: Ct);
        await Client.CoreV1.CreateNamespacedPodAsync(Pod("p"), "default", cancellationToken: Ct);
        await Client.CoreV1.PatchNamespacedPodAsync(new V1Patch("""{"metadata":{"labels":{"app":"other"}}}""", V1Patch.PatchType.MergePatch), "p", "default", cancellationToken: Ct);

        var seen = new List<WatchEventType>();
        // The server ends the watch after its timeout; 3 s, so that a loaded machine still replays the history within it.
        await foreach (var (type, _) in Client.CoreV1.WatchListNamespacedPodAsync("default", labelSelector: "app=trainer", resourceVersion: list.Metadata.ResourceVersion, timeoutSeconds: 3, cancellationToken: Ct))
        {
            seen.Add(type);
        }

        Assert.Equal([WatchEventType.Added, WatchEventType.Deleted], seen);
    }

    [Fact]
    public async Task The_resource_watcher_relists_after_410_and_reports_what_changed_meanwhile()
    {
        await Client.TrainingJobs().CreateAsync(Job("kept"), Ct);
        await Client.TrainingJobs().CreateAsync(Job("removed"), Ct);
        var released = new TaskCompletionSource();
        var watcher = new ResourceWatcher<TrainingJob>(FirstWatchAfter(released.Task), TimeProvider.System);
        var events = new List<string>();
        var syncs = 0;
        var secondSync = new TaskCompletionSource();
        await watcher.RunUntilAsync(async (e, ct) =>
        {
            if (e.Type == ResourceEventType.Synced)
            {
                if (++syncs == 1)
                {
                    await Client.TrainingJobs().DeleteAsync("removed", "default", ct);
                    await Client.TrainingJobs().CreateAsync(Job("new"), ct);
                    await Client.TrainingJobs().PatchAsync("kept", "default", new V1Patch(new { spec = new { priorityClass = "high" } }, V1Patch.PatchType.MergePatch), ct);
                    Server.CompactHistory();
                    released.SetResult();
                }
                else
                {
                    secondSync.TrySetResult();
                }
            }

            events.Add($"{e.Type} {e.Object?.Metadata.Name}".TrimEnd());
        }, secondSync.Task);

        Assert.Equal(["Added kept", "Added removed", "Synced", "Modified kept", "Added new", "Deleted removed", "Synced"], events);
        Assert.Equal(2, watcher.ListCount);
    }

    [Fact]
    public async Task An_object_deleted_and_re_created_under_its_name_while_the_watch_was_gone_is_reported_deleted_then_added()
    {
        var first = await Client.TrainingJobs().CreateAsync(Job("reborn"), Ct);
        var released = new TaskCompletionSource();
        var watcher = new ResourceWatcher<TrainingJob>(FirstWatchAfter(released.Task), TimeProvider.System);
        var events = new List<(ResourceEventType Type, string? Uid)>();
        var syncs = 0;
        var secondSync = new TaskCompletionSource();
        string? secondUid = null;
        await watcher.RunUntilAsync(async (e, ct) =>
        {
            if (e.Type == ResourceEventType.Synced)
            {
                if (++syncs == 1)
                {
                    await Client.TrainingJobs().DeleteAsync("reborn", "default", ct);
                    secondUid = (await Client.TrainingJobs().CreateAsync(Job("reborn"), ct)).Metadata.Uid;
                    Server.CompactHistory();
                    released.SetResult();
                }
                else
                {
                    secondSync.TrySetResult();
                }
            }

            events.Add((e.Type, e.Object?.Metadata.Uid));
        }, secondSync.Task);

        // A consumer told only "modified" would never learn that the first object (and what hangs on its uid) is gone.
        Assert.Equal(
            [
                (ResourceEventType.Added, first.Metadata.Uid), (ResourceEventType.Synced, null),
                (ResourceEventType.Deleted, first.Metadata.Uid), (ResourceEventType.Added, secondUid), (ResourceEventType.Synced, null),
            ],
            events);
    }

    [Fact]
    public async Task The_resource_watcher_backs_off_after_failures_and_then_syncs()
    {
        var failures = 0;
        var source = WatchSources.Nodes(Client);
        var flaky = source with
        {
            List = ct => ++failures <= 2 ? throw new HttpRequestException("connection refused") : source.List(ct),
        };
        var watcher = new ResourceWatcher<V1Node>(flaky, TimeProvider.System, new ResourceWatcherOptions { InitialBackoff = TimeSpan.FromMilliseconds(10) });
        var synced = new TaskCompletionSource();

        await watcher.RunUntilAsync((e, _) =>
        {
            if (e.Type == ResourceEventType.Synced)
            {
                synced.TrySetResult();
            }

            return ValueTask.CompletedTask;
        }, synced.Task);

        Assert.Equal(3, failures);
        Assert.Equal(1, watcher.ListCount);
    }

    [Fact]
    public async Task The_resource_watcher_resumes_after_the_server_ends_a_watch_without_relisting()
    {
        var watcher = new ResourceWatcher<TrainingJob>(Client.TrainingJobs().WatchSource("default"), TimeProvider.System,
            new ResourceWatcherOptions { WatchTimeoutSeconds = 1 });
        var seen = new TaskCompletionSource();
        await watcher.RunUntilAsync((e, _) =>
        {
            if (e is { Type: ResourceEventType.Added, Object.Metadata.Name: "late" })
            {
                seen.TrySetResult();
            }

            return ValueTask.CompletedTask;
        }, seen.Task, async () =>
        {
            await Task.Delay(TimeSpan.FromSeconds(2.2), Ct); // past the longest jittered watch timeout (2 s)
            await Client.TrainingJobs().CreateAsync(Job("late"), Ct);
        });

        Assert.Equal(1, watcher.ListCount);
    }

    [Fact]
    public async Task A_handler_that_fails_with_a_transient_error_gets_the_event_again()
    {
        var watcher = new ResourceWatcher<TrainingJob>(Client.TrainingJobs().WatchSource("default"), TimeProvider.System,
            new ResourceWatcherOptions { InitialBackoff = TimeSpan.FromMilliseconds(10) });
        var attempts = 0;
        var delivered = new TaskCompletionSource();

        await watcher.RunUntilAsync(async (e, ct) =>
        {
            if (e.Type == ResourceEventType.Synced)
            {
                await Client.TrainingJobs().CreateAsync(Job("flaky"), ct);
            }
            else if (e.Type == ResourceEventType.Added && ++attempts == 1)
            {
                throw new HttpRequestException("the control plane is briefly unreachable");
            }
            else
            {
                delivered.TrySetResult();
            }
        }, delivered.Task);

        Assert.Equal(2, attempts);
        Assert.Equal(1, watcher.ListCount);
    }

    [Fact]
    public async Task Stopping_the_server_ends_open_watches_at_once()
    {
        var server = await FakeApiServer.StartAsync(cancellationToken: Ct);
        using var client = server.CreateClient();
        var watching = Task.Run(async () =>
        {
            await foreach (var _ in client.CoreV1.WatchListNodeAsync(cancellationToken: Ct))
            {
            }
        }, Ct);
        await Task.Delay(200, Ct);

        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        await server.DisposeAsync();
        await Task.WhenAny(watching, Task.Delay(TimeSpan.FromSeconds(25), Ct));

        // A watch that held the shutdown up would keep it for Kestrel's whole 30 s shutdown timeout; the bar is well below
        // that and far above what a loaded CI machine needs (the stop itself takes milliseconds).
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(20), $"stopping took {stopwatch.Elapsed}");
        Assert.True(watching.IsCompleted);
    }

    /// <summary>
    /// The default namespace's TrainingJobs, whose first watch starts only once <paramref name="released"/> completes: the test
    /// changes and compacts the store before, so that watch's resourceVersion is gone (410) and the watcher relists.
    /// </summary>
    private WatchSource<TrainingJob> FirstWatchAfter(Task released)
    {
        var source = Client.TrainingJobs().WatchSource("default");
        var firstWatch = true;
        return source with { Watch = (rv, timeout, onError, ct) => Gate(source.Watch(rv, timeout, onError, ct)) };

        async IAsyncEnumerable<(WatchEventType, TrainingJob)> Gate(IAsyncEnumerable<(WatchEventType, TrainingJob)> inner)
        {
            if (firstWatch)
            {
                firstWatch = false;
                await released;
            }

            await foreach (var item in inner)
            {
                yield return item;
            }
        }
    }
}
