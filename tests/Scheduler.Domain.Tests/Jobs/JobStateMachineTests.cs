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
    public void Final_states_have_no_way_out()
    {
        foreach (var state in Enum.GetValues<JobState>().Where(JobStateMachine.IsFinal))
        {
            Assert.Empty(JobStateMachine.NextStates(state));
        }
    }
}
