using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using Scheduler.Api.Http;
using Scheduler.Application.Queues;
using Scheduler.Domain.Queues;

namespace Scheduler.Api.Apis;

public static class QueuesApi
{
    public static RouteGroupBuilder MapQueuesApiV1(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("api/v1/queues").WithTags("Queues");
        api.MapGet("/", ListQueuesAsync).WithName("ListQueues").WithSummary("List every queue by name");
        api.MapGet("/{name}", GetQueueAsync).WithName("GetQueue").WithSummary("Read a queue");
        api.MapPut("/{name}", PutQueueAsync).WithName("PutQueue")
            .WithSummary("Create a queue or replace its spec")
            .WithDescription("Nominal GPU quota per catalog GPU type (required), optional cohort, borrowing and lending limits, GPU-hour budget, default priority class, fair-share weight, and the namespaces whose TrainingJobs may use the queue (namespaces, namespaceSelector; unset: none). 201 when created, 200 when replaced.");
        return api;
    }

    internal static async Task<Ok<IReadOnlyList<QueueDetails>>> ListQueuesAsync(ISender sender, CancellationToken cancellationToken) =>
        TypedResults.Ok(await sender.Send(new ListQueues(), cancellationToken));

    internal static async Task<Results<Ok<QueueDetails>, ProblemHttpResult>> GetQueueAsync(string name, ISender sender, CancellationToken cancellationToken) =>
        (await sender.Send(new GetQueue(name), cancellationToken)).ToOkOrProblem();

    internal static async Task<Results<Created<QueueDetails>, Ok<QueueDetails>, ProblemHttpResult>> PutQueueAsync(
        string name, QueueSpec spec, ISender sender, CancellationToken cancellationToken)
    {
        var result = await sender.Send(new PutQueue(name, spec), cancellationToken);
        if (!result.IsSuccess)
        {
            return result.Failure.ToProblem();
        }

        var queue = result.Value.Queue;
        return result.Value.Created ? TypedResults.Created($"/api/v1/queues/{queue.Name}", queue) : TypedResults.Ok(queue);
    }
}
