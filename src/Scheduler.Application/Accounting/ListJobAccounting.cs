using FluentValidation;
using Microsoft.Extensions.Configuration;
using Mediator;
using Scheduler.Application.Common;
using Scheduler.Application.Dashboard;
using Scheduler.Domain.Jobs;
using Scheduler.Persistence;

namespace Scheduler.Application.Accounting;

/// <summary>
/// sacct: jobs that ran or ended in [<paramref name="From"/>, <paramref name="To"/>) (default: the last 7 days), with
/// elapsed time, GPU-seconds per attempt from placement and release times, predicted vs measured GPU-hours and memory.
/// <paramref name="User"/> keeps one submitter's jobs; <paramref name="Teams"/> (private mode) the jobs of those teams' queues.
/// </summary>
public sealed record ListJobAccounting(
    DateTimeOffset? From = null, DateTimeOffset? To = null, string? Queue = null, JobState? State = null,
    int Limit = ListJobAccounting.DefaultLimit, int Offset = 0, string? User = null, IReadOnlyList<string>? Teams = null) : IQuery<JobAccountingPage>
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;
    public const int MaxOffset = int.MaxValue - MaxLimit;
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromDays(7);
}

/// <summary>A page of rows; <see cref="NextOffset"/> is null on the last page.</summary>
public sealed record JobAccountingPage(DateTimeOffset From, DateTimeOffset To, IReadOnlyList<JobAccountingRow> Items, int? NextOffset);

/// <summary>
/// One job. <see cref="GpuSeconds"/> counts inside the window; <see cref="ElapsedSeconds"/> is all its attempts' time;
/// <see cref="MeasuredGpuHours"/> and <see cref="PeakMemoryGiB"/> come from telemetry (null without it); <see cref="SubmittedBy"/>
/// and <see cref="Team"/> (the queue's owner) are null for jobs submitted before identity or queues no team owns.
/// </summary>
public sealed record JobAccountingRow(
    Guid Id, string Name, string Queue, JobState State, string Reason, string GpuType, double Gpus, DateTimeOffset SubmittedAt,
    DateTimeOffset? StartedAt, DateTimeOffset? EndedAt, double ElapsedSeconds, double GpuSeconds, double GpuHours,
    double? PredictedGpuHours, double? MeasuredGpuHours, double? PredictedMemoryGiB, double? PeakMemoryGiB, IReadOnlyList<AttemptUsage> Attempts,
    string? SubmittedBy, string? Team);

internal sealed class ListJobAccountingValidator : MessageValidator<ListJobAccounting>
{
    public ListJobAccountingValidator(IConfiguration configuration, TimeProvider clock)
    {
        var retention = AccountingRetention.FromConfiguration(configuration);
        RuleFor(m => m.From).Must(from => from is null || from >= clock.GetUtcNow() - retention)
            .WithMessage($"must be within the accounting retention of {retention.TotalDays} days (Scheduler:Accounting:Retention): older jobs are purged");
        RuleFor(m => m.To).Must((m, to) => m.From is null || to is null || m.From < to).WithMessage("must be after from");
        // The window's far ends: a `to` before the retention has nothing to show (and its default window would run past
        // year 1), and a `from` after now with `to` left at now would be a window that ends before it begins.
        RuleFor(m => m.To).Must(to => to is null || to > clock.GetUtcNow() - retention)
            .WithMessage($"must be within the accounting retention of {retention.TotalDays} days (Scheduler:Accounting:Retention): older jobs are purged");
        RuleFor(m => m.From).Must((m, from) => from is null || m.To is not null || from < clock.GetUtcNow())
            .WithMessage("must be in the past when to is absent (to is then now)");
        RuleFor(m => m.Limit).InclusiveBetween(1, ListJobAccounting.MaxLimit).WithMessage($"must be between 1 and {ListJobAccounting.MaxLimit}");
        // Bounded so that offset + limit (the next page's offset) stays an int.
        RuleFor(m => m.Offset).InclusiveBetween(0, ListJobAccounting.MaxOffset).WithMessage($"must be between 0 and {ListJobAccounting.MaxOffset}");
        RuleFor(m => m.State).IsInEnum().WithMessage("must be a job state");
    }
}

internal sealed class ListJobAccountingHandler(SchedulerDbContext db, IClusterView cluster, TimeProvider clock)
    : IQueryHandler<ListJobAccounting, JobAccountingPage>
{
    public async ValueTask<JobAccountingPage> Handle(ListJobAccounting query, CancellationToken cancellationToken)
    {
        var now = clock.StoreNow();
        var to = query.To ?? now;
        var from = query.From ?? to - ListJobAccounting.DefaultWindow;
        var usage = await JobUsage.LoadAsync(db, cluster, from, to, now, new UsageFilter(query.Queue, query.State, query.User, query.Teams), cancellationToken);
        var rows = usage.Skip(query.Offset).Take(query.Limit).Select(u =>
        {
            var gpuSeconds = u.GpuSecondsWithin(from, to);
            return new JobAccountingRow(u.Job.Id, u.Job.Name, u.Job.Queue, u.Job.State, u.Job.Reason, u.GpuType, u.Gpus, u.Job.CreatedAt,
                u.Attempts.FirstOrDefault()?.Start, JobStateMachine.IsFinal(u.Job.State) ? u.Job.UpdatedAt : null,
                u.Attempts.Sum(a => a.Seconds), gpuSeconds, gpuSeconds / 3600, u.PredictedGpuHours, u.MeasuredGpuHours, u.PredictedMemoryGiB,
                u.PeakMemoryGiB, u.Attempts, u.Job.SubmittedBy, u.Team);
        }).ToList();
        var next = query.Offset + query.Limit < usage.Count ? query.Offset + query.Limit : (int?)null;
        return new JobAccountingPage(from, to, rows, next);
    }
}
