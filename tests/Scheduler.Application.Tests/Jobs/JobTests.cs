using Scheduler.Domain.Jobs;
using Scheduler.Domain.Specs;
using Scheduler.Testing.Builders;

namespace Scheduler.Application.Tests.Jobs;

public sealed class JobTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static Job NewJob() =>
        Job.Submit(Guid.CreateVersion7(), JobSpecNormalizer.Normalize(JobSpecBuilder.AJob().Priority("normal").Build()), T0);

    private static Job JobIn(params JobState[] path)
    {
        var job = NewJob();
        foreach (var state in path)
        {
            job.TransitionTo(state, "test", T0);
        }

        return job;
    }

    [Fact]
    public void A_submitted_job_is_queued_at_version_1_with_its_submission_event()
    {
        var job = NewJob();
        Assert.Equal(JobState.Queued, job.State);
        Assert.Equal(1, job.Version);
        var submitted = Assert.Single(job.Events);
        Assert.Equal(new JobEvent(job.Id, 1, null, JobState.Queued, Job.SubmittedReason, T0), submitted);
    }

    public static TheoryData<JobState[], JobState> LegalMoves => new()
    {
        { [], JobState.Admitted },
        { [], JobState.Cancelled },
        { [JobState.Admitted], JobState.Running },
        { [JobState.Admitted], JobState.Queued },
        { [JobState.Admitted, JobState.Running], JobState.Succeeded },
        { [JobState.Admitted, JobState.Running], JobState.Failed },
        { [JobState.Admitted, JobState.Running], JobState.Preempted },
        { [JobState.Admitted, JobState.Running, JobState.Preempted], JobState.Queued },
        { [JobState.Admitted, JobState.Running], JobState.Cancelled },
    };

    [Theory]
    [MemberData(nameof(LegalMoves))]
    public void A_legal_move_changes_state_bumps_version_and_records_the_event(JobState[] path, JobState to)
    {
        var job = JobIn(path);
        var from = job.State;
        var before = job.Version;
        var recorded = job.TransitionTo(to, "because", T0.AddMinutes(1));

        Assert.Equal(to, job.State);
        Assert.Equal("because", job.Reason);
        Assert.Equal(before + 1, job.Version);
        Assert.Equal(new JobEvent(job.Id, job.Version, from, to, "because", T0.AddMinutes(1)), recorded);
        Assert.Equal(recorded, job.Events[^1]);
    }

    public static TheoryData<JobState[], JobState> IllegalMoves => new()
    {
        { [], JobState.Running },
        { [], JobState.Succeeded },
        { [], JobState.Queued },
        { [JobState.Cancelled], JobState.Queued },
        { [JobState.Admitted, JobState.Running, JobState.Succeeded], JobState.Cancelled },
        { [JobState.Admitted, JobState.Running, JobState.Failed], JobState.Queued },
        { [JobState.Admitted, JobState.Running], JobState.Admitted },
    };

    [Theory]
    [MemberData(nameof(IllegalMoves))]
    public void An_illegal_move_throws_and_changes_nothing(JobState[] path, JobState to)
    {
        var job = JobIn(path);
        var (state, version, events) = (job.State, job.Version, job.Events.Count);

        var ex = Assert.Throws<IllegalTransitionException>(() => job.TransitionTo(to, "nope", T0));

        Assert.Equal((state, to), (ex.From, ex.To));
        Assert.Equal((state, version, events), (job.State, job.Version, job.Events.Count));
    }

    [Fact]
    public void Each_admission_is_a_new_attempt()
    {
        var job = JobIn(JobState.Admitted, JobState.Running, JobState.Preempted, JobState.Queued, JobState.Admitted);
        Assert.Equal(2, job.Attempt);
    }

    [Fact]
    public void Submit_refuses_a_spec_whose_priority_class_is_not_resolved() =>
        Assert.Throws<ArgumentException>(() => Job.Submit(Guid.NewGuid(), JobSpecBuilder.AJob().Build(), T0));
}
