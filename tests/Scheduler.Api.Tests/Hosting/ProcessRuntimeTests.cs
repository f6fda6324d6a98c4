using System.Globalization;
using k8s.Models;
using Scheduler.Application.Admission;
using Scheduler.Application.Jobs;
using Scheduler.Application.Queues;
using Scheduler.Domain.Jobs;
using Scheduler.Domain.Queues;
using Scheduler.Domain.Specs;
using Scheduler.Testing.Builders;

namespace Scheduler.Api.Tests.Hosting;

/// <summary>
/// The real trainer in the loop (docs/trainer.md, "The process runtime"): the scheduler, the operator, the simulated cluster's
/// process runtime and the bundled trainer, all real, on a tiny model with a fixed seed.
/// </summary>
public sealed class ProcessRuntimeTests : IAsyncLifetime
{
    private const string Queue = "demo";
    private const long StepsOfA = 400;
    private const long StepsOfB = 30;

    private readonly ProcessClusterHost _host = new();

    public async ValueTask InitializeAsync()
    {
        if (!OperatingSystem.IsLinux())
        {
            Assert.Skip("The process runtime signals its trainers (SIGTERM) and is tested on Linux");
        }

        await _host.InitializeAsync();
        var queue = await _host.SendAsync(new PutQueue(Queue, new QueueSpec { NominalQuota = new Dictionary<string, int> { ["A100-80GB"] = ProcessClusterHost.Nodes } }));
        Assert.True(queue.IsSuccess, queue.Failure?.ToString());
    }

    public ValueTask DisposeAsync() => _host.DisposeAsync();

    [Fact]
    public async Task Preempted_trainer_checkpoints_and_resumes_bit_identically_while_a_two_rank_gang_runs_in_its_place()
    {
        var ct = TestContext.Current.CancellationToken;

        // 1. A (low priority, one GPU) trains and checkpoints every 20 steps.
        var a = await SubmitAsync(Tiny("sweep", StepsOfA, gpus: 1).Priority("low"));
        var firstPod = await RunningPodAsync(a.Id);
        await ProcessClusterHost.WaitUntilAsync(
            () => Task.FromResult(ProcessClusterHost.Losses(_host.Logs.Read(firstPod.Namespace(), firstPod.Name())).Keys.LastOrDefault() >= 25),
            () => $"A did not pass its first checkpoint: {_host.Logs.Read(firstPod.Namespace(), firstPod.Name())}");

        // Freeze A so that it is still mid-run when the preemption reaches it, however loaded the machine; the SIGTERM the
        // kubelet sends meanwhile waits for SIGCONT. Freezing changes no arithmetic.
        var pid = int.Parse(firstPod.Status.ContainerStatuses[0].ContainerID["process://".Length..], CultureInfo.InvariantCulture);
        await ProcessClusterHost.SignalAsync(pid, "STOP");

        // 2. B (high priority, two ranks: one pod on each node's GPU) needs A's GPU: A is preempted.
        var b = await SubmitAsync(Tiny("urgent", StepsOfB, gpus: 2).Priority("high"));
        await ProcessClusterHost.WaitUntilAsync(
            async () => (await _host.PodsOfAsync(a.Id)).All(p => p.Name() != firstPod.Name() || p.Metadata.DeletionTimestamp is not null),
            () => "A's pod was not deleted for B");
        await ProcessClusterHost.SignalAsync(pid, "CONT");

        // 3. B runs as a gang and succeeds; A is placed again and resumes; both succeed.
        var rankPods = await RunningPodsAsync(b.Id, ranks: 2);
        var bDone = await _host.WaitForStateAsync(b.Id, JobState.Succeeded);
        var aDone = await _host.WaitForStateAsync(a.Id, JobState.Succeeded);

        var firstLog = _host.Logs.Read(firstPod.Namespace(), firstPod.Name())!;
        Assert.Contains("SIGTERM received", firstLog);
        Assert.Contains("exiting 75", firstLog);
        var events = (await _host.SendAsync(new GetJobEvents(a.Id))).Value!;
        Assert.Contains(events, e => e.To == JobState.Preempted);
        Assert.True(aDone.Attempt >= 2, $"A ran {aDone.Attempt} attempt(s)");
        var secondPodName = WorkloadName(aDone, aDone.Attempt);
        var secondLog = _host.Logs.Read(firstPod.Namespace(), secondPodName);
        Assert.NotNull(secondLog);
        var before = ProcessClusterHost.Losses(firstLog);
        var checkpoint = before.Keys.Last();
        Assert.Contains($"resuming from the committed checkpoint of step {checkpoint}", secondLog);
        var bSucceeded = (await _host.SendAsync(new GetJobEvents(b.Id))).Value!.Single(e => e.To == JobState.Succeeded).At;
        Assert.True(bSucceeded <= events.Last(e => e.To == JobState.Admitted).At, "A was placed again before B had finished");

        // 4. Across the interruption: every step exactly once, and each loss bit-identical to an uninterrupted run.
        var after = ProcessClusterHost.Losses(secondLog);
        Assert.Empty(before.Keys.Intersect(after.Keys));
        var interrupted = before.Concat(after).ToList();
        Assert.Equal(Enumerable.Range(1, (int)StepsOfA).Select(s => (long)s), interrupted.Select(p => p.Key));
        var specOfA = Path.Combine(_host.DataDirectory, "sim", "pods", firstPod.Namespace(), firstPod.Name(), "spec", "spec.json");
        var uninterrupted = ProcessClusterHost.Losses(await ProcessClusterHost.RunTrainerAloneAsync(specOfA, ct));
        Assert.Equal(uninterrupted.ToList(), interrupted);

        // 5. The telemetry the real trainer sent is on the job.
        Assert.NotNull(aDone.Measured);
        Assert.Equal(StepsOfA, aDone.Measured.Step);
        Assert.True(aDone.Measured.TokensPerSecond > 0);
        Assert.True(aDone.Measured.PeakMemoryGiB > 0);
        Assert.Equal("cpu", aDone.Measured.Device);
        Assert.True(aDone.Measured.Final);
        // A CPU run's MFU against an A100's peak would teach the estimator nonsense: calibration takes GPU runs only (docs/admission.md).
        var calibration = await _host.SendAsync(new GetCalibration());
        Assert.Equal(0, calibration.Samples);

        // 6. B: both ranks placed together, trained in one ring, and rank 0 reported losses one process gets on the same global batch.
        Assert.Equal(2, rankPods.Select(p => p.Spec.NodeName).Count(n => n is not null));
        var rank0 = _host.Logs.Read(rankPods[0].Namespace(), rankPods[0].Name())!;
        var rank1 = _host.Logs.Read(rankPods[1].Namespace(), rankPods[1].Name())!;
        Assert.Contains("rank 0/2 joined the ring", rank0);
        Assert.Contains("rank 1/2 joined the ring", rank1);
        Assert.NotNull(bDone.Measured);
        Assert.Equal(StepsOfB, bDone.Measured.Step);
        var specOfB = Path.Combine(_host.DataDirectory, "sim", "pods", rankPods[0].Namespace(), rankPods[0].Name(), "spec", "spec.json");
        var oneProcess = ProcessClusterHost.Losses(await ProcessClusterHost.RunTrainerAloneAsync(specOfB, ct));
        var twoRanks = ProcessClusterHost.Losses(rank0);
        Assert.Equal(oneProcess.Keys, twoRanks.Keys);
        foreach (var (step, loss) in oneProcess)
        {
            // The trainer's rule for ranks against one process (RingAllReduceTests): equal to 5 decimals.
            Assert.Equal(double.Parse(loss, CultureInfo.InvariantCulture), double.Parse(twoRanks[step], CultureInfo.InvariantCulture), 5);
        }
    }

    private static JobSpecBuilder Tiny(string name, long steps, int gpus) =>
        JobSpecBuilder.AJob(name)
            .InQueue(Queue)
            .Model(m => m with { Layers = 2, HiddenSize = 32, Heads = 4, KvHeads = 4, FfnHiddenSize = null, VocabSize = 64, SeqLength = 16, TiedEmbeddings = true })
            .Training(t => t with
            {
                Tokens = null, Steps = steps, GlobalBatchSize = 4, MicroBatchSize = 2, Precision = Precision.Fp32,
                LearningRate = 1e-2, WarmupSteps = 5, Seed = 7,
            })
            .Parallelism(p => p with { Data = gpus, Tensor = 1, Pipeline = 1 })
            .Gpus(gpus, "A100-80GB", gpusPerNode: 1)
            .With(s => s with { Checkpoint = new CheckpointSpec { IntervalSteps = 20 } });

    private async Task<JobDetails> SubmitAsync(JobSpecBuilder spec)
    {
        var result = await _host.SendAsync(new SubmitJob(spec.Build()));
        Assert.True(result.IsSuccess, result.Failure?.ToString());
        return result.Value.Job;
    }

    private async Task<V1Pod> RunningPodAsync(Guid jobId) => (await RunningPodsAsync(jobId, ranks: 1))[0];

    /// <summary>The job's pods of its current attempt once all <paramref name="ranks"/> run, by rank.</summary>
    private async Task<IReadOnlyList<V1Pod>> RunningPodsAsync(Guid jobId, int ranks)
    {
        IReadOnlyList<V1Pod> all = [];
        IReadOnlyList<V1Pod> pods = [];
        await ProcessClusterHost.WaitUntilAsync(async () =>
        {
            all = await _host.PodsOfAsync(jobId);
            pods = all.Where(p => p.Status?.Phase == "Running" && p.Metadata.DeletionTimestamp is null)
                .OrderBy(p => p.Metadata.Labels["gpu-scheduler.io/rank"], StringComparer.Ordinal).ToList();
            return pods.Count == ranks;
        }, () => $"job {jobId} does not run {ranks} pod(s); its pods: " + string.Join("; ", all.Select(p =>
            $"{p.Name()} {p.Status?.Phase} {p.Status?.Reason} {p.Status?.Message} deleting={p.Metadata.DeletionTimestamp is not null} log: {_host.Logs.Read(p.Namespace(), p.Name())}")));
        return pods;
    }

    private static string WorkloadName(JobDetails job, int attempt) =>
        Scheduler.Operator.Pods.WorkloadNames.Pod(job.Name, new JobId(job.Id), attempt, 0);
}
