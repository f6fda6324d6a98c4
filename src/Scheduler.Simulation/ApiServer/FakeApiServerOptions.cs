using Scheduler.Domain.Catalog;
using Scheduler.Domain.Queues;

namespace Scheduler.Simulation.ApiServer;

public sealed record FakeApiServerOptions
{
    /// <summary>The clock of timestamps and grace periods; tests pass a fake one.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>0 picks a free port on 127.0.0.1.</summary>
    public int Port { get; init; }

    /// <summary>Changes kept for watches; a watch from before the oldest kept change gets 410 Gone.</summary>
    public int HistoryLimit { get; init; } = 10_000;

    /// <summary>How often a watch that asked for bookmarks gets one.</summary>
    public TimeSpan BookmarkInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How often terminating pods whose grace period ran out are removed.</summary>
    public TimeSpan ReapInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The catalog and priority classes the TrainingJob validation uses (the same as REST).</summary>
    public GpuCatalog Catalog { get; init; } = GpuCatalog.Default;

    public PriorityClasses Priorities { get; init; } = PriorityClasses.Default;

    /// <summary>The lines <c>pods/{name}/log</c> serves; none: every started container's log is empty. The simulated cluster sets its trainer's.</summary>
    public IPodLogSource? PodLogs { get; init; }
}
