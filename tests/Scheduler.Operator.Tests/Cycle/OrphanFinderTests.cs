using k8s.Models;
using Scheduler.Domain.Jobs;
using Scheduler.Operator.Cycle;
using Scheduler.Operator.Pods;
using Scheduler.Operator.Store;
using static Scheduler.Testing.Builders.JobSpecBuilder;

namespace Scheduler.Operator.Tests.Cycle;

public sealed class OrphanFinderTests
{
    private static readonly JobId Active = JobId.Parse("0194a2b3-0000-7000-8000-00000000000a");
    private static readonly JobId Ended = JobId.Parse("0194a2b3-0000-7000-8000-00000000000e");
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Retention = TimeSpan.FromMinutes(10);

    public static TheoryData<string, string[], string[]> Cases => new()
    {
        // name, pods (job:attempt:phase[:finished minutes ago][!terminating][?unlabelled]), expected deletions
        { "the current attempt is never touched, whatever its phase", ["active:2:Running", "active:2:Failed:60", "active:2:Succeeded:60"], [] },
        { "pods of an older attempt go, finished or not", ["active:1:Failed:1", "active:1:Running", "active:2:Running"], ["pod active-1-Failed", "pod active-1-Running"] },
        { "a pod already terminating is left to finish", ["active:1:Running!", "ended:1:Running!"], [] },
        { "live pods of an ended job go with its Service", ["ended:1:Running"], ["pod ended-1-Running", "service ended-0000000e"] },
        { "finished pods of an ended job stay for the retention", ["ended:1:Succeeded:5"], [] },
        { "finished pods of an ended job go after the retention", ["ended:1:Succeeded:15"], ["pod ended-1-Succeeded"] },
        { "pods without our managed-by label are not ours", ["ended:1:Running?", "active:1:Running?"], [] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Only_our_objects_of_no_current_attempt_are_collected(string name, string[] pods, string[] expected)
    {
        var actions = new OrphanFinder(Retention).Find([ActiveJob()], pods.Select(Pod).ToList(), services: null, Now);

        Assert.True(Describe(actions).SequenceEqual(expected), $"{name}: expected [{string.Join(", ", expected)}], got [{string.Join(", ", Describe(actions))}]");
    }

    [Theory]
    [InlineData(JobState.Queued, new[] { "pod active-2-Failed", "pod active-2-Running" })]
    [InlineData(JobState.Admitted, new string[0])]
    [InlineData(JobState.Preempted, new string[0])]
    public void Pods_of_the_current_attempt_go_only_once_the_job_is_back_in_the_queue(JobState state, string[] expected)
    {
        // Queued: the move stored, the pods not deleted (the leader died in between); they must not hold their GPUs.
        var actions = new OrphanFinder(Retention).Find([ActiveJob() with { State = state }], [Pod("active:2:Running"), Pod("active:2:Failed:1")], services: null, Now);

        Assert.Equal(expected, Describe(actions));
    }

    [Fact]
    public void Services_of_ended_or_unknown_jobs_go_and_others_stay()
    {
        var services = new[]
        {
            Service(Active, "active", ours: true),
            Service(Ended, "ended", ours: true),
            Service(new JobId(Guid.NewGuid()), "foreign", ours: false),
        };

        var actions = new OrphanFinder(Retention).Find([ActiveJob()], [Pod("ended:1:Running")], services, Now);

        Assert.Equal(["pod ended-1-Running", "service ended-0000000e"], Describe(actions));
    }

    private static IEnumerable<string> Describe(IReadOnlyList<ReconcileAction> actions) => actions.SelectMany(a => a switch
    {
        DeleteStrayPods pods => pods.PodNames.Select(n => $"pod {n}"),
        DeleteJobService service => [$"service {service.ServiceName}"],
        _ => [a.GetType().Name],
    }).Order(StringComparer.Ordinal);

    private static OperatorJob ActiveJob() => new()
    {
        Id = Active,
        Name = "active",
        Queue = "research",
        Namespace = "training",
        PriorityClass = "normal",
        State = JobState.Running,
        Spec = AJob("active").Build(),
        Attempt = 2,
    };

    private static V1Service Service(JobId jobId, string name, bool ours) => new()
    {
        Metadata = new V1ObjectMeta { Name = WorkloadNames.Service(name, jobId), NamespaceProperty = "training", Labels = Labels(jobId, name, ours) },
    };

    private static Dictionary<string, string> Labels(JobId jobId, string jobName, bool ours)
    {
        var labels = new Dictionary<string, string> { [WorkloadLabels.JobId] = jobId.ToString(), [WorkloadLabels.JobName] = jobName };
        if (ours)
        {
            labels[WorkloadLabels.ManagedByKey] = WorkloadLabels.ManagedBy;
        }

        return labels;
    }

    /// <summary><c>job:attempt:phase[:finished minutes ago][!][?]</c>; <c>!</c> terminating, <c>?</c> without our managed-by label. The pod is named <c>job-attempt-phase</c>.</summary>
    private static V1Pod Pod(string text)
    {
        var terminating = text.Contains('!', StringComparison.Ordinal);
        var unlabelled = text.Contains('?', StringComparison.Ordinal);
        var parts = text.TrimEnd('!', '?').Split(':');
        var (job, attempt, phase) = (parts[0], parts[1], parts[2]);
        DateTime? finished = parts.Length > 3 ? (Now - TimeSpan.FromMinutes(int.Parse(parts[3], System.Globalization.CultureInfo.InvariantCulture))).UtcDateTime : null;
        var labels = Labels(job == "active" ? Active : Ended, job, ours: !unlabelled);
        labels[WorkloadLabels.Attempt] = attempt;
        return new V1Pod
        {
            Metadata = new V1ObjectMeta
            {
                Name = $"{job}-{attempt}-{phase}",
                NamespaceProperty = "training",
                Labels = labels,
                CreationTimestamp = (Now - TimeSpan.FromHours(2)).UtcDateTime,
                DeletionTimestamp = terminating ? Now.UtcDateTime : null,
            },
            Spec = new V1PodSpec { NodeName = "node-a", Containers = [] },
            Status = new V1PodStatus
            {
                Phase = phase,
                ContainerStatuses = finished is null ? null :
                    [new V1ContainerStatus { Name = "trainer", Image = "x", ImageID = "x", Ready = false, RestartCount = 0, State = new V1ContainerState { Terminated = new V1ContainerStateTerminated { ExitCode = 0, FinishedAt = finished } } }],
            },
        };
    }
}
