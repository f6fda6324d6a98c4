using System.Globalization;
using System.Security.Claims;
using System.Text;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using Scheduler.Api.Auth;
using Scheduler.Api.Http;
using Scheduler.Application.Accounting;
using Scheduler.Domain.Jobs;
using Scheduler.Domain.Queues;

namespace Scheduler.Api.Apis;

/// <summary>Accounting (docs/accounting.md): per-job use (sacct) and GPU-hours per group and period (sreport), JSON or CSV.</summary>
public static class AccountingApi
{
    private const string Csv = "text/csv";

    public static RouteGroupBuilder MapAccountingApiV1(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("api/v1/accounting").WithTags("Accounting").RequireAuthorization(Permissions.Read);
        api.MapGet("/jobs", ListJobsAsync).WithName("ListJobAccounting")
            .WithSummary("Jobs that ran or ended in [from, to): elapsed, GPU-seconds per attempt, predicted vs measured GPU-hours and memory")
            .WithDescription("Filters: from, to (ISO-8601; default the last 7 days), queue, state, user (who submitted); paging with limit (1–1000) and offset. Accept: text/csv answers CSV. In private mode only the caller's teams' jobs.");
        api.MapGet("/usage", GetUsageAsync).WithName("GetUsage")
            .WithSummary("GPU-hours by queue, user or team, period (day, week, month) and GPU type in [from, to)")
            .WithDescription("by=queue|user|team, period=day|week|month, from/to ISO-8601 (default the last 30 days, at most 400). Accept: text/csv answers CSV. In private mode only the caller's teams' jobs count.");
        return api;
    }

    internal static async Task<Results<Ok<JobAccountingPage>, ContentHttpResult, ProblemHttpResult>> ListJobsAsync(
        HttpRequest request, string? from, string? to, string? queue, string? state, string? user, string? limit, string? offset, ClaimsPrincipal principal, Access access,
        ISender sender, CancellationToken cancellationToken)
    {
        if (!TryTime("from", from, out var fromTime, out var problem) || !TryTime("to", to, out var toTime, out problem))
        {
            return problem!;
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

        if (!TryWhole("limit", limit, ListJobAccounting.DefaultLimit, out var pageSize, out problem) || !TryWhole("offset", offset, 0, out var skip, out problem))
        {
            return problem!;
        }

        var page = await sender.Send(new ListJobAccounting(fromTime, toTime, queue, wantedState, pageSize, skip, user, access.VisibleTeams(principal)), cancellationToken);
        if (!WantsCsv(request))
        {
            return TypedResults.Ok(page);
        }

        var csv = new StringBuilder("id,name,queue,state,reason,gpu_type,gpus,submitted_at,started_at,ended_at,elapsed_seconds,gpu_seconds,gpu_hours,predicted_gpu_hours,measured_gpu_hours,predicted_memory_gib,peak_memory_gib,attempts,submitted_by,team\n");
        foreach (var r in page.Items)
        {
            csv.AppendLine(Row(r.Id, r.Name, r.Queue, r.State, r.Reason, r.GpuType, r.Gpus, r.SubmittedAt, r.StartedAt, r.EndedAt, r.ElapsedSeconds, r.GpuSeconds,
                r.GpuHours, r.PredictedGpuHours, r.MeasuredGpuHours, r.PredictedMemoryGiB, r.PeakMemoryGiB, r.Attempts.Count, r.SubmittedBy, r.Team));
        }

        return TypedResults.Text(csv.ToString(), Csv);
    }

    internal static async Task<Results<Ok<UsageReport>, ContentHttpResult, ProblemHttpResult>> GetUsageAsync(
        HttpRequest request, string? by, string? period, string? from, string? to, ClaimsPrincipal principal, Access access, ISender sender,
        CancellationToken cancellationToken)
    {
        var grouping = UsageGrouping.Queue;
        if (by is not null && !QueryNames.TryParse(by, out grouping))
        {
            return Problems.Invalid("by", "must be queue, user or team");
        }

        var bucket = BudgetPeriod.Day;
        if (period is not null && !QueryNames.TryParse(period, out bucket))
        {
            return Problems.Invalid("period", "must be day, week or month");
        }

        if (!TryTime("from", from, out var fromTime, out var problem) || !TryTime("to", to, out var toTime, out problem))
        {
            return problem!;
        }

        var report = await sender.Send(new GetUsage(grouping, bucket, fromTime, toTime, access.VisibleTeams(principal)), cancellationToken);
        if (!WantsCsv(request))
        {
            return TypedResults.Ok(report);
        }

        var csv = new StringBuilder($"{report.By.ToString().ToLowerInvariant()},period_start,gpu_type,gpu_hours,jobs,predicted_gpu_hours,measured_gpu_hours\n");
        foreach (var r in report.Rows)
        {
            csv.AppendLine(Row(r.Group, r.PeriodStart, r.GpuType, r.GpuHours, r.Jobs, r.PredictedGpuHours, r.MeasuredGpuHours));
        }

        return TypedResults.Text(csv.ToString(), Csv);
    }

    private static bool WantsCsv(HttpRequest request) =>
        request.GetTypedHeaders().Accept.Any(a => string.Equals(a.MediaType.Value, Csv, StringComparison.OrdinalIgnoreCase));

    private static bool TryTime(string field, string? text, out DateTimeOffset? value, out ProblemHttpResult? problem)
    {
        value = null;
        problem = null;
        if (text is null)
        {
            return true;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
        {
            value = parsed;
            return true;
        }

        problem = Problems.Invalid(field, "must be an ISO-8601 date or time (2026-01-31 or 2026-01-31T12:00:00Z)");
        return false;
    }

    private static bool TryWhole(string field, string? text, int fallback, out int value, out ProblemHttpResult? problem)
    {
        problem = null;
        value = fallback;
        if (text is null || int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value))
        {
            return true;
        }

        problem = Problems.Invalid(field, "must be a whole number");
        return false;
    }

    /// <summary>One CSV line (RFC 4180: fields with commas, quotes or line breaks are quoted).</summary>
    private static string Row(params object?[] values) => string.Join(',', values.Select(v =>
    {
        var text = v switch
        {
            null => "",
            DateTimeOffset t => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            double d => d.ToString("0.######", CultureInfo.InvariantCulture),
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => v.ToString() ?? "",
        };
        return text.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : text;
    }));
}
