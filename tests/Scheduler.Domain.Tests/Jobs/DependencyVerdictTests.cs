using Scheduler.Domain.Jobs;
using Scheduler.Domain.Specs;

namespace Scheduler.Domain.Tests.Jobs;

public sealed class DependencyVerdictTests
{
    private const DependencyStatus Met = DependencyStatus.Satisfied;
    private const DependencyStatus Wait = DependencyStatus.Waiting;
    private const DependencyStatus Never = DependencyStatus.NeverSatisfied;

    public static TheoryData<DependencyType, JobState[], DependencyStatus> Cases => new()
    {
        { DependencyType.AfterOk, [JobState.Running], Wait },
        { DependencyType.AfterOk, [JobState.Succeeded], Met },
        { DependencyType.AfterOk, [JobState.Failed], Never },
        { DependencyType.AfterOk, [JobState.Cancelled], Never },
        // An array: every task must succeed; one failed task already decides it.
        { DependencyType.AfterOk, [JobState.Succeeded, JobState.Queued], Wait },
        { DependencyType.AfterOk, [JobState.Failed, JobState.Queued], Never },
        { DependencyType.AfterAny, [JobState.Preempted], Wait },
        { DependencyType.AfterAny, [JobState.Failed], Met },
        { DependencyType.AfterAny, [JobState.Succeeded, JobState.Cancelled], Met },
        { DependencyType.AfterNotOk, [JobState.Running], Wait },
        { DependencyType.AfterNotOk, [JobState.Failed], Met },
        { DependencyType.AfterNotOk, [JobState.Cancelled], Met },
        { DependencyType.AfterNotOk, [JobState.Succeeded], Never },
        { DependencyType.AfterNotOk, [JobState.Failed, JobState.Running], Wait },
        { DependencyType.AfterNotOk, [JobState.Succeeded, JobState.Succeeded], Never },
        { DependencyType.AfterAny, [], Never },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Follows_slurm_semantics_over_the_states_of_the_jobs_named(DependencyType type, JobState[] states, DependencyStatus expected) =>
        Assert.Equal(expected, DependencyVerdict.Of(type, states));
}
