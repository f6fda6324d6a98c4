using Scheduler.Application.Scheduling;
using Scheduler.Domain.Jobs;
using Scheduler.Domain.Specs;
using Scheduler.Operator.Cycle;
using Scheduler.Operator.Store;
using static Scheduler.Testing.Builders.JobSpecBuilder;

namespace Scheduler.Operator.Tests.Cycle;

public sealed class JobGateTests
{
    private static readonly IReadOnlyDictionary<Guid, IReadOnlyList<DependencyTarget>> NoTargets = new Dictionary<Guid, IReadOnlyList<DependencyTarget>>();

    private const long PlentyOfGpus = 1_000_000 * 1000L;

    [Fact]
    public void Keeps_a_job_whose_dependency_runs_out_of_the_core_and_names_the_job_it_waits_for()
    {
        var prep = CycleFixture.Job("prep", JobState.Running);
        var train = Queued("train", spec => spec.After(DependencyType.AfterOk, prep.Id.ToString()));

        var gate = JobGate.Apply([prep, train], Targets((prep.Id.Value, [Target(prep)])), PlentyOfGpus);

        Assert.Contains(train.Id, gate.Held);
        var pending = Assert.Single(gate.Pending);
        Assert.Contains($"job 'prep' ({prep.Id})", pending.Reason, StringComparison.Ordinal);
        Assert.Contains("afterok", pending.Reason, StringComparison.Ordinal);
        Assert.Empty(gate.Cancel);
        Assert.DoesNotContain(train, gate.Offered([prep, train]));
    }

    [Fact]
    public void Offers_a_job_once_its_dependency_succeeded()
    {
        var prepId = Guid.CreateVersion7();
        var train = Queued("train", spec => spec.After(DependencyType.AfterOk, prepId.ToString()));

        var gate = JobGate.Apply([train], Targets((prepId, [new DependencyTarget(prepId, "prep", JobState.Succeeded)])), PlentyOfGpus);

        Assert.Empty(gate.Held);
        Assert.Empty(gate.Pending);
    }

    [Fact]
    public void Cancels_a_job_whose_afterok_dependency_failed_with_DependencyNeverSatisfied()
    {
        var prepId = Guid.CreateVersion7();
        var train = Queued("train", spec => spec.After(DependencyType.AfterOk, prepId.ToString()));

        var gate = JobGate.Apply([train], Targets((prepId, [new DependencyTarget(prepId, "prep", JobState.Failed)])), PlentyOfGpus);

        var cancelled = Assert.Single(gate.Cancel);
        Assert.StartsWith(DependencyVerdict.NeverSatisfiedReason, cancelled.Reason, StringComparison.Ordinal);
        Assert.Contains("ended Failed", cancelled.Reason, StringComparison.Ordinal);
        Assert.Contains(train.Id, gate.Held);
    }

    [Fact]
    public void Cancels_a_job_whose_dependency_names_a_job_that_no_longer_exists()
    {
        var gone = Guid.CreateVersion7();
        var train = Queued("train", spec => spec.After(DependencyType.AfterAny, gone.ToString()));

        var gate = JobGate.Apply([train], NoTargets, PlentyOfGpus);

        Assert.Contains("no longer exists", Assert.Single(gate.Cancel).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Offers_only_the_oldest_of_queued_singletons_of_one_name_and_owner()
    {
        var first = Queued("nightly", spec => spec.Singleton()) with { SubmittedBy = "ada", Queue = "a", QueuedAt = CycleFixture.Now };
        var second = Queued("nightly", spec => spec.Singleton()) with { SubmittedBy = "ada", Queue = "b", QueuedAt = CycleFixture.Now.AddMinutes(1) };
        var otherOwner = Queued("nightly", spec => spec.Singleton()) with { SubmittedBy = "bob", Queue = "c", QueuedAt = CycleFixture.Now.AddMinutes(2) };

        var gate = JobGate.Apply([second, first, otherOwner], NoTargets, PlentyOfGpus);

        Assert.Equal([second.Id], gate.Held);
        Assert.Contains($"({first.Id})", Assert.Single(gate.Pending).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Holds_a_singleton_while_another_of_its_name_and_owner_holds_gpus()
    {
        var running = CycleFixture.Job("nightly", JobState.Running) with { Spec = AJob("nightly").Singleton().Build(), SubmittedBy = "ada" };
        var queued = Queued("nightly", spec => spec.Singleton()) with { SubmittedBy = "ada", Queue = "other" };

        var gate = JobGate.Apply([running, queued], NoTargets, PlentyOfGpus);

        Assert.Equal([queued.Id], gate.Held);
        Assert.Contains("Running", Assert.Single(gate.Pending).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Offers_an_array_no_more_tasks_than_its_parallelism_leaves_lowest_index_first()
    {
        var arrayId = Guid.CreateVersion7();
        var running = Enumerable.Range(0, 2).Select(i => ArrayTask(arrayId, i, 5, JobState.Running)).ToList();
        var queued = Enumerable.Range(2, 8).Select(i => ArrayTask(arrayId, i, 5, JobState.Queued)).Reverse().ToList();

        var gate = JobGate.Apply([.. running, .. queued], NoTargets, PlentyOfGpus);

        var offered = gate.Offered([.. running, .. queued]).Where(j => j.State == JobState.Queued).Select(j => j.ArrayIndex).Order();
        Assert.Equal([2, 3, 4], offered);
        Assert.Equal(5, gate.Pending.Count);
        Assert.All(gate.Pending, p => Assert.Contains("at most 5", p.Reason, StringComparison.Ordinal));
    }

    [Fact]
    public void Offers_a_large_array_only_as_many_tasks_as_the_free_gpus_could_take_and_at_least_one()
    {
        var arrayId = Guid.CreateVersion7();
        var tasks = Enumerable.Range(0, 10_000).Select(i => ArrayTask(arrayId, i, 10_000, JobState.Queued)).ToList();

        var roomy = JobGate.Apply(tasks, NoTargets, freeGpuMilli: 24 * 1000);
        var full = JobGate.Apply(tasks, NoTargets, freeGpuMilli: 0);

        // Each task asks 4 GPUs: 24 free GPUs take 6 of them.
        Assert.Equal(6, roomy.Offered(tasks).Count);
        Assert.Equal(0, Assert.Single(full.Offered(tasks)).ArrayIndex);
    }

    [Fact]
    public void Free_gpus_are_the_ready_schedulable_nodes_less_what_placed_jobs_hold()
    {
        var nodes = new[] { Node("node-a", ready: true), Node("node-b", ready: false), Node("node-c", ready: true) with { Unschedulable = true } };
        var running = CycleFixture.Job("big", JobState.Running);

        Assert.Equal(4 * 1000, JobGate.FreeGpuMilli(nodes, [running]));
    }

    private static Scheduler.Operator.Inventory.NodeCapacity Node(string name, bool ready) =>
        new(name, "A100-80GB", 8, 64_000, 512_000, new Dictionary<string, string>(), [], false, ready);

    private static OperatorJob Queued(string name, Func<Testing.Builders.JobSpecBuilder, Testing.Builders.JobSpecBuilder> spec) =>
        CycleFixture.Job(name, JobState.Queued) with { Spec = spec(AJob(name).Gpus(4, gpusPerNode: 4)).Build() };

    private static OperatorJob ArrayTask(Guid arrayId, int index, int parallelism, JobState state) =>
        CycleFixture.Job($"sweep-{index}", state) with
        {
            Spec = AJob($"sweep-{index}").Gpus(4, gpusPerNode: 4).Build() with { Array = new ArraySpec { Count = 10_000, Parallelism = parallelism } },
            ArrayId = arrayId,
            ArrayIndex = index,
        };

    private static DependencyTarget Target(OperatorJob job) => new(job.Id.Value, job.Name, job.State);

    private static Dictionary<Guid, IReadOnlyList<DependencyTarget>> Targets(params (Guid Id, IReadOnlyList<DependencyTarget> Jobs)[] entries) =>
        entries.ToDictionary(e => e.Id, e => e.Jobs);
}
