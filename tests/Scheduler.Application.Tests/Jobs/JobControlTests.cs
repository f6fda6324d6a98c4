using Microsoft.EntityFrameworkCore;
using Scheduler.Application.Common;
using Scheduler.Application.Jobs;
using Scheduler.Application.Queues;
using Scheduler.Application.Scheduling;
using Scheduler.Domain.Jobs;
using Scheduler.Domain.Queues;
using Scheduler.Testing.Builders;

namespace Scheduler.Application.Tests.Jobs;

/// <summary>Hold, release, requeue and update (scontrol's) against PostgreSQL: the rules, the events naming who changed what, what the scheduler sees.</summary>
public sealed class JobControlTests(SchedulerFixture fixture) : IClassFixture<SchedulerFixture>, IAsyncLifetime
{
    private const string Queue = "control";
    private const string Capped = "control-capped";

    public async ValueTask InitializeAsync()
    {
        await fixture.EnsureQueueAsync(Queue);
        await fixture.SendAsync(new PutQueue(Capped, new QueueSpec
        {
            NominalQuota = new Dictionary<string, int> { ["A100-80GB"] = 8 },
            DefaultMaxRuntime = "PT1H",
            MaxRuntime = "PT4H",
        }));
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static string NewName() => $"job-{Guid.NewGuid():N}"[..30];

    private async Task<JobDetails> SubmitAsync(JobSpecBuilder spec, string? by = null)
    {
        var result = await fixture.SendAsync(new SubmitJob(spec.Build(), SubmittedBy: by));
        Assert.True(result.IsSuccess, result.Failure?.ToString());
        return result.Value.Job;
    }

    private async Task<JobDetails> RunAsync(JobDetails job)
    {
        await fixture.SendAsync(new TransitionJob(job.Id, JobState.Admitted, "test"));
        return (await fixture.SendAsync(new TransitionJob(job.Id, JobState.Running, "test"))).Value!;
    }

    private async Task<IReadOnlyList<Guid>> ActiveIdsAsync() => (await fixture.QueryAsync(new ListActiveJobs())).Select(j => j.Id).ToList();

    [Fact]
    public async Task A_job_submitted_held_is_hidden_from_the_scheduler_until_released_and_keeps_its_place()
    {
        var job = await SubmitAsync(JobSpecBuilder.AJob(NewName()).InQueue(Queue).Held(), by: "alice");

        Assert.Equal(("alice", "Held (by user alice)"), (job.HeldBy, job.PendingReason));
        Assert.DoesNotContain(job.Id, await ActiveIdsAsync());

        var released = (await fixture.SendAsync(new ReleaseJob(job.Id, "bob"))).Value!;

        Assert.Null(released.HeldBy);
        Assert.Contains(job.Id, await ActiveIdsAsync());
        await using var db = fixture.NewDbContext();
        var stored = await db.Jobs.AsNoTracking().SingleAsync(j => j.Id == job.Id, TestContext.Current.CancellationToken);
        Assert.Equal(job.CreatedAt, stored.QueuedAt);
        var events = (await fixture.QueryAsync(new GetJobEvents(job.Id))).Value!;
        Assert.Equal(["Submitted", "Released by user bob"], events.Select(e => e.Reason));
    }

    [Fact]
    public async Task Holding_a_queued_job_names_who_holds_it_and_holding_again_changes_nothing()
    {
        var job = await SubmitAsync(JobSpecBuilder.AJob(NewName()).InQueue(Queue));

        var held = (await fixture.SendAsync(new HoldJob(job.Id, "carol"))).Value!;
        var again = (await fixture.SendAsync(new HoldJob(job.Id, "dave"))).Value!;

        Assert.Equal(("carol", "Held (by user carol)", JobState.Queued), (held.HeldBy, held.PendingReason, held.State));
        Assert.Equal(held.Version, again.Version);
        Assert.DoesNotContain(job.Id, await ActiveIdsAsync());
        var events = (await fixture.QueryAsync(new GetJobEvents(job.Id))).Value!;
        Assert.Equal((JobState.Queued, JobState.Queued, "Held by user carol"), (events[^1].From, events[^1].To, events[^1].Reason));
    }

    [Fact]
    public async Task A_running_job_cannot_be_held_and_a_queued_one_cannot_be_requeued()
    {
        var running = await RunAsync(await SubmitAsync(JobSpecBuilder.AJob(NewName()).InQueue(Queue)));
        var queued = await SubmitAsync(JobSpecBuilder.AJob(NewName()).InQueue(Queue));

        var hold = await fixture.SendAsync(new HoldJob(running.Id, "alice"));
        var requeue = await fixture.SendAsync(new RequeueJob(queued.Id, "alice"));

        Assert.Equal(FailureKind.Conflict, hold.Failure!.Kind);
        Assert.Contains("state", hold.Failure.Errors.Keys);
        Assert.Equal(FailureKind.Conflict, requeue.Failure!.Kind);
    }

    [Fact]
    public async Task Requeueing_a_running_job_stops_it_as_preemption_does_without_counting_a_preemption()
    {
        var job = await RunAsync(await SubmitAsync(JobSpecBuilder.AJob(NewName()).InQueue(Queue)));

        var requeued = (await fixture.SendAsync(new RequeueJob(job.Id, "erin"))).Value!;

        Assert.Equal((JobState.Preempted, "Requeued by user erin"), (requeued.State, requeued.Reason));
        await using var db = fixture.NewDbContext();
        var stored = await db.Jobs.AsNoTracking().SingleAsync(j => j.Id == job.Id, TestContext.Current.CancellationToken);
        Assert.Equal(0, stored.PreemptionCount);
        Assert.Equal(requeued.Version, (await fixture.SendAsync(new RequeueJob(job.Id, "erin"))).Value!.Version);
    }

    [Fact]
    public async Task Updating_a_queued_job_records_each_change_with_who_made_it()
    {
        var job = await SubmitAsync(JobSpecBuilder.AJob(NewName()).InQueue(Queue));

        var updated = (await fixture.SendAsync(new UpdateJob(job.Id, new JobUpdate { PriorityClass = "high", MaxRuntime = "PT2H" }, "frank"))).Value!;

        Assert.Equal(("high", "high", "PT2H"), (updated.PriorityClass, updated.Spec.PriorityClass, updated.Spec.MaxRuntime));
        var last = (await fixture.QueryAsync(new GetJobEvents(job.Id))).Value![^1];
        Assert.Equal("Updated by user frank: priorityClass normal → high; maxRuntime none → PT2H", last.Reason);
    }

    [Fact]
    public async Task A_running_job_may_change_only_its_time_limit_down_always_and_up_within_its_queues_maximum()
    {
        var job = await RunAsync(await SubmitAsync(JobSpecBuilder.AJob(NewName()).InQueue(Capped)));
        Assert.Equal("PT1H", job.Spec.MaxRuntime);

        var priority = await fixture.SendAsync(new UpdateJob(job.Id, new JobUpdate { PriorityClass = "high" }, "gina"));
        var beyond = await fixture.SendAsync(new UpdateJob(job.Id, new JobUpdate { MaxRuntime = "PT5H" }, "gina"));
        var up = await fixture.SendAsync(new UpdateJob(job.Id, new JobUpdate { MaxRuntime = "PT3H" }, "gina"));
        var down = await fixture.SendAsync(new UpdateJob(job.Id, new JobUpdate { MaxRuntime = "PT30M" }, "gina"));

        Assert.Equal(FailureKind.Conflict, priority.Failure!.Kind);
        Assert.Contains("priorityClass", priority.Failure.Errors.Keys);
        Assert.Equal(FailureKind.Unprocessable, beyond.Failure!.Kind);
        Assert.Contains("maxRuntime", beyond.Failure.Errors.Keys);
        Assert.Equal("PT3H", up.Value!.Spec.MaxRuntime);
        Assert.Equal(("PT30M", JobState.Running), (down.Value!.Spec.MaxRuntime, down.Value.State));
    }

    [Fact]
    public async Task A_queues_default_time_limit_fills_a_spec_without_one_and_its_maximum_bounds_submission()
    {
        var defaulted = await SubmitAsync(JobSpecBuilder.AJob(NewName()).InQueue(Capped));
        var tooLong = await fixture.SendAsync(new SubmitJob(JobSpecBuilder.AJob(NewName()).InQueue(Capped).MaxRuntime("P1D").Build()));

        Assert.Equal("PT1H", defaulted.Spec.MaxRuntime);
        Assert.Equal(FailureKind.Invalid, tooLong.Failure!.Kind);
        Assert.Contains("maxRuntime", tooLong.Failure.Errors.Keys);
    }

    [Fact]
    public async Task A_queued_job_moves_to_another_queue_unless_it_has_a_job_of_that_name()
    {
        var name = NewName();
        var job = await SubmitAsync(JobSpecBuilder.AJob(name).InQueue(Queue));
        await SubmitAsync(JobSpecBuilder.AJob(name).InQueue(Capped));

        var clash = await fixture.SendAsync(new UpdateJob(job.Id, new JobUpdate { Queue = Capped }, "hank"));
        var other = await SubmitAsync(JobSpecBuilder.AJob(NewName()).InQueue(Queue));
        var moved = await fixture.SendAsync(new UpdateJob(other.Id, new JobUpdate { Queue = Capped }, "hank"));

        Assert.Equal(FailureKind.Conflict, clash.Failure!.Kind);
        Assert.Equal(Capped, moved.Value!.Queue);
    }

    [Fact]
    public async Task A_job_whose_not_before_is_ahead_waits_with_a_reason_and_is_not_the_schedulers_yet()
    {
        var begin = DateTimeOffset.UtcNow.AddHours(1);
        var job = await SubmitAsync(JobSpecBuilder.AJob(NewName()).InQueue(Queue).NotBefore(begin));

        Assert.StartsWith("BeginTime: not started before", job.PendingReason, StringComparison.Ordinal);
        Assert.DoesNotContain(job.Id, await ActiveIdsAsync());
    }

    [Fact]
    public async Task An_update_naming_nothing_or_an_unknown_priority_class_is_refused_naming_the_field()
    {
        var job = await SubmitAsync(JobSpecBuilder.AJob(NewName()).InQueue(Queue));

        var empty = await Assert.ThrowsAsync<RequestValidationException>(() => fixture.SendAsync(new UpdateJob(job.Id, new JobUpdate(), "ian")));
        var unknown = await Assert.ThrowsAsync<RequestValidationException>(() => fixture.SendAsync(new UpdateJob(job.Id, new JobUpdate { PriorityClass = "urgent" }, "ian")));

        Assert.Contains(empty.Errors, e => e.Field == "$");
        Assert.Contains(unknown.Errors, e => e.Field == "priorityClass");
    }
}
