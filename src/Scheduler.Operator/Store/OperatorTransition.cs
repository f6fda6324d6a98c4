using Scheduler.Domain.Jobs;

namespace Scheduler.Operator.Store;

/// <summary>One move of a batch: the job as the cycle saw it, the state it goes to (never a final one) and why.</summary>
public sealed record OperatorTransition(OperatorJob Job, JobState To, string Reason);
