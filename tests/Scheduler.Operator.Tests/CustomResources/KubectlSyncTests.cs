using System.Text.RegularExpressions;
using Scheduler.Application.Jobs;
using Scheduler.Domain.Jobs;
using Scheduler.Kubernetes.Tests.Support;
using Scheduler.Simulation.Tests.Support;

namespace Scheduler.Operator.Tests.CustomResources;

/// <summary>The machine's kubectl against the fake API server with the sync running: what a user of the CRDs sees.</summary>
public sealed partial class KubectlSyncTests(SyncDatabase database) : SyncTest(database)
{
    private readonly string _dir = Directory.CreateTempSubdirectory("kubectl-sync").FullName;

    private Kubectl NewKubectl()
    {
        var kubeconfig = Path.Combine(_dir, "kubeconfig");
        Server!.WriteKubeconfig(kubeconfig);
        return new Kubectl(kubeconfig, Path.Combine(_dir, "cache"));
    }

    [Fact]
    public async Task Apply_shows_the_phase_from_the_status_and_delete_cancels_the_job()
    {
        Kubectl.SkipWhenAbsent();
        var kubectl = NewKubectl();
        await StartSyncAsync();

        var apply = await kubectl.RunAsync("apply", "-f", RepoPaths.Of("docs/examples/gpuqueue.yaml"), "-f", RepoPaths.Of("docs/examples/trainingjob.yaml"));
        Assert.True(apply.ExitCode == 0, apply.Error);

        var get = await EventuallyAsync(() => kubectl.RunAsync("get", "trainingjobs"), r => r.Output.Contains("Queued", StringComparison.Ordinal));
        var lines = get.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^NAME\s+QUEUE\s+PHASE\s+GPUS\s+PRED-GPU-HOURS\s+AGE", lines[0]);
        Assert.Matches(@"^gpt2-small\s+research\s+Queued\s+8\s+\d+\.\d+\s+\d+s$", lines[1].TrimEnd());
        // The example's prediction (1-2 GPU-hours) reads as three significant digits, not the estimate's full double.
        var predicted = lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries)[4];
        Assert.True(predicted.Replace(".", "", StringComparison.Ordinal).TrimStart('0').Length <= 3, predicted);
        // The GpuQueue's status (pending 1, running 0) is written by its own sync, after the TrainingJob's: wait for it too.
        await EventuallyAsync(() => kubectl.RunAsync("get", "gpuqueues"), r => QueueRow().IsMatch(r.Output));
        var jobId = (await kubectl.RunAsync("get", "tj", "gpt2-small", "-o", "jsonpath={.status.jobId}")).Output;
        var job = await QueryAsync(new GetJob(Guid.Parse(jobId)));
        Assert.Equal(("gpt2-small", JobState.Queued), (job.Value!.Name, job.Value.State));

        var delete = await kubectl.RunAsync("delete", "-f", RepoPaths.Of("docs/examples/trainingjob.yaml"));

        Assert.True(delete.ExitCode == 0, delete.Error);
        Assert.Equal(JobState.Cancelled, (await QueryAsync(new GetJob(job.Value.Id))).Value!.State); // kubectl waited for our finalizer
        var after = await kubectl.RunAsync("get", "tj", "gpt2-small");
        Assert.Contains("NotFound", after.Error);
    }

    /// <summary>The research queue's row: cohort ml, weight 1, one pending job, none running.</summary>
    [GeneratedRegex(@"research\s+ml\s+1\s+1\s+0\s+\d+s")]
    private static partial Regex QueueRow();
}
