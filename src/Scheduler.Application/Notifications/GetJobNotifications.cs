using Mediator;
using Microsoft.EntityFrameworkCore;
using Scheduler.Application.Common;
using Scheduler.Application.Jobs;
using Scheduler.Persistence;

namespace Scheduler.Application.Notifications;

/// <summary>A job's webhook deliveries, oldest event first: attempts, last status, next try, delivered or given up.</summary>
public sealed record GetJobNotifications(Guid JobId) : IQuery<Result<IReadOnlyList<NotificationDetails>>>;

public sealed record NotificationDetails(
    Guid Id, int Sequence, string Event, string Url, string Reason, DateTimeOffset At, string Status, int Attempts,
    int? LastStatus, string? LastError, DateTimeOffset? LastAttemptAt, DateTimeOffset? NextAttemptAt, DateTimeOffset? DeliveredAt);

internal sealed class GetJobNotificationsHandler(SchedulerDbContext db) : IQueryHandler<GetJobNotifications, Result<IReadOnlyList<NotificationDetails>>>
{
    public async ValueTask<Result<IReadOnlyList<NotificationDetails>>> Handle(GetJobNotifications query, CancellationToken cancellationToken)
    {
        if (!await db.Jobs.AnyAsync(j => j.Id == query.JobId, cancellationToken))
        {
            return JobChanges.NoSuchJob(query.JobId);
        }

        var rows = await db.NotificationDeliveries.AsNoTracking().Where(d => d.JobId == query.JobId)
            .OrderBy(d => d.Sequence).ThenBy(d => d.Url).ToListAsync(cancellationToken);
        return Result<IReadOnlyList<NotificationDetails>>.Success(rows.Select(d => new NotificationDetails(
            d.Id, d.Sequence, d.Event, d.Url, d.Reason, d.At,
            d.DeliveredAt is not null ? "Delivered" : d.GaveUpAt is not null ? "GaveUp" : "Pending",
            d.Attempts, d.LastStatus, d.LastError, d.LastAttemptAt,
            d.DeliveredAt is null && d.GaveUpAt is null ? d.NextAttemptAt : null, d.DeliveredAt)).ToList());
    }
}
