using System.Net;
using Scheduler.Application.Jobs;
using Scheduler.Domain.Jobs;
using Scheduler.Operator.Pods;

namespace Scheduler.Operator.Tests.Loop;

/// <summary>
/// Races between the cycle's own writes, its API calls and the watch that feeds its inventory, made deterministic by
/// failing a request (as a crash at that point would leave things) or by holding back the pod watch's events.
/// In-process cluster only.
/// </summary>
public sealed class CycleRaceTests() : OperatorLoopScenarios(InProcessLoopCluster.StartAsync)
{
    [Fact]
    public async Task A_job_requeued_by_a_leader_that_died_before_deleting_its_pods_gets_them_collected()
    {
        await using var harness = await StartAsync("loop-requeue-race", a100Nodes: 2, a100Quota: 16);
        var job = await harness.SubmitAsync(OperatorHarness.RunningFor(Gang("split"), TimeSpan.FromSeconds(600)));
        var rank1 = WorkloadNames.Pod("split", new JobId(job.Id), attempt: 1, rank: 1);
        // The retry stores Queued, then deletes the live pods: a failed deletion leaves what a crash right after the store would.
        using var failDeletion = new FailFirst(r => r.Method == HttpMethod.Delete && r.RequestUri!.AbsolutePath.EndsWith("/pods/" + rank1, StringComparison.Ordinal));
        using var client = new k8s.Kubernetes(harness.Cluster.ApiServer.ClientConfiguration(), failDeletion);
        await harness.StartOperatorAsync("operator-a", client: client);
        await harness.WaitForStateAsync(job.Id, JobState.Running);

        await harness.EndPodAsync(WorkloadNames.Pod("split", new JobId(job.Id), attempt: 1, rank: 0), exitCode: 1);

        // Rank 1 of attempt 1 holds half the GPUs the gang needs: until someone deletes it, attempt 2 cannot be placed.
        JobDetails? seen = null;
        await harness.WaitAsync(
            async () => (seen = await harness.GetJobAsync(job.Id)) is { State: JobState.Running, Attempt: 2 },
            () => $"the job did not run its attempt 2; it is {seen?.State} at attempt {seen?.Attempt} ({seen?.Reason}; pending: {seen?.PendingReason})");
        Assert.True(failDeletion.Failed);
    }

    [Fact]
    public async Task A_placement_whose_pods_cannot_all_be_created_leaves_none_of_them_behind()
    {
        await using var harness = await StartAsync("loop-place-race", a100Nodes: 2, a100Quota: 16);
        var job = await harness.SubmitAsync(OperatorHarness.RunningFor(Gang("torn"), TimeSpan.FromSeconds(600)));
        using var failRank1 = new HoldPodEvents(
            WorkloadNames.Pod("torn", new JobId(job.Id), attempt: 1, rank: 0), TimeSpan.FromSeconds(1), fail: WorkloadNames.Pod("torn", new JobId(job.Id), attempt: 1, rank: 1));
        using var client = new k8s.Kubernetes(harness.Cluster.ApiServer.ClientConfiguration(), failRank1);

        await harness.StartOperatorAsync("operator-a", client: client);

        // Rank 0 of attempt 1 was created, rank 1 was refused: attempt 1 must leave no pod holding GPUs, else the gang,
        // which needs every GPU of the cluster, can never be placed again.
        var running = await harness.WaitForStateAsync(job.Id, JobState.Running);
        Assert.True(failRank1.Held);
        Assert.True(running.Attempt == 2, string.Join("; ", (await harness.EventsAsync(job.Id)).Select(e => $"{e.To} {e.Reason}")));
        Assert.DoesNotContain(await harness.PodsOfAsync(job.Id), p => WorkloadLabels.AttemptOf(p.Metadata) == 1 && p.Metadata.DeletionTimestamp is null);
    }

    [Fact]
    public async Task A_victim_preempted_before_the_watch_showed_its_pods_keeps_its_gpus_until_they_stopped()
    {
        await using var harness = await StartAsync("loop-preempt-race", a100Nodes: 1, a100Quota: 8);
        var low = await harness.SubmitAsync(OperatorHarness.RunningFor(WholeNode("low").Priority("low"), TimeSpan.FromSeconds(120)));
        JobDetails? high = null;
        // The preemptor arrives as the victim's pod is created; the pod watch shows that pod only 3 s later.
        using var hold = new HoldPodEvents(
            WorkloadNames.Pod("low", new JobId(low.Id), attempt: 1, rank: 0), TimeSpan.FromSeconds(3),
            meanwhile: async () => high = await harness.SubmitAsync(OperatorHarness.RunningFor(WholeNode("high").Priority("high"), TimeSpan.FromSeconds(1))));
        using var client = new k8s.Kubernetes(harness.Cluster.ApiServer.ClientConfiguration(), hold);

        await harness.StartOperatorAsync("operator-a", client: client);

        await harness.WaitAsync(async () => high is not null && (await harness.GetJobAsync(high.Id)).State == JobState.Succeeded);
        var highEvents = await harness.EventsAsync(high!.Id);
        var requeued = (await harness.EventsAsync(low.Id)).First(e => e.Reason.StartsWith("requeued after preemption", StringComparison.Ordinal));
        // Placed once, and only after the victim's pod had stopped: not on GPUs it still held (the kubelet refuses that pod).
        Assert.True(highEvents.Count(e => e.To == JobState.Admitted) == 1, string.Join("; ", highEvents.Select(e => $"{e.To} {e.Reason}")));
        Assert.True(highEvents.Single(e => e.To == JobState.Admitted).At >= requeued.At, "the preemptor was placed before the victim was requeued");
    }

    private static HttpResponseMessage Injected500(HttpRequestMessage request) => new(HttpStatusCode.InternalServerError)
    {
        RequestMessage = request,
        Content = new StringContent("""{"kind":"Status","apiVersion":"v1","status":"Failure","message":"injected","code":500}"""),
    };

    /// <summary>Answers the first request that matches with a 500, without sending it.</summary>
    private sealed class FailFirst(Func<HttpRequestMessage, bool> matches) : DelegatingHandler
    {
        private int _failed;

        public bool Failed => _failed == 1;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            matches(request) && Interlocked.CompareExchange(ref _failed, 1, 0) == 0
                ? Task.FromResult(Injected500(request))
                : base.SendAsync(request, cancellationToken);
    }

    /// <summary>
    /// From the creation of the pod <paramref name="holdFrom"/> on, holds the pod watch's events back for <paramref name="hold"/>
    /// (a read already waiting for data is held too), so the cycle goes on before its inventory sees that pod; runs
    /// <paramref name="meanwhile"/> then. The first creation of the pod <paramref name="fail"/> is answered with a 500.
    /// </summary>
    private sealed class HoldPodEvents(string holdFrom, TimeSpan hold, Func<Task>? meanwhile = null, string? fail = null) : DelegatingHandler
    {
        private readonly Gate _podEvents = new();
        private int _held;
        private int _failed;

        public bool Held => _held == 1;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var path = request.RequestUri!.AbsolutePath;
            if (request.Method == HttpMethod.Post && path.EndsWith("/pods", StringComparison.Ordinal))
            {
                var body = await request.Content!.ReadAsStringAsync(cancellationToken);
                if (body.Contains($"\"name\":\"{holdFrom}\"", StringComparison.Ordinal) && Interlocked.CompareExchange(ref _held, 1, 0) == 0)
                {
                    _podEvents.Close();
                    _ = _podEvents.OpenAfterAsync(hold);
                    if (meanwhile is not null)
                    {
                        await meanwhile();
                    }
                }

                if (fail is not null && body.Contains($"\"name\":\"{fail}\"", StringComparison.Ordinal) && Interlocked.CompareExchange(ref _failed, 1, 0) == 0)
                {
                    return Injected500(request);
                }
            }

            var response = await base.SendAsync(request, cancellationToken);
            if (request.Method == HttpMethod.Get && path.EndsWith("/pods", StringComparison.Ordinal)
                && request.RequestUri.Query.Contains("watch=true", StringComparison.Ordinal))
            {
                var gated = new StreamContent(new GatedStream(await response.Content.ReadAsStreamAsync(cancellationToken), _podEvents));
                foreach (var header in response.Content.Headers)
                {
                    gated.Headers.TryAddWithoutValidation(header.Key, header.Value);
                }

                response.Content = gated;
            }

            return response;
        }
    }

    private sealed class Gate
    {
        private volatile TaskCompletionSource _open = Opened();

        public void Close()
        {
            if (_open.Task.IsCompleted)
            {
                _open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }

        public async Task OpenAfterAsync(TimeSpan delay)
        {
            await Task.Delay(delay);
            _open.TrySetResult();
        }

        public Task WaitAsync(CancellationToken cancellationToken) => _open.Task.WaitAsync(cancellationToken);

        private static TaskCompletionSource Opened()
        {
            var open = new TaskCompletionSource();
            open.SetResult();
            return open;
        }
    }

    /// <summary>Hands on what it read only while the gate is open: a read that was waiting for data when the gate closed is held too.</summary>
    private sealed class GatedStream(Stream inner, Gate gate) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await inner.ReadAsync(buffer, cancellationToken);
            await gate.WaitAsync(cancellationToken);
            return read;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
