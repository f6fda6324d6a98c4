using k8s.Models;
using Scheduler.Application.Jobs;
using Scheduler.Domain.Jobs;
using Scheduler.Domain.Specs;
using Scheduler.Domain.Workloads;
using Scheduler.Testing.Builders;
using static Scheduler.Testing.Builders.JobSpecBuilder;

namespace Scheduler.Operator.Tests.Loop;

/// <summary>
/// Dependencies, singletons and arrays on the simulated cluster, end to end: jobs go in through the application's commands,
/// the operator gates them before the core (<see cref="Cycle.JobGate"/>), and the tests end pods themselves.
/// </summary>
public sealed class DependencyAndArrayScenarios : IAsyncLifetime
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(600);

    private OperatorHarness _harness = null!;

    public async ValueTask InitializeAsync()
    {
        _harness = await OperatorHarness.StartAsync("dependencies-arrays", a100Nodes: 2, backoffLimit: 0);
        await _harness.PutQueueAsync(new Dictionary<string, int> { ["A100-80GB"] = 16 });
        await _harness.StartOperatorAsync("operator-a");
    }

    public ValueTask DisposeAsync() => _harness.DisposeAsync();

    [Fact]
    public async Task An_afterok_chain_runs_in_order_and_waiting_jobs_name_the_job_they_wait_for()
    {
        var first = await SubmitAsync(AJob("stage-1"));
        var second = await SubmitAsync(AJob("stage-2").After(DependencyType.AfterOk, "stage-1"));
        var third = await SubmitAsync(AJob("stage-3").After(DependencyType.AfterOk, second.Id.ToString()));

        await _harness.WaitForStateAsync(first.Id, JobState.Running);
        await WaitForPendingAsync(second.Id, $"job 'stage-1' ({first.Id})");
        await WaitForPendingAsync(third.Id, $"job 'stage-2' ({second.Id})");
        await _harness.EndPodsAsync(first.Id);
        await _harness.WaitForStateAsync(second.Id, JobState.Running);
        Assert.Equal(JobState.Queued, (await _harness.GetJobAsync(third.Id)).State);
        await _harness.EndPodsAsync(second.Id);
        await _harness.WaitForStateAsync(third.Id, JobState.Running);

        var firstEnded = (await _harness.EventsAsync(first.Id)).Single(e => e.To == JobState.Succeeded).At;
        var secondAdmitted = (await _harness.EventsAsync(second.Id)).First(e => e.To == JobState.Admitted).At;
        var secondEnded = (await _harness.EventsAsync(second.Id)).Single(e => e.To == JobState.Succeeded).At;
        var thirdAdmitted = (await _harness.EventsAsync(third.Id)).First(e => e.To == JobState.Admitted).At;
        Assert.True(firstEnded <= secondAdmitted && secondEnded <= thirdAdmitted, "each stage was admitted only after the one before it succeeded");
    }

    [Fact]
    public async Task After_a_failure_afternotok_and_afterany_run_and_afterok_ends_cancelled_as_never_satisfied()
    {
        var failing = await SubmitAsync(AJob("flaky"));
        var onFailure = await SubmitAsync(AJob("report-failure").After(DependencyType.AfterNotOk, "flaky"));
        var anyway = await SubmitAsync(AJob("cleanup").After(DependencyType.AfterAny, "flaky"));
        var onSuccess = await SubmitAsync(AJob("publish").After(DependencyType.AfterOk, "flaky"));

        await _harness.WaitForStateAsync(failing.Id, JobState.Running);
        await WaitForPendingAsync(onFailure.Id, "afternotok");
        await _harness.EndPodsAsync(failing.Id, 65);
        await _harness.WaitForStateAsync(failing.Id, JobState.Failed);

        await _harness.WaitForStateAsync(onFailure.Id, JobState.Running);
        await _harness.WaitForStateAsync(anyway.Id, JobState.Running);
        var cancelled = await _harness.WaitForStateAsync(onSuccess.Id, JobState.Cancelled);
        Assert.StartsWith(DependencyVerdict.NeverSatisfiedReason, cancelled.Reason, StringComparison.Ordinal);
        var last = (await _harness.EventsAsync(onSuccess.Id))[^1];
        Assert.Equal((JobState.Queued, JobState.Cancelled), (last.From!.Value, last.To));
        Assert.Contains($"job 'flaky' ({failing.Id}), which ended Failed", last.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(await _harness.EventsAsync(onSuccess.Id), e => e.To == JobState.Admitted);
    }

    [Fact]
    public async Task After_a_success_afternotok_never_runs_and_is_cancelled()
    {
        var fine = await SubmitAsync(AJob("fine"));
        var onFailure = await SubmitAsync(AJob("on-failure").After(DependencyType.AfterNotOk, fine.Id.ToString()));

        await _harness.WaitForStateAsync(fine.Id, JobState.Running);
        await _harness.EndPodsAsync(fine.Id);

        var cancelled = await _harness.WaitForStateAsync(onFailure.Id, JobState.Cancelled);
        Assert.Contains("which ended Succeeded", cancelled.Reason, StringComparison.Ordinal);
        Assert.Empty(await _harness.PodsOfAsync(onFailure.Id));
    }

    [Fact]
    public async Task A_singleton_waits_while_the_job_of_its_name_and_owner_runs()
    {
        await _harness.PutQueueAsync(new Dictionary<string, int> { ["A100-80GB"] = 16 }, "nightly");
        var running = await SubmitAsync(AJob("nightly-eval").Singleton());
        await _harness.WaitForStateAsync(running.Id, JobState.Running);

        var waiting = await SubmitAsync(AJob("nightly-eval").Singleton().InQueue("nightly"));

        await WaitForPendingAsync(waiting.Id, $"singleton: waits for job 'nightly-eval' ({running.Id})");
        Assert.Equal(JobState.Queued, (await _harness.GetJobAsync(waiting.Id)).State);
        await _harness.EndPodsAsync(running.Id);
        await _harness.WaitForStateAsync(waiting.Id, JobState.Running);
    }

    [Fact]
    public async Task An_array_runs_at_most_its_parallelism_of_tasks_each_with_its_index_in_the_environment()
    {
        var first = await SubmitAsync(AJob("sweep").Array(6, parallelism: 2));
        var arrayId = first.ArrayId!.Value;
        var seen = new HashSet<int>();
        var most = 0;

        await _harness.WaitAsync(async () =>
        {
            var tasks = await TasksAsync(arrayId);
            var holding = tasks.Where(t => JobStateMachine.HoldsResources(t.State)).ToList();
            most = Math.Max(most, holding.Count);
            foreach (var task in tasks.Where(t => t.State == JobState.Running))
            {
                var pod = Assert.Single(await _harness.PodsOfAsync(task.Id));
                Assert.Equal(task.ArrayIndex.ToString(), Env(pod, TrainerEnvironment.ArrayIndex));
                seen.Add(task.ArrayIndex!.Value);
                await _harness.EndPodsAsync(task.Id);
            }

            return tasks.All(t => t.State == JobState.Succeeded);
        }, () => $"the array's tasks did not all succeed; ran {string.Join(", ", seen)}");

        Assert.Equal(2, most);
        Assert.Equal(Enumerable.Range(0, 6), seen.Order());
    }

    [Fact]
    public async Task Cancelling_an_array_cancels_every_task_that_has_not_ended_and_stops_its_pods()
    {
        var first = await SubmitAsync(AJob("grid").Array(5, parallelism: 2));
        var arrayId = first.ArrayId!.Value;
        await _harness.WaitAsync(async () => (await TasksAsync(arrayId)).Count(t => t.State == JobState.Running) == 2);

        var result = await _harness.SendAsync(new CancelArray(arrayId));

        Assert.Equal((5, 5), (result.Value!.Tasks, result.Value.Cancelled));
        Assert.All(await TasksAsync(arrayId), t => Assert.Equal(JobState.Cancelled, t.State));
        await _harness.WaitAsync(async () =>
        {
            foreach (var task in await TasksAsync(arrayId))
            {
                if ((await _harness.PodsOfAsync(task.Id)).Any(p => p.Metadata.DeletionTimestamp is null))
                {
                    return false;
                }
            }

            return true;
        }, () => "the cancelled tasks' pods are deleted");
    }

    /// <summary>Submits a job that runs until the test ends its pods, in the queue its builder names (the harness's by default).</summary>
    private Task<JobDetails> SubmitAsync(JobSpecBuilder builder)
    {
        var queue = builder.Build().Queue ?? OperatorHarness.Queue;
        return _harness.SubmitAsync(OperatorHarness.RunningFor(builder, Long) with { Queue = queue });
    }

    private async Task<IReadOnlyList<JobDetails>> TasksAsync(Guid arrayId) =>
        (await _harness.SendAsync(new ListJobs(Array: arrayId, Limit: ListJobs.MaxLimit))).Items;

    private Task WaitForPendingAsync(Guid id, string says) => _harness.WaitAsync(
        async () => (await _harness.GetJobAsync(id)).PendingReason?.Contains(says, StringComparison.Ordinal) == true,
        () => $"job {id}'s pending reason never said \"{says}\"");

    private static string? Env(V1Pod pod, string name) => pod.Spec.Containers[0].Env?.FirstOrDefault(e => e.Name == name)?.Value;
}
