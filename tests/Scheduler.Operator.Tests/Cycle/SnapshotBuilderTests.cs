using Scheduler.Domain.Jobs;
using Scheduler.Domain.Queues;
using Scheduler.Operator.Cycle;
using Scheduler.Operator.Inventory;
using Scheduler.Operator.Store;
using static Scheduler.Testing.Builders.JobSpecBuilder;

namespace Scheduler.Operator.Tests.Cycle;

public sealed class SnapshotBuilderTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Runtime = TimeSpan.FromHours(10);

    [Fact]
    public void A_half_done_job_is_predicted_to_end_half_its_runtime_from_now_not_from_its_start()
    {
        // Started 8 h ago, telemetry says half done (it ran slower than predicted): 5 h are left from now, not 5 h after the start.
        var job = RunningJob(startedAgo: TimeSpan.FromHours(8), progress: 0.5);

        Assert.Equal(Now + TimeSpan.FromHours(5), PredictedEndOf(job));
    }

    [Fact]
    public void A_resumed_job_counts_what_is_left_after_its_checkpoint_from_now()
    {
        // Preempted at 75 % and started again a minute ago: 2.5 h left, whatever the earlier attempts took.
        var job = RunningJob(startedAgo: TimeSpan.FromMinutes(1), progress: 0.75);

        Assert.Equal(Now + TimeSpan.FromHours(2.5), PredictedEndOf(job));
    }

    [Fact]
    public void A_job_with_no_progress_yet_is_predicted_to_end_its_runtime_after_its_start()
    {
        var job = RunningJob(startedAgo: TimeSpan.FromHours(3), progress: 0);

        Assert.Equal(Now + TimeSpan.FromHours(7), PredictedEndOf(job));
    }

    [Fact]
    public void A_job_with_no_start_yet_counts_its_runtime_from_when_it_was_queued()
    {
        var job = RunningJob(startedAgo: null, progress: 0) with { State = JobState.Admitted, QueuedAt = Now - TimeSpan.FromHours(1) };

        Assert.Equal(Now + TimeSpan.FromHours(9), PredictedEndOf(job));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    public void An_overrunning_job_is_never_predicted_to_end_before_now(double progress)
    {
        var job = RunningJob(startedAgo: TimeSpan.FromHours(12), progress: progress);

        Assert.Equal(Now, PredictedEndOf(job));
    }

    [Fact]
    public void A_job_without_a_predicted_runtime_has_no_predicted_end()
    {
        var job = RunningJob(startedAgo: TimeSpan.FromHours(1), progress: 0.5) with { PredictedRuntime = null };

        Assert.Null(PredictedEndOf(job));
    }

    [Fact]
    public void Running_jobs_keep_their_progress_and_start_and_hold_their_placement()
    {
        var job = RunningJob(startedAgo: TimeSpan.FromHours(8), progress: 0.5);
        var snapshot = Builder().Build(Now, [Node()], [], [job]);

        var running = Assert.Single(snapshot.Running);
        Assert.Equal(0.5, running.Progress);
        Assert.Equal(Now - TimeSpan.FromHours(8), running.StartedAt);
        Assert.Equal([0, 0, 0, 0, 1000, 1000, 1000, 1000], Assert.Single(snapshot.Nodes).GpuFreeMilli);
    }

    [Fact]
    public void Gpus_a_foreign_pod_holds_are_taken_from_the_highest_still_free_indices_with_its_cpu_and_memory()
    {
        // Our job holds 0-3; another scheduler's pod holds 3 GPUs, 8 cores and 64 GiB: the device plugin gave it three of 4-7.
        var job = RunningJob(startedAgo: TimeSpan.FromHours(1), progress: 0.1);
        ForeignPod[] foreign = [new("other", "inference", "node-a", 3, 8_000, 65_536), new("other", "elsewhere", "node-b", 8, 0, 0)];

        var node = Assert.Single(Builder().Build(Now, [Node()], [], [job], foreign: foreign).Nodes);

        Assert.Equal([0, 0, 0, 0, 1000, 0, 0, 0], node.GpuFreeMilli);
        Assert.Equal(96_000 - 8_000, node.CpuMilliFree);
        Assert.Equal(1_048_576 - 65_536, node.MemoryMiBFree);
    }

    [Fact]
    public void A_foreign_pod_counted_beyond_the_free_gpus_takes_partly_used_ones_too_and_never_goes_below_zero()
    {
        var job = RunningJob(startedAgo: TimeSpan.FromHours(1), progress: 0.1) with { Placement = [new JobPodPlacement(0, "node-a", [0], 500, 0, 0)] };

        var node = Assert.Single(Builder().Build(Now, [Node()], [], [job], foreign: [new("other", "big", "node-a", 9, 200_000, 0)]).Nodes);

        Assert.All(node.GpuFreeMilli, free => Assert.Equal(0, free));
        Assert.Equal(0, node.CpuMilliFree);
    }

    [Fact]
    public void A_time_limit_shorter_than_the_prediction_ends_the_job_at_the_limit_in_the_backfill_plan()
    {
        // Predicted 10 h, limited to 3 h, started 1 h ago: it ends 2 h from now at the latest (Slurm's --time).
        var job = RunningJob(startedAgo: TimeSpan.FromHours(1), progress: 0) with { Spec = AJob("train").Gpus(4).MaxRuntime("PT3H").Build() };

        Assert.Equal(Now + TimeSpan.FromHours(2), PredictedEndOf(job));
    }

    [Fact]
    public void A_pending_job_is_planned_with_the_shorter_of_its_prediction_and_its_time_limit()
    {
        var limited = RunningJob(startedAgo: null, progress: 0) with
        {
            State = JobState.Queued, Placement = null, StartedAt = null, Spec = AJob("train").Gpus(4).MaxRuntime("PT90M").Build(),
        };
        var unlimited = limited with { Id = JobId.Parse("0194a2b3-0000-7000-8000-00000000000b"), Spec = AJob("other").Gpus(4).Build() };

        var pending = Builder().Build(Now, [Node()], [], [limited, unlimited]).Pending;

        Assert.Equal([TimeSpan.FromMinutes(90), Runtime], pending.Select(p => p.PredictedRuntime));
    }

    private static SnapshotBuilder Builder() => new(PriorityClasses.Default);

    private static DateTimeOffset? PredictedEndOf(OperatorJob job) =>
        Assert.Single(Builder().Build(Now, [Node()], [], [job]).Running).PredictedEnd;

    private static NodeCapacity Node() => new("node-a", "A100-80GB", 8, 96_000, 1_048_576, new Dictionary<string, string>(), [], false, true, null);

    private static OperatorJob RunningJob(TimeSpan? startedAgo, double progress) => new()
    {
        Id = JobId.Parse("0194a2b3-0000-7000-8000-00000000000a"),
        Name = "train",
        Queue = "research",
        Namespace = "training",
        PriorityClass = "normal",
        State = JobState.Running,
        Spec = AJob("train").Gpus(4).Build(),
        Attempt = 1,
        QueuedAt = Now - TimeSpan.FromHours(20),
        StartedAt = Now - startedAgo,
        Placement = [new JobPodPlacement(0, "node-a", [0, 1, 2, 3], 1000, 0, 0)],
        PredictedRuntime = Runtime,
        Progress = progress,
    };
}
