using System.Text.Json;
using Scheduler.Domain.Jobs;
using Scheduler.Domain.Specs;

namespace Scheduler.Cli.Client;

// The CLI's own view of the REST API's answers (docs/api.md). Only the fields the CLI shows; the server may add more.
// These records are also the stable field names of --json output.

internal sealed record JobView(
    Guid Id,
    string Name,
    string Queue,
    string PriorityClass,
    JobState State,
    string Reason,
    int Attempt,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    JobSpec? Spec,
    EstimateView? Estimate,
    MeasuredView? Measured,
    string? BudgetHold,
    string? PendingReason,
    DateTimeOffset? PredictedStart,
    IReadOnlyList<string>? Nodes,
    double Progress)
{
    public double Gpus => Spec?.Resources?.GpuShare() ?? 0;

    public string GpuType => Spec?.Resources?.GpuType ?? "";

    /// <summary>The array this job is a task of; null outside an array.</summary>
    public Guid? ArrayId { get; init; }

    /// <summary>Who submitted it (the token's or the OIDC user); null for TrainingJobs.</summary>
    public string? SubmittedBy { get; init; }

    public int? ArrayIndex { get; init; }
}

/// <summary>The answer of DELETE /api/v1/jobs/{id}/array.</summary>
internal sealed record CancelledArrayView(Guid ArrayId, int Tasks, int Cancelled);

internal sealed record ArrayControlledView(Guid ArrayId, int Tasks, int Changed);

internal sealed record EstimateView(
    double GpuHours, double WallHours, bool Fits, double? GpuMemoryGiB, MemoryView? MemoryPerGpuGiB, string? GpuType, InterconnectView? Interconnect = null);

/// <summary>Set on a placed gang's estimate: what its placement's interconnect did to the step time.</summary>
internal sealed record InterconnectView(int Racks, int Nodes, string Note);

internal sealed record MemoryView(double Total);

internal sealed record MeasuredView(long Step, double TokensPerSecond, double? Mfu, double? PeakMemoryGiB, double GpuHours, bool Final, string? ExitReason);

internal sealed record JobPageView(IReadOnlyList<JobView> Items, string? NextCursor);

internal sealed record JobEventView(int Sequence, JobState? From, JobState To, string Reason, DateTimeOffset At);

internal sealed record ClusterView(IReadOnlyList<NodeView> Nodes, IReadOnlyList<GpuTypeUsageView> ByType, IReadOnlyList<RunningJobView> Running);

internal sealed record NodeView(string Name, string GpuType, bool Ready, bool Schedulable, IReadOnlyList<GpuView> Gpus);

internal sealed record GpuView(int Index, int AllocatedMilli);

internal sealed record GpuTypeUsageView(string GpuType, double Allocated, int Capacity);

internal sealed record RunningJobView(Guid Id, string Name, string Queue, double Gpus, string GpuType, double? TokensPerSecond, double? Mfu);

internal sealed record QueuesBoardView(IReadOnlyList<QueueBoardView> Queues);

internal sealed record QueueBoardView(string Name, string? Cohort, StateCountsView Counts, IReadOnlyList<QuotaBarView> Quota, BudgetBarView? Budget, IReadOnlyList<PendingJobView> Pending);

internal sealed record StateCountsView(int Queued, int Admitted, int Running);

internal sealed record QuotaBarView(string GpuType, int Nominal, double Used, double Borrowed, int? BorrowingLimit, double Lendable);

internal sealed record BudgetBarView(string Period, DateTimeOffset PeriodStart, double GpuHours, double UsedGpuHours, double RemainingGpuHours);

internal sealed record PendingJobView(Guid Id, string Name, int Position, string Reason, DateTimeOffset? PredictedStart);

internal sealed record QueueView(string Name, QueueSpecView Spec);

internal sealed record QueueSpecView(string? Cohort, IReadOnlyDictionary<string, int>? NominalQuota, string? DefaultPriorityClass, double? FairShareWeight);

/// <summary>An RFC 7807 answer: title, status and the field → rules map the API always fills.</summary>
internal sealed record ProblemView(string? Title, int? Status, string? Detail, IReadOnlyDictionary<string, string[]>? Errors);

internal static class CliJson
{
    /// <summary>Reads the server's JSON (enums as names) and writes --json output (camelCase, indented, stable names).</summary>
    public static JsonSerializerOptions Options { get; } = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            WriteIndented = true,
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        };
        options.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter());
        return options;
    }
}

internal sealed record AttemptView(int Attempt, DateTimeOffset Start, DateTimeOffset End, bool Open, double Seconds, double GpuSeconds);

internal sealed record AccountingRowView(
    Guid Id, string Name, string Queue, JobState State, string Reason, string GpuType, double Gpus, DateTimeOffset SubmittedAt,
    DateTimeOffset? StartedAt, DateTimeOffset? EndedAt, double ElapsedSeconds, double GpuSeconds, double GpuHours,
    double? PredictedGpuHours, double? MeasuredGpuHours, double? PredictedMemoryGiB, double? PeakMemoryGiB, IReadOnlyList<AttemptView> Attempts,
    string? SubmittedBy = null, string? Team = null);

internal sealed record AccountingPageView(DateTimeOffset From, DateTimeOffset To, IReadOnlyList<AccountingRowView> Items, int? NextOffset);

internal sealed record UsageRowView(string Group, DateTimeOffset PeriodStart, string GpuType, double GpuHours, int Jobs, double PredictedGpuHours, double MeasuredGpuHours);

internal sealed record UsageReportView(string By, string Period, DateTimeOffset From, DateTimeOffset To, IReadOnlyList<UsageRowView> Rows);

/// <summary>GET /api/v1/me: the signed-in user.</summary>
internal sealed record MeView(string Name, bool ClusterAdmin, IReadOnlyList<TeamGrantView> Teams);

internal sealed record TeamGrantView(string Team, string Role);

/// <summary>GET /api/v1/auth/config: how to sign in; <paramref name="Oidc"/> null when the server offers no device flow.</summary>
internal sealed record AuthConfigView(bool ApiTokens, OidcClientView? Oidc);

internal sealed record OidcClientView(string Authority, string Issuer, string? Audience, string ClientId, IReadOnlyList<string> Scopes);
