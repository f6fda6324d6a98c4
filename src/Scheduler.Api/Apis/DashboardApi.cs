using System.Globalization;
using System.Security.Claims;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using Scheduler.Api.Auth;
using Scheduler.Api.Http;
using Scheduler.Application.Dashboard;
using Scheduler.Application.Jobs;
using Scheduler.Application.Queues;

namespace Scheduler.Api.Apis;

/// <summary>Read models of the <c>/ui</c> pages (polled every few seconds); docs/dashboard.md describes their fields.</summary>
public static class DashboardApi
{
    public static RouteGroupBuilder MapDashboardApiV1(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("api/v1/dashboard").WithTags("Dashboard").RequireAuthorization(Permissions.Read);
        api.MapGet("/queues", GetQueuesAsync).WithName("GetQueuesDashboard")
            .WithSummary("Every queue: quota bars per GPU type, budget, counts, and its pending jobs in scheduling order with reasons");
        api.MapGet("/cluster", GetClusterAsync).WithName("GetClusterDashboard")
            .WithSummary("GPUs by node and type, the allocation ratio over the last `hours` (1–72, default 1), running jobs");
        api.MapGet("/jobs", ListRecentJobsAsync).WithName("ListRecentJobs")
            .WithSummary("The most recently submitted jobs of every queue, newest first (`limit` 1–500, default 100)");
        api.MapGet("/jobs/{id}", GetJobAsync).WithName("GetJobDashboard")
            .WithSummary("A job with its estimate beside measured values, progress, timeline and pods");
        return api;
    }

    internal static async Task<Ok<QueuesDashboard>> GetQueuesAsync(ClaimsPrincipal user, Access access, ISender sender, CancellationToken cancellationToken)
    {
        var board = await sender.Send(new GetQueuesDashboard(), cancellationToken);
        if (access.VisibleTeams(user) is not { } teams)
        {
            return TypedResults.Ok(board);
        }

        // Private mode: other teams' pending jobs stay in the queue as occupancy (position, class, GPUs), without who or what.
        var owners = (await sender.Send(new ListQueues(), cancellationToken)).ToDictionary(q => q.Name, q => q.Team, StringComparer.Ordinal);
        return TypedResults.Ok(board with
        {
            Queues = [.. board.Queues.Select(q => owners.GetValueOrDefault(q.Name) is { } team && teams.Contains(team)
                ? q
                : q with { Pending = [.. q.Pending.Select(p => p with { Id = Guid.Empty, Name = "hidden (another team)", Reason = "hidden (private mode)" })] })],
        });
    }

    internal static async Task<Results<Ok<ClusterDashboard>, ProblemHttpResult>> GetClusterAsync(
        string? hours, ClaimsPrincipal user, Access access, ISender sender, CancellationToken cancellationToken)
    {
        var window = 1;
        if (hours is not null && !int.TryParse(hours, NumberStyles.None, CultureInfo.InvariantCulture, out window))
        {
            return Problems.Invalid("hours", $"must be a whole number between 1 and {GetClusterDashboard.MaxHours}");
        }

        return TypedResults.Ok(await sender.Send(new GetClusterDashboard(window, access.VisibleTeams(user)), cancellationToken));
    }

    internal static async Task<Results<Ok<IReadOnlyList<JobDetails>>, ProblemHttpResult>> ListRecentJobsAsync(
        string? limit, ClaimsPrincipal user, Access access, ISender sender, CancellationToken cancellationToken)
    {
        var count = ListRecentJobs.DefaultLimit;
        if (limit is not null && !int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out count))
        {
            return Problems.Invalid("limit", $"must be a whole number between 1 and {ListRecentJobs.MaxLimit}");
        }

        return TypedResults.Ok(await sender.Send(new ListRecentJobs(count, access.VisibleTeams(user)), cancellationToken));
    }

    internal static Task<Results<Ok<JobDashboard>, ProblemHttpResult>> GetJobAsync(
        string id, ClaimsPrincipal user, Access access, ISender sender, CancellationToken cancellationToken) =>
        JobsApi.ForJobAsync(id, jobId => access.ReadJobAsync(user, jobId, cancellationToken), jobId => sender.Send(new GetJobDashboard(jobId), cancellationToken));
}
