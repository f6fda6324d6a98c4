using Scheduler.Domain.Queues;

namespace Scheduler.Application.Scheduling;

/// <summary>A queue with its past GPU-hours, each decayed by its age (half-life), as of <see cref="AsOf"/>.</summary>
public sealed record QueueUsage(string Name, QueueSpec Spec, double DecayedGpuHours, DateTimeOffset AsOf);
