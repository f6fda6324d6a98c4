using Scheduler.Core.Decisions;
using Scheduler.Domain.Specs;

namespace Scheduler.Operator.Pods;

/// <summary>What the pod factory needs to know of one placed job attempt.</summary>
public sealed record JobWorkload(
    Guid JobId,
    string Name,
    string Queue,
    string Namespace,
    int Attempt,
    JobSpec Spec,
    IReadOnlyList<PodPlacement> Pods,
    TimeSpan? PredictedRuntime,
    double Progress = 0);
