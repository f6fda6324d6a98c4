using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Scheduler.Operator.Pods;

/// <summary>
/// Tells a refusal by the API server (the request itself is wrong for this cluster: 400, 403 quota or policy webhook, 404
/// missing namespace, 422 invalid) from a transient failure (5xx, 429, 408, a timeout, no connection). A refusal is the
/// job's: retrying the same pods gives the same answer, so it counts as a failed attempt; a transient failure is the cluster's.
/// </summary>
public static class ApiRefusal
{
    /// <summary>The API server's reason when <paramref name="exception"/> is a refusal; null when it is not one.</summary>
    public static string? Of(Exception exception) =>
        exception is HttpOperationException { Response: { } response } http && IsRefusal(response.StatusCode)
            ? $"{(int)response.StatusCode} {StatusMessage(http) ?? response.StatusCode.ToString()}"
            : null;

    /// <summary>What went wrong, for a job's event: the API server's Status message when there is one.</summary>
    public static string Describe(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception is HttpOperationException { Response: { } response } http
            ? $"{(int)response.StatusCode} {StatusMessage(http) ?? response.StatusCode.ToString()}"
            : exception.Message;
    }

    public static bool IsRefusal(HttpStatusCode code) =>
        (int)code is >= 400 and < 500 && code is not (HttpStatusCode.Conflict or HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout);

    private static string? StatusMessage(HttpOperationException exception)
    {
        try
        {
            return string.IsNullOrWhiteSpace(exception.Response.Content) ? null : KubernetesJson.Deserialize<V1Status>(exception.Response.Content)?.Message;
        }
        catch (System.Text.Json.JsonException)
        {
            return null; // not a Status body (a proxy's HTML page): the code alone says it
        }
    }
}
