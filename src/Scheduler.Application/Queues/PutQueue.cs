using System.Text.Json;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Scheduler.Application.Common;
using Scheduler.Application.Identity;
using Scheduler.Domain.Queues;
using Scheduler.Domain.Specs;
using Scheduler.Domain.Validation;
using Scheduler.Persistence;
using Scheduler.Persistence.Queues;

namespace Scheduler.Application.Queues;

/// <summary>Create a queue, or replace its spec as a whole.</summary>
/// <remarks>Audited (spec before and after) as <paramref name="Actor"/>; the operator's GpuQueue sync leaves it null (system).</remarks>
public sealed record PutQueue(string Name, QueueSpec Spec, string? Actor = null) : ICommand<Result<PutQueueResult>>;

public sealed record PutQueueResult(QueueDetails Queue, bool Created);

internal sealed class PutQueueValidator(QueueSpecRules rules, Microsoft.Extensions.Options.IOptions<Notifications.NotificationOptions> notifications) : IMessageValidator<PutQueue>
{
    public IEnumerable<FieldError> Validate(PutQueue message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (!JobSpecValidator.IsDnsLabel(message.Name))
        {
            yield return new FieldError("name", "must be a DNS-1123 label: at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit");
        }

        if (message.Spec is null)
        {
            yield return new FieldError("$", "the body must be a queue spec");
            yield break;
        }

        foreach (var error in rules.Check(message.Spec).Concat(Notifications.NotificationTargets.Check(message.Spec.Notify, notifications.Value)))
        {
            yield return error;
        }
    }
}

internal sealed class PutQueueHandler(SchedulerDbContext db, TimeProvider clock, QueueDirectory queues) : ICommandHandler<PutQueue, Result<PutQueueResult>>
{
    public async ValueTask<Result<PutQueueResult>> Handle(PutQueue command, CancellationToken cancellationToken)
    {
        var spec = QueueSpecRules.Normalize(command.Spec);
        // Two concurrent creations: the loser finds the winner's row and replaces it.
        for (var attempt = 1; ; attempt++)
        {
            var now = clock.StoreNow();
            var queue = await db.Queues.FirstOrDefaultAsync(q => q.Name == command.Name, cancellationToken);
            var created = queue is null;
            var before = queue?.Spec;
            if (queue is null)
            {
                queue = new JobQueue(command.Name, spec, now);
                db.Queues.Add(queue);
            }
            else
            {
                queue.Replace(spec, now);
            }

            if (before is null || !SameJson(before, spec))
            {
                AuditLog.Record(db, command.Actor, created ? "queue.create" : "queue.update", $"queue/{command.Name}", before, spec, now);
            }

            try
            {
                await db.SaveChangesAsync(cancellationToken);
                db.ChangeTracker.Clear();
                queues.Forget(command.Name);
                return new PutQueueResult(QueueDetails.From(queue), created);
            }
            catch (DbUpdateException ex) when (attempt < 3 && ex.IsUniqueViolation(ConstraintNames.QueueName))
            {
                db.ChangeTracker.Clear();
            }
        }
    }

    // Resyncs of an unchanged GpuQueue put the same spec again: only a change is audited.
    private static bool SameJson(QueueSpec a, QueueSpec b) =>
        JsonSerializer.Serialize(a, JobSpecJson.Options) == JsonSerializer.Serialize(b, JobSpecJson.Options);
}
