using k8s.Models;
using Scheduler.Domain.Jobs;

namespace Scheduler.Operator.Tests.Cycle;

public sealed class ReconcilerTests : IAsyncLifetime
{
    private CycleFixture _cluster = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _cluster = await CycleFixture.StartAsync();
        _cluster.AddNodes("node-a", "node-b");
    }

    public async ValueTask DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task A_gang_whose_pods_all_succeeded_is_stored_succeeded_and_its_service_deleted()
    {
        var job = CycleFixture.Job("train", JobState.Running);
        await _cluster.Pods.CreateAsync(job, job.Placement!, Ct);
        await _cluster.SetPhaseAsync(Assert.Single(await _cluster.Workloads.ListPodsOfJobAsync(job.Id, Ct)), "Succeeded", exitCode: 0);
        await _cluster.SyncPodsAsync(job);

        var changed = await _cluster.Reconciler().ReconcileAsync([job], Ct);

        Assert.True(changed);
        Assert.Equal(["train Succeeded"], _cluster.Store.Writes);
        Assert.Empty(await _cluster.Workloads.ListServicesAsync(Ct));
    }

    [Fact]
    public async Task A_failed_job_is_stored_failed_before_its_other_pods_are_stopped()
    {
        var job = CycleFixture.Job("train", JobState.Running, pods: 2);
        await _cluster.Pods.CreateAsync(job, job.Placement!, Ct);
        var pods = await _cluster.Workloads.ListPodsOfJobAsync(job.Id, Ct);
        await _cluster.SetPhaseAsync(pods.Single(p => p.Spec.NodeName == "node-a"), "Failed", exitCode: 64);
        await _cluster.SetPhaseAsync(pods.Single(p => p.Spec.NodeName == "node-b"), "Running");
        await _cluster.SyncPodsAsync(job);
        _cluster.Store.Observe = async () => (await _cluster.Workloads.ListPodsOfJobAsync(job.Id, Ct)).Any(p => p.Metadata.DeletionTimestamp is not null) ? "stopping" : "running";

        await _cluster.Reconciler().ReconcileAsync([job], Ct);

        Assert.Equal(["train Failed [running]"], _cluster.Store.Writes);
        Assert.NotNull((await _cluster.Workloads.ListPodsOfJobAsync(job.Id, Ct)).Single(p => p.Spec.NodeName == "node-b").Metadata.DeletionTimestamp);
    }

    [Fact]
    public async Task A_move_the_store_refuses_leaves_the_pods_alone_and_reports_no_change()
    {
        var job = CycleFixture.Job("train", JobState.Running, pods: 2);
        await _cluster.Pods.CreateAsync(job, job.Placement!, Ct);
        var pods = await _cluster.Workloads.ListPodsOfJobAsync(job.Id, Ct);
        await _cluster.SetPhaseAsync(pods.Single(p => p.Spec.NodeName == "node-a"), "Failed", exitCode: 64);
        await _cluster.SetPhaseAsync(pods.Single(p => p.Spec.NodeName == "node-b"), "Running");
        await _cluster.SyncPodsAsync(job);
        _cluster.Store.Accepts = false;

        Assert.False(await _cluster.Reconciler().ReconcileAsync([job], Ct));
        Assert.All(await _cluster.Workloads.ListPodsOfJobAsync(job.Id, Ct), p => Assert.Null(p.Metadata.DeletionTimestamp));
    }

    [Fact]
    public async Task A_preempted_job_stays_preempted_while_the_api_server_still_has_a_live_pod_the_watch_has_not_shown()
    {
        var job = CycleFixture.Job("victim", JobState.Preempted);
        // The inventory has no pod (its watch lags), so the reconciler says requeue; the API server still runs one.
        await _cluster.Pods.CreateAsync(job, job.Placement!, Ct);

        Assert.False(await _cluster.Reconciler().ReconcileAsync([job], Ct));
        Assert.Empty(_cluster.Store.Writes);
    }

    [Fact]
    public async Task The_missing_ranks_of_an_admitted_job_are_created_and_bound()
    {
        var job = CycleFixture.Job("train", JobState.Admitted, pods: 2);
        await _cluster.Pods.CreateAsync(job, [job.Placement![0]], Ct);
        await _cluster.SyncPodsAsync(job);

        await _cluster.Reconciler().ReconcileAsync([job], Ct);

        var pods = await _cluster.Workloads.ListPodsOfJobAsync(job.Id, Ct);
        Assert.Equal(["node-a", "node-b"], pods.Select(p => p.Spec.NodeName).Order(StringComparer.Ordinal));
        Assert.Empty(_cluster.Store.Writes);
    }

    [Fact]
    public async Task Missing_pods_the_api_server_refuses_count_a_failed_attempt_and_the_other_jobs_are_still_reconciled()
    {
        var bad = CycleFixture.Job("bad", JobState.Admitted);
        var good = CycleFixture.Job("good", JobState.Admitted) with { Placement = [new(0, "node-b", [0, 1, 2, 3], 1000, 0, 0)] };
        _cluster.RefusePodsOf(bad, Scheduler.Simulation.ApiServer.AdmissionRefusal.Forbidden("Pod", "bad", "exceeded quota: gpu-quota"));

        var changed = await _cluster.Reconciler(backoffLimit: 2).ReconcileAsync([bad, good], Ct);

        Assert.True(changed);
        Assert.Equal(["bad retry"], _cluster.Store.Writes);
        Assert.Contains("403 pods \"bad\" is forbidden: exceeded quota: gpu-quota; retry 1 of 2", _cluster.Store.Reasons[0], StringComparison.Ordinal);
        Assert.Empty(await _cluster.Workloads.ListPodsOfJobAsync(bad.Id, Ct));
        Assert.Equal("node-b", Assert.Single(await _cluster.Workloads.ListPodsOfJobAsync(good.Id, Ct)).Spec.NodeName);
    }

    [Fact]
    public async Task An_admitted_job_without_a_placement_is_requeued_and_the_other_jobs_are_still_reconciled()
    {
        var broken = CycleFixture.Job("broken", JobState.Admitted) with { Placement = null };
        var good = CycleFixture.Job("good", JobState.Admitted) with { Placement = [new(0, "node-b", [0, 1, 2, 3], 1000, 0, 0)] };

        await _cluster.Reconciler().ReconcileAsync([broken, good], Ct);

        Assert.Equal(["broken Queued"], _cluster.Store.Writes);
        Assert.Single(await _cluster.Workloads.ListPodsOfJobAsync(good.Id, Ct));
    }

    [Fact]
    public async Task A_failing_api_call_for_one_job_does_not_stop_the_others()
    {
        var stuck = CycleFixture.Job("stuck", JobState.Admitted);
        var good = CycleFixture.Job("good", JobState.Admitted) with { Placement = [new(0, "node-b", [0, 1, 2, 3], 1000, 0, 0)] };
        // The store itself fails for the stuck job (a database error inside its move): nothing of it may escape the cycle.
        _cluster.RefusePodsOf(stuck, new Scheduler.Simulation.ApiServer.AdmissionRefusal(422, "Invalid", "Pod \"stuck\" is invalid"));
        _cluster.Store.Throws = "stuck";

        await _cluster.Reconciler().ReconcileAsync([stuck, good], Ct);

        Assert.Single(await _cluster.Workloads.ListPodsOfJobAsync(good.Id, Ct));
    }

    [Fact]
    public async Task Pods_of_a_job_no_longer_active_are_deleted_without_touching_the_store()
    {
        var ended = CycleFixture.Job("ended", JobState.Running);
        await _cluster.Pods.CreateAsync(ended, ended.Placement!, Ct);
        await _cluster.SyncPodsAsync(ended);

        await _cluster.Reconciler().ReconcileAsync([], Ct);

        Assert.NotNull(Assert.Single(await _cluster.Workloads.ListPodsOfJobAsync(ended.Id, Ct)).Metadata.DeletionTimestamp);
        Assert.Empty(await _cluster.Workloads.ListServicesAsync(Ct));
        Assert.Empty(_cluster.Store.Writes);
    }
}
