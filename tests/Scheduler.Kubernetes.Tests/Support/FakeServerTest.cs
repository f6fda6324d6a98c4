using k8s;
using Scheduler.Simulation.ApiServer;

namespace Scheduler.Kubernetes.Tests.Support;

/// <summary>A fresh fake API server and a client for it, per test.</summary>
public abstract class FakeServerTest : IAsyncLifetime
{
    protected FakeApiServer Server { get; private set; } = null!;

    protected IKubernetes Client { get; private set; } = null!;

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected virtual FakeApiServerOptions Options => new();

    public async ValueTask InitializeAsync()
    {
        Server = await FakeApiServer.StartAsync(Options, Ct);
        Client = Server.CreateClient();
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
    }
}
