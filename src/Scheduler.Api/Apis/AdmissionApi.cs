using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using Scheduler.Admission;
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
        api.MapPost("/estimate", EstimateAsync).WithName("EstimateJob")
            .WithSummary("Price a job spec without submitting it")
            .WithDescription("The estimate submission would store: parameters, FLOPs, per-GPU memory with its breakdown, fits and suggestions, step time, wall hours, GPU-hours, and the MFU used with its source. With ?advise=true it adds 'advice': the cheapest and the fastest feasible layouts (parallel degrees, ZeRO stage, recomputation, micro-batch, pipeline schedule) with their memory, spec changes and saving. 400 for an invalid spec; nothing is written.");
        api.MapPost("/jobs/{id}/telemetry", RecordTelemetryAsync).WithName("RecordTelemetry")
            .WithSummary("Record a telemetry sample of a job (the trainer posts these)")
            .WithDescription("Stores the sample and answers the job's measured progress. The final sample of a GPU run updates the MFU calibration.");
        api.MapGet("/calibration", GetCalibrationAsync).WithName("GetCalibration").WithSummary("The calibrated MFU table estimates use now");
        api.MapPost("/calibration", RecalibrateAsync).WithName("Recalibrate").WithSummary("Rebuild the MFU table from the stored samples now");
        return app;
    }

    internal static async Task<Ok<Estimate>> EstimateAsync(JobSpec spec, ISender sender, CancellationToken cancellationToken, bool advise = false) =>
        TypedResults.Ok(await sender.Send(new EstimateJob(spec, advise), cancellationToken));

    internal static Task<Results<Ok<MeasuredProgress>, ProblemHttpResult>> RecordTelemetryAsync(
        string id, TelemetrySample report, ISender sender, CancellationToken cancellationToken) =>
        JobsApi.ForJobAsync(id, jobId => sender.Send(new RecordTelemetry(jobId, report), cancellationToken));

    internal static async Task<Ok<CalibrationDetails>> GetCalibrationAsync(ISender sender, CancellationToken cancellationToken) =>
        TypedResults.Ok(await sender.Send(new GetCalibration(), cancellationToken));

    internal static async Task<Ok<CalibrationDetails>> RecalibrateAsync(ISender sender, CancellationToken cancellationToken) =>
        TypedResults.Ok(await sender.Send(new Recalibrate(), cancellationToken));
}
