using System.Globalization;
using k8s.Models;
using Scheduler.Domain.Jobs;
using Scheduler.Operator.Cycle;
using Scheduler.Operator.Pods;
using Scheduler.Operator.Store;
using static Scheduler.Testing.Builders.JobSpecBuilder;

namespace Scheduler.Operator.Tests.Cycle;

/// <summary>Why a job ended or went back to the queue, as <see cref="JobReconciler"/> reads it from the pod's status.</summary>
public sealed class JobEndReasonTests
{
    private static readonly JobId JobId = JobId.Parse("0194a2b3-0000-7000-8000-000000000002");
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);
    private static readonly HashSet<string> Nodes = ["node-a", "node-b"];

    [Fact]
    public void OOMKilled_pod_fails_the_job_without_retry_and_names_the_memory_limit()
    {
        var oom = Terminated(Pod(0, "Failed"), 137, "OOMKilled");
        oom.Spec.Containers = [new V1Container { Name = "trainer", Resources = new V1ResourceRequirements { Limits = new Dictionary<string, ResourceQuantity> { ["memory"] = new("32Gi") } } }];

        var move = Single(Job(JobState.Running, failedAttempts: 0), oom, Pod(1, "Running"));

        Assert.Equal(JobState.Failed, move.To);
        Assert.False(move.CountsAsFailure);
        Assert.Equal(EndReasons.OomKilled, EndReasons.CodeOf(move.Reason));
        Assert.Contains("memory limit of 32Gi", move.Reason, StringComparison.Ordinal);
        Assert.Contains("container.memory", move.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Evicted_pod_requeues_the_job_without_counting_against_the_backoff_limit()
    {
        var evicted = Terminated(Pod(0, "Failed"), 137, "Error");
        evicted.Status.Reason = "Evicted";
        evicted.Status.Message = "The node was low on resource: memory.";

        // Already at the backoff limit: a counted failure would fail the job.
        var move = Single(Job(JobState.Running, failedAttempts: 2), evicted, Pod(1, "Running"));

        Assert.Equal(JobState.Queued, move.To);
        Assert.False(move.CountsAsFailure);
        Assert.True(move.DeletePods);
        Assert.Equal(EndReasons.Evicted, EndReasons.CodeOf(move.Reason));
        Assert.Contains("not counted against the backoff limit", move.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void DisruptionTarget_condition_counts_as_a_disruption_whatever_the_exit_code()
    {
        var disrupted = Terminated(Pod(0, "Failed"), 1, "Error");
        disrupted.Status.Conditions = [new V1PodCondition { Type = "DisruptionTarget", Status = "True", Reason = "DeletionByTaintManager" }];

        var move = Single(Job(JobState.Running, failedAttempts: 2), disrupted, Pod(1, "Running"));

        Assert.Equal(JobState.Queued, move.To);
        Assert.False(move.CountsAsFailure);
        Assert.Contains("DeletionByTaintManager", move.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ErrImagePull", "ImagePullBackOff")]
    [InlineData("ImagePullBackOff", "ImagePullBackOff")]
    [InlineData("InvalidImageName", "ImagePullBackOff")]
    [InlineData("CreateContainerConfigError", "CreateContainerConfigError")]
    public void Container_that_cannot_start_fails_the_job_after_the_wait(string waiting, string code)
    {
        var reconciler = new JobReconciler(backoffLimit: 2, containerStartTimeout: TimeSpan.FromMinutes(5));
        var job = Job(JobState.Admitted, failedAttempts: 0);

        var within = reconciler.Reconcile([job], [Waiting(Pod(0, "Pending"), waiting, Now - TimeSpan.FromMinutes(4)), Pod(1, "Running")], Nodes, Now);
        var after = reconciler.Reconcile([job], [Waiting(Pod(0, "Pending"), waiting, Now - TimeSpan.FromMinutes(6)), Pod(1, "Running")], Nodes, Now);

        Assert.Empty(within);
        var move = Assert.IsType<MoveJob>(Assert.Single(after));
        Assert.Equal(JobState.Failed, move.To);
        Assert.Equal(code, EndReasons.CodeOf(move.Reason));
        Assert.Contains(waiting, move.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(69, "EX_UNAVAILABLE")]
    [InlineData(137, "SIGKILL")]
    [InlineData(1, "failed unexpectedly")]
    public void Crash_names_the_exit_code_and_its_documented_meaning(int exitCode, string meaning)
    {
        var move = Single(Job(JobState.Running, failedAttempts: 0), Terminated(Pod(0, "Failed"), exitCode, "Error"), Pod(1, "Running"));

        Assert.True(move.CountsAsFailure);
        Assert.Equal(EndReasons.ExitCode, EndReasons.CodeOf(move.Reason));
        Assert.Contains($"exit code {exitCode.ToString(CultureInfo.InvariantCulture)}: ", move.Reason, StringComparison.Ordinal);
        Assert.Contains(meaning, move.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Last_retry_fails_the_job_as_backoff_limit_exceeded()
    {
        var move = Single(Job(JobState.Running, failedAttempts: 2), Terminated(Pod(0, "Failed"), 1, "Error"), Pod(1, "Running"));

        Assert.Equal(JobState.Failed, move.To);
        Assert.Equal(EndReasons.BackoffLimitExceeded, EndReasons.CodeOf(move.Reason));
    }

    [Theory]
    [InlineData("OOMKilled: pod x was killed", "OOMKilled")]
    [InlineData("CancelledByUser", "CancelledByUser")]
    [InlineData("requeued after preemption (for high)", null)]
    [InlineData("", null)]
    public void Reason_code_is_the_leading_CamelCase_word(string reason, string? code) => Assert.Equal(code, EndReasons.CodeOf(reason));

    private static MoveJob Single(OperatorJob job, params V1Pod[] pods) =>
        Assert.IsType<MoveJob>(Assert.Single(new JobReconciler(backoffLimit: 2).Reconcile([job], pods, Nodes, Now)));

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
        Placement = [new JobPodPlacement(0, "node-a", [0], 1000, 0, 0), new JobPodPlacement(1, "node-b", [0], 1000, 0, 0)],
    };

    private static V1Pod Pod(int rank, string phase) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = WorkloadNames.Pod("job", JobId, 1, rank),
            NamespaceProperty = "training",
            CreationTimestamp = (Now - TimeSpan.FromHours(1)).UtcDateTime,
            Labels = new Dictionary<string, string>
            {
                [WorkloadLabels.ManagedByKey] = WorkloadLabels.ManagedBy,
                [WorkloadLabels.JobId] = JobId.ToString(),
                [WorkloadLabels.Attempt] = "1",
                [WorkloadLabels.Rank] = rank.ToString(CultureInfo.InvariantCulture),
            },
        },
        Spec = new V1PodSpec { NodeName = rank == 0 ? "node-a" : "node-b", Containers = [] },
        Status = new V1PodStatus { Phase = phase },
    };

    private static V1Pod Terminated(V1Pod pod, int exitCode, string reason)
    {
        pod.Status.ContainerStatuses = [new V1ContainerStatus
        {
            Name = "trainer", Image = "x", ImageID = "x", Ready = false, RestartCount = 0,
            State = new V1ContainerState { Terminated = new V1ContainerStateTerminated { ExitCode = exitCode, Reason = reason } },
        }];
        return pod;
    }

    private static V1Pod Waiting(V1Pod pod, string reason, DateTimeOffset created)
    {
        pod.Metadata.CreationTimestamp = created.UtcDateTime;
        pod.Status.ContainerStatuses = [new V1ContainerStatus
        {
            Name = "trainer", Image = "registry.invalid/missing:1", ImageID = string.Empty, Ready = false, RestartCount = 0,
            State = new V1ContainerState { Waiting = new V1ContainerStateWaiting { Reason = reason, Message = "simulated" } },
        }];
        return pod;
    }
}
