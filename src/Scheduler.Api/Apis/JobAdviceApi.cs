using System.Security.Claims;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using Scheduler.Api.Auth;
using Scheduler.Application.Admission;

namespace Scheduler.Api.Apis;

/// <summary><c>GET /api/v1/jobs/{id}/advice</c>: the cheaper layout the job could run with, if one saves enough (docs/api.md "Layout advice for a job").</summary>
public static class JobAdviceApi
{
    public static IEndpointRouteBuilder MapJobAdviceApiV1(this IEndpointRouteBuilder app)
    {
        app.MapGet("api/v1/jobs/{id}/advice", GetJobAdviceAsync).WithTags("Jobs").WithName("GetJobAdvice")
            .RequireAuthorization(Permissions.Read)
            .WithSummary("The layout advisor's cheapest layout for a queued or running job, offered when it saves at least 10% of the predicted GPU-hours")
            .WithDescription("offered, reason, saving (share of GPU-hours), submitted and cheaper (each a layout option with its spec changes, memory per GPU, step and wall time, GPU-hours), scope (any, or dataParallel for the bundled trainer). Bounded to 2 s of search; an ended job is answered with offered false.");
        return app;
    }

    internal static Task<Results<Ok<JobAdvice>, ProblemHttpResult>> GetJobAdviceAsync(
        string id, ClaimsPrincipal user, Access access, ISender sender, CancellationToken cancellationToken) =>
        JobsApi.ForJobAsync(id, jobId => access.ReadJobAsync(user, jobId, cancellationToken), jobId => sender.Send(new GetJobAdvice(jobId), cancellationToken));
}
