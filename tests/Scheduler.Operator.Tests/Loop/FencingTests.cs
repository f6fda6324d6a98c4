using Microsoft.Extensions.DependencyInjection;
using Scheduler.Application.Scheduling;
using Scheduler.Domain.Jobs;
using Scheduler.Operator.Cycle;
using Scheduler.Operator.Store;
using static Scheduler.Testing.Builders.JobSpecBuilder;

namespace Scheduler.Operator.Tests.Loop;

/// <summary>
/// Two operator replicas on one database and one API server: every Lease acquisition begins a new leader term in PostgreSQL,
/// and the admission and preemption writes of an older term are refused there, so a replica paused past its lease makes no
/// admission when it wakes up, and steps down.
/// </summary>
public sealed class FencingTests : IAsyncLifetime
{
    private OperatorHarness _harness = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _harness = await OperatorHarness.StartAsync("fencing", a100Nodes: 2);
        await _harness.PutQueueAsync(new Dictionary<string, int> { ["A100-80GB"] = 16 });
    }

    public ValueTask DisposeAsync() => _harness.DisposeAsync();

    [Fact]
    public async Task A_leader_paused_past_its_lease_makes_no_admission_after_another_replica_took_over()
    {
        var first = await _harness.StartOperatorAsync("operator-a");
        var firstTerm = first.Services.GetRequiredService<LeadershipTerm>();
        await _harness.WaitAsync(() => Task.FromResult(first.IsLeader && firstTerm.Term is not null), () => "operator-a never led");
        // The pause (SIGSTOP, as far as one process goes): its loop stops, its state (term, inventory, cycle) stays as it was.
        await first.StopAsync();

        var second = await _harness.StartOperatorAsync("operator-b");
        var secondTerm = second.Services.GetRequiredService<LeadershipTerm>();
        await _harness.WaitAsync(() => Task.FromResult(second.IsLeader && secondTerm.Term is not null), () => "operator-b never took over");
        Assert.True(secondTerm.Term > firstTerm.Term);
        // The new leader goes quiet too, so that only the stale one could place the next job.
        await second.StopAsync();
        var job = await _harness.SubmitAsync(OperatorHarness.RunningFor(AJob("late"), TimeSpan.FromSeconds(600)));

        // SIGCONT: the stale replica runs the cycle it was in, with its old term and its old view of the cluster.
        var stale = first.Services.GetRequiredService<OperatorCycle>();
        await Assert.ThrowsAsync<StaleLeaderException>(() => stale.RunOnceAsync(Ct));

        var stored = await _harness.GetJobAsync(job.Id);
        Assert.Equal((JobState.Queued, 0), (stored.State, stored.Attempt));
        Assert.DoesNotContain(await _harness.EventsAsync(job.Id), e => e.To == JobState.Admitted);
        Assert.Empty(await _harness.PodsOfAsync(job.Id));
    }

    [Fact]
    public async Task A_leader_whose_term_another_replica_began_steps_down_and_places_nothing_under_the_old_term()
    {
        var only = await _harness.StartOperatorAsync("operator-a");
        var term = only.Services.GetRequiredService<LeadershipTerm>();
        await _harness.WaitAsync(() => Task.FromResult(only.IsLeader && term.Term is not null), () => "operator-a never led");
        var fenced = term.Term!.Value;

        // Another replica acquires behind its back (its Lease write is not simulated; its term is what fences).
        var intruder = await _harness.SendAsync(new BeginLeaderTerm("operator-b"));
        var job = await _harness.SubmitAsync(OperatorHarness.RunningFor(AJob("after-takeover"), TimeSpan.FromSeconds(600)));

        // The stale term's admission is refused; the replica steps down, campaigns again and leads under a newer term.
        await _harness.WaitAsync(() => Task.FromResult(term.Term > intruder.Term), () => $"operator-a did not begin a new term after {intruder.Term}");
        var admitted = await _harness.WaitForStateAsync(job.Id, JobState.Running);
        Assert.Equal(1, admitted.Attempt);
        Assert.True(intruder.Term > fenced);
    }
}
