using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using Scheduler.Domain.Catalog;
using Scheduler.Domain.Queues;
using Scheduler.Simulation.ApiServer;

namespace Scheduler.Simulation.Tests.ApiServer;

/// <summary>The store's indexes answer lists exactly as a scan of every object would, through creates, updates and deletes.</summary>
public sealed class ObjectStoreTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-03-01T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
    private readonly ApiResources _resources = new(GpuCatalog.Default, PriorityClasses.Default);
    private readonly ObjectStore _store = new(historyLimit: 1000);
    private readonly ResourceOperations _operations;

    public ObjectStoreTests() => _operations = new ResourceOperations(_store, _time);

    [Fact]
    public void A_change_sent_as_different_types_to_different_watchers_gives_each_the_line_of_its_own_type()
    {
        // The watch line is encoded once per event and reused; a selector can make one watcher's MODIFIED another's ADDED.
        var obj = new JsonObject { ["kind"] = "Pod", ["metadata"] = new JsonObject { ["name"] = "p", ["resourceVersion"] = "7" } };
        var change = new StoredEvent(7, _resources.Pods, "MODIFIED", obj, null);

        string Line(string type) => System.Text.Encoding.UTF8.GetString(change.WatchLine(type).Span);

        Assert.Equal("{\"type\":\"MODIFIED\",\"object\":" + obj.ToJsonString() + "}\n", Line("MODIFIED"));
        Assert.StartsWith("{\"type\":\"ADDED\",", Line("ADDED"), StringComparison.Ordinal);
        Assert.StartsWith("{\"type\":\"MODIFIED\",", Line("MODIFIED"), StringComparison.Ordinal);
        Assert.Equal(JsonNode.Parse(Line("DELETED"))!["object"]!.ToJsonString(), obj.ToJsonString());
    }

    [Fact]
    public void Selected_lists_match_a_scan_of_every_pod_after_labels_nodes_and_deletions_change()
    {
        for (var i = 0; i < 60; i++)
        {
            _operations.Create(_resources.Pods, $"ns-{i % 3}", Pod($"p{i}", job: $"job-{i % 7}", node: i % 4 == 0 ? null : $"node-{i % 5}"), RequestOptions.Default);
        }

        for (var i = 0; i < 60; i += 5)
        {
            _operations.Patch(_resources.Pods, $"ns-{i % 3}", $"p{i}", Patches.MergePatch,
                new JsonObject { ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["job"] = "moved" } } }, statusOnly: false, RequestOptions.Default);
        }

        for (var i = 0; i < 60; i += 6)
        {
            if (i % 4 == 0)
            {
                _operations.Bind(_resources.Pods, $"ns-{i % 3}", $"p{i}", "node-9");
            }
            else
            {
                _operations.Delete(_resources.Pods, $"ns-{i % 3}", $"p{i}", new DeleteRequest(GracePeriodSeconds: 0));
            }
        }

        var all = _store.List(_resources.Pods, null, Selector.Everything).Items;
        string[] labelSelectors = ["job=job-3", "job=moved", "job=nothing", "job!=job-3", "job in (job-1,job-2)", "job", "job=job-3,tier=train"];
        string[] fieldSelectors = [string.Empty, "spec.nodeName=node-2", "spec.nodeName=", "spec.nodeName=node-9", "spec.nodeName!=node-2"];
        foreach (var ns in new string?[] { null, "ns-0", "ns-2", "absent" })
        {
            foreach (var labels in labelSelectors)
            {
                foreach (var fields in fieldSelectors)
                {
                    var selector = Selector.Combine(Selector.ParseLabels(labels), Selector.ParseFields(fields));
                    var expected = all.Where(p => (ns is null || p["metadata"]!["namespace"]!.GetValue<string>() == ns) && selector.Matches(p)).Select(Name).ToList();

                    var listed = _store.List(_resources.Pods, ns, selector).Items.Select(Name).ToList();

                    Assert.True(expected.SequenceEqual(listed), $"namespace {ns}, labels '{labels}', fields '{fields}': expected [{string.Join(',', expected)}], listed [{string.Join(',', listed)}]");
                }
            }
        }
    }

    [Fact]
    public void A_listed_copy_changed_by_its_reader_leaves_the_stored_object_as_it_was()
    {
        _operations.Create(_resources.Pods, "default", Pod("p", job: "a", node: "node-1"), RequestOptions.Default);

        var listed = _store.List(_resources.Pods, "default", Selector.ParseLabels("job=a")).Items.Single();
        listed["metadata"]!["labels"]!["job"] = "changed";

        Assert.Equal("a", _store.Find(_resources.Pods, "default", "p")!["metadata"]!["labels"]!["job"]!.GetValue<string>());
        Assert.Single(_store.List(_resources.Pods, null, Selector.ParseLabels("job=a")).Items);
    }

    [Fact]
    public void The_reaper_removes_only_terminating_pods_whose_grace_ran_out_and_that_have_no_finalizers()
    {
        _operations.Create(_resources.Pods, "default", Pod("running", job: "a", node: "node-1"), RequestOptions.Default);
        _operations.Create(_resources.Pods, "default", Pod("short", job: "a", node: "node-1"), RequestOptions.Default);
        _operations.Create(_resources.Pods, "default", Pod("long", job: "a", node: "node-1"), RequestOptions.Default);
        var held = Pod("held", job: "a", node: "node-1");
        held["metadata"]!["finalizers"] = new JsonArray("example.com/keep");
        _operations.Create(_resources.Pods, "default", held, RequestOptions.Default);
        _operations.Delete(_resources.Pods, "default", "short", new DeleteRequest(GracePeriodSeconds: 5));
        _operations.Delete(_resources.Pods, "default", "long", new DeleteRequest(GracePeriodSeconds: 60));
        _operations.Delete(_resources.Pods, "default", "held", new DeleteRequest(GracePeriodSeconds: 5));
        _time.Advance(TimeSpan.FromSeconds(10));

        var removed = _operations.RemoveExpired(_resources.Pods);

        Assert.Equal(1, removed);
        Assert.Equal(["held", "long", "running"], _store.List(_resources.Pods, null, Selector.Everything).Items.Select(Name));
        Assert.Equal(["held", "long"], _store.Terminating(_resources.Pods).Select(Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_watch_from_a_revision_replays_each_change_once_in_order_with_its_resource_version()
    {
        _operations.Create(_resources.Pods, "default", Pod("earlier", job: "a", node: null), RequestOptions.Default); // revision 0 means "list, then watch"
        var start = _store.Revision;
        _operations.Create(_resources.Pods, "default", Pod("p", job: "a", node: null), RequestOptions.Default);
        _operations.Bind(_resources.Pods, "default", "p", "node-1");
        _operations.Delete(_resources.Pods, "default", "p", new DeleteRequest(GracePeriodSeconds: 0));

        using var watch = _store.Subscribe(_resources.Pods, start);
        var events = new List<StoredEvent>();
        while (watch.Reader.TryRead(out var change))
        {
            events.Add(change);
        }

        Assert.Equal(["ADDED", "MODIFIED", "DELETED"], events.Select(e => e.Type));
        Assert.Equal([start + 1, start + 2, start + 3], events.Select(e => e.Revision));
        Assert.All(events, e => Assert.Equal(e.Revision.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Sent(e)["object"]!["metadata"]!["resourceVersion"]!.GetValue<string>()));
        Assert.All(events, e => Assert.Equal(e.Type, Sent(e)["type"]!.GetValue<string>()));
        Assert.Equal("node-1", Sent(events[1])["object"]!["spec"]!["nodeName"]!.GetValue<string>());
    }

    /// <summary>The watch line a watcher is sent for the event: one JSON object, then a newline.</summary>
    private static JsonNode Sent(StoredEvent change)
    {
        var line = change.WatchLine(change.Type).Span;
        Assert.Equal((byte)'\n', line[^1]);
        return JsonNode.Parse(line[..^1])!;
    }

    private static string Name(JsonObject o) => o["metadata"]!["name"]!.GetValue<string>();

    private static JsonObject Pod(string name, string job, string? node)
    {
        var pod = new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = new JsonObject { ["job"] = job, ["tier"] = "train" } },
            ["spec"] = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "c", ["image"] = "x" }) },
        };
        if (node is not null)
        {
            pod["spec"]!["nodeName"] = node;
        }

        return pod;
    }
}
