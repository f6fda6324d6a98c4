using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Scheduler.Application.Common;
using Scheduler.Application.Jobs;
using Scheduler.Application.Notifications;
using Scheduler.Application.Queues;
using Scheduler.Domain.Jobs;
using Scheduler.Domain.Queues;
using Scheduler.Domain.Specs;
using Scheduler.Testing.Builders;

namespace Scheduler.Application.Tests.Notifications;

/// <summary>
/// Webhooks end to end against PostgreSQL and a receiver on 127.0.0.1: the outbox row is written with the job's transition,
/// and a worker host (started and stopped here like the server's) delivers it signed, retried and exactly once.
/// </summary>
public sealed class NotificationDeliveryTests(SchedulerFixture fixture) : IClassFixture<SchedulerFixture>, IAsyncLifetime
{
    private const string Queue = "notify";
    private const string Secret = "test-secret-of-the-webhooks";
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    public async ValueTask InitializeAsync() => await fixture.EnsureQueueAsync(Queue);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static string NewName() => $"job-{Guid.NewGuid():N}"[..30];

    /// <summary>A host running only what the server runs for notifications (the application services), over the fixture's database.</summary>
    private IHost WorkerHost()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration["ConnectionStrings:Scheduler"] = fixture.ConnectionString;
        builder.Configuration["Scheduler:Notifications:Secret"] = Secret;
        builder.Configuration["Scheduler:Notifications:AllowHttpHosts:0"] = "127.0.0.1";
        builder.Configuration["Scheduler:Notifications:PollInterval"] = "00:00:00.050";
        builder.Configuration["Scheduler:Notifications:InitialBackoff"] = "00:00:00.100";
        builder.AddApplicationServices();
        return builder.Build();
    }

    private async Task<JobDetails> SubmitAsync(JobSpecBuilder spec)
    {
        // Submitted through a host whose settings allow http to 127.0.0.1, as a local test installation would.
        using var host = WorkerHost();
        await using var scope = host.Services.CreateAsyncScope();
        var result = await scope.ServiceProvider.GetRequiredService<Mediator.ISender>().Send(new SubmitJob(spec.Build()), Cancel);
        Assert.True(result.IsSuccess, result.Failure?.ToString());
        return result.Value.Job;
    }

    private async Task MoveAsync(Guid job, params JobState[] states)
    {
        foreach (var state in states)
        {
            var result = await fixture.SendAsync(new TransitionJob(job, state, $"test {state}"));
            Assert.True(result.IsSuccess, result.Failure?.ToString());
        }
    }

    private async Task<IReadOnlyList<NotificationDetails>> DeliveriesAsync(Guid job) => (await fixture.QueryAsync(new GetJobNotifications(job))).Value!;

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Cancel);
        deadline.CancelAfter(TimeSpan.FromSeconds(30));
        while (!await condition())
        {
            try
            {
                await Task.Delay(25, deadline.Token);
            }
            catch (OperationCanceledException) when (!Cancel.IsCancellationRequested)
            {
                Assert.Fail($"timed out waiting until {what}");
            }
        }
    }

    [Fact]
    public async Task Delivers_a_subscribed_event_once_with_a_valid_signature()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var job = await SubmitAsync(JobSpecBuilder.AJob(NewName()).InQueue(Queue).Notify(receiver.Url, NotificationEvent.Started));
        await MoveAsync(job.Id, JobState.Admitted, JobState.Running);

        using var host = WorkerHost();
        await host.StartAsync(Cancel);
        await WaitUntilAsync(async () => (await DeliveriesAsync(job.Id)).All(d => d.Status == "Delivered"), "the delivery is recorded");
        await host.StopAsync(Cancel);

        var call = Assert.Single(receiver.Calls);
        Assert.True(NotificationSignature.IsValid(Secret, call.Body, call.Signature), $"signature {call.Signature}");
        var body = JsonSerializer.Deserialize<NotificationBody>(call.Body, Web)!;
        Assert.Equal((job.Id, job.Name, Queue, "Started", "test Running", 1), (body.JobId, body.Name, body.Queue, body.Event, body.Reason, body.Attempt));
        var delivery = Assert.Single(await DeliveriesAsync(job.Id));
        Assert.Equal((delivery.Id.ToString(), 1, 200), (call.DeliveryId, delivery.Attempts, delivery.LastStatus));
    }

    [Fact]
    public async Task Retries_after_a_server_error_with_backoff_then_delivers()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Answer = (n, _) => Task.FromResult(n == 1 ? 500 : 200);
        var job = await SubmitAsync(JobSpecBuilder.AJob(NewName()).InQueue(Queue).Notify(receiver.Url, NotificationEvent.Cancelled));
        await fixture.SendAsync(new CancelJob(job.Id, "alice"));

        using var host = WorkerHost();
        await host.StartAsync(Cancel);
        await WaitUntilAsync(async () => (await DeliveriesAsync(job.Id)).All(d => d.Status == "Delivered"), "the retry is delivered");
        await host.StopAsync(Cancel);

        Assert.Equal([500, 200], receiver.Calls.Select(c => c.AnsweredWith));
        Assert.Equal([1, 2], receiver.Calls.Select(c => JsonSerializer.Deserialize<NotificationBody>(c.Body, Web)!.Attempt));
        var delivery = Assert.Single(await DeliveriesAsync(job.Id));
        Assert.Equal((2, 200, "Cancelled"), (delivery.Attempts, delivery.LastStatus, delivery.Event));
    }

    [Fact]
    public async Task A_worker_stopped_mid_delivery_leaves_the_row_to_the_next_one_which_delivers_it_exactly_once()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var firstCallArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // The first call hangs until the worker's host stops and the call is abandoned; later calls are answered.
        receiver.Answer = async (n, aborted) =>
        {
            if (n == 1)
            {
                firstCallArrived.TrySetResult();
                await Task.Delay(Timeout.Infinite, aborted);
            }

            return 200;
        };
        var job = await SubmitAsync(JobSpecBuilder.AJob(NewName()).InQueue(Queue).Notify(receiver.Url, NotificationEvent.Failed));
        await MoveAsync(job.Id, JobState.Admitted, JobState.Running, JobState.Failed);

        using (var first = WorkerHost())
        {
            await first.StartAsync(Cancel);
            await firstCallArrived.Task.WaitAsync(TimeSpan.FromSeconds(30), Cancel);
            await first.StopAsync(Cancel);
        }

        var pending = Assert.Single(await DeliveriesAsync(job.Id));
        Assert.Equal(("Pending", 0), (pending.Status, pending.Attempts));

        using var second = WorkerHost();
        await second.StartAsync(Cancel);
        await WaitUntilAsync(async () => (await DeliveriesAsync(job.Id)).All(d => d.Status == "Delivered"), "the new worker delivers");
        await second.StopAsync(Cancel);

        var accepted = Assert.Single(receiver.Accepted);
        Assert.Equal("Failed", JsonSerializer.Deserialize<NotificationBody>(accepted.Body, Web)!.Event);
        Assert.Equal(1, (await DeliveriesAsync(job.Id)).Single().Attempts);
    }

    [Fact]
    public async Task Writes_deliveries_only_for_subscribed_events_in_the_transition_s_own_save()
    {
        var job = await SubmitAsync(JobSpecBuilder.AJob(NewName()).InQueue(Queue)
            .Notify("https://hooks.example.com/a", NotificationEvent.Succeeded)
            .Notify("https://hooks.example.com/b", NotificationEvent.Started, NotificationEvent.Failed));

        await MoveAsync(job.Id, JobState.Admitted, JobState.Running, JobState.Succeeded);

        var deliveries = await DeliveriesAsync(job.Id);
        Assert.Equal([("Started", "https://hooks.example.com/b"), ("Succeeded", "https://hooks.example.com/a")], deliveries.Select(d => (d.Event, d.Url)));
        var events = (await fixture.QueryAsync(new GetJobEvents(job.Id))).Value!;
        Assert.Equal(events.Single(e => e.To == JobState.Running).Sequence, deliveries[0].Sequence);
    }

    [Fact]
    public async Task A_queue_s_webhooks_are_told_of_its_jobs_events_once_per_url_alongside_the_job_s_own()
    {
        var queue = $"notify-{Guid.NewGuid():N}"[..20];
        var put = await fixture.SendAsync(new PutQueue(queue, new QueueSpec
        {
            NominalQuota = new Dictionary<string, int> { ["A100-80GB"] = 8 },
            Notify = [new NotifySpec { Url = "https://hooks.example.com/team", Events = [NotificationEvent.Failed, NotificationEvent.Cancelled] }],
        }));
        Assert.True(put.IsSuccess, put.Failure?.ToString());
        var job = await SubmitAsync(JobSpecBuilder.AJob(NewName()).InQueue(queue)
            .Notify("https://hooks.example.com/team", NotificationEvent.Cancelled)
            .Notify("https://hooks.example.com/me", NotificationEvent.Cancelled));

        await fixture.SendAsync(new CancelJob(job.Id, "alice"));

        var deliveries = await DeliveriesAsync(job.Id);
        Assert.Equal(["https://hooks.example.com/me", "https://hooks.example.com/team"], deliveries.Select(d => d.Url));
        Assert.All(deliveries, d => Assert.Equal("Cancelled", d.Event));
    }

    [Fact]
    public async Task Refuses_a_queue_webhook_that_breaks_the_rules_naming_the_field()
    {
        var spec = new QueueSpec
        {
            NominalQuota = new Dictionary<string, int> { ["A100-80GB"] = 8 },
            Notify = [new NotifySpec { Url = "http://hooks.example.com/team", Events = [NotificationEvent.Failed] }, new NotifySpec { Url = "https://hooks.example.com/x" }],
        };

        var refused = await Assert.ThrowsAsync<RequestValidationException>(() => fixture.SendAsync(new PutQueue("notify-broken", spec)));

        Assert.Contains(refused.Errors, e => e.Field == "notify[0].url");
        Assert.Contains(refused.Errors, e => e.Field == "notify[1].events");
    }

    [Fact]
    public async Task Refuses_plain_http_to_a_host_not_allowed_naming_the_field()
    {
        var spec = JobSpecBuilder.AJob(NewName()).InQueue(Queue).Notify("http://hooks.example.com/a", NotificationEvent.Failed).Build();

        var refused = await Assert.ThrowsAsync<RequestValidationException>(() => fixture.SendAsync(new SubmitJob(spec)));

        Assert.Contains(refused.Errors, e => e.Field == "notify[0].url" && e.Message.Contains("https", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_unknown_job_has_no_notifications_to_show()
    {
        var result = await fixture.QueryAsync(new GetJobNotifications(Guid.NewGuid()));

        Assert.Equal(FailureKind.NotFound, result.Failure!.Kind);
    }
}
