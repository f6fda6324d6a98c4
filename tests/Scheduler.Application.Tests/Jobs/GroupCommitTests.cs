using Microsoft.EntityFrameworkCore;
using Scheduler.Application.Common;
using Scheduler.Application.Jobs;
using Scheduler.Application.Queues;
using Scheduler.Domain.Jobs;
using Scheduler.Domain.Queues;
using Scheduler.Domain.Specs;
using Scheduler.Persistence.Admission;
using Scheduler.Persistence.Jobs;
using Scheduler.Testing.Builders;

namespace Scheduler.Application.Tests.Jobs;

/// <summary>Concurrent submissions share transactions (<see cref="JobWriter"/>); each still gets its own exact answer.</summary>
public sealed class GroupCommitTests(SchedulerFixture fixture) : IClassFixture<SchedulerFixture>, IAsyncLifetime
{
    public ValueTask InitializeAsync() => new(fixture.EnsureQueueAsync("research"));

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static string UniqueName(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    [Fact]
    public async Task The_model_is_written_by_the_one_statement_insert()
    {
        // Null would mean a table gained a column no property fills (an owned type?): groups would fall back to SaveChanges.
        await using var db = fixture.NewDbContext();
        var insert = NewJobsInsert.For(db.Model);
        Assert.NotNull(insert);
        // The rows admission stores with each job go in the same statement, or every group would fall back.
        Assert.True(insert.CanWrite([
            new JobEstimateRecord(Guid.NewGuid(), "{}", "A100-80GB", 1, 10, 1, 0.4, "catalog"),
            new BudgetCharge(Guid.NewGuid(), "research", DateTimeOffset.UnixEpoch, 1, null),
        ]));
    }

    [Fact]
    public async Task One_statement_inserts_jobs_with_their_origin_events_and_rows_and_skips_a_taken_name_with_its_rows()
    {
        var ct = TestContext.Current.CancellationToken;
        var now = DateTimeOffset.UtcNow;
        var spec = JobSpecNormalizer.Normalize(JobSpecBuilder.AJob(UniqueName("direct")).Priority("normal").Build());
        var first = Job.Submit(Guid.CreateVersion7(), spec, now, new JobOrigin("team-a", "tj", Guid.NewGuid().ToString(), 1));
        var sameName = Job.Submit(Guid.CreateVersion7(), spec, now);
        object[] rows =
        [
            new JobEstimateRecord(first.Id, "{}", "A100-80GB", 2, 10, 1, 0.4, "catalog"),
            new BudgetCharge(first.Id, "research", now, 2, null),
            new JobEstimateRecord(sameName.Id, "{}", "A100-80GB", 2, 10, 1, 0.4, "catalog"),
        ];
        await using var db = fixture.NewDbContext();

        var inserted = await NewJobsInsert.For(db.Model)!.ExecuteAsync(db, [first, sameName], rows, ct);

        Assert.Equal([first.Id], inserted);
        var stored = await db.Jobs.AsNoTracking().Include(j => j.Events).SingleAsync(j => j.Id == first.Id, ct);
        Assert.Equal((first.Origin, "team-a", 1), (stored.Origin, stored.Namespace, stored.Events.Count));
        Assert.Equal(1, await db.JobEstimates.CountAsync(e => e.JobId == first.Id || e.JobId == sameName.Id, ct));
        Assert.Equal(2, (await db.BudgetCharges.SingleAsync(c => c.JobId == first.Id, ct)).GpuHours);
    }

    [Fact]
    public async Task Grouped_submissions_store_each_jobs_estimate_budget_charge_and_origin_with_it()
    {
        var origins = Enumerable.Range(0, JobWriter.MaxGroupSize).Select(i => new JobOrigin("team-a", $"tj-{i}", Guid.NewGuid().ToString(), 1)).ToList();
        var specs = origins.Select(_ => JobSpecBuilder.AJob(UniqueName("group")).Build()).ToList();

        var results = await Task.WhenAll(specs.Select((spec, i) => fixture.SendAsync(new SubmitJob(spec, Origin: origins[i]))));

        var ids = results.Select(r => r.Value!.Job.Id).ToList();
        await using var db = fixture.NewDbContext();
        var ct = TestContext.Current.CancellationToken;
        var stored = await db.Jobs.Where(j => ids.Contains(j.Id)).ToListAsync(ct);
        Assert.Equal(origins.Select(o => o.Uid).Order(), stored.Select(j => j.Origin!.Uid).Order());
        Assert.All(stored, j => Assert.Equal("team-a", j.Namespace));
        Assert.Equal(ids.Count, await db.JobEstimates.CountAsync(e => ids.Contains(e.JobId), ct));
        Assert.Equal(ids.Count, await db.BudgetCharges.CountAsync(c => ids.Contains(c.JobId) && c.GpuHours > 0, ct));
        Assert.All(results, r => Assert.NotNull(r.Value!.Job.Estimate));
    }

    [Fact]
    public async Task Concurrent_distinct_submissions_are_all_stored_each_with_its_submission_event()
    {
        var specs = Enumerable.Range(0, 3 * JobWriter.MaxGroupSize / 2).Select(_ => JobSpecBuilder.AJob(UniqueName("many")).Build()).ToList();

        var results = await Task.WhenAll(specs.Select(spec => fixture.SendAsync(new SubmitJob(spec))));

        Assert.All(results, r => Assert.True(r.Value!.Created));
        var ids = results.Select(r => r.Value!.Job.Id).ToList();
        await using var db = fixture.NewDbContext();
        var stored = await db.Jobs.Include(j => j.Events).Where(j => ids.Contains(j.Id)).ToListAsync(TestContext.Current.CancellationToken);
        Assert.Equal(specs.Select(s => s.Name).Order(), stored.Select(j => j.Name).Order());
        Assert.All(stored, j => Assert.Equal(Domain.Jobs.Job.SubmittedReason, Assert.Single(j.Events).Reason));
    }

    [Fact]
    public async Task A_conflict_in_a_group_costs_the_other_submissions_nothing()
    {
        var clash = UniqueName("clash");
        var distinct = Enumerable.Range(0, 20).Select(_ => JobSpecBuilder.AJob(UniqueName("ok")).Build());
        var clashing = Enumerable.Range(1, 6).Select(i => JobSpecBuilder.AJob(clash).Training(t => t with { Tokens = i * 1e9 }).Build());

        var results = await Task.WhenAll(distinct.Concat(clashing).Select(spec => fixture.SendAsync(new SubmitJob(spec))));

        var (clashes, others) = (results.Where(r => r.Value?.Job.Name == clash || r.Failure is not null).ToList(), results.Where(r => r.Value?.Job.Name is { } n && n != clash).ToList());
        Assert.Equal(20, others.Count);
        Assert.All(others, r => Assert.True(r.Value!.Created));
        Assert.Single(clashes, r => r.IsSuccess && r.Value!.Created);
        Assert.All(clashes.Where(r => !r.IsSuccess), r => Assert.Equal(FailureKind.Conflict, r.Failure!.Kind));
        Assert.Equal(5, clashes.Count(r => !r.IsSuccess));
    }

    [Fact]
    public async Task A_queue_changed_through_put_applies_to_the_next_submission()
    {
        var queue = UniqueName("q");
        await fixture.EnsureQueueAsync(queue, defaultPriorityClass: "low");
        var before = await fixture.SendAsync(new SubmitJob(JobSpecBuilder.AJob(UniqueName("before")).InQueue(queue).Build()));

        await fixture.SendAsync(new PutQueue(queue, new QueueSpec { NominalQuota = new Dictionary<string, int> { ["A100-80GB"] = 8 }, DefaultPriorityClass = "high" }));
        var after = await fixture.SendAsync(new SubmitJob(JobSpecBuilder.AJob(UniqueName("after")).InQueue(queue).Build()));

        Assert.Equal(("low", "high"), (before.Value!.Job.PriorityClass, after.Value!.Job.PriorityClass));
    }
}
