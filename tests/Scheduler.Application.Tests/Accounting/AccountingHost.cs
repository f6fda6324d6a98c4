using Mediator;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using Scheduler.Application.Common;
using Scheduler.Application.Dashboard;
using Scheduler.Application.Jobs;
using Scheduler.Domain.Jobs;
using Scheduler.Domain.Specs;

namespace Scheduler.Application.Tests.Accounting;

/// <summary>The application host (with its Quartz jobs) over the fixture's database, on a clock the test moves.</summary>
internal sealed class AccountingHost : IAsyncDisposable
{
    private AccountingHost(IHost host, FakeTimeProvider clock)
    {
        Host = host;
        Clock = clock;
    }

    public IHost Host { get; }

    public FakeTimeProvider Clock { get; }

    public static async Task<AccountingHost> StartAsync(SchedulerFixture fixture, DateTimeOffset now, IReadOnlyDictionary<string, string>? settings = null)
    {
        var clock = new FakeTimeProvider(now);
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration["ConnectionStrings:Scheduler"] = fixture.ConnectionString;
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            builder.Configuration[key] = value;
        }

        builder.Services.AddSingleton<TimeProvider>(clock);
        builder.Services.AddSingleton<IClusterView>(new EmptyClusterView());
        builder.AddApplicationServices();
        var host = builder.Build();
        await host.StartAsync(TestContext.Current.CancellationToken);
        return new AccountingHost(host, clock);
    }

    public async Task<TResponse> SendAsync<TResponse>(ICommand<TResponse> command)
    {
        await using var scope = Host.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ISender>().Send(command);
    }

    public async Task<TResponse> QueryAsync<TResponse>(IQuery<TResponse> query)
    {
        await using var scope = Host.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ISender>().Send(query);
    }

    public async Task<Guid> SubmitAtAsync(DateTimeOffset at, JobSpec spec, JobOrigin? origin = null)
    {
        Clock.SetUtcNow(at);
        var submitted = await SendAsync(new SubmitJob(spec, Origin: origin));
        Assert.True(submitted.IsSuccess, submitted.Failure?.Title);
        return submitted.Value.Job.Id;
    }

    public async Task MoveAtAsync(Guid job, DateTimeOffset at, params JobState[] states)
    {
        Clock.SetUtcNow(at);
        foreach (var state in states)
        {
            var moved = await SendAsync(new TransitionJob(job, state, $"test moved it to {state}"));
            Assert.True(moved.IsSuccess, moved.Failure?.Title);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Host.StopAsync(CancellationToken.None);
        Host.Dispose();
    }
}
