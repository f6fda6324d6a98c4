using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using Quartz;
using Scheduler.Application.Idempotency;
using Scheduler.Application.Jobs;
using Scheduler.Testing.Builders;

namespace Scheduler.Application.Tests.Idempotency;

/// <summary>The Quartz job, run by the host's own scheduler, against real PostgreSQL, with the clock under test control.</summary>
public sealed class IdempotencyKeyPurgeTests(SchedulerFixture fixture) : IClassFixture<SchedulerFixture>
{
    [Fact]
    public async Task The_purge_job_deletes_expired_keys_only_and_an_expired_key_may_be_used_again()
    {
        var ct = TestContext.Current.CancellationToken;
        await fixture.EnsureQueueAsync("research");
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration["ConnectionStrings:Scheduler"] = fixture.ConnectionString;
        builder.Services.AddSingleton<TimeProvider>(clock);
        builder.AddApplicationServices();
        using var host = builder.Build();
        await host.StartAsync(ct);

        var (oldKey, freshKey) = (Guid.NewGuid().ToString(), Guid.NewGuid().ToString());
        var oldJob = await SubmitAsync(host, JobSpecBuilder.AJob("purge-old").Build(), oldKey);
        clock.Advance(TimeSpan.FromHours(23));
        await SubmitAsync(host, JobSpecBuilder.AJob("purge-fresh").Build(), freshKey);
        clock.Advance(TimeSpan.FromHours(1));

        var scheduler = await host.Services.GetRequiredService<ISchedulerFactory>().GetScheduler(ct);
        await scheduler.TriggerJob(IdempotencyKeyPurgeJob.Key, ct);
        await WaitUntilAsync(async () => !await KeyExistsAsync(oldKey), ct);

        Assert.True(await KeyExistsAsync(freshKey));
        await using (var db = fixture.NewDbContext())
        {
            Assert.True(await db.Jobs.AnyAsync(j => j.Id == oldJob.Job.Id, ct), "purging a key keeps its job");
        }

        var reused = await SubmitAsync(host, JobSpecBuilder.AJob("purge-reuse").Build(), oldKey);
        Assert.True(reused.Created);
        await host.StopAsync(ct);
    }

    private static async Task<SubmittedJob> SubmitAsync(IHost host, Domain.Specs.JobSpec spec, string key)
    {
        await using var scope = host.Services.CreateAsyncScope();
        return (await scope.ServiceProvider.GetRequiredService<ISender>().Send(new SubmitJob(spec, key))).Value!;
    }

    private async Task<bool> KeyExistsAsync(string key)
    {
        await using var db = fixture.NewDbContext();
        return await db.IdempotencyKeys.AnyAsync(k => k.Key == key);
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, CancellationToken ct)
    {
        for (var waited = TimeSpan.Zero; !await condition(); waited += TimeSpan.FromMilliseconds(100))
        {
            Assert.True(waited < TimeSpan.FromSeconds(30), "the purge job did not run within 30 s");
            await Task.Delay(TimeSpan.FromMilliseconds(100), ct);
        }
    }
}
