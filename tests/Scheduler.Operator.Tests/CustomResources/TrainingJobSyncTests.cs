using k8s;
using k8s.Models;
using Scheduler.Application.Jobs;
using Scheduler.Application.Queues;
using Scheduler.Domain.Jobs;
using Scheduler.Domain.Queues;
using Scheduler.Domain.Specs;
using Scheduler.Kubernetes.Clients;
using Scheduler.Kubernetes.Resources;
using Scheduler.Operator.CustomResources;

namespace Scheduler.Operator.Tests.CustomResources;

/// <summary>Against the fake API server in every build.</summary>
public sealed class TrainingJobSyncTests(SyncDatabase database) : TrainingJobSyncScenarios(database);

/// <summary>Against the cluster of KUBECONFIG with GPU_SCHEDULER_E2E=1 (docs/e2e.md).</summary>
[Trait("Category", "E2E")]
public sealed class TrainingJobSyncE2ETests(SyncDatabase database) : TrainingJobSyncScenarios(database, realCluster: true);

/// <summary>The TrainingJob sync, written once for the fake API server and a real cluster.</summary>
public abstract class TrainingJobSyncScenarios(SyncDatabase database, bool realCluster = false) : SyncTest(database, realCluster)
{
    private Task<TrainingJob?> ReadAsync(string name) => Client.TrainingJobs().GetAsync(name, Namespace, Ct);

    private Task<IReadOnlyList<JobDetails>> JobsOfAsync(TrainingJob resource) => QueryAsync(new GetJobsByOrigin(resource.Metadata.Uid));

    private async Task<(TrainingJob Resource, JobDetails Job)> ApplyAndWaitForJobAsync(TrainingJob resource)
    {
        var created = await Client.TrainingJobs().CreateAsync(resource, Ct);
        var jobs = await EventuallyAsync(() => JobsOfAsync(created), j => j.Count == 1);
        return (created, jobs[0]);
    }

    [Fact]
    public async Task An_applied_training_job_becomes_a_queued_job_with_its_spec_named_after_the_resource()
    {
        await PutQueueAsync();
        await StartSyncAsync();

        var (resource, job) = await ApplyAndWaitForJobAsync(AJob("gpt2-small", b => b.Gpus(8, gpusPerNode: 8)));

        var rest = JobSpecNormalizer.Normalize(resource.ToJobSpec());
        Assert.Equal(("gpt2-small", Queue, JobState.Queued), (job.Name, job.Queue, job.State));
        Assert.Equal(rest.Model, job.Spec.Model);
        Assert.Equal(rest.Resources, job.Spec.Resources);
        Assert.Equal(rest.Training, job.Spec.Training);
        Assert.Equal(new JobOrigin(Namespace, "gpt2-small", resource.Metadata.Uid, 1), job.Origin);
    }

    [Fact]
    public async Task The_status_follows_the_job_through_the_status_subresource()
    {
        await PutQueueAsync();
        await StartSyncAsync();
        var (resource, job) = await ApplyAndWaitForJobAsync(AJob("follow"));

        var queued = await EventuallyAsync(() => ReadAsync("follow"), r => r?.Status?.Phase == JobState.Queued);
        Assert.Equal(job.Id.ToString(), queued!.Status!.JobId);
        Assert.Equal(1, queued.Status.ObservedGeneration);
        var admitted = Assert.Single(queued.Status.Conditions!);
        Assert.Equal((TrainingJobConditions.Admitted, "False", Job.SubmittedReason), (admitted.Type, admitted.Status, admitted.Reason));
        Assert.Contains(TrainingJobSync.Finalizer, queued.Metadata.Finalizers);
        Assert.Equal(1, queued.Metadata.Generation); // status writes never touch the spec's generation

        await SendAsync(new TransitionJob(job.Id, JobState.Admitted, "Placed"));
        await SendAsync(new TransitionJob(job.Id, JobState.Running, "PodsRunning"));
        var running = await EventuallyAsync(() => ReadAsync("follow"), r => r?.Status?.Phase == JobState.Running);

        var conditions = running!.Status!.Conditions!.ToDictionary(c => c.Type);
        Assert.Equal(["Admitted", "Scheduled", "Running"], running.Status.Conditions!.Select(c => c.Type));
        Assert.All(conditions.Values, c => Assert.Equal("True", c.Status));
        Assert.Equal("Placed", conditions["Admitted"].Reason);
        Assert.Equal("PodsRunning", conditions["Running"].Reason);
        Assert.Equal(1, running.Status.Attempt);
        Assert.NotNull(running.Status.StartTime);
        Assert.Null(running.Status.CompletionTime);

        await SendAsync(new TransitionJob(job.Id, JobState.Succeeded, "Completed"));
        var done = await EventuallyAsync(() => ReadAsync("follow"), r => r?.Status?.Phase == JobState.Succeeded);
        Assert.True(TrainingJobConditions.IsTrue(done!.Status!.Conditions, TrainingJobConditions.Succeeded));
        Assert.False(TrainingJobConditions.IsTrue(done.Status.Conditions, TrainingJobConditions.Running));
        Assert.NotNull(done.Status.CompletionTime);
    }

    [Fact]
    public async Task An_unchanged_status_is_not_written_again()
    {
        await PutQueueAsync();
        await StartSyncAsync();
        await ApplyAndWaitForJobAsync(AJob("quiet"));
        var written = await EventuallyAsync(() => ReadAsync("quiet"), r => r?.Status?.Phase == JobState.Queued);

        await Task.Delay(Resync * 10, Ct);

        Assert.Equal(written!.Metadata.ResourceVersion, (await ReadAsync("quiet"))!.Metadata.ResourceVersion);
    }

    [Fact]
    public async Task A_spec_our_validator_refuses_fails_the_resource_naming_the_field_and_creates_no_job()
    {
        await PutQueueAsync();
        await StartSyncAsync();
        var created = await Client.TrainingJobs().CreateAsync(AJob("too-urgent", b => b.Priority(PriorityOnlyTheServerKnows)), Ct);

        var failed = await EventuallyAsync(() => ReadAsync("too-urgent"), r => r?.Status?.Phase == JobState.Failed);
        await Task.Delay(Resync * 10, Ct);
        var later = await ReadAsync("too-urgent");

        var condition = Assert.Single(failed!.Status!.Conditions!);
        Assert.Equal((TrainingJobConditions.Failed, "True", "InvalidSpec"), (condition.Type, condition.Status, condition.Reason));
        Assert.Contains("spec.priorityClass", condition.Message);
        Assert.Equal(1, failed.Status.ObservedGeneration);
        Assert.Empty(await JobsOfAsync(created));
        Assert.Equal(failed.Metadata.ResourceVersion, later!.Metadata.ResourceVersion); // no retry loop
    }

    [Fact]
    public async Task Fixing_a_refused_spec_submits_it()
    {
        await PutQueueAsync();
        await StartSyncAsync();
        await Client.TrainingJobs().CreateAsync(AJob("fixed", b => b.Priority(PriorityOnlyTheServerKnows)), Ct);
        var failed = await EventuallyAsync(() => ReadAsync("fixed"), r => r?.Status?.Phase == JobState.Failed);

        failed!.Spec = failed.Spec with { PriorityClass = "high" };
        await Client.TrainingJobs().ReplaceAsync(failed, Ct);

        var queued = await EventuallyAsync(() => ReadAsync("fixed"), r => r?.Status?.Phase == JobState.Queued);
        Assert.Equal(2, queued!.Status!.ObservedGeneration);
        Assert.DoesNotContain(queued.Status.Conditions!, c => c.Type == TrainingJobConditions.Failed);
        Assert.Equal("high", Assert.Single(await JobsOfAsync(queued)).PriorityClass);
    }

    [Fact]
    public async Task Deleting_the_resource_cancels_its_job_and_lets_the_deletion_complete()
    {
        await PutQueueAsync();
        await StartSyncAsync();
        var (resource, job) = await ApplyAndWaitForJobAsync(AJob("doomed"));
        await EventuallyAsync(() => ReadAsync("doomed"), r => r?.Metadata.Finalizers?.Contains(TrainingJobSync.Finalizer) == true);

        await Client.TrainingJobs().DeleteAsync("doomed", Namespace, Ct);

        var cancelled = await EventuallyAsync(() => QueryAsync(new GetJob(job.Id)), j => j.Value?.State == JobState.Cancelled);
        Assert.Equal(CancelJob.Reason, cancelled.Value!.Reason);
        await EventuallyAsync(() => ReadAsync("doomed"), r => r is null);
    }

    [Fact]
    public async Task A_deletion_while_the_sync_is_down_is_not_missed()
    {
        await PutQueueAsync();
        await StartSyncAsync();
        var (_, job) = await ApplyAndWaitForJobAsync(AJob("while-down"));
        await EventuallyAsync(() => ReadAsync("while-down"), r => r?.Metadata.Finalizers?.Contains(TrainingJobSync.Finalizer) == true);
        await StopSyncAsync();

        await Client.TrainingJobs().DeleteAsync("while-down", Namespace, Ct);
        var held = await ReadAsync("while-down");
        await StartSyncAsync();

        Assert.NotNull(held?.Metadata.DeletionTimestamp); // the finalizer kept it for us
        await EventuallyAsync(() => QueryAsync(new GetJob(job.Id)), j => j.Value?.State == JobState.Cancelled);
        await EventuallyAsync(() => ReadAsync("while-down"), r => r is null);
    }

    [Fact]
    public async Task A_restarted_sync_relists_without_submitting_twice()
    {
        await PutQueueAsync();
        await StartSyncAsync();
        var names = new[] { "restart-a", "restart-b", "restart-c" };
        var resources = new List<TrainingJob>();
        foreach (var name in names)
        {
            resources.Add((await ApplyAndWaitForJobAsync(AJob(name))).Resource);
        }

        await StopSyncAsync();
        await StartSyncAsync();
        await Task.Delay(Resync * 10, Ct);
        var page = await QueryAsync(new ListJobs(Queue));

        Assert.Equal(names, page.Items.Select(j => j.Name).Order());
        foreach (var resource in resources)
        {
            Assert.Single(await JobsOfAsync(resource));
        }
    }

    [Fact]
    public async Task A_spec_change_of_an_active_job_is_reported_as_a_condition_and_not_applied()
    {
        await PutQueueAsync();
        await StartSyncAsync();
        var (_, job) = await ApplyAndWaitForJobAsync(AJob("steady", b => b.Gpus(2)));
        var current = await EventuallyAsync(() => ReadAsync("steady"), r => r?.Status?.Phase == JobState.Queued);

        current!.Spec = current.Spec with { Resources = current.Spec.Resources! with { Gpus = 4 }, Parallelism = current.Spec.Parallelism is { } p ? p with { Data = 4 } : null };
        await Client.TrainingJobs().ReplaceAsync(current, Ct);

        var rejected = await EventuallyAsync(() => ReadAsync("steady"), r => r?.Status?.ObservedGeneration == 2);
        var condition = Assert.Single(rejected!.Status!.Conditions!, c => c.Type == TrainingJobStatusBuilder.SpecChangeRejected);
        Assert.Equal("True", condition.Status);
        Assert.Contains("different spec", condition.Message);
        Assert.Equal(JobState.Queued, rejected.Status.Phase);
        var jobs = await JobsOfAsync(rejected);
        Assert.Equal(job.Id, Assert.Single(jobs).Id);
        Assert.Equal(2, jobs[0].Spec.Resources!.Gpus);
    }

    [Fact]
    public async Task A_job_for_a_queue_not_yet_created_waits_for_it()
    {
        await StartSyncAsync();
        var created = await Client.TrainingJobs().CreateAsync(AJob("early"), Ct);

        var waiting = await EventuallyAsync(() => ReadAsync("early"), r => r?.Status?.PendingReason is not null);
        var admitted = Assert.Single(waiting!.Status!.Conditions!);
        Assert.Equal(("False", nameof(SyncProblemKind.QueueNotFound)), (admitted.Status, admitted.Reason));
        Assert.Contains("queue", waiting.Status.PendingReason);
        await Client.GpuQueues().CreateAsync(new GpuQueue
        {
            Metadata = new V1ObjectMeta { Name = Queue },
            Spec = new Domain.Queues.QueueSpec { NominalQuota = new Dictionary<string, int> { ["A100-80GB"] = 8 }, Namespaces = [Namespace] },
        }, Ct);

        await EventuallyAsync(() => JobsOfAsync(created), j => j.Count == 1);
        var queued = await EventuallyAsync(() => ReadAsync("early"), r => r?.Status?.Phase == JobState.Queued);
        Assert.Null(queued!.Status!.PendingReason);
    }

    [Fact]
    public async Task A_queue_that_does_not_admit_the_namespace_leaves_the_job_unsubmitted_as_Forbidden_until_a_label_admits_it()
    {
        var label = "gpu-scheduler.io/test-" + Queue; // the class shares a server per test, a real cluster its namespaces
        var spec = new QueueSpec { NominalQuota = new Dictionary<string, int> { ["A100-80GB"] = 16 }, Namespaces = ["someone-else"] };
        Assert.True((await SendAsync(new PutQueue(Queue, spec))).IsSuccess);
        await StartSyncAsync();

        var created = await Client.TrainingJobs().CreateAsync(AJob("outsider"), Ct);

        var refused = await EventuallyAsync(() => ReadAsync("outsider"), r => r?.Status?.Conditions is { Count: > 0 });
        var admitted = Assert.Single(refused!.Status!.Conditions!);
        Assert.Equal(("False", QueueAccess.ForbiddenReason), (admitted.Status, admitted.Reason));
        Assert.Contains($"namespace '{Namespace}'", admitted.Message, StringComparison.Ordinal);
        Assert.Equal(admitted.Message, refused.Status.PendingReason);
        Assert.Null(refused.Status.JobId);
        var notice = Assert.Single(await ForbiddenEventsAsync(created));
        Assert.Equal(("Warning", admitted.Message), (notice.Type, notice.Message));

        // The queue adds a selector the namespace does not match yet; then the namespace gets the label.
        Assert.True((await SendAsync(new PutQueue(Queue, spec with
        {
            NamespaceSelector = new NamespaceSelector
            {
                MatchExpressions = [new LabelSelectorRequirement { Key = label, Operator = LabelSelectorOperator.In, Values = ["yes"] }],
            },
        }))).IsSuccess);
        // Asked again at a resync: still refused (the message now names the selector), and no second event.
        await EventuallyAsync(() => ReadAsync("outsider"), r => r?.Status?.PendingReason?.Contains(label, StringComparison.Ordinal) == true);
        Assert.Empty(await JobsOfAsync(created));
        Assert.Single(await ForbiddenEventsAsync(created));
        await Client.CoreV1.PatchNamespaceAsync(
            new V1Patch(new { metadata = new { labels = new Dictionary<string, string> { [label] = "yes" } } }, V1Patch.PatchType.MergePatch), Namespace, cancellationToken: Ct);

        await EventuallyAsync(() => JobsOfAsync(created), j => j.Count == 1);
        var queued = await EventuallyAsync(() => ReadAsync("outsider"), r => r?.Status?.Phase == JobState.Queued);
        Assert.Equal(Job.SubmittedReason, Assert.Single(queued!.Status!.Conditions!).Reason);
        Assert.Null(queued.Status.PendingReason);
    }

    [Fact]
    public async Task A_waiting_job_is_withdrawn_as_Forbidden_when_its_queue_stops_admitting_the_namespace()
    {
        var spec = new QueueSpec { NominalQuota = new Dictionary<string, int> { ["A100-80GB"] = 16 }, Namespaces = [Namespace] };
        Assert.True((await SendAsync(new PutQueue(Queue, spec))).IsSuccess);
        await StartSyncAsync();
        var created = await Client.TrainingJobs().CreateAsync(AJob("narrowed"), Ct);
        var submitted = Assert.Single(await EventuallyAsync(() => JobsOfAsync(created), j => j.Count == 1));
        Assert.Equal(JobState.Queued, submitted.State);

        Assert.True((await SendAsync(new PutQueue(Queue, spec with { Namespaces = ["someone-else"] }))).IsSuccess);

        var refused = await EventuallyAsync(() => ReadAsync("narrowed"), r => r?.Status?.Conditions?.Any(c => c.Reason == QueueAccess.ForbiddenReason) == true);
        var withdrawn = Assert.Single(await JobsOfAsync(created));
        Assert.Equal(submitted.Id, withdrawn.Id);
        Assert.Equal(JobState.Cancelled, withdrawn.State);
        Assert.StartsWith(TrainingJobSync.WithdrawnReason, withdrawn.Reason, StringComparison.Ordinal);
        var admitted = refused!.Status!.Conditions!.Single(c => c.Reason == QueueAccess.ForbiddenReason);
        Assert.Equal("False", admitted.Status);
        Assert.Contains($"namespace '{Namespace}'", admitted.Message, StringComparison.Ordinal);
        Assert.Single(await ForbiddenEventsAsync(created));
    }

    [Fact]
    public async Task A_job_waiting_for_its_queue_is_never_submitted_when_the_queue_arrives_without_its_namespace()
    {
        await StartSyncAsync();
        var created = await Client.TrainingJobs().CreateAsync(AJob("too-early"), Ct);
        await EventuallyAsync(() => ReadAsync("too-early"), r => r?.Status?.Conditions?.Any(c => c.Reason == nameof(SyncProblemKind.QueueNotFound)) == true);

        Assert.True((await SendAsync(new PutQueue(Queue, new QueueSpec
        {
            NominalQuota = new Dictionary<string, int> { ["A100-80GB"] = 8 }, Namespaces = ["someone-else"],
        }))).IsSuccess);

        var refused = await EventuallyAsync(() => ReadAsync("too-early"), r => r?.Status?.Conditions?.Any(c => c.Reason == QueueAccess.ForbiddenReason) == true);
        Assert.Null(refused!.Status!.JobId);
        Assert.Empty(await JobsOfAsync(created));
    }

    private async Task<List<Corev1Event>> ForbiddenEventsAsync(TrainingJob resource) =>
        [.. (await Client.CoreV1.ListNamespacedEventAsync(Namespace, cancellationToken: Ct)).Items
            .Where(e => e.InvolvedObject?.Uid == resource.Metadata.Uid && e.Reason == QueueAccess.ForbiddenReason)];

    [Fact]
    public async Task A_name_held_by_an_active_rest_job_is_reported_not_taken_over()
    {
        await PutQueueAsync();
        var rest = await SendAsync(new SubmitJob(Testing.Builders.JobSpecBuilder.AJob("shared").InQueue(Queue).Build()));
        await StartSyncAsync();

        var created = await Client.TrainingJobs().CreateAsync(AJob("shared"), Ct);

        var waiting = await EventuallyAsync(() => ReadAsync("shared"), r => r?.Status?.PendingReason is not null);
        Assert.Equal(nameof(SyncProblemKind.NameTaken), Assert.Single(waiting!.Status!.Conditions!).Reason);
        Assert.Empty(await JobsOfAsync(created));
        Assert.Null((await QueryAsync(new GetJob(rest.Value!.Job.Id))).Value!.Origin);
    }
}
