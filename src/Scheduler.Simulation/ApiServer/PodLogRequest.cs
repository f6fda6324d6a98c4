using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Scheduler.Simulation.ApiServer;

/// <summary>
/// <c>GET /api/v1/namespaces/{ns}/pods/{name}/log</c> as the kubelet serves it through the API server: plain text, one line
/// per write, with <c>container</c>, <c>tailLines</c>, <c>limitBytes</c>, <c>timestamps</c> and <c>follow</c> (the stream
/// stays open, sending new lines, until the container ends, the pod is deleted or the client goes). A container that has
/// not started answers 400 "is waiting to start", as the real one does.
/// </summary>
internal sealed class PodLogRequest(FakeApiServer server, HttpContext context, string ns, string name, IPodLogSource source)
{
    /// <summary>How often a follow looks for new lines.</summary>
    private static readonly TimeSpan FollowPoll = TimeSpan.FromMilliseconds(100);

    public async Task HandleAsync()
    {
        var query = context.Request.Query;
        var pod = server.Operations.Get(server.Resources.Pods, ns, name);
        var containers = ((pod["spec"]?["containers"] as JsonArray) ?? []).OfType<JsonObject>().Select(c => c["name"]?.GetValue<string>()).ToList();
        var container = query["container"].ToString();
        if (container.Length > 0 && !containers.Contains(container))
        {
            throw ApiError.BadRequest($"container {container} is not valid for pod {name}");
        }

        container = container.Length > 0 ? container : containers.FirstOrDefault() ?? string.Empty;
        if (query["previous"] == "true")
        {
            throw ApiError.BadRequest($"previous terminated container \"{container}\" in pod \"{name}\" not found");
        }

        if (pod["status"]?["startTime"] is null || pod["status"]?["containerStatuses"]?[0]?["state"]?["waiting"] is not null)
        {
            var waiting = pod["status"]?["containerStatuses"]?[0]?["state"]?["waiting"]?["reason"]?.GetValue<string>() ?? "ContainerCreating";
            throw ApiError.BadRequest($"container \"{container}\" in pod \"{name}\" is waiting to start: {waiting}");
        }

        var follow = query["follow"] == "true";
        var timestamps = query["timestamps"] == "true";
        long? tail = long.TryParse(query["tailLines"], CultureInfo.InvariantCulture, out var t) && t >= 0 ? t : null;
        var bytesLeft = long.TryParse(query["limitBytes"], CultureInfo.InvariantCulture, out var b) && b > 0 ? b : long.MaxValue;

        context.Response.StatusCode = 200;
        context.Response.ContentType = "text/plain";
        var lines = source.Lines(pod, server.Time.GetUtcNow());
        var sent = tail is { } last ? Math.Max(0, lines.Count - (int)Math.Min(last, int.MaxValue)) : 0;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, server.Stopping);
        try
        {
            while (true)
            {
                for (; sent < lines.Count && bytesLeft > 0; sent++)
                {
                    var text = (timestamps ? lines[sent].At.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z' ", CultureInfo.InvariantCulture) : string.Empty) + lines[sent].Text + "\n";
                    var bytes = Encoding.UTF8.GetBytes(text);
                    var count = (int)Math.Min(bytes.Length, bytesLeft);
                    await context.Response.Body.WriteAsync(bytes.AsMemory(0, count), stop.Token);
                    bytesLeft -= count;
                }

                await context.Response.Body.FlushAsync(stop.Token);
                if (!follow || bytesLeft <= 0 || Ended(pod))
                {
                    return;
                }

                await Task.Delay(FollowPoll, server.Time, stop.Token);
                try
                {
                    pod = server.Operations.Get(server.Resources.Pods, ns, name);
                }
                catch (ApiError)
                {
                    return; // deleted: the stream ends, as the kubelet's does when the container goes
                }

                lines = source.Lines(pod, server.Time.GetUtcNow());
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The client went away or the server stops: nothing more to send.
        }
    }

    private static bool Ended(JsonObject pod) => pod["status"]?["phase"]?.GetValue<string>() is "Succeeded" or "Failed";
}
