using Scheduler.Domain.Queues;

namespace Scheduler.Operator.Store;

/// <summary>A queue with its decayed usage (GPU-hours with half-life decay, as of <see cref="UsageAsOf"/>).</summary>
public sealed record OperatorQueue(string Name, QueueSpec Spec, double DecayedUsageGpuHours, DateTimeOffset? UsageAsOf);
