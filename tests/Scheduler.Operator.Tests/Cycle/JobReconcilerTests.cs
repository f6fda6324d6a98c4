using System.Globalization;
using k8s.Models;
using Scheduler.Domain.Jobs;
using Scheduler.Operator.Cycle;
using Scheduler.Operator.Pods;
using Scheduler.Operator.Store;
using static Scheduler.Testing.Builders.JobSpecBuilder;

namespace Scheduler.Operator.Tests.Cycle;

public sealed class JobReconcilerTests
{
    private static readonly JobId JobId = JobId.Parse("0194a2b3-0000-7000-8000-000000000001");
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);
    private static readonly HashSet<string> Nodes = ["node-a", "node-b", "node-down", "node-flaky"];

    /// <summary>node-down: not ready for longer than the default grace (2 min); node-flaky: within it.</summary>
    private static readonly Dictionary<string, DateTimeOffset> NotReady = new()
    {
        ["node-down"] = Now - TimeSpan.FromMinutes(5),
        ["node-flaky"] = Now - TimeSpan.FromSeconds(30),
    };

    public static TheoryData<string, JobState, int, string[], string> Outcomes => new()
    {
        // name, job state, failed attempts, pods (rank:phase[*][:exit][@node]; * = terminating), expected action
        { "all ranks running", JobState.Admitted, 0, ["0:Running", "1:Running"], "Move Running" },
        { "a rank missing after a crash", JobState.Admitted, 0, ["0:Running"], "Create 1" },
        { "a rank created but never bound (crash between create and bind)", JobState.Admitted, 0, ["0:Running", "1:Pending@"], "Create 1" },
        { "all ranks succeeded", JobState.Running, 0, ["0:Succeeded:0", "1:Succeeded:0"], "Move Succeeded" },
        { "invalid spec", JobState.Running, 0, ["0:Failed:64", "1:Running"], "Move Failed" },
        { "malformed data", JobState.Running, 0, ["0:Failed:65", "1:Running"], "Move Failed" },
        { "checkpointed after SIGTERM", JobState.Running, 0, ["0:Failed:75", "1:Failed:75"], "Move Queued" },
        { "crash within the backoff limit", JobState.Running, 1, ["0:Failed:1", "1:Running"], "Retry" },
        { "crash at the backoff limit", JobState.Running, 2, ["0:Failed:1", "1:Running"], "Move Failed" },
        { "pod on a removed node", JobState.Running, 0, ["0:Running@node-gone", "1:Running"], "Move Queued" },
        { "preempted, pods still stopping", JobState.Preempted, 0, ["0:Running*", "1:Failed:75"], "none" },
        { "preempted, pods never told to stop (crash after persisting)", JobState.Preempted, 0, ["0:Running", "1:Failed:75"], "StopPods" },
        { "preempted, a pod stopping on a node not ready", JobState.Preempted, 0, ["0:Running*@node-down", "1:Failed:75"], "StopPods" },
        { "pod on a node not ready past the grace", JobState.Running, 0, ["0:Running@node-down", "1:Running"], "Move Preempted" },
        { "pending pod on a node not ready past the grace", JobState.Admitted, 0, ["0:Pending@node-down", "1:Running"], "Move Preempted" },
        { "pod on a node not ready within the grace", JobState.Running, 0, ["0:Running@node-flaky", "1:Running"], "none" },
        { "preempted, pods stopped", JobState.Preempted, 0, ["0:Failed:75"], "Move Queued" },
        { "running and healthy", JobState.Running, 0, ["0:Running", "1:Running"], "none" },
    };

    [Theory]
    [MemberData(nameof(Outcomes))]
    public void Pod_outcomes_drive_the_job_state(string name, JobState state, int failedAttempts, string[] pods, string expected)
    {
        var job = Job(state, failedAttempts);

        var actions = new JobReconciler(backoffLimit: 2).Reconcile([job], pods.Select(Pod).ToList(), Nodes, Now, NotReady);

        Assert.True(Describe(actions) == expected, $"{name}: expected {expected}, got {Describe(actions)}");
    }

    [Theory]
    [InlineData(500L, "requeued after preemption (for high); resumes from checkpoint step 500")]
    [InlineData(null, "requeued after preemption (for high); resumes from its last checkpoint")]
    public void A_requeue_after_preemption_names_the_checkpoint_step_it_resumes_from(long? lastCheckpoint, string reason)
    {
        var job = Durable(Job(JobState.Preempted, 0)) with { Reason = "for high", LastCheckpointStep = lastCheckpoint };

        var actions = new JobReconciler(backoffLimit: 2).Reconcile([job], [Pod("0:Failed:75"), Pod("1:Failed:75")], Nodes, Now, NotReady);

        Assert.Equal(reason, Assert.IsType<MoveJob>(Assert.Single(actions)).Reason);
    }

    [Theory]
    [InlineData(2, 500L, "2 pod(s) running; resumed from checkpoint step 500")]
    [InlineData(2, null, "2 pod(s) running")]
    [InlineData(1, 500L, "2 pod(s) running")]
    public void A_later_attempt_running_again_says_where_it_resumed(int attempt, long? lastCheckpoint, string reason)
    {
        var job = Durable(Job(JobState.Admitted, 0)) with { Attempt = attempt, LastCheckpointStep = lastCheckpoint };
        var pods = new[] { "0:Running", "1:Running" }.Select(Pod).Select(p => WithAttempt(p, attempt)).ToList();

        var actions = new JobReconciler(backoffLimit: 2).Reconcile([job], pods, Nodes, Now, NotReady);

        Assert.Equal(reason, Assert.IsType<MoveJob>(Assert.Single(actions)).Reason);
    }

    private static string Describe(IReadOnlyList<ReconcileAction> actions) => actions.SingleOrDefault() switch
    {
        null => "none",
        MoveJob { CountsAsFailure: true, To: JobState.Queued } => "Retry",
        MoveJob move => $"Move {move.To}",
        CreateMissingPods create => $"Create {string.Join(',', create.Ranks)}",
        var other => other!.GetType().Name,
    };

    [Fact]
    public void A_job_without_a_checkpoint_volume_is_requeued_saying_it_restarts_from_step_0()
    {
        var job = Job(JobState.Preempted, 0) with { Reason = "for high", LastCheckpointStep = 500 };

        var actions = new JobReconciler(backoffLimit: 2).Reconcile([job], [Pod("0:Failed:75"), Pod("1:Failed:75")], Nodes, Now, NotReady);

        Assert.Equal("requeued after preemption (for high); restarts from step 0 (no checkpoint.volume: its checkpoints were lost with its pods)",
            Assert.IsType<MoveJob>(Assert.Single(actions)).Reason);
    }

    [Fact]
    public void A_job_without_a_checkpoint_volume_is_priced_from_step_0_once_requeued()
    {
        var queued = Job(JobState.Queued, 0) with { Progress = 0.6, LastCheckpointStep = 500, LastCheckpointAt = Now };
        var running = Job(JobState.Running, 0) with { Progress = 0.6, LastCheckpointStep = 500, LastCheckpointAt = Now };

        var requeued = CheckpointDurability.AsScheduled(queued);
        var live = CheckpointDurability.AsScheduled(running);
        var durable = CheckpointDurability.AsScheduled(Durable(queued));

        Assert.Equal((0d, (long?)null, (DateTimeOffset?)null), (requeued.Progress, requeued.LastCheckpointStep, requeued.LastCheckpointAt));
        Assert.Equal((0.6, (long?)null, (DateTimeOffset?)null), (live.Progress, live.LastCheckpointStep, live.LastCheckpointAt));
        Assert.Equal((0.6, (long?)500, (DateTimeOffset?)Now), (durable.Progress, durable.LastCheckpointStep, durable.LastCheckpointAt));
    }

    private static OperatorJob Durable(OperatorJob job) =>
        job with { Spec = job.Spec with { Checkpoint = new Scheduler.Domain.Specs.CheckpointSpec { IntervalSteps = 500, Volume = "checkpoints" } } };

    private static OperatorJob Job(JobState state, int failedAttempts) => new()
    {
        Id = JobId,
        Name = "job",
        Queue = "research",
        Namespace = "training",
        PriorityClass = "normal",
        State = state,
        Spec = AJob("job").Build(),
        Attempt = 1,
        Version = 3,
        FailedAttempts = failedAttempts,
        Placement = [Placement(0), Placement(1)],
    };

    private static JobPodPlacement Placement(int rank) => new(rank, rank == 0 ? "node-a" : "node-b", [0, 1, 2, 3, 4, 5, 6, 7], 1000, 0, 0);

    private static V1Pod WithAttempt(V1Pod pod, int attempt)
    {
        pod.Metadata.Labels[WorkloadLabels.Attempt] = attempt.ToString(CultureInfo.InvariantCulture);
        return pod;
    }

    /// <summary><c>rank:phase[:exit][@node]</c>.</summary>
    private static V1Pod Pod(string text)
    {
        var node = text.Contains('@', StringComparison.Ordinal) ? text[(text.IndexOf('@', StringComparison.Ordinal) + 1)..] : null;
        var parts = (node is null ? text : text[..text.IndexOf('@', StringComparison.Ordinal)]).Split(':');
        var terminating = parts[1].EndsWith('*');
        parts[1] = parts[1].TrimEnd('*');
        var rank = int.Parse(parts[0], CultureInfo.InvariantCulture);
        int? exit = parts.Length > 2 ? int.Parse(parts[2], CultureInfo.InvariantCulture) : null;
        return new V1Pod
        {
            Metadata = new V1ObjectMeta
            {
                Name = WorkloadNames.Pod("job", JobId, 1, rank),
                NamespaceProperty = "training",
                DeletionTimestamp = terminating ? Now.UtcDateTime : null,
                Labels = new Dictionary<string, string>
                {
                    [WorkloadLabels.ManagedByKey] = WorkloadLabels.ManagedBy,
                    [WorkloadLabels.JobId] = JobId.ToString(),
                    [WorkloadLabels.JobName] = "job",
                    [WorkloadLabels.Attempt] = "1",
                    [WorkloadLabels.Rank] = parts[0],
                },
            },
            // "@" with no node: a pod never bound.
            Spec = new V1PodSpec { NodeName = node is null ? (rank == 0 ? "node-a" : "node-b") : node.Length == 0 ? null : node, Containers = [] },
            Status = new V1PodStatus
            {
                Phase = parts[1],
                ContainerStatuses = exit is null ? null :
                    [new V1ContainerStatus { Name = "trainer", Image = "x", ImageID = "x", Ready = false, RestartCount = 0, State = new V1ContainerState { Terminated = new V1ContainerStateTerminated { ExitCode = exit.Value } } }],
            },
        };
    }
}
