using Microsoft.EntityFrameworkCore;
using Scheduler.Application.Common;
using Scheduler.Application.Jobs;
using Scheduler.Domain.Jobs;
using Scheduler.Testing.Builders;

namespace Scheduler.Application.Tests.Jobs;

public sealed class SubmitJobTests(SchedulerFixture fixture) : IClassFixture<SchedulerFixture>, IAsyncLifetime
{
    public ValueTask InitializeAsync() => new(fixture.EnsureQueueAsync("research", defaultPriorityClass: "high"));

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static string UniqueName(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    [Fact]
    public async Task Stores_a_queued_job_with_its_normalised_spec_and_submission_event()
    {
        var spec = JobSpecBuilder.AJob(UniqueName("store")).Build();
        var result = await fixture.SendAsync(new SubmitJob(spec));

        Assert.True(result.IsSuccess);
        Assert.True(result.Value.Created);
        var job = result.Value.Job;
        Assert.Equal((JobState.Queued, "high", 1), (job.State, job.PriorityClass, job.Version));
        Assert.Equal("high", job.Spec.PriorityClass);
        Assert.NotNull(job.Spec.Parallelism?.Data);

        await using var db = fixture.NewDbContext();
        var stored = await db.Jobs.Include(j => j.Events).SingleAsync(j => j.Id == job.Id, TestContext.Current.CancellationToken);
        Assert.Equal(job.CreatedAt, stored.CreatedAt);
        Assert.Equal(JobState.Queued, Assert.Single(stored.Events).To);
    }

    [Fact]
    public async Task An_explicit_priority_class_wins_over_the_queue_default()
    {
        var result = await fixture.SendAsync(new SubmitJob(JobSpecBuilder.AJob(UniqueName("prio")).Priority("low").Build()));
        Assert.Equal("low", result.Value!.Job.PriorityClass);
    }

    [Fact]
    public async Task An_unknown_queue_is_rejected_naming_the_queue()
    {
        var result = await fixture.SendAsync(new SubmitJob(JobSpecBuilder.AJob(UniqueName("orphan")).InQueue("no-such-queue").Build()));
        Assert.Equal(FailureKind.Invalid, result.Failure!.Kind);
        Assert.Contains("queue", result.Failure.Errors.Keys);
    }

    [Fact]
    public async Task An_invalid_spec_never_reaches_the_handler()
    {
        var spec = JobSpecBuilder.AJob(UniqueName("bad")).Gpus(0).Build();
        var ex = await Assert.ThrowsAsync<RequestValidationException>(() => fixture.SendAsync(new SubmitJob(spec)));
        Assert.Contains(ex.Errors, e => e.Field == "resources.gpus");
    }

    [Fact]
    public async Task An_identical_resubmission_returns_the_existing_job()
    {
        var spec = JobSpecBuilder.AJob(UniqueName("same")).Build();
        var first = await fixture.SendAsync(new SubmitJob(spec));
        var second = await fixture.SendAsync(new SubmitJob(spec));

        Assert.False(second.Value!.Created);
        Assert.Equal(first.Value!.Job, second.Value.Job);
    }

    [Fact]
    public async Task Another_spec_under_an_active_name_is_a_conflict()
    {
        var name = UniqueName("clash");
        await fixture.SendAsync(new SubmitJob(JobSpecBuilder.AJob(name).Build()));
        var result = await fixture.SendAsync(new SubmitJob(JobSpecBuilder.AJob(name).Gpus(2).Build()));

        Assert.Equal(FailureKind.Conflict, result.Failure!.Kind);
        Assert.Contains("name", result.Failure.Errors.Keys);
    }

    [Fact]
    public async Task A_name_is_free_again_once_its_job_ended()
    {
        var spec = JobSpecBuilder.AJob(UniqueName("reuse")).Build();
        var first = await fixture.SendAsync(new SubmitJob(spec));
        await fixture.SendAsync(new CancelJob(first.Value!.Job.Id));

        var second = await fixture.SendAsync(new SubmitJob(spec));

        Assert.True(second.Value!.Created);
        Assert.NotEqual(first.Value.Job.Id, second.Value.Job.Id);
    }

    [Fact]
    public async Task An_idempotency_key_returns_the_same_job_even_after_it_ended()
    {
        var spec = JobSpecBuilder.AJob(UniqueName("key")).Build();
        var key = Guid.NewGuid().ToString();
        var first = await fixture.SendAsync(new SubmitJob(spec, key));
        await fixture.SendAsync(new CancelJob(first.Value!.Job.Id));

        var again = await fixture.SendAsync(new SubmitJob(spec, key));

        Assert.False(again.Value!.Created);
        Assert.Equal(first.Value.Job.Id, again.Value.Job.Id);
    }

    [Fact]
    public async Task An_idempotency_key_reused_for_another_spec_is_refused()
    {
        var key = Guid.NewGuid().ToString();
        await fixture.SendAsync(new SubmitJob(JobSpecBuilder.AJob(UniqueName("k1")).Build(), key));
        var result = await fixture.SendAsync(new SubmitJob(JobSpecBuilder.AJob(UniqueName("k2")).Build(), key));

        Assert.Equal(FailureKind.Unprocessable, result.Failure!.Kind);
        Assert.Contains(SubmitJob.IdempotencyKeyField, result.Failure.Errors.Keys);
    }

    [Fact]
    public async Task Concurrent_identical_submissions_create_exactly_one_job()
    {
        var spec = JobSpecBuilder.AJob(UniqueName("race")).Build();
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => fixture.SendAsync(new SubmitJob(spec))));

        Assert.All(results, r => Assert.True(r.IsSuccess));
        Assert.Single(results, r => r.Value!.Created);
        Assert.Single(results.Select(r => r.Value!.Job.Id).Distinct());
    }
}
