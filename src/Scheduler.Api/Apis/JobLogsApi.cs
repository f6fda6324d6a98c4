using System.Globalization;
using System.Security.Claims;
using Mediator;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Scheduler.Api.Auth;
using Scheduler.Api.Http;
using Scheduler.Application.Jobs;
using Scheduler.Domain.Jobs;
using Scheduler.Operator.Hosting;
using Scheduler.Operator.Pods;

namespace Scheduler.Api.Apis;

/// <summary>
/// <c>GET /api/v1/jobs/{id}/logs?rank=&amp;attempt=&amp;follow=&amp;tailLines=</c>: one pod's trainer log, streamed as plain text from
/// the Kubernetes API (docs/api.md "Logs"). Bounded by <see cref="LogOptions"/>: at most <c>MaxTailLines</c> lines back,
/// <c>MaxBytes</c> bytes in all, a follow open at most <c>MaxFollow</c>. Logs of earlier attempts stay readable while their
/// pods exist; once collected the answer is 404 naming where they went (<c>Scheduler:Logs:CollectedLogsUrl</c>).
/// </summary>
public static class JobLogsApi
{
    public static IEndpointRouteBuilder MapJobLogsApiV1(this IEndpointRouteBuilder app)
    {
        app.MapGet("api/v1/jobs/{id}/logs", GetJobLogsAsync).WithTags("Jobs").WithName("GetJobLogs").RequireAuthorization(Permissions.Read)
            .WithSummary("Stream one pod's trainer log (text/plain; follow=true keeps it open)")
            .Produces<string>(StatusCodes.Status200OK, "text/plain");
        return app;
    }

    internal static async Task<IResult> GetJobLogsAsync(
        string id, [FromQuery] string? rank, [FromQuery] string? attempt, [FromQuery] string? follow, [FromQuery] string? tailLines,
        ClaimsPrincipal user, Access access, ISender sender, IServiceProvider services, IOptions<LogOptions> options, CancellationToken cancellationToken)
    {
        var bounds = options.Value;
        if (!Guid.TryParse(id, out var jobId))
        {
            return Problems.Invalid("id", "must be a job id (a UUID)");
        }

        if (!TryParse(rank, 0, out var wantedRank) || wantedRank < 0)
        {
            return Problems.Invalid("rank", "must be a whole number from 0 (rank 0 when absent)");
        }

        if (!TryParse(tailLines, bounds.MaxTailLines, out var tail) || tail < 0 || tail > bounds.MaxTailLines)
        {
            return Problems.Invalid("tailLines", $"must be a whole number from 0 to {bounds.MaxTailLines.ToString(CultureInfo.InvariantCulture)}");
        }

        if (follow is not null && !bool.TryParse(follow, out _))
        {
            return Problems.Invalid("follow", "must be true or false");
        }

        if (await access.ReadJobAsync(user, jobId, cancellationToken) is { } refused)
        {
            return refused;
        }

        var found = await sender.Send(new GetJob(jobId), cancellationToken);
        if (!found.IsSuccess)
        {
            return found.Failure.ToProblem();
        }

        var job = found.Value;
        if (job.Attempt == 0)
        {
            return Problems.Create(StatusCodes.Status409Conflict, "No logs yet.",
                new Dictionary<string, string[]> { ["attempt"] = ["the job has not started: it has no pods, so no logs yet"] });
        }

        if (!TryParse(attempt, job.Attempt, out var wantedAttempt) || wantedAttempt < 1 || wantedAttempt > job.Attempt)
        {
            return Problems.Invalid("attempt", $"must be a whole number from 1 to {job.Attempt.ToString(CultureInfo.InvariantCulture)} (the job's attempts; the current one when absent)");
        }

        var ranks = wantedAttempt == job.Attempt && job.Nodes is { Count: > 0 } nodes ? nodes.Count : Math.Max(1, job.Spec.Resources?.Gpus ?? 1);
        if (wantedRank >= ranks)
        {
            return Problems.Invalid("rank", $"must be below {ranks.ToString(CultureInfo.InvariantCulture)} (the pods of attempt {wantedAttempt.ToString(CultureInfo.InvariantCulture)})");
        }

        if (services.GetService<PodLogs>() is not { } logs || services.GetService<OperatorSettings>() is not { } settings)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Logs are unavailable.",
                detail: "this control plane runs without a Kubernetes connection (Scheduler:Kubernetes:Mode is Disabled), so it cannot read pod logs");
        }

        var ns = job.Namespace ?? settings.Kubernetes.DefaultNamespace;
        var pod = WorkloadNames.Pod(job.Name, new JobId(job.Id), wantedAttempt, wantedRank);
        var following = follow is not null && bool.Parse(follow);
        LogFollows.Slot? slot = null;
        if (following)
        {
            slot = services.GetRequiredService<LogFollows>().TryOpen(user.UserName() ?? string.Empty, out var refusal);
            if (slot is null)
            {
                return Problems.Create(StatusCodes.Status429TooManyRequests, "Too many log follows.",
                    new Dictionary<string, string[]> { ["follow"] = [refusal] });
            }
        }

        PodLogResult result;
        try
        {
            result = await logs.OpenAsync(ns, pod, following, tail, bounds.MaxBytes, cancellationToken);
        }
        catch
        {
            slot?.Dispose();
            throw;
        }

        if (result is PodLogResult.Open open)
        {
            return new LogStreamResult(open.Stream, pod, bounds.MaxBytes, following ? bounds.MaxFollow : null, slot);
        }

        slot?.Dispose();
        return result switch
        {
            PodLogResult.NotStarted waiting => Problems.Create(StatusCodes.Status409Conflict, "No logs yet.",
                new Dictionary<string, string[]> { ["rank"] = [$"pod {pod} has not started its container: {waiting.Message}"] }),
            _ => Gone(bounds, settings, job, ns, pod, wantedAttempt),
        };
    }

    /// <summary>404 for a pod that no longer exists, naming where its log went when the operator configured a log pipeline.</summary>
    private static IResult Gone(LogOptions bounds, OperatorSettings settings, JobDetails job, string ns, string pod, int attempt)
    {
        var collected = bounds.CollectedLogsUrl?
            .Replace("{namespace}", Uri.EscapeDataString(ns), StringComparison.Ordinal)
            .Replace("{pod}", Uri.EscapeDataString(pod), StringComparison.Ordinal)
            .Replace("{jobId}", job.Id.ToString(), StringComparison.Ordinal);
        var where = collected is null ? "this cluster keeps no copy (Scheduler:Logs:CollectedLogsUrl is not set)" : $"its log was collected to {collected}";
        var details = Problems.Details(StatusCodes.Status404NotFound, "The pod is gone.", new Dictionary<string, string[]>
        {
            ["attempt"] = [$"pod {pod} of attempt {attempt.ToString(CultureInfo.InvariantCulture)} no longer exists (finished pods are kept for {settings.Intervals.FinishedPodRetention}); {where}"],
        });
        if (collected is not null)
        {
            details.Extensions["collectedLogs"] = collected;
        }

        return TypedResults.Problem(details);
    }

    private static bool TryParse(string? text, int absent, out int value)
    {
        if (text is null)
        {
            value = absent;
            return true;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>Copies the log to the response as it arrives (flushing each read, so a follow shows lines at once), within the bounds.</summary>
    private sealed class LogStreamResult(Stream log, string pod, long maxBytes, TimeSpan? maxFollow, LogFollows.Slot? slot) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            using var follows = slot;
            await using var source = log;
            httpContext.Response.ContentType = "text/plain; charset=utf-8";
            httpContext.Response.Headers["X-Pod"] = pod;
            httpContext.Response.Headers.CacheControl = "no-store";
            using var bounded = CancellationTokenSource.CreateLinkedTokenSource(httpContext.RequestAborted);
            if (maxFollow is { } limit)
            {
                bounded.CancelAfter(limit);
            }

            var buffer = new byte[16 * 1024];
            var left = maxBytes;
            try
            {
                int read;
                while (left > 0 && (read = await source.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, left)), bounded.Token)) > 0)
                {
                    await httpContext.Response.Body.WriteAsync(buffer.AsMemory(0, read), bounded.Token);
                    await httpContext.Response.Body.FlushAsync(bounded.Token);
                    left -= read;
                }
            }
            catch (OperationCanceledException) when (bounded.IsCancellationRequested)
            {
                // The follow reached its bound or the client went away: the stream simply ends.
            }
        }
    }
}
