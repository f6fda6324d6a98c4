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

        Assert.Equal([jobs[0].Id, jobs[2].Id], admitted.Select(a => a.JobId).Order());
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

    private async Task<JobDetails> SubmitAsync() =>
        (await fixture.SendAsync(new SubmitJob(JobSpecBuilder.AJob($"batch-{Guid.NewGuid():N}"[..30]).InQueue(Queue).Build()))).Value!.Job;

    private async Task<JobDetails> AdmitAsync(JobDetails job) =>
        (await fixture.SendAsync(new AdmitJob(job.Id, job.Version, [new JobPodPlacement(0, "node-a", [0], 1000, 0, 0)], "training", "placed"))).Value!;
}
