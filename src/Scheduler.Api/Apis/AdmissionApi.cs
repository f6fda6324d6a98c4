using System.Security.Claims;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using Scheduler.Admission;
using Scheduler.Api.Auth;
using Scheduler.Api.Http;
using Scheduler.Application.Admission;
using Scheduler.Domain.Specs;
using Scheduler.Domain.Workloads;

namespace Scheduler.Api.Apis;

/// <summary>The estimator as a price calculator, the trainer's telemetry, and the MFU calibration it feeds (docs/admission.md).</summary>
public static class AdmissionApi
{
    public static IEndpointRouteBuilder MapAdmissionApiV1(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var api = app.MapGroup("api/v1").WithTags("Admission");
        api.MapPost("/estimate", EstimateAsync).WithName("EstimateJob").RequireAuthorization(Permissions.Read)
            .WithSummary("Price a job spec without submitting it")
            .WithDescription("The estimate submission would store: parameters, FLOPs, per-GPU memory with its breakdown, fits and suggestions, step time, wall hours, GPU-hours, and the MFU used with its source. With ?advise=true it adds 'advice': the cheapest and the fastest feasible layouts (parallel degrees, ZeRO stage, recomputation, micro-batch, pipeline schedule) with their memory, spec changes and saving. 400 for an invalid spec; nothing is written.");
        api.MapPost("/jobs/{id}/telemetry", RecordTelemetryAsync).WithName("RecordTelemetry")
            .RequireAuthorization(Permissions.PostTelemetry).RequireRateLimiting(AuthServices.TelemetryRateLimit)
            .WithSummary("Record a telemetry sample of a job (the trainer posts these)")
            .WithDescription("Only with the attempt's own token (SCHEDULER_TELEMETRY_TOKEN): another job's token is 403, an attempt that is not admitted or running 409. Stores the sample and answers the job's measured progress. The final sample of a GPU run becomes an MFU sample, which calibration uses once the job succeeded.");
        api.MapGet("/calibration", GetCalibrationAsync).WithName("GetCalibration").RequireAuthorization(Permissions.Read).WithSummary("The calibrated MFU table estimates use now");
        api.MapPost("/calibration", RecalibrateAsync).WithName("Recalibrate").RequireAuthorization(Permissions.ClusterAdmin).WithSummary("Rebuild the MFU table from the stored samples now");
        return app;
    }

    internal static async Task<Ok<Estimate>> EstimateAsync(JobSpec spec, ISender sender, CancellationToken cancellationToken, bool advise = false) =>
        TypedResults.Ok(await sender.Send(new EstimateJob(spec, advise), cancellationToken));

    internal static Task<Results<Ok<MeasuredProgress>, ProblemHttpResult>> RecordTelemetryAsync(
        string id, TelemetrySample report, ClaimsPrincipal user, ISender sender, CancellationToken cancellationToken)
    {
        var attempt = user.JobAttempt();
        return JobsApi.ForJobAsync(
            id,
            jobId => Task.FromResult(attempt?.JobId == jobId
                ? null
                : Problems.Forbidden(Permissions.PostTelemetry, $"the job token speaks for job {attempt?.JobId}, not {jobId}")),
            jobId => sender.Send(new RecordTelemetry(jobId, report, attempt!.Value.Attempt), cancellationToken));
    }

    internal static async Task<Ok<CalibrationDetails>> GetCalibrationAsync(ISender sender, CancellationToken cancellationToken) =>
        TypedResults.Ok(await sender.Send(new GetCalibration(), cancellationToken));

    internal static async Task<Ok<CalibrationDetails>> RecalibrateAsync(ISender sender, CancellationToken cancellationToken) =>
        TypedResults.Ok(await sender.Send(new Recalibrate(), cancellationToken));
}
