using Scheduler.Domain.Jobs;
using Scheduler.Domain.Specs;
using Scheduler.Testing.Builders;

namespace Scheduler.Domain.Tests.Jobs;

public sealed class JobSchedulingStateTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);
    private static readonly JobPodPlacement[] OnNodeA = [new(0, "node-a", [0, 1], 1000, 0, 0)];

    [Fact]
    public void Admission_stores_the_placement_pins_the_default_namespace_and_clears_the_pending_reason()
    {
        var job = Submitted();
        job.SetPending("waiting for quota", T0.AddHours(1));

        job.Admit(OnNodeA, "training", "placed on node-a", T0.AddMinutes(1));

        Assert.Equal((JobState.Admitted, 1, "training"), (job.State, job.Attempt, job.Namespace));
        Assert.Equal(OnNodeA, job.Placement);
        Assert.Null(job.PendingReason);
        Assert.Null(job.PredictedStart);
    }

    [Fact]
    public void A_training_jobs_own_namespace_wins_over_the_default()
    {
        var job = Job.Submit(Guid.NewGuid(), Spec(), T0, new JobOrigin("team-a", "gpt2", "uid-1", 1));

        job.Admit(OnNodeA, "training", "placed", T0);

        Assert.Equal("team-a", job.Namespace);
    }

    [Fact]
    public void Preemption_counts_and_requeue_frees_the_placement_and_restarts_the_queue_age()
    {
        var job = Submitted();
        job.Admit(OnNodeA, "training", "placed", T0);
        job.TransitionTo(JobState.Running, "running", T0.AddMinutes(1));
        Assert.Equal(T0.AddMinutes(1), job.StartedAt);

        job.TransitionTo(JobState.Preempted, "for a higher priority job", T0.AddMinutes(2));
        Assert.Equal((1, T0.AddMinutes(2)), (job.PreemptionCount, job.LastPreemptedAt));
        Assert.NotNull(job.Placement);

        job.TransitionTo(JobState.Queued, "requeued", T0.AddMinutes(3));
        Assert.Null(job.Placement);
        Assert.Null(job.StartedAt);
        Assert.Equal(T0.AddMinutes(3), job.QueuedAt);
        Assert.Equal(0, job.FailedAttempts);
    }

    [Fact]
    public void A_retry_counts_a_failed_attempt()
    {
        var job = Submitted();
        job.Admit(OnNodeA, "training", "placed", T0);

        job.RetryAfterFailure("pod failed (exit code 1)", T0.AddMinutes(1));

        Assert.Equal((JobState.Queued, 1), (job.State, job.FailedAttempts));
    }

    [Fact]
    public void Only_a_queued_job_has_a_pending_reason()
    {
        var job = Submitted();
        job.Admit(OnNodeA, "training", "placed", T0);

        Assert.Throws<InvalidOperationException>(() => job.SetPending("waiting", null));
    }

    private static Job Submitted() => Job.Submit(Guid.NewGuid(), Spec(), T0);

    private static JobSpec Spec() => JobSpecBuilder.AJob().Priority("normal").Build();
}
