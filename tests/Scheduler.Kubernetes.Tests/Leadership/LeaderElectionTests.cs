using k8s;
using Scheduler.Kubernetes.Leadership;
using Scheduler.Simulation.ApiServer;

namespace Scheduler.Kubernetes.Tests.Leadership;

public sealed class LeaderElectionTests : IAsyncLifetime
{
    /// <summary>
    /// Short enough for a takeover within seconds, long enough that a leader keeps its lease through a renewal held up for
    /// up to 3 s (CI runs every test project at once on 2 cores; with a 700 ms renew deadline a stalled leader lost the lease).
    /// </summary>
    private static readonly LeaderElectionOptions Fast = new()
    {
        LeaseName = "operator",
        LeaseDuration = TimeSpan.FromSeconds(4),
        RenewDeadline = TimeSpan.FromSeconds(3),
        RetryPeriod = TimeSpan.FromMilliseconds(200),
    };

    private FakeApiServer _server = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _server = await FakeApiServer.StartAsync(cancellationToken: Ct);

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task One_of_two_replicas_leads_and_the_other_takes_over_when_it_stops()
    {
        using var clientA = _server.CreateClient();
        using var clientB = _server.CreateClient();
        var a = new LeaderElection(clientA, Fast with { Identity = "replica-a" });
        var b = new LeaderElection(clientB, Fast with { Identity = "replica-b" });
        var leadingA = new TaskCompletionSource();
        var leadingB = new TaskCompletionSource();
        var bothLed = false;
        using var stopA = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        using var stopB = CancellationTokenSource.CreateLinkedTokenSource(Ct);

        async Task Lead(TaskCompletionSource started, CancellationToken leadership)
        {
            bothLed |= a.IsLeader && b.IsLeader;
            started.TrySetResult();
            await Task.Delay(Timeout.Infinite, leadership).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        var runA = a.RunAsync(t => Lead(leadingA, t), stopA.Token);
        await leadingA.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        var runB = b.RunAsync(t => Lead(leadingB, t), stopB.Token);
        await Task.Delay(Fast.LeaseDuration * 1.5, Ct); // longer than the lease: A renews, B must keep waiting
        var bWaitedWhileALed = !leadingB.Task.IsCompleted && a.IsLeader && b.CurrentLeader == "replica-a";

        await stopA.CancelAsync(); // A crashes: it stops renewing without giving the lease back
        await runA;
        await leadingB.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        using var reader = _server.CreateClient();
        var lease = await reader.CoordinationV1.ReadNamespacedLeaseAsync("operator", "default", cancellationToken: Ct);
        await stopB.CancelAsync();
        await runB;

        Assert.True(bWaitedWhileALed);
        Assert.False(bothLed);
        Assert.Equal("replica-b", lease.Spec.HolderIdentity);
        Assert.True(lease.Spec.LeaseTransitions >= 1);
    }

    [Fact]
    public async Task An_unreachable_api_server_means_not_leading_and_campaigning_on()
    {
        var gone = await FakeApiServer.StartAsync(cancellationToken: Ct);
        using var client = gone.CreateClient();
        await gone.DisposeAsync();
        var election = new LeaderElection(client, Fast with { Identity = "lonely" });
        var led = false;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        stop.CancelAfter(TimeSpan.FromMilliseconds(800));

        await election.RunAsync(_ => { led = true; return Task.CompletedTask; }, stop.Token);

        Assert.False(led);
        Assert.False(election.IsLeader);
    }
}
