using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Scheduler.Application.Tests.Notifications;

/// <summary>A webhook receiver on Kestrel at 127.0.0.1: records every call and answers what <see cref="Answer"/> says.</summary>
internal sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;

    private WebhookReceiver(WebApplication app) => _app = app;

    public sealed record Call(byte[] Body, string? Signature, string? DeliveryId, int AnsweredWith);

    public ConcurrentQueue<Call> Calls { get; } = new();

    /// <summary>Decides the status of each call (given its number from 1); may wait, honouring the request's abort.</summary>
    public Func<int, CancellationToken, Task<int>> Answer { get; set; } = (_, _) => Task.FromResult(StatusCodes.Status200OK);

    public string Url { get; private set; } = string.Empty;

    public IEnumerable<Call> Accepted => Calls.Where(c => c.AnsweredWith is >= 200 and < 300);

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        var count = 0;
        app.MapPost("/hook", async (HttpContext http) =>
        {
            using var body = new MemoryStream();
            await http.Request.Body.CopyToAsync(body, http.RequestAborted);
            var status = await receiver.Answer(Interlocked.Increment(ref count), http.RequestAborted);
            receiver.Calls.Enqueue(new Call(body.ToArray(), http.Request.Headers["X-Scheduler-Signature"], http.Request.Headers["X-Scheduler-Delivery"], status));
            return Results.StatusCode(status);
        });
        await app.StartAsync(TestContext.Current.CancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        receiver.Url = address + "/hook";
        return receiver;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
