using System.Security.Claims;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using Scheduler.Api.Auth;
using Scheduler.Api.Http;
using Scheduler.Application.Identity;
using Scheduler.Application.Queues;
using Scheduler.Domain.Queues;

namespace Scheduler.Api.Apis;

public static class QueuesApi
{
    public static RouteGroupBuilder MapQueuesApiV1(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("api/v1/queues").WithTags("Queues");
        api.MapGet("/", ListQueuesAsync).WithName("ListQueues").WithSummary("List every queue by name").RequireAuthorization(Permissions.Read);
        api.MapGet("/{name}", GetQueueAsync).WithName("GetQueue").WithSummary("Read a queue").RequireAuthorization(Permissions.Read);
        api.MapPut("/{name}", PutQueueAsync).WithName("PutQueue").RequireAuthorization(Permissions.ManageQueue)
            .WithSummary("Create a queue or replace its spec")
            .WithDescription("Nominal GPU quota per catalog GPU type (required), optional cohort, borrowing and lending limits, GPU-hour budget, default priority class, fair-share weight, and the namespaces whose TrainingJobs may use the queue (namespaces, namespaceSelector; unset: none). 201 when created, 200 when replaced. Creating a queue and changing its cohort, quota, limits or budget takes a cluster admin (queues:quota); the owning team's admins may change the rest (queues:manage).");
        api.MapPut("/{name}/team", SetTeamAsync).WithName("SetQueueTeam").RequireAuthorization(Permissions.ClusterAdmin)
            .WithSummary("Give the queue to a team (body {\"team\": \"name\"}, or null for the cluster admins)");
        return api;
    }

    /// <summary>The body of <c>PUT /api/v1/queues/{name}/team</c>.</summary>
    public sealed record QueueTeamBody(string? Team);

    internal static async Task<Ok<IReadOnlyList<QueueDetails>>> ListQueuesAsync(ISender sender, CancellationToken cancellationToken) =>
        TypedResults.Ok(await sender.Send(new ListQueues(), cancellationToken));

    internal static async Task<Results<Ok<QueueDetails>, ProblemHttpResult>> GetQueueAsync(string name, ISender sender, CancellationToken cancellationToken) =>
        (await sender.Send(new GetQueue(name), cancellationToken)).ToOkOrProblem();

    internal static async Task<Results<Created<QueueDetails>, Ok<QueueDetails>, ProblemHttpResult>> PutQueueAsync(
        string name, QueueSpec spec, ClaimsPrincipal user, Access access, ISender sender, CancellationToken cancellationToken)
    {
        if (!user.IsClusterAdmin())
        {
            var existing = await sender.Send(new GetQueue(name), cancellationToken);
            if (!existing.IsSuccess || spec is null || ChangesQuota(existing.Value.Spec, spec))
            {
                return Problems.Forbidden(Permissions.ManageQuota,
                    $"user '{user.UserName()}' lacks the permission '{Permissions.ManageQuota}': creating queue '{name}' or changing its cohort, quota, limits or budget takes a cluster admin");
            }

            if (await access.RequireAsync(user, new TeamResource(existing.Value.Team), Permissions.ManageTeamQueue, $"queue '{name}'") is { } forbidden)
            {
                return forbidden;
            }
        }

        var result = await sender.Send(new PutQueue(name, spec!, user.UserName()), cancellationToken);
        if (!result.IsSuccess)
        {
            return result.Failure.ToProblem();
        }

        var queue = result.Value.Queue;
        return result.Value.Created ? TypedResults.Created($"/api/v1/queues/{queue.Name}", queue) : TypedResults.Ok(queue);
    }

    internal static async Task<Results<Ok<QueueDetails>, ProblemHttpResult>> SetTeamAsync(
        string name, QueueTeamBody body, ClaimsPrincipal user, ISender sender, CancellationToken cancellationToken) =>
        (await sender.Send(new SetQueueTeam(name, body?.Team, user.UserName()), cancellationToken)).ToOkOrProblem();

    /// <summary>
    /// Whether <paramref name="proposed"/> moves what only cluster admins set: cohort, quota, limits, budget, the longest
    /// time limit, and the protection from preemption (which holds other queues' reclaims back).
    /// </summary>
    private static bool ChangesQuota(QueueSpec stored, QueueSpec proposed)
    {
        var normalized = QueueSpecRules.Normalize(proposed);
        return stored.Cohort != normalized.Cohort
            || !SameQuota(stored.NominalQuota, normalized.NominalQuota)
            || !SameQuota(stored.BorrowingLimit, normalized.BorrowingLimit)
            || !SameQuota(stored.LendingLimit, normalized.LendingLimit)
            || stored.GpuHourBudget != normalized.GpuHourBudget
            || stored.MaxRuntime != normalized.MaxRuntime
            || stored.MinRuntimeBeforePreemption != normalized.MinRuntimeBeforePreemption;
    }

    private static bool SameQuota(IReadOnlyDictionary<string, int>? a, IReadOnlyDictionary<string, int>? b) =>
        (a is null || a.Count == 0) == (b is null || b.Count == 0)
        && (a is null || b is null || (a.Count == b.Count && a.All(e => b.TryGetValue(e.Key, out var v) && v == e.Value)));
}
