using Scheduler.Domain.Jobs;

namespace Scheduler.Domain.Tests.Jobs;

public sealed class JobStateMachineTests
{
    [Theory]
    [InlineData(JobState.Queued, JobState.Admitted)]
    [InlineData(JobState.Admitted, JobState.Running)]
    [InlineData(JobState.Running, JobState.Succeeded)]
    [InlineData(JobState.Running, JobState.Preempted)]
    [InlineData(JobState.Preempted, JobState.Queued)]
    [InlineData(JobState.Queued, JobState.Cancelled)]
    public void Allows_the_lifecycle_moves(JobState from, JobState to) => Assert.True(JobStateMachine.CanTransition(from, to));

    [Theory]
    [InlineData(JobState.Succeeded, JobState.Queued)]
    [InlineData(JobState.Cancelled, JobState.Running)]
    [InlineData(JobState.Queued, JobState.Running)]
    [InlineData(JobState.Failed, JobState.Cancelled)]
    public void Refuses_illegal_moves(JobState from, JobState to) => Assert.False(JobStateMachine.CanTransition(from, to));

    [Fact]
    public void Final_states_are_succeeded_failed_and_cancelled_and_have_no_way_out()
    {
        Assert.Equal([JobState.Succeeded, JobState.Failed, JobState.Cancelled], JobStateMachine.FinalStates.Order());
        Assert.Equal(JobStateMachine.FinalStates.Order(), Enum.GetValues<JobState>().Where(JobStateMachine.IsFinal));
        foreach (var state in JobStateMachine.FinalStates)
        {
            Assert.Empty(JobStateMachine.NextStates(state));
        }
    }
}
