using Microsoft.EntityFrameworkCore;
using Scheduler.Application.Common;
using Scheduler.Application.Jobs;
using Scheduler.Domain.Jobs;
using Scheduler.Testing.Builders;

namespace Scheduler.Application.Tests.Jobs;

public sealed class JobLifecycleTests(SchedulerFixture fixture) : IClassFixture<SchedulerFixture>, IAsyncLifetime
{
    public ValueTask InitializeAsync() => new(fixture.EnsureQueueAsync("research"));

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private async Task<JobDetails> SubmitAsync() =>
        (await fixture.SendAsync(new SubmitJob(JobSpecBuilder.AJob($"job-{Guid.NewGuid():N}"[..30]).Build()))).Value!.Job;

    private async Task<JobDetails> MoveAsync(Guid id, params JobState[] path)
    {
        JobDetails? job = null;
        foreach (var state in path)
        {
            job = (await fixture.SendAsync(new TransitionJob(id, state, "test"))).Value;
        }

        return job!;
    }

    [Fact]
    public async Task Cancelling_twice_answers_the_cancelled_job_both_times_with_one_event()
    {
        var job = await SubmitAsync();
        var first = await fixture.SendAsync(new CancelJob(job.Id));
        var second = await fixture.SendAsync(new CancelJob(job.Id));

        Assert.Equal(JobState.Cancelled, first.Value!.State);
        Assert.Equal(first.Value, second.Value);
        var events = (await fixture.QueryAsync(new GetJobEvents(job.Id))).Value!;
        Assert.Equal([JobState.Queued, JobState.Cancelled], events.Select(e => e.To));
    }

    [Fact]
    public async Task A_finished_job_cannot_be_cancelled()
    {
        var job = await SubmitAsync();
        await MoveAsync(job.Id, JobState.Admitted, JobState.Running, JobState.Succeeded);

        var result = await fixture.SendAsync(new CancelJob(job.Id));

        Assert.Equal(FailureKind.Conflict, result.Failure!.Kind);
        Assert.Equal(JobState.Succeeded, (await fixture.QueryAsync(new GetJob(job.Id))).Value!.State);
    }

    [Fact]
    public async Task Unknown_jobs_are_not_found()
    {
        var id = Guid.NewGuid();
        Assert.Equal(FailureKind.NotFound, (await fixture.SendAsync(new CancelJob(id))).Failure!.Kind);
        Assert.Equal(FailureKind.NotFound, (await fixture.QueryAsync(new GetJob(id))).Failure!.Kind);
        Assert.Equal(FailureKind.NotFound, (await fixture.QueryAsync(new GetJobEvents(id))).Failure!.Kind);
    }

    [Fact]
    public async Task An_illegal_transition_is_refused_and_stores_nothing()
    {
        var job = await SubmitAsync();
        var result = await fixture.SendAsync(new TransitionJob(job.Id, JobState.Succeeded, "skip ahead"));

        Assert.Equal(FailureKind.Conflict, result.Failure!.Kind);
        Assert.Single((await fixture.QueryAsync(new GetJobEvents(job.Id))).Value!);
    }

    [Fact]
    public async Task A_transition_expecting_a_stale_version_is_refused()
    {
        var job = await SubmitAsync();
        await MoveAsync(job.Id, JobState.Admitted);

        var result = await fixture.SendAsync(new TransitionJob(job.Id, JobState.Running, "pods started", ExpectedVersion: job.Version));

        Assert.Equal(FailureKind.Conflict, result.Failure!.Kind);
        Assert.Contains("version", result.Failure.Errors.Keys);
    }

    [Fact]
    public async Task Events_follow_the_transitions_oldest_first()
    {
        var job = await SubmitAsync();
        await MoveAsync(job.Id, JobState.Admitted, JobState.Running, JobState.Preempted, JobState.Queued);

        var events = (await fixture.QueryAsync(new GetJobEvents(job.Id))).Value!;

        Assert.Equal([1, 2, 3, 4, 5], events.Select(e => e.Sequence));
        Assert.Equal([JobState.Queued, JobState.Admitted, JobState.Running, JobState.Preempted, JobState.Queued], events.Select(e => e.To));
        Assert.Equal(events.Select(e => e.To).SkipLast(1).Cast<JobState?>(), events.Skip(1).Select(e => e.From));
    }

    [Fact]
    public async Task Concurrent_cancels_and_transitions_never_corrupt_a_job()
    {
        for (var round = 0; round < 5; round++)
        {
            var job = await SubmitAsync();
            await MoveAsync(job.Id, JobState.Admitted);

            // Two cancels race the operator's Running → Succeeded; whichever order wins, the history must be a legal chain.
            var racers = new Func<Task>[]
            {
                () => fixture.SendAsync(new CancelJob(job.Id)),
                () => fixture.SendAsync(new CancelJob(job.Id)),
                async () =>
                {
                    await fixture.SendAsync(new TransitionJob(job.Id, JobState.Running, "pods started"));
                    await fixture.SendAsync(new TransitionJob(job.Id, JobState.Succeeded, "exit 0"));
                },
            };
            await Task.WhenAll(racers.Select(r => Task.Run(r, TestContext.Current.CancellationToken)));

            await using var db = fixture.NewDbContext();
            var stored = await db.Jobs.AsNoTracking().SingleAsync(j => j.Id == job.Id, TestContext.Current.CancellationToken);
            var events = await db.JobEvents.AsNoTracking().Where(e => e.JobId == job.Id).OrderBy(e => e.Sequence)
                .ToListAsync(TestContext.Current.CancellationToken);

            Assert.True(JobStateMachine.IsFinal(stored.State), $"round {round}: ended {stored.State}");
            Assert.Equal(Enumerable.Range(1, events.Count), events.Select(e => e.Sequence));
            Assert.Equal(stored.Version, events[^1].Sequence);
            Assert.Equal(stored.State, events[^1].To);
            Assert.Single(events, e => JobStateMachine.IsFinal(e.To));
            foreach (var (previous, next) in events.Zip(events.Skip(1)))
            {
                Assert.Equal(previous.To, next.From);
                Assert.True(JobStateMachine.CanTransition(previous.To, next.To), $"{previous.To} → {next.To}");
            }
        }
    }
}
