using System.Security.Claims;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Scheduler.Api.Auth;
using Scheduler.Api.Http;
using Scheduler.Application.Common;
using Scheduler.Application.Jobs;
using Scheduler.Domain.Jobs;
using Scheduler.Domain.Specs;

namespace Scheduler.Api.Apis;

public static class JobsApi
{
    public static RouteGroupBuilder MapJobsApiV1(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("api/v1/jobs").WithTags("Jobs");
        api.MapPost("/", SubmitJobAsync).WithName("SubmitJob").RequireAuthorization(Permissions.SubmitJobs)
            .WithSummary("Submit a job spec")
            .WithDescription("201 with the stored job; 200 with the existing job for an identical resubmission (same name, queue and spec, or the same Idempotency-Key within 24 h); 409 for another spec under an active job's name.");
        api.MapGet("/", ListJobsAsync).WithName("ListJobs").RequireAuthorization(Permissions.Read).WithSummary("List jobs, oldest first, filtered by queue and state, a page at a time");
        api.MapGet("/{id}", GetJobAsync).WithName("GetJob").RequireAuthorization(Permissions.Read).WithSummary("Read a job");
        api.MapDelete("/{id}", CancelJobAsync).WithName("CancelJob").RequireAuthorization(Permissions.ManageJobs).WithSummary("Cancel a job (idempotent; a job that already ended is a conflict)");
        api.MapGet("/{id}/events", GetJobEventsAsync).WithName("GetJobEvents").RequireAuthorization(Permissions.Read).WithSummary("A job's state transitions with their reasons, oldest first");
        return api;
    }

    internal static async Task<Results<Created<JobDetails>, Ok<JobDetails>, ProblemHttpResult>> SubmitJobAsync(
        JobSpec spec, [FromHeader(Name = SubmitJob.IdempotencyKeyField)] string? idempotencyKey, ClaimsPrincipal user, Access access, ISender sender,
        CancellationToken cancellationToken)
    {
        if (await access.SubmitAsync(user, spec?.Queue, cancellationToken) is { } forbidden)
        {
            return forbidden;
        }

        var result = await sender.Send(new SubmitJob(spec!, idempotencyKey, SubmittedBy: user.UserName()), cancellationToken);
        if (!result.IsSuccess)
        {
            return result.Failure.ToProblem();
        }

        var job = result.Value.Job;
        return result.Value.Created ? TypedResults.Created($"/api/v1/jobs/{job.Id}", job) : TypedResults.Ok(job);
    }

    internal static async Task<Results<Ok<JobPage>, ProblemHttpResult>> ListJobsAsync(
        string? queue, string? state, string? limit, string? cursor, ClaimsPrincipal user, Access access, ISender sender, CancellationToken cancellationToken)
    {
        JobState? wantedState = null;
        if (state is not null)
        {
            if (!TryParseState(state, out var parsed))
            {
                return Problems.Invalid("state", $"must be one of {string.Join(", ", Enum.GetNames<JobState>())}");
            }

            wantedState = parsed;
        }

        var pageSize = ListJobs.DefaultLimit;
        if (limit is not null && !int.TryParse(limit, out pageSize))
        {
            return Problems.Invalid("limit", $"must be a whole number between 1 and {ListJobs.MaxLimit}");
        }

        return TypedResults.Ok(await sender.Send(new ListJobs(queue, wantedState, pageSize, cursor, access.VisibleTeams(user)), cancellationToken));
    }

    internal static Task<Results<Ok<JobDetails>, ProblemHttpResult>> GetJobAsync(
        string id, ClaimsPrincipal user, Access access, ISender sender, CancellationToken cancellationToken) =>
        ForJobAsync(id, jobId => access.ReadJobAsync(user, jobId, cancellationToken), jobId => sender.Send(new GetJob(jobId), cancellationToken));

    internal static Task<Results<Ok<JobDetails>, ProblemHttpResult>> CancelJobAsync(
        string id, ClaimsPrincipal user, Access access, ISender sender, CancellationToken cancellationToken) =>
        ForJobAsync(id, jobId => access.ManageJobAsync(user, jobId, cancellationToken), jobId => sender.Send(new CancelJob(jobId, user.UserName()), cancellationToken));

    internal static Task<Results<Ok<IReadOnlyList<JobEventDetails>>, ProblemHttpResult>> GetJobEventsAsync(
        string id, ClaimsPrincipal user, Access access, ISender sender, CancellationToken cancellationToken) =>
        ForJobAsync(id, jobId => access.ReadJobAsync(user, jobId, cancellationToken), jobId => sender.Send(new GetJobEvents(jobId), cancellationToken));

    /// <summary>Parses the route's job id, checks access (a problem to answer, or null), then sends.</summary>
    internal static async Task<Results<Ok<T>, ProblemHttpResult>> ForJobAsync<T>(
        string id, Func<Guid, Task<ProblemHttpResult?>> check, Func<Guid, ValueTask<Result<T>>> send)
    {
        if (!Guid.TryParse(id, out var jobId))
        {
            return InvalidId();
        }

        return await check(jobId) is { } refused ? refused : (await send(jobId)).ToOkOrProblem();
    }

    /// <summary>Parses the route's job id (400 naming <c>id</c> when it is not a UUID), then sends.</summary>
    internal static async Task<Results<Ok<T>, ProblemHttpResult>> ForJobAsync<T>(string id, Func<Guid, ValueTask<Result<T>>> send) =>
        Guid.TryParse(id, out var jobId) ? (await send(jobId)).ToOkOrProblem() : InvalidId();

    private static ProblemHttpResult InvalidId() => Problems.Invalid("id", "must be a job id (a UUID)");

    // Names only: Enum.TryParse alone would also take numbers such as "42".
    private static bool TryParseState(string text, out JobState state) =>
        Enum.TryParse(text, ignoreCase: true, out state) && Enum.IsDefined(state) && !char.IsAsciiDigit(text.TrimStart('-', '+').FirstOrDefault());
}
