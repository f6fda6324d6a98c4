using System.Net;
using Scheduler.Domain.Jobs;
using Scheduler.Operator.Pods;
using static Scheduler.Testing.Builders.JobSpecBuilder;

namespace Scheduler.Operator.Tests.Loop;

/// <summary>
/// Races between the cycle's own API calls and the watch that feeds its inventory, made deterministic by stepping in
/// between a request and its answer, and by holding back the pod watch's events. In-process cluster only.
/// </summary>
public sealed class PlacementRaceTests
{
    [Fact]
    public async Task A_placement_whose_pods_cannot_all_be_created_leaves_none_of_them_behind()
    {
        await using var harness = await OperatorHarness.StartAsync("loop-place-race", a100Nodes: 2);
        await harness.PutQueueAsync(new Dictionary<string, int> { ["A100-80GB"] = 16 });
        var job = await harness.SubmitAsync(OperatorHarness.RunningFor(
            AJob("torn").Gpus(16, "A100-80GB", 8).Parallelism(p => p with { Data = 16 }).Training(t => t with { GlobalBatchSize = 16 }),
            TimeSpan.FromSeconds(600)));
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
                    return new HttpResponseMessage(HttpStatusCode.InternalServerError)
                    {
                        RequestMessage = request,
                        Content = new StringContent("""{"kind":"Status","apiVersion":"v1","status":"Failure","message":"injected","code":500}"""),
                    };
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
