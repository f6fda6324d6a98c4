using Microsoft.EntityFrameworkCore;
using Scheduler.Application.Jobs;
using Scheduler.Application.Scheduling;
using Scheduler.Domain.Jobs;
using Scheduler.Testing.Builders;

namespace Scheduler.Application.Tests.Scheduling;

/// <summary>A cycle's admissions and Running moves written together, each still only from the version the operator saw.</summary>
public sealed class BatchedDecisionTests(SchedulerFixture fixture) : IClassFixture<SchedulerFixture>, IAsyncLifetime
{
    private const string Queue = "batched";

    public ValueTask InitializeAsync() => new(fixture.EnsureQueueAsync(Queue));

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task Admits_every_job_at_the_version_it_was_seen_and_leaves_out_one_that_moved_meanwhile()
    {
        var jobs = new List<JobDetails>();
        for (var i = 0; i < 3; i++)
        {
            jobs.Add(await SubmitAsync());
        }

        await fixture.SendAsync(new CancelJob(jobs[1].Id));

        var admitted = (await fixture.SendAsync(new AdmitJobs([.. jobs.Select((j, i) => new JobAdmission(j.Id, j.Version, [new JobPodPlacement(0, $"node-{i}", [0], 1000, 0, 0)], $"placed on node-{i}"))], "training"))).Value!;

        Assert.Equal(new[] { jobs[0].Id, jobs[2].Id }.Order(), admitted.Select(a => a.JobId).Order());
        Assert.All(admitted, a => Assert.Equal(JobState.Admitted, a.State));
        var stored = (await fixture.QueryAsync(new GetJob(jobs[2].Id))).Value!;
        Assert.Equal(JobState.Admitted, stored.State);
        Assert.Equal(["node-2"], stored.Nodes);
        Assert.Equal(admitted.Single(a => a.JobId == jobs[2].Id).Version, stored.Version);
        Assert.Equal(JobState.Cancelled, (await fixture.QueryAsync(new GetJob(jobs[1].Id))).Value!.State);
        var events = (await fixture.QueryAsync(new GetJobEvents(jobs[0].Id))).Value!;
        Assert.Equal([JobState.Queued, JobState.Admitted], events.Select(e => e.To));
    }

    [Fact]
    public async Task Moves_admitted_jobs_to_running_together_except_one_whose_version_is_stale()
    {
        var first = await AdmitAsync(await SubmitAsync());
        var second = await AdmitAsync(await SubmitAsync());

        var moved = await fixture.SendAsync(new TransitionJobs(
        [
            new JobTransition(first.Id, first.Version, JobState.Running, "1 pod(s) running"),
            new JobTransition(second.Id, second.Version - 1, JobState.Running, "1 pod(s) running"),
        ]));

        Assert.Equal([first.Id], moved.Value!);
        Assert.Equal(JobState.Running, (await fixture.QueryAsync(new GetJob(first.Id))).Value!.State);
        Assert.Equal(JobState.Admitted, (await fixture.QueryAsync(new GetJob(second.Id))).Value!.State);
    }

    [Fact]
    public async Task Stores_every_column_as_the_domain_move_left_it_for_admissions_and_starts()
    {
        var job = await SubmitAsync();
        var placement = new List<JobPodPlacement> { new(0, "node-x", [0, 1], 1000, 4000, 16384) };

        var expected = await LoadAsync(job.Id);
        var admitted = (await fixture.SendAsync(new AdmitJobs([new JobAdmission(job.Id, job.Version, placement, "placed on node-x")], "training"))).Value!.Single();
        expected.Admit(placement, "training", "placed on node-x", (await LoadAsync(job.Id)).UpdatedAt);
        AssertStoredAs(expected, await LoadAsync(job.Id));

        await fixture.SendAsync(new TransitionJobs([new JobTransition(job.Id, admitted.Version, JobState.Running, "1 pod(s) running")]));
        expected.TransitionTo(JobState.Running, "1 pod(s) running", (await LoadAsync(job.Id)).UpdatedAt);
        AssertStoredAs(expected, await LoadAsync(job.Id));
        var events = (await fixture.QueryAsync(new GetJobEvents(job.Id))).Value!;
        Assert.Equal([JobState.Queued, JobState.Admitted, JobState.Running], events.Select(e => e.To));
    }

    [Fact]
    public async Task Records_pending_reasons_of_queued_jobs_only_and_counts_a_reason_already_there_as_nothing_to_write()
    {
        var waiting = await SubmitAsync();
        var admitted = await AdmitAsync(await SubmitAsync());
        var at = DateTimeOffset.Parse("2026-12-08T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture);

        var updated = await fixture.SendAsync(new SetPendingReasons(
        [
            new PendingUpdate(waiting.Id, "Insufficient GPUs: 8 of H100 free, 16 needed", at),
            new PendingUpdate(admitted.Id, "Insufficient GPUs", null),
        ]));

        Assert.Equal(1, updated);
        var stored = await LoadAsync(waiting.Id);
        Assert.Equal(("Insufficient GPUs: 8 of H100 free, 16 needed", (DateTimeOffset?)at, waiting.Version), (stored.PendingReason, stored.PredictedStart, stored.Version));
        Assert.Null((await LoadAsync(admitted.Id)).PendingReason);
        Assert.Equal(0, await fixture.SendAsync(new SetPendingReasons([new PendingUpdate(waiting.Id, "Insufficient GPUs: 8 of H100 free, 16 needed", at)])));
    }

    /// <summary>Every mapped column of the job, in the form it is stored (enums as text, placement and spec as JSON).</summary>
    private void AssertStoredAs(Job expected, Job stored)
    {
        using var db = fixture.NewDbContext();
        var entity = db.Model.FindEntityType(typeof(Job))!;
        foreach (var property in entity.GetProperties())
        {
            var converter = property.GetTypeMapping().Converter;
            object? Stored(Job j) => property.GetGetter().GetClrValue(j) is { } value && converter is not null ? converter.ConvertToProvider(value) : property.GetGetter().GetClrValue(j);
            Assert.True(Equals(Stored(expected), Stored(stored)), $"{property.Name}: expected {Stored(expected)}, stored {Stored(stored)}");
        }
    }

    private async Task<Job> LoadAsync(Guid id)
    {
        await using var db = fixture.NewDbContext();
        return await db.Jobs.AsNoTracking().SingleAsync(j => j.Id == id);
    }

    private async Task<JobDetails> SubmitAsync() =>
        (await fixture.SendAsync(new SubmitJob(JobSpecBuilder.AJob($"batch-{Guid.NewGuid():N}"[..30]).InQueue(Queue).Build()))).Value!.Job;

    private async Task<JobDetails> AdmitAsync(JobDetails job) =>
        (await fixture.SendAsync(new AdmitJob(job.Id, job.Version, [new JobPodPlacement(0, "node-a", [0], 1000, 0, 0)], "training", "placed"))).Value!;
}
