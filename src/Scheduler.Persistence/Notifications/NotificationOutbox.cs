using Microsoft.EntityFrameworkCore;
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
        // One pass over the tracker (one DetectChanges): a transition's new event is found through its tracked job.
        List<JobEvent>? added = null;
        Dictionary<Guid, Job>? jobs = null;
        foreach (var entry in db.ChangeTracker.Entries())
        {
            if (entry.Entity is JobEvent { } jobEvent && entry.State == EntityState.Added && NotificationEvents.For(jobEvent.To) is not null)
            {
                (added ??= []).Add(jobEvent);
            }
            else if (entry.Entity is Job { Spec.Notify.Count: > 0 } job)
            {
                (jobs ??= [])[job.Id] = job;
            }
        }

        if (added is null || jobs is null)
        {
            return;
        }

        foreach (var jobEvent in added)
        {
            if (NotificationEvents.For(jobEvent.To) is not { } kind || !jobs.TryGetValue(jobEvent.JobId, out var job))
            {
                continue;
            }

            var notify = job.Spec.Notify!;
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
}
