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
        api.MapPost("/{id}/hold", HoldJobAsync).WithName("HoldJob").RequireAuthorization(Permissions.ManageJobs)
            .WithSummary("Hold a queued job: it keeps its place but is not admitted until released (scontrol hold)");
        api.MapPost("/{id}/release", ReleaseJobAsync).WithName("ReleaseJob").RequireAuthorization(Permissions.ManageJobs)
            .WithSummary("Release a held job (scontrol release)");
        api.MapPost("/{id}/requeue", RequeueJobAsync).WithName("RequeueJob").RequireAuthorization(Permissions.ManageJobs)
            .WithSummary("Stop a running job as preemption does (grace period, checkpoint) and queue it again (scontrol requeue)");
        api.MapPatch("/{id}", UpdateJobAsync).WithName("UpdateJob").RequireAuthorization(Permissions.ManageJobs)
            .WithSummary("Change a job's priority class, time limit, queue or hold state (scontrol update)")
            .WithDescription("A queued job may change priorityClass, maxRuntime, queue and hold; a running job only maxRuntime (down always, up within its queue's maxRuntime). 409 for a change its state forbids, 422 for a value beyond the queue's maximum.");
        api.MapDelete("/{id}/array", CancelArrayAsync).WithName("CancelArray").RequireAuthorization(Permissions.ManageJobs)
            .WithSummary("Cancel every task of an array that has not ended; {id} is the array's id or any of its tasks' (idempotent)");
        api.MapPost("/{id}/array/hold", HoldArrayAsync).WithName("HoldArray").RequireAuthorization(Permissions.ManageJobs)
            .WithSummary("Hold every queued task of an array; {id} is the array's id or any of its tasks' (idempotent)");
        api.MapPost("/{id}/array/release", ReleaseArrayAsync).WithName("ReleaseArray").RequireAuthorization(Permissions.ManageJobs)
            .WithSummary("Release every held task of an array; {id} is the array's id or any of its tasks' (idempotent)");
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

        var result = await sender.Send(new SubmitJob(spec!, idempotencyKey, SubmittedBy: user.UserName(), VisibleTeams: access.VisibleTeams(user)), cancellationToken);
        if (!result.IsSuccess)
        {
            return result.Failure.ToProblem();
        }

        var job = result.Value.Job;
        return result.Value.Created ? TypedResults.Created($"/api/v1/jobs/{job.Id}", job) : TypedResults.Ok(job);
    }

    internal static async Task<Results<Ok<JobPage>, ProblemHttpResult>> ListJobsAsync(
        string? queue, string? state, string? limit, string? cursor, string? array, ClaimsPrincipal user, Access access, ISender sender, CancellationToken cancellationToken)
    {
        Guid? arrayId = null;
        if (array is not null)
        {
            if (!Guid.TryParse(array, out var parsedArray))
            {
                return Problems.Invalid("array", "must be an array id (a UUID: the arrayId of its tasks)");
            }

            arrayId = parsedArray;
        }

        JobState? wantedState = null;
        if (state is not null)
        {
            if (!QueryNames.TryParse<JobState>(state, out var parsed))
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

        return TypedResults.Ok(await sender.Send(new ListJobs(queue, wantedState, pageSize, cursor, access.VisibleTeams(user), arrayId), cancellationToken));
    }

    internal static Task<Results<Ok<JobDetails>, ProblemHttpResult>> GetJobAsync(
        string id, ClaimsPrincipal user, Access access, ISender sender, CancellationToken cancellationToken) =>
        ForJobAsync(id, jobId => access.ReadJobAsync(user, jobId, cancellationToken), jobId => sender.Send(new GetJob(jobId), cancellationToken));

    internal static Task<Results<Ok<JobDetails>, ProblemHttpResult>> CancelJobAsync(
        string id, ClaimsPrincipal user, Access access, ISender sender, CancellationToken cancellationToken) =>
        ForJobAsync(id, jobId => access.ManageJobAsync(user, jobId, cancellationToken), jobId => sender.Send(new CancelJob(jobId, user.UserName()), cancellationToken));

    internal static Task<Results<Ok<JobDetails>, ProblemHttpResult>> HoldJobAsync(
        string id, ClaimsPrincipal user, Access access, ISender sender, CancellationToken cancellationToken) =>
        ForJobAsync(id, jobId => access.ManageJobAsync(user, jobId, cancellationToken), jobId => sender.Send(new HoldJob(jobId, Caller(user)), cancellationToken));

    internal static Task<Results<Ok<JobDetails>, ProblemHttpResult>> ReleaseJobAsync(
        string id, ClaimsPrincipal user, Access access, ISender sender, CancellationToken cancellationToken) =>
        ForJobAsync(id, jobId => access.ManageJobAsync(user, jobId, cancellationToken), jobId => sender.Send(new ReleaseJob(jobId, Caller(user)), cancellationToken));

    internal static Task<Results<Ok<JobDetails>, ProblemHttpResult>> RequeueJobAsync(
        string id, ClaimsPrincipal user, Access access, ISender sender, CancellationToken cancellationToken) =>
        ForJobAsync(id, jobId => access.ManageJobAsync(user, jobId, cancellationToken), jobId => sender.Send(new RequeueJob(jobId, Caller(user)), cancellationToken));

    /// <summary>Moving the job to another queue also needs the right to submit there.</summary>
    internal static Task<Results<Ok<JobDetails>, ProblemHttpResult>> UpdateJobAsync(
        string id, JobUpdate changes, ClaimsPrincipal user, Access access, ISender sender, CancellationToken cancellationToken) =>
        ForJobAsync(id,
            async jobId => await access.ManageJobAsync(user, jobId, cancellationToken) ?? await access.SubmitAsync(user, changes?.Queue, cancellationToken),
            jobId => sender.Send(new UpdateJob(jobId, changes!, Caller(user)), cancellationToken));

    /// <summary>Who asked, for the job's event; the manage policy admits only signed-in users, who all have a name.</summary>
    private static string Caller(ClaimsPrincipal user) => user.UserName() ?? "unknown";
    internal static Task<Results<Ok<CancelledArray>, ProblemHttpResult>> CancelArrayAsync(
        string id, ClaimsPrincipal user, Access access, ISender sender, CancellationToken cancellationToken) =>
        ForArrayAsync(id, "cancel it with DELETE /api/v1/jobs/{0}", user, access, sender,
            arrayId => sender.Send(new CancelArray(arrayId), cancellationToken), cancellationToken);

    internal static Task<Results<Ok<ArrayControlled>, ProblemHttpResult>> HoldArrayAsync(
        string id, ClaimsPrincipal user, Access access, ISender sender, CancellationToken cancellationToken) =>
        ForArrayAsync(id, "hold it with POST /api/v1/jobs/{0}/hold", user, access, sender,
            arrayId => sender.Send(new HoldArray(arrayId, Caller(user), Hold: true), cancellationToken), cancellationToken);

    internal static Task<Results<Ok<ArrayControlled>, ProblemHttpResult>> ReleaseArrayAsync(
        string id, ClaimsPrincipal user, Access access, ISender sender, CancellationToken cancellationToken) =>
        ForArrayAsync(id, "release it with POST /api/v1/jobs/{0}/release", user, access, sender,
            arrayId => sender.Send(new HoldArray(arrayId, Caller(user), Hold: false), cancellationToken), cancellationToken);

    /// <summary>
    /// An array control: <paramref name="id"/> is the array's id or one of its tasks'. Whoever may manage the array's tasks (or,
    /// when the id names no array, the job itself) may act on it; a job that is no task is a conflict naming the single-job
    /// control (<paramref name="singleJob"/>, with <c>{0}</c> for its id).
    /// </summary>
    private static async Task<Results<Ok<T>, ProblemHttpResult>> ForArrayAsync<T>(
        string id, string singleJob, ClaimsPrincipal user, Access access, ISender sender, Func<Guid, ValueTask<Result<T>>> control, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(id, out var given))
        {
            return Problems.Invalid("id", "must be an array id or the id of one of its tasks (a UUID)");
        }

        var array = await sender.Send(new FindArray(given), cancellationToken);
        if (await access.ManageJobAsync(user, array?.TaskId ?? given, cancellationToken) is { } refused)
        {
            return refused;
        }

        if (array is null)
        {
            return (await sender.Send(new GetJob(given), cancellationToken)).IsSuccess
                ? Problems.Create(StatusCodes.Status409Conflict, "Conflict with the current state.", new Dictionary<string, string[]> { ["id"] = [$"job {given} is not a task of an array; {string.Format(System.Globalization.CultureInfo.InvariantCulture, singleJob, given)}"] })
                : Problems.Create(StatusCodes.Status404NotFound, "Not found.", new Dictionary<string, string[]> { ["id"] = [$"no array or job has id {given}"] });
        }

        return (await control(array.ArrayId)).ToOkOrProblem();
    }

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
}
