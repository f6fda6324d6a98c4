using Microsoft.EntityFrameworkCore;
using Scheduler.Admission;
using Scheduler.Admission.Calibration;
using Scheduler.Application.Admission;
using Scheduler.Application.Common;
using Scheduler.Application.Jobs;
using Scheduler.Application.Queues;
using Scheduler.Domain.Catalog;
using Scheduler.Domain.Jobs;
using Scheduler.Domain.Queues;
using Scheduler.Domain.Specs;
using Scheduler.Testing.Builders;

namespace Scheduler.Application.Tests.Admission;

public sealed class SubmitAdmissionTests(SchedulerFixture fixture) : IClassFixture<SchedulerFixture>, IAsyncLifetime
{
    // The builder's GPT-2-small job on one A100-80GB with the default MFU: about 1.69 GPU-hours.
    private static readonly double SmallJobGpuHours = LibraryEstimate(JobSpecBuilder.AJob().Build()).GpuHours;

    public ValueTask InitializeAsync() => new(fixture.EnsureQueueAsync("research"));

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static Estimate LibraryEstimate(JobSpec spec) =>
        new Estimator(GpuCatalog.Default).Estimate(JobSpecNormalizer.Normalize(spec with { PriorityClass = PriorityClasses.DefaultClass }));

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..30];

    private Task BudgetQueueAsync(string name, double gpuHours, BudgetExceededAction whenExceeded) =>
        fixture.SendAsync(new PutQueue(name, new QueueSpec
        {
            NominalQuota = new Dictionary<string, int> { ["A100-80GB"] = 8 },
            GpuHourBudget = new GpuHourBudget { Period = BudgetPeriod.Month, GpuHours = gpuHours, WhenExceeded = whenExceeded },
        }));

    private async Task<Result<SubmittedJob>> SubmitAsync(string queue, string? name = null) =>
        await fixture.SendAsync(new SubmitJob(JobSpecBuilder.AJob(name ?? Unique("job")).InQueue(queue).Build()));

    [Fact]
    public async Task Submission_stores_the_library_estimate_with_its_query_columns()
    {
        var spec = JobSpecBuilder.AJob(Unique("stored")).Build();

        var job = (await fixture.SendAsync(new SubmitJob(spec))).Value!.Job;

        var expected = LibraryEstimate(spec);
        Assert.Equal(expected, job.Estimate);
        await using var db = fixture.NewDbContext();
        var row = await db.JobEstimates.SingleAsync(e => e.JobId == job.Id, TestContext.Current.CancellationToken);
        Assert.Equal((expected.GpuHours, expected.MemoryPerGpuGiB.Total, "A100-80GB", MfuChoice.DefaultSource), (row.PredictedGpuHours, row.MemoryPerGpuGiB, row.GpuType, row.MfuSource));
        Assert.Equal(expected, (await fixture.QueryAsync(new GetJob(job.Id))).Value!.Estimate);
    }

    [Fact]
    public async Task A_job_that_does_not_fit_is_refused_with_the_suggestion_and_nothing_is_stored()
    {
        var name = Unique("too-big");
        await using var db = fixture.NewDbContext();
        var before = (await db.Jobs.CountAsync(TestContext.Current.CancellationToken), await db.JobEstimates.CountAsync(TestContext.Current.CancellationToken), await db.BudgetCharges.CountAsync(TestContext.Current.CancellationToken));

        var result = await fixture.SendAsync(new SubmitJob(AdmissionSpecs.SevenBillionOnOneGpu(name).Build()));

        Assert.Equal(FailureKind.Unprocessable, result.Failure!.Kind);
        var verdict = Assert.Single(result.Failure.Errors["resources"]);
        Assert.StartsWith("needs ", verdict, StringComparison.Ordinal);
        Assert.Contains("brings it to", verdict, StringComparison.Ordinal);
        var suggestions = Assert.IsAssignableFrom<IReadOnlyList<FitSuggestion>>(result.Failure.Extensions!["suggestions"]);
        Assert.NotEmpty(suggestions);
        Assert.All(suggestions, s => Assert.True(s.MemoryPerGpuGiB <= GpuCatalog.Default.Get(s.GpuType).MemoryGiB));
        Assert.Equal(before, (await db.Jobs.CountAsync(TestContext.Current.CancellationToken), await db.JobEstimates.CountAsync(TestContext.Current.CancellationToken), await db.BudgetCharges.CountAsync(TestContext.Current.CancellationToken)));
        Assert.False(await db.Jobs.AnyAsync(j => j.Name == name, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Submission_beyond_the_budget_is_rejected_naming_budget_when_the_queue_rejects()
    {
        var queue = Unique("reject");
        await BudgetQueueAsync(queue, gpuHours: SmallJobGpuHours * 1.5, BudgetExceededAction.Reject);

        var first = await SubmitAsync(queue);
        var second = await SubmitAsync(queue);

        Assert.True(first.IsSuccess);
        Assert.Equal(FailureKind.Unprocessable, second.Failure!.Kind);
        Assert.Contains("GPU-hours", Assert.Single(second.Failure.Errors["budget"]), StringComparison.Ordinal);
        var budget = (await fixture.QueryAsync(new GetQueue(queue))).Value!.Budget!;
        Assert.Equal(SmallJobGpuHours, budget.UsedGpuHours, 9);
        Assert.Equal(SmallJobGpuHours * 0.5, budget.RemainingGpuHours, 9);
        await using var db = fixture.NewDbContext();
        Assert.Equal(1, await db.Jobs.CountAsync(j => j.Queue == queue, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Concurrent_submissions_never_together_spend_more_than_the_budget()
    {
        var queue = Unique("race");
        await BudgetQueueAsync(queue, gpuHours: SmallJobGpuHours * 5.5, BudgetExceededAction.Reject);

        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(() => SubmitAsync(queue))));

        Assert.Equal(5, results.Count(r => r.IsSuccess));
        Assert.All(results.Where(r => !r.IsSuccess), r => Assert.True(r.Failure!.Errors.ContainsKey("budget"), r.Failure.ToString()));
        var budget = (await fixture.QueryAsync(new GetQueue(queue))).Value!.Budget!;
        Assert.Equal(SmallJobGpuHours * 5, budget.UsedGpuHours, 9);
        await using var db = fixture.NewDbContext();
        Assert.Equal(5, await db.Jobs.CountAsync(j => j.Queue == queue, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Submission_beyond_the_budget_is_held_queued_with_the_reason_when_the_queue_holds()
    {
        var queue = Unique("hold");
        await BudgetQueueAsync(queue, gpuHours: SmallJobGpuHours * 1.5, BudgetExceededAction.Hold);

        var charged = (await SubmitAsync(queue)).Value!.Job;
        var held = (await SubmitAsync(queue)).Value!.Job;

        Assert.Null(charged.BudgetHold);
        Assert.Equal(JobState.Queued, held.State);
        Assert.StartsWith(JobAdmission.HoldReasonPrefix, held.BudgetHold, StringComparison.Ordinal);
        Assert.Equal(held.BudgetHold, (await fixture.QueryAsync(new GetJob(held.Id))).Value!.BudgetHold);
        var budget = (await fixture.QueryAsync(new GetQueue(queue))).Value!.Budget!;
        Assert.Equal((SmallJobGpuHours, 1), (budget.UsedGpuHours, budget.HeldJobs));
    }

    [Fact]
    public async Task Ending_a_job_corrects_its_charge_to_placed_time_times_gpus()
    {
        var queue = Unique("settle");
        await BudgetQueueAsync(queue, gpuHours: 100, BudgetExceededAction.Reject);
        var job = (await SubmitAsync(queue)).Value!.Job;
        foreach (var state in new[] { JobState.Admitted, JobState.Running, JobState.Succeeded })
        {
            Assert.True((await fixture.SendAsync(new TransitionJob(job.Id, state, "test"))).IsSuccess);
        }

        var events = (await fixture.QueryAsync(new GetJobEvents(job.Id))).Value!;
        // From placement (Admitted) to release, as accounting counts it.
        var ran = events.Single(e => e.To == JobState.Succeeded).At - events.Single(e => e.To == JobState.Admitted).At;
        await using var db = fixture.NewDbContext();
        var charge = await db.BudgetCharges.SingleAsync(c => c.JobId == job.Id, TestContext.Current.CancellationToken);
        Assert.Equal(ran.TotalHours * 1, charge.ActualGpuHours!.Value, 12);
        Assert.Equal(charge.ActualGpuHours, charge.GpuHours);
        Assert.Equal(SmallJobGpuHours, charge.PredictedGpuHours, 9);
        Assert.Equal(charge.GpuHours, (await fixture.QueryAsync(new GetQueue(queue))).Value!.Budget!.UsedGpuHours, 12);
    }

    [Fact]
    public async Task Cancelling_a_charged_job_that_never_ran_frees_its_hours_and_releases_the_held_job()
    {
        var queue = Unique("release");
        await BudgetQueueAsync(queue, gpuHours: SmallJobGpuHours * 1.5, BudgetExceededAction.Hold);
        var charged = (await SubmitAsync(queue)).Value!.Job;
        var held = (await SubmitAsync(queue)).Value!.Job;
        Assert.NotNull(held.BudgetHold);

        await fixture.SendAsync(new CancelJob(charged.Id));

        Assert.Null((await fixture.QueryAsync(new GetJob(held.Id))).Value!.BudgetHold);
        var budget = (await fixture.QueryAsync(new GetQueue(queue))).Value!.Budget!;
        Assert.Equal((SmallJobGpuHours, 0), (budget.UsedGpuHours, budget.HeldJobs));
        await using var db = fixture.NewDbContext();
        Assert.Equal(0, (await db.BudgetCharges.SingleAsync(c => c.JobId == charged.Id, TestContext.Current.CancellationToken)).GpuHours);
    }

    [Fact]
    public async Task Releasing_holds_charges_the_held_jobs_that_now_fit_oldest_first()
    {
        var queue = Unique("raised");
        await BudgetQueueAsync(queue, gpuHours: SmallJobGpuHours * 1.5, BudgetExceededAction.Hold);
        await SubmitAsync(queue);
        var firstHeld = (await SubmitAsync(queue)).Value!.Job;
        var secondHeld = (await SubmitAsync(queue)).Value!.Job;
        Assert.Equal(0, await fixture.SendAsync(new ReleaseBudgetHolds(queue)));

        await BudgetQueueAsync(queue, gpuHours: SmallJobGpuHours * 2.5, BudgetExceededAction.Hold);
        var released = await fixture.SendAsync(new ReleaseBudgetHolds());

        Assert.Equal(1, released);
        Assert.Null((await fixture.QueryAsync(new GetJob(firstHeld.Id))).Value!.BudgetHold);
        Assert.NotNull((await fixture.QueryAsync(new GetJob(secondHeld.Id))).Value!.BudgetHold);
        var budget = (await fixture.QueryAsync(new GetQueue(queue))).Value!.Budget!;
        Assert.Equal((SmallJobGpuHours * 2, 1), (budget.UsedGpuHours, budget.HeldJobs));
    }

    [Fact]
    public async Task Resubmitting_the_same_spec_to_a_queue_whose_budget_it_used_up_answers_its_job_and_another_spec_conflicts()
    {
        var queue = Unique("resubmit");
        await BudgetQueueAsync(queue, gpuHours: SmallJobGpuHours * 1.5, BudgetExceededAction.Reject);
        var spec = JobSpecBuilder.AJob(Unique("same")).InQueue(queue).Build();

        var first = await fixture.SendAsync(new SubmitJob(spec));
        var again = await fixture.SendAsync(new SubmitJob(spec));
        var other = await fixture.SendAsync(new SubmitJob(spec with { Training = spec.Training! with { Tokens = spec.Training.Tokens * 2 } }));

        Assert.True(first.Value!.Created);
        Assert.Equal((first.Value.Job.Id, false), (again.Value!.Job.Id, again.Value.Created));
        Assert.Equal(first.Value.Job.Estimate, again.Value.Job.Estimate);
        Assert.Equal(FailureKind.Conflict, other.Failure!.Kind);
        Assert.Contains("different spec", Assert.Single(other.Failure.Errors["name"]), StringComparison.Ordinal);
        var budget = (await fixture.QueryAsync(new GetQueue(queue))).Value!.Budget!;
        Assert.Equal(SmallJobGpuHours, budget.UsedGpuHours, 9);
        await using var db = fixture.NewDbContext();
        Assert.Equal(1, await db.Jobs.CountAsync(j => j.Queue == queue, TestContext.Current.CancellationToken));
        Assert.Equal(1, await db.BudgetCharges.CountAsync(c => c.Queue == queue, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task An_idempotent_replay_to_a_queue_whose_budget_it_used_up_answers_its_job()
    {
        var queue = Unique("replay");
        await BudgetQueueAsync(queue, gpuHours: SmallJobGpuHours * 1.5, BudgetExceededAction.Reject);
        var spec = JobSpecBuilder.AJob(Unique("keyed")).InQueue(queue).Build();
        var key = Unique("key");

        var first = await fixture.SendAsync(new SubmitJob(spec, key));
        var replay = await fixture.SendAsync(new SubmitJob(spec, key));
        var otherSpecSameKey = await fixture.SendAsync(new SubmitJob(spec with { Training = spec.Training! with { Tokens = spec.Training.Tokens * 2 } }, key));
        var otherSpecSameName = await fixture.SendAsync(new SubmitJob(spec with { Training = spec.Training! with { Tokens = spec.Training.Tokens * 2 } }, Unique("key")));

        Assert.True(first.Value!.Created);
        Assert.Equal((first.Value.Job.Id, false), (replay.Value!.Job.Id, replay.Value.Created));
        Assert.Equal(first.Value.Job.Estimate, replay.Value.Job.Estimate);
        Assert.Equal(FailureKind.Unprocessable, otherSpecSameKey.Failure!.Kind);
        Assert.True(otherSpecSameKey.Failure.Errors.ContainsKey(SubmitJob.IdempotencyKeyField), otherSpecSameKey.Failure.ToString());
        Assert.Equal(FailureKind.Conflict, otherSpecSameName.Failure!.Kind);
        Assert.True(otherSpecSameName.Failure.Errors.ContainsKey("name"), otherSpecSameName.Failure.ToString());
        await using var db = fixture.NewDbContext();
        Assert.Equal(1, await db.Jobs.CountAsync(j => j.Queue == queue, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Identical_submissions_racing_into_a_budgeted_queue_yield_one_job()
    {
        var queue = Unique("same-race");
        await BudgetQueueAsync(queue, gpuHours: SmallJobGpuHours * 1.5, BudgetExceededAction.Reject);
        var spec = JobSpecBuilder.AJob(Unique("racer")).InQueue(queue).Build();

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => fixture.SendAsync(new SubmitJob(spec)))));

        Assert.All(results, r => Assert.True(r.IsSuccess, r.Failure?.ToString()));
        Assert.Single(results, r => r.Value!.Created);
        Assert.Single(results.Select(r => r.Value!.Job.Id).Distinct());
        var budget = (await fixture.QueryAsync(new GetQueue(queue))).Value!.Budget!;
        Assert.Equal(SmallJobGpuHours, budget.UsedGpuHours, 9);
    }

    [Theory]
    [InlineData(BudgetExceededAction.Hold)]
    [InlineData(BudgetExceededAction.Reject)]
    public async Task A_job_needing_more_than_the_whole_budget_per_period_is_refused_whatever_the_queue_does_when_exceeded(BudgetExceededAction whenExceeded)
    {
        var queue = Unique("whole");
        await BudgetQueueAsync(queue, gpuHours: SmallJobGpuHours * 1.5, whenExceeded);
        var big = JobSpecBuilder.AJob(Unique("big")).InQueue(queue).Training(t => t with { Tokens = t.Tokens * 2 }).Build();

        var refused = await fixture.SendAsync(new SubmitJob(big));
        var small = await SubmitAsync(queue);

        Assert.Equal(FailureKind.Unprocessable, refused.Failure!.Kind);
        var message = Assert.Single(refused.Failure.Errors["budget"]);
        Assert.Contains($"queue '{queue}''s whole budget per month is", message, StringComparison.Ordinal);
        Assert.StartsWith($"needs {SmallJobGpuHours * 2:0.0} GPU-hours", message, StringComparison.Ordinal);
        Assert.True(small.Value!.Created);
        Assert.Null(small.Value.Job.BudgetHold);
        var budget = (await fixture.QueryAsync(new GetQueue(queue))).Value!.Budget!;
        Assert.Equal((SmallJobGpuHours, 0), (budget.UsedGpuHours, budget.HeldJobs));
        await using var db = fixture.NewDbContext();
        Assert.False(await db.Jobs.AnyAsync(j => j.Name == big.Name, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_queue_without_a_budget_shows_none()
    {
        Assert.Null((await fixture.QueryAsync(new GetQueue("research"))).Value!.Budget);
    }
}
