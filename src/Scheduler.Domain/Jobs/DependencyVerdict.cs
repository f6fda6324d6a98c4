using Scheduler.Domain.Specs;

namespace Scheduler.Domain.Jobs;

/// <summary>Where a dependency stands: met, not yet, or never (its job ended the wrong way).</summary>
public enum DependencyStatus
{
    Satisfied,
    Waiting,
    NeverSatisfied,
}

/// <summary>
/// Slurm's dependency semantics over the states of the jobs a dependency names (one job, or every task of an array):
/// <c>afterok</c> needs all to succeed, <c>afterany</c> all to end, <c>afternotok</c> all to end and one at least to fail or be
/// cancelled. A dependency naming no job (purged since) can never be met.
/// </summary>
public static class DependencyVerdict
{
    public const string NeverSatisfiedReason = "DependencyNeverSatisfied";

    public static DependencyStatus Of(DependencyType type, IReadOnlyCollection<JobState> targets)
    {
        ArgumentNullException.ThrowIfNull(targets);
        if (targets.Count == 0)
        {
            return DependencyStatus.NeverSatisfied;
        }

        var allEnded = targets.All(JobStateMachine.IsFinal);
        var anyNotOk = targets.Any(s => s is JobState.Failed or JobState.Cancelled);
        return type switch
        {
            DependencyType.AfterOk when anyNotOk => DependencyStatus.NeverSatisfied,
            DependencyType.AfterOk => allEnded ? DependencyStatus.Satisfied : DependencyStatus.Waiting,
            DependencyType.AfterAny => allEnded ? DependencyStatus.Satisfied : DependencyStatus.Waiting,
            DependencyType.AfterNotOk when !allEnded => DependencyStatus.Waiting,
            DependencyType.AfterNotOk => anyNotOk ? DependencyStatus.Satisfied : DependencyStatus.NeverSatisfied,
            _ => throw new ArgumentOutOfRangeException(nameof(type), type, "not a dependency type"),
        };
    }

    /// <summary>The word of a dependency type as the spec spells it.</summary>
    public static string Word(DependencyType type) => type switch
    {
        DependencyType.AfterOk => "afterok",
        DependencyType.AfterAny => "afterany",
        DependencyType.AfterNotOk => "afternotok",
        _ => type.ToString(),
    };
}
