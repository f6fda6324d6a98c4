using Scheduler.Benchmarks.Trace;
using Scheduler.Core.Cycle;
using Scheduler.Core.Placement;

namespace Scheduler.Benchmarks.Replay;

/// <summary>The <c>whatif</c> verb: reads the trace, the nodes and the queues, replays, and returns the report's lines.</summary>
internal static class WhatIf
{
    public static IEnumerable<string> Run(Cli options)
    {
        var podsPath = options.Get("--pods", Cli.DefaultPods);
        var nodes = TraceFiles.ReadNodes(options.Get("--nodes", Cli.DefaultNodes)).Where((_, i) => i % options.Int("--node-stride", 1) == 0).ToArray();
        var tasks = TraceFiles.ReadTasks(podsPath);
        var column = options.Get("--queue-column", "queue");
        var labels = TraceFiles.ReadColumn(podsPath, column) ?? (column == "queue" ? TraceFiles.ReadColumn(podsPath, "qos") : null)
            ?? throw new ArgumentException($"--queue-column: {podsPath} has no column '{column}'");
        labels = labels.Select(l => l.Length == 0 ? "default" : l).ToArray();
        var queuesPath = options.Get("--queues", string.Empty);
        var queues = queuesPath.Length > 0 ? ReplayQueues.Read(queuesPath) : ReplayQueues.EqualShares(labels);
        var replay = new WhatIfReplay(nodes, tasks, labels, queues);
        var speed = options.Get("--load", string.Empty).Length > 0 ? replay.SpeedForLoad(options.Double("--load", 0.4)) : options.Double("--speed", 1);
        var settings = new SchedulerOptions
        {
            Policy = PlacementPolicies.Parse(options.Get("--policy", "default")),
            Preemption = OnOff(options.Get("--preemption", "on"), "--preemption"),
            Backfill = OnOff(options.Get("--backfill", "on"), "--backfill"),
        };
        return replay.Run(speed, settings, options.Int("--buckets", 10)).Describe();
    }

    private static bool OnOff(string value, string name) => value switch
    {
        "on" => true,
        "off" => false,
        _ => throw new ArgumentException($"{name}: expected on or off, got '{value}'"),
    };
}
