using Scheduler.Domain.Jobs;

namespace Scheduler.Operator.Store;

/// <summary>One placement the cycle persists: the job as the snapshot saw it, its pods' nodes and the reason recorded.</summary>
public sealed record OperatorAdmission(OperatorJob Job, IReadOnlyList<JobPodPlacement> Placement, string Reason);
