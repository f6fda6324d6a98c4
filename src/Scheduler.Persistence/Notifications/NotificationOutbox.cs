using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Scheduler.Domain.Jobs;
using Scheduler.Domain.Specs;

namespace Scheduler.Persistence.Notifications;

/// <summary>
/// Adds the outbox rows owed for the job events a save is about to write, so they commit (or not) with the state change
/// itself: every job transition saves its event through the context, whichever use case made it.
/// </summary>
internal static class NotificationOutbox
{
    public static void AddOwedDeliveries(SchedulerDbContext db)
    {
        var added = db.ChangeTracker.Entries<JobEvent>().Where(e => e.State == EntityState.Added).Select(e => e.Entity).ToList();
        foreach (var jobEvent in added)
        {
            if (NotificationEvents.For(jobEvent.To) is not { } kind || Subscribers(db, jobEvent.JobId) is not { Count: > 0 } notify)
            {
                continue;
            }

            // One delivery per URL, however many entries (the job's, its queue's) name it for this event.
            var urls = notify.Where(n => n?.Url is not null && n.Events is not null && n.Events.Contains(kind)).Select(n => n.Url!).Distinct(StringComparer.Ordinal);
            foreach (var url in urls)
            {
                db.Add(new NotificationDelivery
                {
                    Id = Guid.CreateVersion7(jobEvent.At),
                    JobId = jobEvent.JobId,
                    Sequence = jobEvent.Sequence,
                    Url = url,
                    Event = kind.ToString(),
                    Reason = jobEvent.Reason,
                    At = jobEvent.At,
                    NextAttemptAt = jobEvent.At,
                });
            }
        }
    }

    // The job is tracked: a transition is made on the tracked job and saved with it.
    private static IReadOnlyList<NotifySpec>? Subscribers(SchedulerDbContext db, Guid jobId) =>
        db.ChangeTracker.Entries<Job>().FirstOrDefault(j => j.Entity.Id == jobId) is EntityEntry<Job> entry ? entry.Entity.Spec.Notify : null;
}
