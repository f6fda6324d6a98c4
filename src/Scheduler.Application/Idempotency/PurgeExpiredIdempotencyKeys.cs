using Mediator;
using Microsoft.EntityFrameworkCore;
using Scheduler.Application.Common;
using Scheduler.Persistence;

namespace Scheduler.Application.Idempotency;

/// <summary>Deletes the <c>Idempotency-Key</c> records whose 24 hours are over; answers how many went.</summary>
public sealed record PurgeExpiredIdempotencyKeys : ICommand<int>;

internal sealed class PurgeExpiredIdempotencyKeysHandler(SchedulerDbContext db, TimeProvider clock) : ICommandHandler<PurgeExpiredIdempotencyKeys, int>
{
    public async ValueTask<int> Handle(PurgeExpiredIdempotencyKeys command, CancellationToken cancellationToken)
    {
        // Expired means ExpiresAt <= now, as SubmitJob reads it; the (expires_at) index serves this.
        var now = clock.StoreNow();
        return await db.IdempotencyKeys.Where(k => k.ExpiresAt <= now).ExecuteDeleteAsync(cancellationToken);
    }
}
