using Scheduler.Application.Common;
using Scheduler.Application.Jobs;
using Scheduler.Application.Scheduling;
using Scheduler.Domain.Jobs;
using Scheduler.Testing.Builders;

namespace Scheduler.Application.Tests.Scheduling;

public sealed class LeaderFenceTests(SchedulerFixture fixture) : IClassFixture<SchedulerFixture>, IAsyncLifetime
{
    public ValueTask InitializeAsync() => new(fixture.EnsureQueueAsync("research"));

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task Each_new_term_is_one_more_and_the_installation_id_stays()
    {
        var first = await fixture.SendAsync(new BeginLeaderTerm("replica-a"));
        var second = await fixture.SendAsync(new BeginLeaderTerm("replica-b"));

        Assert.Equal(first.Term + 1, second.Term);
        Assert.Equal(first.InstallationId, second.InstallationId);
        Assert.NotEqual(Guid.Empty, second.InstallationId);
    }

    [Fact]
    public async Task A_writer_that_stalls_inside_its_fenced_transaction_holds_the_next_term_back_only_until_postgresql_ends_it()
    {
        var stale = await fixture.SendAsync(new BeginLeaderTerm("replica-a"));
        await using var stalled = fixture.NewDbContext();
        var transaction = await stalled.Database.BeginTransactionAsync(Ct);
        Assert.Equal(stale.Term, await LeaderFence.CurrentTermAsync(stalled, transaction, Ct));
        var stalledAt = System.Diagnostics.Stopwatch.GetTimestamp();

        // The stalled writer sends nothing more (a SIGSTOPped leader); the new leader's term waits for its share lock.
        var next = await fixture.SendAsync(new BeginLeaderTerm("replica-b")).WaitAsync(TimeSpan.FromSeconds(25), Ct);

        Assert.Equal(stale.Term + 1, next.Term);
        Assert.True(System.Diagnostics.Stopwatch.GetElapsedTime(stalledAt) >= LeaderFence.StalledWriterTimeout - TimeSpan.FromSeconds(1));
        await Assert.ThrowsAnyAsync<Exception>(() => transaction.CommitAsync(Ct));
    }

    [Fact]
    public async Task An_admission_under_a_stale_term_is_refused_and_changes_nothing()
    {
        var job = await SubmitAsync();
        var stale = await fixture.SendAsync(new BeginLeaderTerm("replica-a"));
        var current = await fixture.SendAsync(new BeginLeaderTerm("replica-b"));

        var refused = await fixture.SendAsync(Admit(job, stale.Term));
        var admitted = await fixture.SendAsync(Admit(job, current.Term));

        Assert.Equal(FailureKind.Conflict, refused.Failure!.Kind);
        Assert.True(refused.Failure.Errors.ContainsKey(LeaderFence.Field));
        Assert.Equal((JobState.Admitted, 1), (admitted.Value!.State, admitted.Value.Attempt));
        var events = (await fixture.QueryAsync(new GetJobEvents(job.Id))).Value!;
        Assert.Equal([JobState.Queued, JobState.Admitted], events.Select(e => e.To));
    }

    [Fact]
    public async Task A_preemption_and_a_retry_under_a_stale_term_are_refused()
    {
        var job = await SubmitAsync();
        var stale = await fixture.SendAsync(new BeginLeaderTerm("replica-a"));
        var admitted = (await fixture.SendAsync(Admit(job, stale.Term))).Value!;
        await fixture.SendAsync(new BeginLeaderTerm("replica-b"));

        var preempt = await fixture.SendAsync(new TransitionJob(job.Id, JobState.Preempted, "preempted by high", admitted.Version, stale.Term));
        var retry = await fixture.SendAsync(new RetryJob(job.Id, admitted.Version, "pod failed", stale.Term));

        Assert.True(preempt.Failure!.Errors.ContainsKey(LeaderFence.Field));
        Assert.True(retry.Failure!.Errors.ContainsKey(LeaderFence.Field));
        var stored = (await fixture.QueryAsync(new GetJob(job.Id))).Value!;
        Assert.Equal((JobState.Admitted, admitted.Version), (stored.State, stored.Version));
    }

    [Fact]
    public async Task A_cycle_s_batched_admission_under_a_stale_term_is_refused_whole()
    {
        var jobs = new[] { await SubmitAsync(), await SubmitAsync() };
        var stale = await fixture.SendAsync(new BeginLeaderTerm("replica-a"));
        var current = await fixture.SendAsync(new BeginLeaderTerm("replica-b"));

        var refused = await fixture.SendAsync(AdmitAll(jobs, stale.Term));
        var admitted = await fixture.SendAsync(AdmitAll(jobs, current.Term));

        Assert.True(refused.Failure!.Errors.ContainsKey(LeaderFence.Field));
        Assert.Equal(jobs.Select(j => j.Id).Order(), admitted.Value!.Select(a => a.JobId).Order());
        foreach (var job in jobs)
        {
            var events = (await fixture.QueryAsync(new GetJobEvents(job.Id))).Value!;
            Assert.Equal([JobState.Queued, JobState.Admitted], events.Select(e => e.To));
        }
    }

    [Fact]
    public async Task A_cycle_s_batched_move_to_running_under_a_stale_term_is_refused_whole()
    {
        var stale = await fixture.SendAsync(new BeginLeaderTerm("replica-a"));
        var admitted = (await fixture.SendAsync(AdmitAll([await SubmitAsync(), await SubmitAsync()], stale.Term))).Value!;
        var current = await fixture.SendAsync(new BeginLeaderTerm("replica-b"));

        var refused = await fixture.SendAsync(RunAll(admitted, stale.Term));
        var moved = await fixture.SendAsync(RunAll(admitted, current.Term));

        Assert.True(refused.Failure!.Errors.ContainsKey(LeaderFence.Field));
        Assert.Equal(admitted.Select(a => a.JobId).Order(), moved.Value!.Order());
        foreach (var job in admitted)
        {
            var events = (await fixture.QueryAsync(new GetJobEvents(job.JobId))).Value!;
            Assert.Equal([JobState.Queued, JobState.Admitted, JobState.Running], events.Select(e => e.To));
        }
    }

    private static TransitionJobs RunAll(IEnumerable<AdmittedJob> jobs, long term) =>
        new([.. jobs.Select(j => new JobTransition(j.JobId, j.Version, JobState.Running, "1 pod(s) running"))], term);

    private static AdmitJobs AdmitAll(IEnumerable<JobDetails> jobs, long term) =>
        new([.. jobs.Select(j => new JobAdmission(j.Id, j.Version, [new JobPodPlacement(0, "node-a", [0], 1000, 0, 0)], "placed on node-a"))], "training", term);

    private async Task<JobDetails> SubmitAsync() =>
        (await fixture.SendAsync(new SubmitJob(JobSpecBuilder.AJob($"job-{Guid.NewGuid():N}"[..30]).Build()))).Value!.Job;

    private static AdmitJob Admit(JobDetails job, long term) =>
        new(job.Id, job.Version, [new JobPodPlacement(0, "node-a", [0], 1000, 0, 0)], "training", "placed on node-a", term);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;
}
