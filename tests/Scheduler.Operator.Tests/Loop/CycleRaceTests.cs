using System.Net;
using Scheduler.Application.Jobs;
using Scheduler.Domain.Jobs;
using Scheduler.Operator.Pods;
using Scheduler.Testing.Builders;
using static Scheduler.Testing.Builders.JobSpecBuilder;

namespace Scheduler.Operator.Tests.Loop;

/// <summary>
/// Races between the cycle's own writes, its API calls and the watch that feeds its inventory, made deterministic by
/// failing a request (as a crash at that point would leave things) or by holding back the pod watch's events.
/// In-process cluster only.
/// </summary>
public sealed class CycleRaceTests
{
    [Fact]
    public async Task A_job_requeued_by_a_leader_that_died_before_deleting_its_pods_gets_them_collected()
    {
        await using var harness = await OperatorHarness.StartAsync("loop-requeue-race", a100Nodes: 2);
        await harness.PutQueueAsync(new Dictionary<string, int> { ["A100-80GB"] = 16 });
        var job = await harness.SubmitAsync(OperatorHarness.RunningFor(Gang("split"), TimeSpan.FromSeconds(600)));
        var rank1 = WorkloadNames.Pod("split", job.Id, attempt: 1, rank: 1);
        // The retry stores Queued, then deletes the live pods: a failed deletion leaves what a crash right after the store would.
        using var failDeletion = new FailFirst(r => r.Method == HttpMethod.Delete && r.RequestUri!.AbsolutePath.EndsWith("/pods/" + rank1, StringComparison.Ordinal));
        using var client = new k8s.Kubernetes(harness.Cluster.ApiServer.ClientConfiguration(), failDeletion);
        await harness.StartOperatorAsync("operator-a", client: client);
        await harness.WaitForStateAsync(job.Id, JobState.Running);

        await harness.EndPodAsync(WorkloadNames.Pod("split", job.Id, attempt: 1, rank: 0), exitCode: 1);

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
        await using var harness = await OperatorHarness.StartAsync("loop-place-race", a100Nodes: 2);
        await harness.PutQueueAsync(new Dictionary<string, int> { ["A100-80GB"] = 16 });
        var job = await harness.SubmitAsync(OperatorHarness.RunningFor(
Gang("torn"), TimeSpan.FromSeconds(600)));
        using var failRank1 = new FailFirstCreationOfPod(WorkloadNames.Pod("torn", job.Id, attempt: 1, rank: 1));
        using var client = new k8s.Kubernetes(harness.Cluster.ApiServer.ClientConfiguration(), failRank1);

        await harness.StartOperatorAsync("operator-a", client: client);

        // Rank 0 of attempt 1 was created, rank 1 was refused: attempt 1 must leave no pod holding GPUs, else the gang,
        // which needs every GPU of the cluster, can never be placed again.
        var running = await harness.WaitForStateAsync(job.Id, JobState.Running);
        Assert.True(failRank1.Failed);
        Assert.True(running.Attempt == 2, string.Join("; ", (await harness.EventsAsync(job.Id)).Select(e => $"{e.To} {e.Reason}")));
        Assert.DoesNotContain(await harness.PodsOfAsync(job.Id), p => WorkloadLabels.AttemptOf(p.Metadata) == 1 && p.Metadata.DeletionTimestamp is null);
    }

    private static JobSpecBuilder Gang(string name) =>
        AJob(name).Gpus(16, "A100-80GB", 8).Parallelism(p => p with { Data = 16 }).Training(t => t with { GlobalBatchSize = 16 });

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
    /// Answers the first creation of the named pod with a 500. From the first pod creation on, the pod watch's events are
    /// held back until a second after that failure, so the cycle handles it before its inventory sees the pods it made.
    /// </summary>
    private sealed class FailFirstCreationOfPod(string podName) : DelegatingHandler
    {
        private readonly Gate _podEvents = new();
        private int _failed;

        public bool Failed => _failed == 1;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var path = request.RequestUri!.AbsolutePath;
            if (request.Method == HttpMethod.Post && path.EndsWith("/pods", StringComparison.Ordinal) && !Failed)
            {
                if ((await request.Content!.ReadAsStringAsync(cancellationToken)).Contains($"\"name\":\"{podName}\"", StringComparison.Ordinal))
                {
                    Interlocked.Exchange(ref _failed, 1);
                    _ = _podEvents.OpenAfterAsync(TimeSpan.FromSeconds(1));
                    return Injected500(request);
                }

                _podEvents.Close();
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
