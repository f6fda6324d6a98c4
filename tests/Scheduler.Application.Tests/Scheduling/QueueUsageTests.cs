using Mediator;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using Scheduler.Application.Jobs;
using Scheduler.Application.Scheduling;
using Scheduler.Domain.Jobs;
using Scheduler.Testing.Builders;

namespace Scheduler.Application.Tests.Scheduling;

/// <summary>Decayed queue usage on real PostgreSQL, with the clock under the test's control; each test has a queue of its own.</summary>
public sealed class QueueUsageTests(SchedulerFixture fixture) : IClassFixture<SchedulerFixture>
{
    private static readonly TimeSpan HalfLife = TimeSpan.FromDays(1);

    [Fact]
    public async Task Attempts_cut_short_by_a_preemption_or_a_retry_charge_their_queue_like_a_finished_one()
    {
        var (sender, clock) = await StartAsync("usage-requeued");
        await using var application = sender;
        var job = await SubmitAsync(sender, "usage-requeued", gpus: 4);

        await RunAsync(sender, clock, job, TimeSpan.FromHours(2));                  // attempt 1 runs 2 h...
        await MoveAsync(sender, job, JobState.Preempted);
        clock.Advance(TimeSpan.FromMinutes(30));                                    // ...and holds its GPUs 30 min more while checkpointing
        await MoveAsync(sender, job, JobState.Queued);
        clock.Advance(TimeSpan.FromMinutes(30));
        await RunAsync(sender, clock, job, TimeSpan.FromHours(1));                  // attempt 2: 1 h, then a retryable failure
        Assert.True((await sender.Send(new RetryJob(job, await VersionAsync(sender, job), "pod failed (exit code 1)"))).IsSuccess);
        clock.Advance(TimeSpan.FromHours(1));
        await RunAsync(sender, clock, job, TimeSpan.FromHours(1));                  // attempt 3: 1 h, succeeds now
        await MoveAsync(sender, job, JobState.Succeeded);

        var usage = await UsageOfAsync(sender, "usage-requeued");

        var expected = 4 * ((2.5 * Decay(TimeSpan.FromHours(3.5))) + (1 * Decay(TimeSpan.FromHours(2))) + 1);
        Assert.Equal(expected, usage, precision: 6);
    }

    [Fact]
    public async Task A_preempted_attempt_charges_up_to_now_and_attempts_older_than_four_half_lives_are_forgotten()
    {
        var (sender, clock) = await StartAsync("usage-horizon");
        await using var application = sender;
        var old = await SubmitAsync(sender, "usage-horizon", gpus: 8);
        await RunAsync(sender, clock, old, TimeSpan.FromHours(1));
        await MoveAsync(sender, old, JobState.Preempted);
        await MoveAsync(sender, old, JobState.Queued);
        clock.Advance(4 * HalfLife);

        var stopping = await SubmitAsync(sender, "usage-horizon", gpus: 2);
        await RunAsync(sender, clock, stopping, TimeSpan.FromHours(3));
        await MoveAsync(sender, stopping, JobState.Preempted);
        clock.Advance(TimeSpan.FromHours(1));

        var usage = await UsageOfAsync(sender, "usage-horizon");

        Assert.Equal(2 * 4.0, usage, precision: 6);
    }

    [Fact]
    public async Task A_job_cancelled_in_the_queue_after_a_retry_still_charges_the_attempt_it_ran()
    {
        var (sender, clock) = await StartAsync("usage-cancelled");
        await using var application = sender;
        var job = await SubmitAsync(sender, "usage-cancelled", gpus: 2);
        await RunAsync(sender, clock, job, TimeSpan.FromHours(2));
        Assert.True((await sender.Send(new RetryJob(job, await VersionAsync(sender, job), "pod failed (exit code 1)"))).IsSuccess);
        Assert.True((await sender.Send(new CancelJob(job))).IsSuccess);
        clock.Advance(TimeSpan.FromHours(1));

        var usage = await UsageOfAsync(sender, "usage-cancelled");

        Assert.Equal(2 * 2 * Decay(TimeSpan.FromHours(1)), usage, precision: 6);
    }

    [Fact]
    public async Task Jobs_that_ran_once_charge_their_gpu_share_from_start_to_end_decayed_since_they_ended()
    {
        var (sender, clock) = await StartAsync("usage-once");
        await using var application = sender;
        var whole = await SubmitAsync(sender, "usage-once", gpus: 4);
        var half = await SubmitAsync(sender, "usage-once", gpus: 1, spec => spec.GpuFraction(500));
        var running = await SubmitAsync(sender, "usage-once", gpus: 2);
        var cancelled = await SubmitAsync(sender, "usage-once", gpus: 8);
        Assert.True((await sender.Send(new CancelJob(cancelled))).IsSuccess);   // never ran: charges nothing

        await RunAsync(sender, clock, whole, TimeSpan.FromHours(2));
        await MoveAsync(sender, whole, JobState.Succeeded);                     // 4 GPUs x 2 h, ended 6 h before now
        await RunAsync(sender, clock, half, TimeSpan.FromHours(4));
        await MoveAsync(sender, half, JobState.Failed);                         // 0.5 GPU x 4 h, ended 2 h before now
        await RunAsync(sender, clock, running, TimeSpan.FromHours(2));          // 2 GPUs x 2 h up to now

        var usage = await UsageOfAsync(sender, "usage-once");

        Assert.Equal((4 * 2 * Decay(TimeSpan.FromHours(6))) + (0.5 * 4 * Decay(TimeSpan.FromHours(2))) + (2 * 2), usage, precision: 6);
    }

    [Fact]
    public async Task An_admitted_job_charges_the_attempts_it_ran_before_and_nothing_for_the_one_not_started()
    {
        var (sender, clock) = await StartAsync("usage-admitted");
        await using var application = sender;
        var fresh = await SubmitAsync(sender, "usage-admitted", gpus: 4);
        var requeued = await SubmitAsync(sender, "usage-admitted", gpus: 2);
        await RunAsync(sender, clock, requeued, TimeSpan.FromHours(1));        // attempt 1 runs 1 h, then is preempted
        await MoveAsync(sender, requeued, JobState.Preempted);
        await MoveAsync(sender, requeued, JobState.Queued);

        await AdmitAsync(sender, fresh);                                       // both wait for their pods
        await AdmitAsync(sender, requeued);
        clock.Advance(TimeSpan.FromHours(1));

        var usage = await UsageOfAsync(sender, "usage-admitted");

        Assert.Equal(2 * 1 * Decay(TimeSpan.FromHours(1)), usage, precision: 6);
    }

    private static double Decay(TimeSpan age) => Math.Pow(0.5, age / HalfLife);

    private async Task<(ClockedApplication Sender, FakeTimeProvider Clock)> StartAsync(string queue)
    {
        await fixture.EnsureQueueAsync(queue);
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 8, 0, 0, TimeSpan.Zero));
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration["ConnectionStrings:Scheduler"] = fixture.ConnectionString;
        builder.Services.AddSingleton<TimeProvider>(clock);
        builder.AddApplicationServices();
        var services = builder.Services.BuildServiceProvider();
        return (new ClockedApplication(services), clock);
    }

    private static async Task<Guid> SubmitAsync(ClockedApplication sender, string queue, int gpus, Func<JobSpecBuilder, JobSpecBuilder>? change = null)
    {
        var builder = JobSpecBuilder.AJob($"{queue}-{Guid.NewGuid():N}"[..40]).InQueue(queue).Gpus(gpus).Parallelism(p => p with { Data = gpus });
        var spec = (change?.Invoke(builder) ?? builder).Build();
        var submitted = await sender.Send(new SubmitJob(spec));
        Assert.True(submitted.IsSuccess, submitted.Failure?.ToString());
        return submitted.Value.Job.Id;
    }

    /// <summary>Admits the job, lets it run for <paramref name="runtime"/> on the fake clock; it is left Running.</summary>
    private static async Task RunAsync(ClockedApplication sender, FakeTimeProvider clock, Guid job, TimeSpan runtime)
    {
        await AdmitAsync(sender, job);
        await MoveAsync(sender, job, JobState.Running);
        clock.Advance(runtime);
    }

    private static async Task AdmitAsync(ClockedApplication sender, Guid job)
    {
        var admitted = await sender.Send(new AdmitJob(job, await VersionAsync(sender, job), [new JobPodPlacement(0, "node-a", [0], 1000, 0, 0)], "training", "placed"));
        Assert.True(admitted.IsSuccess, admitted.Failure?.ToString());
    }

    private static async Task MoveAsync(ClockedApplication sender, Guid job, JobState to) =>
        Assert.True((await sender.Send(new TransitionJob(job, to, "moved by the test", await VersionAsync(sender, job)))).IsSuccess);

    private static async Task<int> VersionAsync(ClockedApplication sender, Guid job) => (await sender.Send(new GetJob(job))).Value!.Version;

    private static async Task<double> UsageOfAsync(ClockedApplication sender, string queue) =>
        Assert.Single(await sender.Send(new ListQueueUsage(HalfLife)), q => q.Name == queue).DecayedGpuHours;

    /// <summary>The application over the fixture's database with a fake clock; each message in a scope of its own, as one request would send it.</summary>
    private sealed class ClockedApplication(ServiceProvider services) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => services.DisposeAsync();

        public async Task<T> Send<T>(ICommand<T> command) => await InScope(s => s.Send(command));

        public async Task<T> Send<T>(IQuery<T> query) => await InScope(s => s.Send(query));

        private async Task<T> InScope<T>(Func<ISender, ValueTask<T>> send)
        {
            await using var scope = services.CreateAsyncScope();
            return await send(scope.ServiceProvider.GetRequiredService<ISender>());
        }
    }
}
