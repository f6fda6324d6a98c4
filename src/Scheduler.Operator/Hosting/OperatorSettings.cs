namespace Scheduler.Operator.Hosting;

/// <summary>The operator's configuration, read once at start.</summary>
public sealed record OperatorSettings(KubernetesOptions Kubernetes, PolicyOptions Policy, IntervalOptions Intervals);
