using System.Net;
using k8s;
using k8s.Autorest;

namespace Scheduler.Operator.Pods;

/// <summary>What the API server answered for a pod's log: the open stream, or why there is none.</summary>
public abstract record PodLogResult
{
    /// <summary>The log as the kubelet streams it (kept open while following); the caller disposes it.</summary>
    public sealed record Open(Stream Stream) : PodLogResult;

    /// <summary>The pod no longer exists (collected after the finished-pod retention, or never created).</summary>
    public sealed record Gone : PodLogResult;

    /// <summary>The container has not started (pending, pulling its image): the API server's words.</summary>
    public sealed record NotStarted(string Message) : PodLogResult;
}

/// <summary>
/// Reads a job pod's log from the Kubernetes API (<c>pods/log</c> get; the chart's ClusterRole grants it, docs/security.md),
/// bounded by the caller's <c>tailLines</c> and <c>limitBytes</c>; the trainer container only.
/// </summary>
public sealed class PodLogs(IKubernetes client)
{
    public const string Container = "trainer";

    public async Task<PodLogResult> OpenAsync(string @namespace, string pod, bool follow, int tailLines, long limitBytes, CancellationToken cancellationToken)
    {
        try
        {
            var response = await client.CoreV1.ReadNamespacedPodLogWithHttpMessagesAsync(
                pod, @namespace, container: Container, follow: follow, limitBytes: (int)Math.Min(limitBytes, int.MaxValue), tailLines: tailLines,
                cancellationToken: cancellationToken);
            return new PodLogResult.Open(response.Body);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return new PodLogResult.Gone();
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.BadRequest)
        {
            return new PodLogResult.NotStarted(MessageOf(e.Response.Content) ?? "the container has not started");
        }
    }

    /// <summary>The <c>message</c> of a Kubernetes <c>Status</c> body.</summary>
    private static string? MessageOf(string? body)
    {
        try
        {
            return body is null ? null : System.Text.Json.JsonDocument.Parse(body).RootElement.TryGetProperty("message", out var m) ? m.GetString() : body;
        }
        catch (System.Text.Json.JsonException)
        {
            return body;
        }
    }
}
